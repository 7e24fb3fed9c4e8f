import { App, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EfsBackedFunction, EfsBackedFunctionProps, EfsDependencyInstaller, ISharedFileSystem, SharedFileSystem } from '../src';
import { acknowledgeSynchronousOnly, alarmTopic, expectCompliant, Fixture, fixture, functionProps, INLINE_CODE, LATEST_PYTHON, NEWER_PYTHON_THAN_GA_LISTED, policyStatements, testStack, twoIsolatedSubnetsPerZone } from './helpers';

const FS_ID = 'fs-0123456789abcdef0';

/** A file system made by another team: its id, its mount targets' security group, its VPC. */
function importedIn(stack: Stack, throughputMode?: efs.ThroughputMode): { shared: ISharedFileSystem; vpc: ec2.IVpc } {
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
  });
  const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(stack, 'MountTargets', 'sg-0123456789abcdef0');
  const shared = SharedFileSystem.fromFileSystemAttributes(stack, 'Shared', { fileSystemId: FS_ID, securityGroup, vpc, throughputMode });
  return { shared, vpc };
}

function functionOn(stack: Stack, shared: ISharedFileSystem, accessPoint: efs.IAccessPoint, id = 'Fn', overrides: Partial<EfsBackedFunctionProps> = {}): EfsBackedFunction {
  const fn = new EfsBackedFunction(stack, id, {
    fileSystem: shared,
    accessPoint,
    mountPath: '/mnt/data',
    runtime: LATEST_PYTHON,
    handler: 'index.handler',
    code: INLINE_CODE,
    reservedConcurrentExecutions: 2,
    ...overrides,
  });
  acknowledgeSynchronousOnly(fn);
  return fn;
}

describe('SharedFileSystem.fromFileSystemAttributes', () => {

  test.each([['vol-123'], ['fs-123'], ['fs-0123456789ABCDEF0'], ['arn:aws:elasticfilesystem:us-east-1:111111111111:file-system/fs-0123456789abcdef0']])(
    'fails when fileSystemId is %s, naming the form EFS gives ids', (fileSystemId) => {
      const stack = new Stack();
      const vpc = new ec2.Vpc(stack, 'Vpc');
      const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-12345678');
      expect(() => SharedFileSystem.fromFileSystemAttributes(stack, 'Shared', { fileSystemId, securityGroup, vpc }))
        .toThrow(/^fileSystemId must be an EFS file system id, 'fs-' and 8 to 40 lowercase hex digits such as 'fs-0123456789abcdef0' \(got '.*'\) \(in Python: file_system_id\)$/);
    });

  test.each([['ap-123'], ['fsap-12'], ['fsap-0123456789ABCDEF0']])('fails when accessPointId is %s', (accessPointId) => {
    const stack = new Stack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-12345678');
    const fileSystem = SharedFileSystem.fromFileSystemAttributes(stack, 'Shared', { fileSystemId: FS_ID, securityGroup, vpc });
    expect(() => SharedFileSystem.fromAccessPointAttributes(stack, 'Ap', { accessPointId, fileSystem }))
      .toThrow(/^accessPointId must be an EFS access point id, 'fsap-' and 8 to 40 lowercase hex digits .*\(in Python: access_point_id\)$/);
  });
  const stack = testStack('Imported', { cfnGuard: true });
  const { shared } = importedIn(stack);
  const accessPoint = shared.addAccessPoint('Data', { path: '/data', uid: '1001', gid: '1001' });
  const fn = functionOn(stack, shared, accessPoint);
  functionOn(stack, shared, accessPoint, 'Reader', { readOnly: true });
  const report = expectCompliant(stack);
  const template = Template.fromStack(stack);

  test('passes the rule packs; the mount target check acknowledges only running outside the VPC, having no DLQ, no reservation, a GA runtime', () => {
    const checkFindings = report.acknowledged.filter(finding => finding.constructPath.startsWith('Imported/Shared/'));
    expect(checkFindings.map(finding => `${finding.rule} at ${finding.constructPath}`).sort()).toEqual([
      ...(NEWER_PYTHON_THAN_GA_LISTED ? ['AwsSolutions-L1 at Imported/Shared/MountTargetCheck/Resource'] : []),
      'NIST.800.53.R5-LambdaConcurrency at Imported/Shared/MountTargetCheck/Resource',
      'NIST.800.53.R5-LambdaDLQ at Imported/Shared/MountTargetCheck/Resource',
      'NIST.800.53.R5-LambdaInsideVPC at Imported/Shared/MountTargetCheck/Resource',
      'NIST.800.53.R5-CloudWatchLogGroupEncrypted at Imported/Shared/MountTargetCheckLogs/Resource',
      'cloudwatch_log_group_encrypted_check at Imported/Shared/MountTargetCheckLogs/Resource',
      'lambda_inside_vpc_check at Imported/Shared/MountTargetCheck/Resource',
    ].sort());
  });

  test('creates no file system, no policy on it, and the access point on the imported id', () => {
    template.resourceCountIs('AWS::EFS::FileSystem', 0);
    template.hasResourceProperties('AWS::EFS::AccessPoint', {
      FileSystemId: FS_ID,
      PosixUser: { Uid: '1001', Gid: '1001' },
      RootDirectory: { Path: '/data', CreationInfo: { OwnerUid: '1001', OwnerGid: '1001', Permissions: '750' } },
    });
  });

  test('the function may mount only through its access point, on the imported file system', () => {
    const mounts = policyStatements(template).filter(({ statement }) => statement.Sid === 'MountAccessPoint');
    expect(mounts).toHaveLength(2);
    for (const { statement } of mounts) {
      expect(JSON.stringify(statement.Resource)).toContain(`file-system/${FS_ID}`);
      expect(JSON.stringify(statement.Condition)).toMatch(/elasticfilesystem:AccessPointArn/);
    }
    expect(mounts.map(({ statement }) => statement.Action)).toEqual(expect.arrayContaining([
      'elasticfilesystem:ClientMount',
      ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
    ]));
  });

  test('one mount target check for the file system, in each zone of its subnets, and the functions wait for it', () => {
    template.resourceCountIs('Custom::EfsMountTargetsAvailable', 1);
    template.hasResourceProperties('Custom::EfsMountTargetsAvailable', {
      FileSystemId: FS_ID,
      AvailabilityZones: ['eu-west-1a', 'eu-west-1b'],
    });
    const check = Object.keys(template.findResources('Custom::EfsMountTargetsAvailable'))[0];
    const functions = template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } });
    expect(Object.keys(functions)).toHaveLength(2);
    for (const resource of Object.values(functions)) {
      expect(resource.DependsOn).toContain(check);
    }
    expect(fn.lambdaFunction.node.dependencies.length).toBeGreaterThan(0);
  });

  test('the check may only describe the mount targets of this file system', () => {
    const describe = policyStatements(template).filter(({ statement }) => JSON.stringify(statement.Action).includes('DescribeMountTargets'));
    expect(describe).toHaveLength(1);
    expect(describe[0].statement.Action).toEqual('elasticfilesystem:DescribeMountTargets');
    expect(JSON.stringify(describe[0].statement.Resource)).toContain(`file-system/${FS_ID}`);
  });

  test('the NFS rule goes into the imported security group', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0123456789abcdef0',
      FromPort: 2049,
      ToPort: 2049,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('FnSecurityGroup'), 'GroupId'] },
    });
  });
});

describe('the mount target check of an import', () => {
  test('is made with the import, whether or not a client comes later: no getter creates it', () => {
    const alone = new Stack();
    importedIn(alone);
    Template.fromStack(alone).resourceCountIs('Custom::EfsMountTargetsAvailable', 1);
    const withClient = new Stack();
    const { shared } = importedIn(withClient);
    functionOn(withClient, shared, shared.addAccessPoint('Data', { path: '/data', uid: '1001', gid: '1001' }));
    Template.fromStack(withClient).resourceCountIs('Custom::EfsMountTargetsAvailable', 1);
  });

  test('is not made with waitForMountTargets false, and clients then do not wait', () => {
    const stack = new Stack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
    });
    const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(stack, 'MountTargets', 'sg-0123456789abcdef0');
    const shared = SharedFileSystem.fromFileSystemAttributes(stack, 'Shared', { fileSystemId: FS_ID, securityGroup, vpc, waitForMountTargets: false });
    const accessPoint = shared.addAccessPoint('Data', { path: '/data', uid: '1001', gid: '1001' });
    functionOn(stack, shared, accessPoint);
    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::EfsMountTargetsAvailable', 0);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    const [, fn] = Object.entries(template.findResources('AWS::Lambda::Function'))[0];
    expect(JSON.stringify(fn.DependsOn ?? [])).not.toMatch(/MountTarget/);
  });
});

describe('the installer and grants on an imported file system', () => {
  test('the installer mounts it, after the mount target check', () => {
    const stack = new Stack();
    const { shared } = importedIn(stack);
    const accessPoint = SharedFileSystem.fromAccessPointAttributes(stack, 'Existing', { accessPointId: 'fsap-0123456789abcdef0', fileSystem: shared });
    new EfsDependencyInstaller(stack, 'Installer', { fileSystem: shared, accessPoint, runtime: LATEST_PYTHON, packages: ['six==1.16.0'] });
    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::EfsMountTargetsAvailable', 1);
    template.hasResourceProperties('Custom::EfsDependencySet', { FileSystemId: FS_ID, AccessPointId: 'fsap-0123456789abcdef0' });
  });

  test('grantRead is scoped to the access point', () => {
    const stack = new Stack();
    const { shared } = importedIn(stack);
    const accessPoint = shared.addAccessPoint('Data', { path: '/data', uid: '1001', gid: '1001' });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    shared.grantRead(role, accessPoint);
    const grants = policyStatements(Template.fromStack(stack)).filter(({ roles }) => roles.includes('Reader'));
    expect(grants).toHaveLength(1);
    const [grant] = grants;
    expect(grant.statement.Action).toEqual('elasticfilesystem:ClientMount');
    expect(JSON.stringify(grant.statement.Condition)).toMatch(/AccessPointArn/);
  });

  test('alarms on a Bursting import include burst credits, for ten cold starts of functions added after them', () => {
    const stack = new Stack();
    const { shared } = importedIn(stack, efs.ThroughputMode.BURSTING);
    expect(shared.addAlarms({ alarmTopic: alarmTopic(stack) })).toHaveLength(3);
    const accessPoint = shared.addAccessPoint('Data', { path: '/data', uid: '1001', gid: '1001' });
    functionOn(stack, shared, accessPoint, 'Fn', { reservedConcurrentExecutions: 1, coldStartLoad: { bytesPerColdStart: Size.mebibytes(1536) } });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'BurstCreditBalance', Dimensions: [{ Name: 'FileSystemId', Value: FS_ID }], Threshold: 15 * 1024 ** 3,
    });
  });

  test('alarms on an import of unknown throughput mode: I/O limit and connections only', () => {
    const stack = new Stack();
    const { shared } = importedIn(stack);
    expect(shared.addAlarms().map(alarm => alarm.node.id)).toEqual(['PercentIOLimitAlarm', 'ClientConnectionsAlarm']);
  });
});

/** An import ('Imported') of another file system in the VPC of the fixture `f`. */
function importedBeside(stack: Stack, f: Fixture): ISharedFileSystem {
  return SharedFileSystem.fromFileSystemAttributes(stack, 'Imported', {
    fileSystemId: FS_ID, vpc: f.network.vpc, securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-1'),
  });
}

describe('errors instead of silence', () => {
  type Case = [string, (stack: Stack) => void];
  const otherFileSystemCases: Case[] = [
    ['EfsBackedFunction, an access point of another SharedFileSystem', stack => {
      const f = fixture(stack);
      const other = new SharedFileSystem(stack, 'Other', { vpc: f.network.vpc });
      new EfsBackedFunction(stack, 'Fn', functionProps(f, { accessPoint: other.addAccessPoint('Ap', { path: '/x', uid: '1001', gid: '1001' }) }));
    }],
    ['EfsBackedFunction, an access point of the stack\'s file system on an imported one', stack => {
      const f = fixture(stack);
      const imported = importedBeside(stack, f);
      new EfsBackedFunction(stack, 'Fn', functionProps(f, { fileSystem: imported }));
    }],
    ['EfsDependencyInstaller, an access point imported for another file system', stack => {
      const f = fixture(stack);
      const other = new SharedFileSystem(stack, 'Other', { vpc: f.network.vpc });
      const accessPoint = SharedFileSystem.fromAccessPointAttributes(stack, 'Ap', { accessPointId: 'fsap-0123456789abcdef1', fileSystem: other });
      new EfsDependencyInstaller(stack, 'Installer', { fileSystem: f.shared, accessPoint, runtime: LATEST_PYTHON, packages: ['six==1.16.0'] });
    }],
  ];
  test.each(otherFileSystemCases)('fails when the access point belongs to another file system: %s', (_name, build) => {
    expect(() => build(new Stack())).toThrow(
      /^accessPoint must belong to fileSystem Default\/(Shared|Imported) \(got access point Default(\/\w+)+ of Default\/\w+(\/FileSystem)?\): use fileSystem.addAccessPoint, or SharedFileSystem.fromAccessPointAttributes with this fileSystem \(in Python: access_point, file_system\)$/);
  });

  test.each<[string, (stack: Stack) => void]>([
    ['SharedFileSystem.grantRead, an access point of another SharedFileSystem', stack => {
      const f = fixture(stack);
      const other = new SharedFileSystem(stack, 'Other', { vpc: f.network.vpc });
      other.grantRead(new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() }), f.accessPoint);
    }],
    ['an imported file system\'s grantReadWrite, an access point of the stack\'s file system', stack => {
      const f = fixture(stack);
      const imported = importedBeside(stack, f);
      imported.grantReadWrite(new iam.Role(stack, 'Writer', { assumedBy: new iam.AccountRootPrincipal() }), f.accessPoint);
    }],
  ])('a grant fails when the access point belongs to another file system: %s', (_name, build) => {
    expect(() => build(new Stack())).toThrow(
      /^(grantRead|grantReadWrite): accessPoint must belong to the file system granted on, Default\/(Other|Imported) \(got access point Default\/Shared\/FileSystem\/Ml of Default\/Shared\/FileSystem\): call \1 on the access point's own file system, or pass one of Default\/\2's access points \(in Python: access_point\)$/);
  });

  test('an access point imported by id alone is accepted (it does not say its file system)', () => {
    const stack = new Stack();
    const f = fixture(stack);
    const accessPoint = efs.AccessPoint.fromAccessPointId(stack, 'ById', 'fsap-1');
    expect(() => new EfsBackedFunction(stack, 'Fn', functionProps(f, { accessPoint }))).not.toThrow();
  });

  test.each<[string, (stack: Stack) => { shared: ISharedFileSystem; accessPoint: efs.IAccessPoint }]>([
    ['SharedFileSystem', stack => { const f = fixture(stack); return { shared: f.shared, accessPoint: f.accessPoint }; }],
    ['an imported file system', stack => {
      const { shared } = importedIn(stack);
      return { shared, accessPoint: shared.addAccessPoint('Data', { path: '/data', uid: '1001', gid: '1001' }) };
    }],
  ])('fails at synth when a read-only function is granted write, before or after it exists (%s)', (_name, build) => {
    const message = /grantReadWrite: grantee .*Reader mounts read-only \(readOnly: true\); use grantRead, or create the function with readOnly: false to let it write \(in Python: read_only\)/;
    // The grant after the function.
    const after = new Stack();
    const { shared, accessPoint } = build(after);
    const fn = functionOn(after, shared, accessPoint, 'Reader', { readOnly: true });
    shared.grantReadWrite(fn, accessPoint);
    expect(() => App.of(after)!.synth()).toThrow(message);
    // The grant before the function: to the role the function is then given.
    const before = new Stack();
    const built = build(before);
    const role = new iam.Role(before, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    built.shared.grantReadWrite(role, built.accessPoint);
    functionOn(before, built.shared, built.accessPoint, 'Reader', { readOnly: true, role });
    expect(() => App.of(before)!.synth()).toThrow(message);
    // A read grant is no contradiction.
    const read = new Stack();
    const r = build(read);
    r.shared.grantRead(functionOn(read, r.shared, r.accessPoint, 'Reader', { readOnly: true }), r.accessPoint);
    expect(() => App.of(read)!.synth()).not.toThrow();
  });

  test('alarms added before the functions get the burst-credit threshold computed from them', () => {
    const thresholdWith = (alarmsFirst: boolean): unknown => {
      const stack = new Stack();
      const f = fixture(stack, { fileSystem: { throughputMode: efs.ThroughputMode.BURSTING } });
      if (alarmsFirst) f.shared.addAlarms();
      new EfsBackedFunction(stack, 'Fn', functionProps(f, { coldStartLoad: { bytesPerColdStart: Size.gibibytes(2), coldStartsPerDay: 50 } }));
      if (!alarmsFirst) f.shared.addAlarms();
      const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'BurstCreditBalance' } });
      return Object.values(alarms).map(alarm => [alarm.Properties.Threshold, alarm.Properties.AlarmDescription]);
    };
    expect(thresholdWith(true)).toEqual([[20 * 1024 ** 3, expect.stringContaining('below 20 GiB')]]);
    expect(thresholdWith(true)).toEqual(thresholdWith(false));
  });

  test('fails naming the zones, not tokens, when the file system\'s subnets share a zone', () => {
    const stack = new Stack();
    const vpc = twoIsolatedSubnetsPerZone(stack);
    const build = () => new SharedFileSystem(stack, 'Shared', { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } });
    expect(build).toThrow(/^vpcSubnets must select at most one subnet per Availability Zone \(got zones the region's 1st Availability Zone \(Fn::Select 0 of Fn::GetAZs\), the region's 2nd/);
    expect(build).not.toThrow(/Token/);
  });

  test('fails naming the zones, not tokens, when a function runs in a zone without a mount target', () => {
    const stack = new Stack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'A', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const shared = new SharedFileSystem(stack, 'OneZone', { vpc, vpcSubnets: { subnets: [vpc.isolatedSubnets[0]] } });
    const accessPoint = shared.addAccessPoint('Data', { path: '/data', uid: '1001', gid: '1001' });
    const build = () => new EfsBackedFunction(stack, 'Fn', {
      fileSystem: shared,
      accessPoint,
      mountPath: '/mnt/data',
      runtime: LATEST_PYTHON,
      handler: 'index.handler',
      code: INLINE_CODE,
      vpcSubnets: { subnets: vpc.isolatedSubnets },
      reservedConcurrentExecutions: 1,
    });
    expect(build).toThrow(new RegExp("^vpcSubnets includes subnets in the region's 2nd Availability Zone \\(Fn::Select 1 of Fn::GetAZs\\), "
      + "where the file system has no mount target; use subnets in the region's 1st Availability Zone \\(Fn::Select 0 of Fn::GetAZs\\) \\(in Python: vpc_subnets\\)$"));
  });
});

describe('what an import shares with a file system of the app', () => {
  test('addAlarms on a Provisioned import with its rate alarms on throughput near that rate; without the rate it says what is missing', () => {
    const stack = new Stack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-0123456789abcdef0'] });
    const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(stack, 'MountTargets', 'sg-0123456789abcdef0');
    const common = { fileSystemId: FS_ID, securityGroup, vpc, throughputMode: efs.ThroughputMode.PROVISIONED, waitForMountTargets: false };
    const known = SharedFileSystem.fromFileSystemAttributes(stack, 'Known', { ...common, provisionedThroughputPerSecond: Size.mebibytes(64) });
    expect(known.addAlarms()).toHaveLength(3);
    const alarm = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'))
      .find(a => JSON.stringify(a).includes('64 MiB/s provisioned'));
    expect(alarm).toBeDefined();
    const unknown = SharedFileSystem.fromFileSystemAttributes(new Stack(), 'Unknown', {
      ...common,
      vpc: ec2.Vpc.fromVpcAttributes(new Stack(), 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-0123456789abcdef0'] }),
    });
    expect(() => unknown.addAlarms()).toThrow(/needs throughputMode PROVISIONED and provisionedThroughputPerSecond \(got throughputMode 'provisioned', provisionedThroughputPerSecond unknown\).*provisioned_throughput_per_second/);
  });

  test('the default burst-credit threshold counts a cold start as a file system of the app does', () => {
    const thresholds = [true, false].map(imported => {
      const stack = new Stack();
      const vpc = new ec2.Vpc(stack, 'Vpc');
      const shared = imported
        ? SharedFileSystem.fromFileSystemAttributes(stack, 'Shared', {
          fileSystemId: FS_ID,
          vpc,
          throughputMode: efs.ThroughputMode.BURSTING,
          waitForMountTargets: false,
          securityGroup: new ec2.SecurityGroup(stack, 'Sg', { vpc }),
        })
        : new SharedFileSystem(stack, 'Shared', { vpc, throughputMode: efs.ThroughputMode.BURSTING });
      shared.addAlarms();
      functionOn(stack, shared, shared.addAccessPoint('Data', { path: '/data', uid: '1001', gid: '1001' }), 'Fn',
        { vpc, reservedConcurrentExecutions: 1, coldStartLoad: { bytesPerColdStart: Size.mebibytes(1536) } });
      const alarm = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'))
        .find(a => a.Properties.MetricName === 'BurstCreditBalance');
      return alarm?.Properties.Threshold;
    });
    expect(thresholds).toEqual([15 * 1024 ** 3, 15 * 1024 ** 3]);
  });
});
