import { Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import { expectCompliant, sharedFixture, stackWithFileSystem } from './helpers';
import { FileSystemDashboard, SharedFileSystem, SharedFileSystemProps } from '../src';

/** The titles of the dashboard's widgets, in order, read from the synthesized body. */
function widgetTitles(props: Partial<SharedFileSystemProps>, functionIds: string[], dashboardName?: string) {
  const { stack, shared, addFunction } = stackWithFileSystem(props);
  const functions = functionIds.map(id => addFunction(id));
  new FileSystemDashboard(stack, 'Dashboard', { fileSystem: shared, functions, dashboardName });
  expectCompliant(stack);
  const template = Template.fromStack(stack);
  const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0];
  // The body is a Fn::Join of JSON text around tokens inside its strings (metric dimensions).
  const body: string = stack.resolve(dashboard.Properties.DashboardBody)['Fn::Join'][1]
    .map((part: unknown) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  const titles = JSON.parse(body).widgets.map((widget: { properties: { title: string } }) => widget.properties.title);
  return { titles, template };
}

/** The dashboard of a file system with its defaults, no function and no name, synthesized once for the tests that only read it. */
const elasticDashboard = sharedFixture(() => widgetTitles({}, []));

describe('FileSystemDashboard', () => {
  test.each([
    ['bursting', () => widgetTitles({ throughputMode: efs.ThroughputMode.BURSTING }, []), 'Burst credit balance (bytes)', 'Metered I/O bytes'],
    ['provisioned', () => widgetTitles({ throughputMode: efs.ThroughputMode.PROVISIONED, provisionedThroughputPerSecond: Size.mebibytes(10) }, []),
      'Percent I/O limit', 'Throughput, % of provisioned'],
    ['elastic (the default)', elasticDashboard, 'Percent I/O limit', 'Metered I/O bytes'],
  ])('%s file system: the first and third graphs follow the throughput mode', (_mode, dashboard, first, third) => {
    const { titles } = dashboard();
    expect(titles).toEqual([first, 'Client connections', third, 'Client connections now']);
  });

  test('four graphs per function after the file system\'s, named by the function\'s path', () => {
    const { titles } = widgetTitles({}, ['Classifier', 'Installer']);
    expect(titles.slice(4)).toEqual([
      'Default/Classifier: errors', 'Default/Classifier: throttles', 'Default/Classifier: duration p99 (ms)', 'Default/Classifier: init duration (ms)',
      'Default/Installer: errors', 'Default/Installer: throttles', 'Default/Installer: duration p99 (ms)', 'Default/Installer: init duration (ms)',
    ]);
  });

  test('the dashboard name when given, none otherwise', () => {
    widgetTitles({}, [], 'inference-efs').template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'inference-efs' });
    const unnamed = Object.values(elasticDashboard().template.findResources('AWS::CloudWatch::Dashboard'))[0];
    expect(unnamed.Properties.DashboardName).toBeUndefined();
  });

  test.each([
    ['of unknown throughput mode', {}, 'Percent I/O limit', 'Metered I/O bytes'],
    ['in bursting mode', { throughputMode: efs.ThroughputMode.BURSTING }, 'Burst credit balance (bytes)', 'Metered I/O bytes'],
    ['in provisioned mode (its rate unknown: the bytes)', { throughputMode: efs.ThroughputMode.PROVISIONED }, 'Percent I/O limit', 'Metered I/O bytes'],
    ['in provisioned mode (its rate given: the share of it)', { throughputMode: efs.ThroughputMode.PROVISIONED, provisionedThroughputPerSecond: Size.mebibytes(10) },
      'Percent I/O limit', 'Throughput, % of provisioned'],
  ])('an imported file system %s gets the same graphs, on its id', (_name, attrs, first, throughput) => {
    const stack = new Stack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-12345678');
    const fileSystem = SharedFileSystem.fromFileSystemAttributes(stack, 'Imported', {
      fileSystemId: 'fs-0123456789abcdef0', securityGroup, vpc, waitForMountTargets: false, ...attrs,
    });
    new FileSystemDashboard(stack, 'Dashboard', { fileSystem });
    const dashboard = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'))[0];
    const body = JSON.parse(stack.resolve(dashboard.Properties.DashboardBody)['Fn::Join'][1]
      .map((part: unknown) => (typeof part === 'string' ? part : 'TOKEN')).join(''));
    expect(body.widgets.map((widget: { properties: { title: string } }) => widget.properties.title))
      .toEqual([first, 'Client connections', throughput, 'Client connections now']);
    expect(JSON.stringify(body)).toContain('"FileSystemId","fs-0123456789abcdef0"');
  });
});
