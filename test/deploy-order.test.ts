import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3files from 'aws-cdk-lib/aws-s3files';
import { Construct } from 'constructs';
import { synthWithChecks, VALIDATE_AGAINST_DEFAULT_RULES } from '../scripts/compliance';
import { EfsBackedFunction, EfsDependencyInstaller, InferenceVpc, S3FilesFileSystem } from '../src';
import { Fixture, fixture, formatCycle, INLINE_CODE, LATEST_PYTHON, newFunction, templateCycles } from './helpers';

/**
 * What users make depend on what must never make a cycle, in one stack or split across two
 * (a storage stack with the file system, a compute stack with its clients): CloudFormation
 * rejects a template whose resources depend on each other in a circle, and aws-cdk-lib only
 * warns about it (template validation) or refuses a cyclic reference between stacks.
 *
 * The cases are the README's snippets and the dependencies users add: a function waiting for
 * the installer, an EC2 instance with `allowMountFrom` and a grant, a function waiting for
 * another function of the same file system, a function waiting for the whole SharedFileSystem.
 */

type Scenario = (clients: Construct, f: Fixture) => void;

const SCENARIOS: Record<string, Scenario> = {
  'the installer snippet: classifier.node.addDependency(installer)': (clients, f) => {
    const installer = new EfsDependencyInstaller(clients, 'Dependencies', {
      fileSystem: f.shared,
      accessPoint: f.accessPoint,
      runtime: LATEST_PYTHON,
      packages: ['six==1.16.0 --hash=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254'],
    });
    const classifier = newFunction(clients, 'Classifier', f, { readOnly: true, mountEnvironment: installer.mountEnvironment });
    classifier.node.addDependency(installer);
  },
  'other clients: an EC2 instance with allowMountFrom and a grant': (clients, f) => {
    const instance = new ec2.Instance(clients, 'Worker', {
      vpc: f.network.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      instanceType: new ec2.InstanceType('t3.micro'),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
    });
    f.shared.allowMountFrom(instance);
    f.shared.grantRead(instance, f.accessPoint);
  },
  'one function waiting for another of the same file system': (clients, f) => {
    const first = newFunction(clients, 'First', f);
    const second = newFunction(clients, 'Second', f, { readOnly: true });
    second.node.addDependency(first);
  },
  'a function waiting for the whole SharedFileSystem': (clients, f) => {
    const fn = newFunction(clients, 'Fn', f);
    fn.node.addDependency(f.shared);
  },
};

/**
 * The app of a scenario: everything in one stack, or the clients in a stack of their own.
 * Only aws-cdk-lib's CloudFormation validation runs (as an error): the rule packs' findings on
 * the scenario's own EC2 instance are not this test's subject.
 */
function build(scenario: Scenario, split: boolean): App {
  const app = new App({ context: { [VALIDATE_AGAINST_DEFAULT_RULES]: true } });
  const storage = new Stack(app, 'Storage');
  const f = fixture(storage);
  scenario(split ? new Stack(app, 'Compute') : storage, f);
  return app;
}

describe.each(Object.entries(SCENARIOS))('%s', (_name, scenario) => {
  test.each([['in one stack', false], ['in two stacks', true]])('%s: no cycle, no template-validation finding', (_where, split) => {
    const { assembly, report, error } = synthWithChecks(build(scenario, split as boolean));
    expect(error?.message).toBeUndefined();
    expect(report.violations).toEqual([]);
    for (const stack of assembly!.stacks) {
      expect(templateCycles(stack.template).map(formatCycle)).toEqual([]);
    }
  });
});

describe('the cycle finder', () => {
  test('finds a cycle through Ref, Fn::GetAtt, Fn::Sub and DependsOn', () => {
    const template = {
      Resources: {
        A: { Type: 'T', Properties: { X: { Ref: 'B' } } },
        B: { Type: 'T', Properties: { Y: { 'Fn::GetAtt': ['C', 'Arn'] } } },
        C: { Type: 'T', Properties: { Z: { 'Fn::Sub': 'arn:${D.Arn}' } } },
        D: { Type: 'T', DependsOn: ['A'] },
        E: { Type: 'T', Properties: { W: { Ref: 'AWS::Region' } } },
      },
    };
    expect(templateCycles(template).map(formatCycle)).toEqual(['A -> B -> C -> D -> A']);
  });

  test('finds the cycle the old file system policy made: a role referenced by the policy that depends back on the file system', () => {
    const app = new App();
    const stack = new Stack(app, 'Storage');
    const f = fixture(stack);
    const fn = new lambda.Function(stack, 'Plain', { runtime: LATEST_PYTHON, handler: 'index.handler', code: INLINE_CODE });
    f.shared.fileSystem.addToResourcePolicy(new iam.PolicyStatement({
      actions: ['elasticfilesystem:ClientMount'],
      principals: [fn.role!],
    }));
    fn.node.addDependency(f.shared.fileSystem);
    // aws-cdk-lib only warns (on the console) about it, unless the validation flag is set.
    const warnings = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const template = app.synth().getStackByName('Storage').template;
    expect(warnings.mock.calls.flat().join('\n')).toMatch(/Circular dependency/);
    warnings.mockRestore();
    expect(templateCycles(template).length).toBeGreaterThan(0);
  });
});

/** The same dependencies on an S3 Files file system: its policy names no role either. */
interface S3FilesFixture {
  readonly vpc: ec2.IVpc;
  readonly models: S3FilesFileSystem;
  readonly accessPoint: s3files.CfnAccessPoint;
}

function s3FilesFunction(scope: Construct, id: string, f: S3FilesFixture, readOnly = false): EfsBackedFunction {
  return new EfsBackedFunction(scope, id, {
    s3FilesFileSystem: f.models,
    s3FilesAccessPoint: f.accessPoint,
    mountPath: '/mnt/models',
    readOnly,
    directS3Read: readOnly,
    runtime: LATEST_PYTHON,
    handler: 'index.handler',
    code: INLINE_CODE,
  });
}

const S3_FILES_SCENARIOS: Record<string, (clients: Construct, f: S3FilesFixture) => void> = {
  'an EC2 instance with allowMountFrom and a grant': (clients, f) => {
    const instance = new ec2.Instance(clients, 'Worker', {
      vpc: f.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      instanceType: new ec2.InstanceType('t3.micro'),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
    });
    f.models.allowMountFrom(instance);
    f.models.grantRead(instance, f.accessPoint);
  },
  'one function waiting for another of the same file system': (clients, f) => {
    const first = s3FilesFunction(clients, 'First', f);
    s3FilesFunction(clients, 'Second', f, true).node.addDependency(first);
  },
  'a function waiting for the whole S3FilesFileSystem': (clients, f) => {
    s3FilesFunction(clients, 'Fn', f).node.addDependency(f.models);
  },
};

describe.each(Object.entries(S3_FILES_SCENARIOS))('S3 Files: %s', (_name, scenario) => {
  test.each([['in one stack', false], ['in two stacks', true]])('%s: no cycle, no template-validation finding', (_where, split) => {
    const app = new App({ context: { [VALIDATE_AGAINST_DEFAULT_RULES]: true } });
    const storage = new Stack(app, 'Storage');
    const network = new InferenceVpc(storage, 'Network');
    const models = new S3FilesFileSystem(storage, 'Models', { vpc: network.vpc });
    const accessPoint = models.addAccessPoint('Ml', { path: '/ml', uid: '1001', gid: '1001' });
    scenario(split ? new Stack(app, 'Compute') : storage, { vpc: network.vpc, models, accessPoint });
    const { assembly, report, error } = synthWithChecks(app);
    expect(error?.message).toBeUndefined();
    expect(report.violations).toEqual([]);
    for (const stack of assembly!.stacks) {
      expect(templateCycles(stack.template).map(formatCycle)).toEqual([]);
    }
  });
});
