import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IConstruct } from 'constructs';
import { EfsBackedFunction, EfsDependencyInstaller, FileSystemDashboard, SharedFileSystem } from '../src';
import { Fixture, fixture, functionProps, LATEST_PYTHON } from './helpers';

/**
 * Every kind of client in another stack than the file system: the app synthesizes (no cyclic
 * reference), the NFS rule is in the client's stack, and the file system's stack references
 * nothing of the client's.
 */
function twoStacks(): { app: App; storage: Stack; clients: Stack; f: Fixture } {
  const app = new App();
  const storage = new Stack(app, 'Storage');
  const f = fixture(storage);
  const clients = new Stack(app, 'Clients');
  return { app, storage, clients, f };
}

/** The ingress rules into the file system's security group that a template holds. */
function nfsRulesIn(stack: Stack): object[] {
  return Object.values(Template.fromStack(stack).findResources('AWS::EC2::SecurityGroupIngress', {
    Properties: { FromPort: 2049, ToPort: 2049, IpProtocol: 'tcp' },
  }));
}

/** Synthesize the app (throws on a cycle) and check that the storage stack does not depend on the clients' stack. */
function expectNoBackReference(app: App, storage: Stack, clients: Stack): void {
  expect(() => app.synth()).not.toThrow();
  expect(storage.dependencies).not.toContain(clients);
  expect(JSON.stringify(Template.fromStack(storage).toJSON())).not.toMatch(/Fn::ImportValue/);
}

/** Whether `client` (or one of its children) depends on the file system's mount targets. */
function waitsForMountTargets(client: IConstruct, f: Fixture): boolean {
  const targets = new Set(f.shared.fileSystem.node.findAll().filter(c => c.node.id.startsWith('EfsMountTarget')));
  return client.node.findAll().some(c => c.node.dependencies.some(d => targets.has(d) || d === f.shared.fileSystem));
}

describe('a client in another stack than its file system', () => {
  test('EfsBackedFunction: no cycle, the NFS rule in the function\'s stack', () => {
    const { app, storage, clients, f } = twoStacks();
    new EfsBackedFunction(clients, 'Fn', functionProps(f));
    expectNoBackReference(app, storage, clients);
    expect(nfsRulesIn(clients)).toHaveLength(1);
    expect(nfsRulesIn(storage)).toHaveLength(0);
  });

  test('ec2.Instance with allowMountFrom: no cycle, the NFS rule in the instance\'s stack, the instance waits for the mount targets', () => {
    const { app, storage, clients, f } = twoStacks();
    const instance = new ec2.Instance(clients, 'Instance', {
      vpc: f.network.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      instanceType: new ec2.InstanceType('t3.micro'),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
    });
    f.shared.allowMountFrom(instance);
    expectNoBackReference(app, storage, clients);
    Template.fromStack(clients).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
      GroupId: { 'Fn::ImportValue': Match.stringLikeRegexp('SharedSecurityGroup') },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('InstanceInstanceSecurityGroup'), 'GroupId'] },
    });
    expect(nfsRulesIn(storage)).toHaveLength(0);
    expect(waitsForMountTargets(instance, f)).toBe(true);
  });

  test('ecs.FargateService with allowMountFrom: no cycle, the NFS rule in the service\'s stack, the service waits for the mount targets', () => {
    const { app, storage, clients, f } = twoStacks();
    const cluster = new ecs.Cluster(clients, 'Cluster', { vpc: f.network.vpc });
    const task = new ecs.FargateTaskDefinition(clients, 'Task');
    task.addContainer('App', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest') });
    const service = new ecs.FargateService(clients, 'Service', { cluster, taskDefinition: task });
    f.shared.allowMountFrom(service);
    expectNoBackReference(app, storage, clients);
    Template.fromStack(clients).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 2049,
      GroupId: { 'Fn::ImportValue': Match.stringLikeRegexp('SharedSecurityGroup') },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('ServiceSecurityGroup'), 'GroupId'] },
    });
    expect(nfsRulesIn(storage)).toHaveLength(0);
    expect(waitsForMountTargets(service, f)).toBe(true);
  });

  test('EfsBackedFunction and EfsDependencyInstaller on an access point imported into their stack: no cycle, rules in their stack', () => {
    const { app, storage, clients, f } = twoStacks();
    const accessPoint = SharedFileSystem.fromAccessPointAttributes(clients, 'Ml', {
      accessPointId: 'fsap-0123456789abcdef0',
      fileSystem: f.shared,
    });
    new EfsBackedFunction(clients, 'Fn', functionProps(f, { accessPoint, readOnly: true }));
    new EfsDependencyInstaller(clients, 'Installer', { fileSystem: f.shared, accessPoint, runtime: LATEST_PYTHON, packages: ['six==1.16.0'] });
    expectNoBackReference(app, storage, clients);
    expect(nfsRulesIn(clients)).toHaveLength(2);
    expect(nfsRulesIn(storage)).toHaveLength(0);
    expect(JSON.stringify(Template.fromStack(clients).toJSON())).toContain('access-point/fsap-0123456789abcdef0');
  });

  test('EfsDependencyInstaller: no cycle, the NFS rule in the installer\'s stack', () => {
    const { app, storage, clients, f } = twoStacks();
    new EfsDependencyInstaller(clients, 'Installer', {
      fileSystem: f.shared,
      accessPoint: f.accessPoint,
      runtime: LATEST_PYTHON,
      packages: ['six==1.16.0'],
    });
    expectNoBackReference(app, storage, clients);
    expect(nfsRulesIn(clients)).toHaveLength(1);
    expect(nfsRulesIn(storage)).toHaveLength(0);
  });

  test('an alarm topic in a monitoring stack that also shows the file system: no cycle, the alarms in the monitoring stack', () => {
    const { app, storage, clients, f } = twoStacks();
    new EfsBackedFunction(clients, 'Fn', functionProps(f));
    const monitoring = new Stack(app, 'Monitoring');
    const topic = new sns.Topic(monitoring, 'Pager');
    new FileSystemDashboard(monitoring, 'Dashboard', { fileSystem: f.shared });
    const alarms = f.shared.addAlarms({ alarmTopic: topic });
    expect(() => app.synth()).not.toThrow();
    expect(alarms.every(alarm => Stack.of(alarm) === monitoring)).toBe(true);
    Template.fromStack(monitoring).resourceCountIs('AWS::CloudWatch::Alarm', alarms.length);
    Template.fromStack(storage).resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(storage.dependencies).not.toContain(monitoring);
  });

  test('allowMountFrom twice for the same client adds one rule', () => {
    const { clients, f } = twoStacks();
    const group = new ec2.SecurityGroup(clients, 'Group', { vpc: f.network.vpc });
    f.shared.allowMountFrom(group);
    f.shared.allowMountFrom(group);
    expect(nfsRulesIn(clients)).toHaveLength(1);
  });

  test('fails when allowMountFrom is given a client without a security group', () => {
    const { f } = twoStacks();
    expect(() => f.shared.allowMountFrom(new ec2.Connections()))
      .toThrow(/^client has no security group: allowMountFrom lets the security groups of a client in .*use allowMountFromCidr \(in Python: allow_mount_from, allow_mount_from_cidr\)$/);
  });

  test('a client security group that does not allow all outbound gets the NFS egress rule', () => {
    const { clients, f } = twoStacks();
    const group = new ec2.SecurityGroup(clients, 'Group', { vpc: f.network.vpc, allowAllOutbound: false });
    f.shared.allowMountFrom(group);
    Template.fromStack(clients).hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: Match.arrayWith([Match.objectLike({ FromPort: 2049, ToPort: 2049, Description: 'NFS to the EFS mount targets' })]),
    });
  });
});

