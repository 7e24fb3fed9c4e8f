import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { EfsBackedFunction, InferenceVpc, S3FilesFileSystem } from '../src';
import {
  acknowledgeSynchronousOnly, expectCompliant, fixture, importedS3FilesFileSystem, INLINE_CODE, LATEST_PYTHON, s3FilesFixture, s3FilesFunctionProps,
  templateCycles, testStack,
} from './helpers';

/** The statements of the function's execution policy, by Sid. */
function executionStatements(template: Template, functionId: string): Record<string, any> {
  const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy', {
    Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${functionId}ServiceRole`) }] },
  }));
  return Object.fromEntries(policy.Properties.PolicyDocument.Statement.map((s: any) => [s.Sid, s]));
}

describe('EfsBackedFunction on S3 Files', () => {
  const stack = testStack();
  const f = s3FilesFixture(stack);
  const reader = new EfsBackedFunction(stack, 'Reader', s3FilesFunctionProps(f, { readOnly: true }));
  acknowledgeSynchronousOnly(reader);
  const direct = new EfsBackedFunction(stack, 'Direct', s3FilesFunctionProps(f, { directS3Read: true, mountPath: '/mnt/direct', memorySize: 1024 }));
  acknowledgeSynchronousOnly(direct);
  const template = Template.fromStack(stack);

  test('passes the rule packs, with no dependency cycle', () => {
    expectCompliant(stack);
    expect(templateCycles(template.toJSON())).toEqual([]);
  });

  test('mounts the access point, reads through the mount only (DirectS3Read DISABLED), after the mount targets and the file system policy', () => {
    const [id, fn] = Object.entries(template.findResources('AWS::Lambda::Function', {
      Properties: { FileSystemConfigs: [{ LocalMountPath: '/mnt/models' }] },
    }))[0];
    expect(fn.Properties.FileSystemConfigs).toEqual([{
      Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ModelsMl/), 'AccessPointArn'] },
      LocalMountPath: '/mnt/models',
      S3FilesConfig: { DirectS3Read: 'DISABLED' },
    }]);
    const dependsOn: string[] = fn.DependsOn;
    expect(dependsOn).toEqual(expect.arrayContaining([
      expect.stringMatching(/^ModelsMountTarget1/), expect.stringMatching(/^ModelsMountTarget2/), expect.stringMatching(/^ModelsPolicy/),
      expect.stringMatching(/^ReaderNfsIngress/), expect.stringMatching(/^ReaderExecutionPolicy/),
    ]));
    expect(id).toMatch(/^ReaderFunction/);
  });

  test('a read-only mount: s3files:ClientMount only, on the file system, through its access point only; no bucket permission', () => {
    const statements = executionStatements(template, 'Reader');
    expect(statements.MountAccessPoint).toEqual({
      Sid: 'MountAccessPoint',
      Effect: 'Allow',
      Action: 's3files:ClientMount',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ModelsFileSystem/), 'FileSystemArn'] },
      Condition: { StringEquals: { 's3files:AccessPointArn': { 'Fn::GetAtt': [expect.stringMatching(/^ModelsMl/), 'AccessPointArn'] } } },
    });
    expect(statements.DirectS3Read).toBeUndefined();
    const readerPolicies = [
      ...Object.values(template.findResources('AWS::IAM::ManagedPolicy')), ...Object.values(template.findResources('AWS::IAM::Policy')),
    ].filter(p => JSON.stringify(p.Properties.Roles ?? []).includes('ReaderServiceRole'));
    expect(readerPolicies.length).toBeGreaterThan(0);
    expect(JSON.stringify(readerPolicies)).not.toMatch(/"s3:/);
  });

  test('directS3Read: DirectS3Read ENABLED, and s3:GetObject and s3:GetObjectVersion on the bucket\'s objects', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FileSystemConfigs: [Match.objectLike({ LocalMountPath: '/mnt/direct', S3FilesConfig: { DirectS3Read: 'ENABLED' } })],
    });
    const statements = executionStatements(template, 'Direct');
    expect(statements.MountAccessPoint.Action).toEqual(['s3files:ClientMount', 's3files:ClientWrite']);
    expect(statements.DirectS3Read.Action).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
    expect(JSON.stringify(statements.DirectS3Read.Resource)).toMatch(/ModelsBucket\w+","Arn"\]\},"\/\*"/);
  });

  test('its security group is let into the mount targets\' group on NFS', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ModelsSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReaderSecurityGroup'), 'GroupId'] },
    });
  });

  test('the perimeter spares both functions\' roles', () => {
    const [policy] = Object.values(template.findResources('AWS::S3Files::FileSystemPolicy'));
    const perimeter = JSON.stringify(policy.Properties.Policy.Statement.find((s: any) => s.Sid === 'DenyUngrantedPrincipals'));
    expect(perimeter).toMatch(/role\/DefaultReaderServiceRole/);
    expect(perimeter).toMatch(/role\/DefaultDirectServiceRole/);
  });

  test('the file system configuration has the shape lambda.FileSystem.fromS3FilesAccessPoint renders', () => {
    const plain = new Stack(new App(), 'Plain');
    const g = s3FilesFixture(plain);
    new lambda.Function(plain, 'Fn', {
      runtime: LATEST_PYTHON,
      handler: 'index.handler',
      code: INLINE_CODE,
      vpc: g.network.vpc,
      filesystem: lambda.FileSystem.fromS3FilesAccessPoint(g.accessPoint, '/mnt/models', { directS3Read: lambda.DirectS3Read.disabled() }),
    });
    const [theirs] = Object.values(Template.fromStack(plain).findResources('AWS::Lambda::Function', { Properties: { FileSystemConfigs: Match.anyValue() } }));
    const [ours] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { FileSystemConfigs: [{ LocalMountPath: '/mnt/models' }] } }));
    expect(ours.Properties.FileSystemConfigs).toEqual(theirs.Properties.FileSystemConfigs);
  });
});

describe('EfsBackedFunction on S3 Files: the same checks', () => {
  test('fails when both an EFS and an S3 Files file system are given, or neither', () => {
    const stack = new Stack(new App(), 'Both');
    const f = s3FilesFixture(stack);
    const efsFs = fixture(new Stack(new App(), 'Efs'));
    expect(() => new EfsBackedFunction(stack, 'Fn', s3FilesFunctionProps(f, { fileSystem: efsFs.shared, accessPoint: efsFs.accessPoint })))
      .toThrow(/^both fileSystem and s3FilesFileSystem given: an EfsBackedFunction mounts exactly one file system/);
    expect(() => new EfsBackedFunction(stack, 'None', s3FilesFunctionProps(f, { s3FilesFileSystem: undefined, s3FilesAccessPoint: undefined })))
      .toThrow(/^neither fileSystem and s3FilesFileSystem given/);
    expect(() => new EfsBackedFunction(stack, 'Half', s3FilesFunctionProps(f, { s3FilesAccessPoint: undefined })))
      .toThrow(/^s3FilesAccessPoint is required with s3FilesFileSystem/);
  });

  test('fails when directS3Read is asked of an EFS mount', () => {
    const stack = testStack();
    const f = fixture(stack);
    expect(() => new EfsBackedFunction(stack, 'Fn', {
      fileSystem: f.shared, accessPoint: f.accessPoint, mountPath: '/mnt/x', runtime: LATEST_PYTHON, handler: 'index.handler', code: INLINE_CODE, directS3Read: true,
    })).toThrow(/^directS3Read is only for an S3 Files mount/);
  });

  test('fails when the access point is another S3 Files file system\'s', () => {
    const stack = new Stack(new App(), 'Two');
    const f = s3FilesFixture(stack);
    const other = new S3FilesFileSystem(stack, 'Other', { vpc: f.network.vpc });
    const foreign = other.addAccessPoint('Data', { path: '/data', uid: '1001', gid: '1001' });
    expect(() => new EfsBackedFunction(stack, 'Fn', s3FilesFunctionProps(f, { s3FilesAccessPoint: foreign })))
      .toThrow(/^props: accessPoint Two\/Other\/Data must belong to the S3 Files file system Two\/Models/);
  });

  test('fails when the mount path is not under /mnt/, or the subnets have no mount target', () => {
    const stack = new Stack(new App(), 'Checks');
    const network = new InferenceVpc(stack, 'Network');
    const [firstZone] = network.vpc.availabilityZones;
    const models = new S3FilesFileSystem(stack, 'Models', { vpc: network.vpc, vpcSubnets: { onePerAz: true, availabilityZones: [firstZone] } });
    const accessPoint = models.addAccessPoint('Ml', { path: '/ml', uid: '1001', gid: '1001' });
    const f = { network, models, accessPoint };
    expect(() => new EfsBackedFunction(stack, 'Path', s3FilesFunctionProps(f, { mountPath: '/data' }))).toThrow(/mountPath must start with \/mnt\//);
    expect(() => new EfsBackedFunction(stack, 'Zones', s3FilesFunctionProps(f, { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } })))
      .toThrow(/^vpcSubnets includes subnets in .*, where the file system has no mount target/);
  });

  test('a read-only function refuses a write grant', () => {
    const stack = new Stack(new App(), 'ReadOnly');
    const f = s3FilesFixture(stack);
    const fn = new EfsBackedFunction(stack, 'Fn', s3FilesFunctionProps(f, { readOnly: true }));
    f.models.grantReadWrite(fn, f.accessPoint);
    expect(() => Template.fromStack(stack)).toThrow(/grantReadWrite: grantee ReadOnly\/Fn mounts read-only/);
  });

  test('an imported S3 Files file system: the function mounts an access point added to it, granted in its own identity policy', () => {
    const stack = new Stack(new App(), 'Imported');
    const models = importedS3FilesFileSystem(stack);
    const accessPoint = models.addAccessPoint('Data', { path: '/data', uid: '1001', gid: '1001' });
    new EfsBackedFunction(stack, 'Fn', {
      s3FilesFileSystem: models,
      s3FilesAccessPoint: accessPoint,
      mountPath: '/mnt/data',
      directS3Read: true,
      runtime: LATEST_PYTHON,
      handler: 'index.handler',
      code: INLINE_CODE,
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: 'sg-0123456789abcdef0', FromPort: 2049 });
    const statements = executionStatements(template, 'Fn');
    expect(JSON.stringify(statements.MountAccessPoint.Resource)).toContain(':s3files:');
    expect(JSON.stringify(statements.DirectS3Read.Resource)).toContain('models-bucket/*');
  });
});
