import { App, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { alarmTopic, expectCompliant, nfsIngressFrom, sharedFixture, stackWithFileSystem, testStack, twoIsolatedSubnetsPerZone } from './helpers';
import { InferenceVpc, SharedFileSystem, SharedFileSystemProps } from '../src';

function fileSystemIn(stack: Stack, props: Partial<SharedFileSystemProps> = {}) {
  const network = new InferenceVpc(stack, 'Network');
  return new SharedFileSystem(stack, 'Shared', { vpc: network.vpc, ...props });
}

/** A SharedFileSystem with its defaults in an InferenceVpc, synthesized once for the tests that only read it. */
const defaults = sharedFixture(() => {
  const stack = testStack();
  const shared = fileSystemIn(stack);
  return { stack, shared, template: Template.fromStack(stack) };
});

describe('SharedFileSystem', () => {
  test('safe defaults: encrypted, retained, backed up, elastic throughput, its own security group', () => {
    const { stack, template } = defaults();
    template.hasResource('AWS::EFS::FileSystem', {
      Properties: {
        Encrypted: true,
        ThroughputMode: 'elastic',
        BackupPolicy: { Status: 'ENABLED' },
        FileSystemTags: [{ Key: 'Name', Value: 'Default/Shared/FileSystem' }],
      },
      // Kept on update and delete, not when its create rolls back (CloudFormation User Guide,
      // "DeletionPolicy attribute": RetainExceptOnCreate); Retain would orphan an empty file
      // system on every failed first deploy.
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'EFS mount targets: NFS from granted clients only',
      SecurityGroupIngress: Match.absent(),
    });
    expectCompliant(stack);
  });

  test('one mount target in each private subnet, none in public subnets', () => {
    const { shared, template } = defaults();
    template.resourceCountIs('AWS::EFS::MountTarget', 2);
    for (const n of [1, 2]) {
      template.hasResourceProperties('AWS::EFS::MountTarget', {
        SubnetId: { Ref: Match.stringLikeRegexp(`NetworkVpcPrivateSubnet${n}Subnet`) },
        SecurityGroups: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('SharedSecurityGroup'), 'GroupId'] }],
      });
    }
    expect(shared.mountTargetAvailabilityZones).toEqual(shared.vpc.availabilityZones);
  });

  test('the file system policy denies access without TLS, outside mount targets, without an access point, and every principal when none is granted', () => {
    const statements = defaults().template.findResources('AWS::EFS::FileSystem');
    const policy = Object.values(statements)[0].Properties.FileSystemPolicy;
    const clientActions = ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite', 'elasticfilesystem:ClientRootAccess'];
    expect(policy.Statement).toEqual([
      {
        Sid: 'DenyWithoutTls',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: '*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Sid: 'DenyOutsideMountTargets',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: clientActions,
        Condition: { Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'false' } },
      },
      {
        Sid: 'DenyRootAccess',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'elasticfilesystem:ClientRootAccess',
      },
      {
        Sid: 'DenyWithoutAccessPoint',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: clientActions,
        Condition: { Null: { 'elasticfilesystem:AccessPointArn': 'true' } },
      },
      {
        Sid: 'DenyUngrantedPrincipals',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: clientActions,
      },
    ]);
  });

  test('requireAccessPoint: false lets clients mount the whole file system; restrictToGrantedPrincipals: false drops the perimeter', () => {
    const stack = testStack();
    fileSystemIn(stack, { requireAccessPoint: false, restrictToGrantedPrincipals: false });
    const policy = Object.values(Template.fromStack(stack).findResources('AWS::EFS::FileSystem'))[0].Properties.FileSystemPolicy;
    expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['DenyWithoutTls', 'DenyOutsideMountTargets', 'DenyRootAccess']);
  });

  test('the policy is the same whatever the EFS feature flags say (no Allow for any principal)', () => {
    const policies = [true, false].map(flag => {
      const stack = testStack();
      stack.node.setContext('@aws-cdk/aws-efs:denyAnonymousAccess', flag);
      fileSystemIn(stack);
      return Object.values(Template.fromStack(stack).findResources('AWS::EFS::FileSystem'))[0].Properties.FileSystemPolicy;
    });
    expect(policies[0]).toEqual(policies[1]);
    expect(JSON.stringify(policies[0])).not.toMatch(/"Effect":"Allow"/);
  });

  test('a customer-managed key, no removal retention, no backups, infrequent access after 30 days', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const shared = fileSystemIn(stack, {
      kmsKey: key,
      removalPolicy: RemovalPolicy.DESTROY,
      automaticBackups: false,
      transitionToInfrequentAccess: efs.LifecyclePolicy.AFTER_30_DAYS,
      fileSystemName: 'models',
    });
    Validations.of(shared).acknowledge({ id: 'NIST.800.53.R5::NIST.800.53.R5-EFSInBackupPlan', reason: 'Backups are off in this test on purpose.' });
    const template = Template.fromStack(stack);
    template.hasResource('AWS::EFS::FileSystem', {
      Properties: {
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('Key'), 'Arn'] },
        BackupPolicy: Match.absent(),
        LifecyclePolicies: [{ TransitionToIA: 'AFTER_30_DAYS' }],
        FileSystemTags: [{ Key: 'Name', Value: 'models' }],
      },
      DeletionPolicy: 'Delete',
    });
  });

  test('without automatic backups the backup finding is not acknowledged', () => {
    const stack = testStack();
    fileSystemIn(stack, { automaticBackups: false });
    expect(() => expectCompliant(stack)).toThrow(/NIST.800.53.R5-EFSInBackupPlan at Default\/Shared\/FileSystem\/Resource/);
  });

  test('bursting and provisioned throughput', () => {
    const bursting = testStack();
    fileSystemIn(bursting, { throughputMode: efs.ThroughputMode.BURSTING });
    Template.fromStack(bursting).hasResourceProperties('AWS::EFS::FileSystem', { ThroughputMode: 'bursting' });

    const provisioned = testStack();
    fileSystemIn(provisioned, { throughputMode: efs.ThroughputMode.PROVISIONED, provisionedThroughputPerSecond: Size.mebibytes(10) });
    Template.fromStack(provisioned).hasResourceProperties('AWS::EFS::FileSystem', {
      ThroughputMode: 'provisioned',
      ProvisionedThroughputInMibps: 10,
    });
  });

  test.each<[string, Partial<SharedFileSystemProps>, RegExp]>([
    ['provisioned throughput has no rate', { throughputMode: efs.ThroughputMode.PROVISIONED },
      /provisionedThroughputPerSecond is required when throughputMode is PROVISIONED \(at least 1 MiB\/s\) \(in Python: provisioned_throughput_per_second, throughput_mode\)$/],
    ['the provisioned rate is below 1 MiB/s', { throughputMode: efs.ThroughputMode.PROVISIONED, provisionedThroughputPerSecond: Size.kibibytes(512) },
      /provisionedThroughputPerSecond must be at least 1 MiB\/s \(got 0.5 MiB\/s\) \(in Python: provisioned_throughput_per_second\)$/],
    ['a rate is given without provisioned mode', { provisionedThroughputPerSecond: Size.mebibytes(10) },
      /provisionedThroughputPerSecond is only used with throughputMode PROVISIONED \(got throughputMode 'elastic'\)/],
    ['the throughput mode is not one EFS knows', { throughputMode: 'turbo' as efs.ThroughputMode },
      /throughputMode must be one of bursting, provisioned, elastic \(got 'turbo'\) \(in Python: throughput_mode\)$/],
  ])('fails when %s', (_case, props, message) => {
    expect(() => fileSystemIn(testStack(), props)).toThrow(message);
  });

  test('fails when two selected subnets share an Availability Zone', () => {
    const stack = testStack();
    const vpc = twoIsolatedSubnetsPerZone(stack);
    expect(() => new SharedFileSystem(stack, 'Shared', { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }))
      .toThrow(/vpcSubnets must select at most one subnet per Availability Zone \(got zones .+\); add onePerAz: true \(in Python: vpc_subnets, one_per_az\)$/);
  });
});

describe('SharedFileSystem.addAlarms', () => {
  // Ten cold starts of 2 GiB a day on 10 GiB stored: the reference's load.
  const REFERENCE_LOAD = { storedData: Size.gibibytes(10) };
  const TWO_GIB_FIFTY_A_DAY = { bytesPerColdStart: Size.gibibytes(2), coldStartsPerDay: 50 };

  test('bursting file system: burst credits, I/O limit and connections, to the topic', () => {
    const { stack, shared, addFunction } = stackWithFileSystem({ throughputMode: efs.ThroughputMode.BURSTING, expectedLoad: REFERENCE_LOAD });
    addFunction('Classifier', { coldStartLoad: TWO_GIB_FIFTY_A_DAY });
    const topic = alarmTopic(stack);
    expect(shared.addAlarms({ alarmTopic: topic })).toHaveLength(3);
    const template = Template.fromStack(stack);
    const efsMetric = (name: string, statistic: string, period: number, threshold: number, operator: string) =>
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/EFS',
        MetricName: name,
        Statistic: statistic,
        Period: period,
        Threshold: threshold,
        ComparisonOperator: operator,
        Dimensions: [{ Name: 'FileSystemId', Value: { Ref: Match.stringLikeRegexp('SharedFileSystem') } }],
        AlarmActions: [{ Ref: Match.stringLikeRegexp('Pager') }],
      });
    // Ten cold starts of 2 GiB: 20 GiB of credits.
    efsMetric('BurstCreditBalance', 'Minimum', 300, 20 * 1024 ** 3, 'LessThanThreshold');
    efsMetric('PercentIOLimit', 'Maximum', 300, 90, 'GreaterThanOrEqualToThreshold');
    efsMetric('ClientConnections', 'Sum', 60, 20_000, 'GreaterThanOrEqualToThreshold');
  });

  test('provisioned file system: throughput near the provisioned rate', () => {
    const provisioned = { throughputMode: efs.ThroughputMode.PROVISIONED, provisionedThroughputPerSecond: Size.mebibytes(10) };
    const { stack, shared } = stackWithFileSystem(provisioned);
    expect(shared.addAlarms({ alarmTopic: alarmTopic(stack) })).toHaveLength(3);
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 80,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: '100 * (bytes / PERIOD(bytes)) / 1048576 / 10' }),
        Match.objectLike({ Id: 'bytes', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'MeteredIOBytes' }), Period: 60, Stat: 'Sum' }) }),
      ]),
    });
  });

  test('elastic file system: no credit or provisioned alarms', () => {
    const { stack, shared } = stackWithFileSystem();
    expect(shared.addAlarms({ alarmTopic: alarmTopic(stack) })).toHaveLength(2);
    Template.fromStack(stack).resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'BurstCreditBalance' }, 0);
  });
});

describe('SharedFileSystem.addAccessPoint', () => {
  test('POSIX user, root directory and creation info (defaulting to the user and 750)', () => {
    const stack = testStack();
    const shared = fileSystemIn(stack);
    shared.addAccessPoint('Messages', { path: '/message', uid: '1001', gid: '1001' });
    shared.addAccessPoint('Models', { path: '/ml/models', uid: '2000', gid: '3000', secondaryGids: ['4000'], ownerUid: '0', ownerGid: '0', permissions: '0755' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EFS::AccessPoint', {
      FileSystemId: { Ref: Match.stringLikeRegexp('SharedFileSystem') },
      PosixUser: { Uid: '1001', Gid: '1001' },
      RootDirectory: { Path: '/message', CreationInfo: { OwnerUid: '1001', OwnerGid: '1001', Permissions: '750' } },
    });
    template.hasResourceProperties('AWS::EFS::AccessPoint', {
      PosixUser: { Uid: '2000', Gid: '3000', SecondaryGids: ['4000'] },
      RootDirectory: { Path: '/ml/models', CreationInfo: { OwnerUid: '0', OwnerGid: '0', Permissions: '0755' } },
    });
    expect(shared.accessPoints).toHaveLength(2);
    expectCompliant(stack);
  });

  test.each([
    [`/${'x'.repeat(100)}`, /path must be at most 100 characters \(got 101\)/],
  ])('fails when path is %s', (path, message) => {
    const shared = fileSystemIn(testStack());
    expect(() => shared.addAccessPoint('Ap', { path, uid: '1001', gid: '1001' })).toThrow(message);
  });

  // EFS API Reference, RootDirectory: `Path` matches ^(\/|(\/(?!\.)+[^$#<>;`|&?{}^*/\n]+){1,4})$;
  // EFS refuses any other path when the access point is created, after the file system exists.
  test.each([
    ['message', 'not absolute'],
    ['/ml/../etc', 'a .. segment'],
    ['/ml/./etc', 'a . segment'],
    ['/a/b/c/d/e', 'five levels'],
    ['/ml/', 'a trailing slash'],
    ['//ml', 'a double slash at the start'],
    ['/ml//models', 'a double slash inside'],
    ['/.ssh', 'a segment starting with .'],
    ['/ml/.cache', 'a deeper segment starting with .'],
    ['/ml$HOME', 'a $'],
    ['/ml;rm', 'a ;'],
    ['/ml*', 'a *'],
    ['/a{b}', 'braces'],
    ['/ml\nx', 'a newline'],
  ])('fails when path is %j (%s), naming the prop and the accepted form', (path) => {
    const shared = fileSystemIn(testStack());
    expect(() => shared.addAccessPoint('Ap', { path, uid: '1001', gid: '1001', allowRoot: true }))
      .toThrow(/^path must be '\/' or one to four directories, each '\/' followed by a name that does not start with '\.' .*such as '\/ml' .*\(got '/s);
  });

  test.each(['750', '0750', '770', '2770', '1775', '755'])('accepts permissions %s', (permissions) => {
    const shared = fileSystemIn(testStack());
    expect(() => shared.addAccessPoint('Ap', { path: '/data', uid: '1001', gid: '1001', permissions })).not.toThrow();
  });

  test.each(['/ml', '/a/b/c/d', '/team models', '/a..b', '/ml-1_x.y', `/${'x'.repeat(99)}`])('accepts path %j, as EFS does', (path) => {
    const shared = fileSystemIn(testStack());
    expect(() => shared.addAccessPoint('Ap', { path, uid: '1001', gid: '1001' })).not.toThrow();
  });

  test.each([
    [{ uid: '-1' }, /^uid must be a decimal POSIX id from 0 to 4294967295 \(got '-1'\)$/],
    [{ gid: '4294967296' }, /gid must be a decimal POSIX id from 0 to 4294967295 \(got '4294967296'\)/],
    [{ secondaryGids: ['12', 'staff'] }, /secondaryGids\[1\] must be a decimal POSIX id .* \(in Python: secondary_gids\[1\]\)$/],
    [{ ownerUid: '1.5' }, /ownerUid must be a decimal POSIX id .* \(in Python: owner_uid\)$/],
    [{ permissions: '750x' }, /permissions must be a 3 or 4 digit octal string such as '750' or '0750' \(got '750x'\)/],
    [{ permissions: '789' }, /permissions must be a 3 or 4 digit octal string/],
    [{ permissions: '75' }, /permissions must be a 3 or 4 digit octal string/],
    // EFS creates such a directory as asked; what it allows is the problem.
    [{ permissions: '0777' }, /^permissions must not let others write \(got '0777'\): .*such as '770' or '2770'/],
    [{ permissions: '776' }, /^permissions must not let others write \(got '776'\)/],
    [{ permissions: '7777' }, /^permissions must not let others write \(got '7777'\)/],
    [{ permissions: '4750' }, /^permissions must not set the setuid bit \(got '4750'\): it has no effect on a directory/],
    [{ secondaryGids: Array.from({ length: 17 }, (_, i) => String(2000 + i)) },
      /^secondaryGids must hold at most 16 group ids, EFS's limit \(got 17\) \(in Python: secondary_gids\)$/],
  ])('fails when %j', (override, message) => {
    const shared = fileSystemIn(testStack());
    expect(() => shared.addAccessPoint('Ap', { path: '/data', uid: '1001', gid: '1001', ...override })).toThrow(message);
  });
});

/** Grants go into the grantee's default (inline) policy, as every CDK grant does: the user's choice of grantee. */
function acknowledgeInlineGrant(role: iam.Role): void {
  Validations.of(role).acknowledge({
    id: 'NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy',
    reason: 'This role stands in for a user\'s task or instance role; CDK grants add to its default policy.',
  });
}

describe('SharedFileSystem grants and clients', () => {
  test('grantReadWrite: an identity policy limited to the access point and to mount targets; no Allow in the file system policy', () => {
    const stack = testStack();
    const shared = fileSystemIn(stack);
    const accessPoint = shared.addAccessPoint('Ap', { path: '/data', uid: '1001', gid: '1001' });
    const role = new iam.Role(stack, 'Client', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    shared.grantReadWrite(role, accessPoint);
    acknowledgeInlineGrant(role);
    const template = Template.fromStack(stack);
    const conditions = {
      StringEquals: { 'elasticfilesystem:AccessPointArn': { 'Fn::Join': ['', Match.arrayWith([{ Ref: Match.stringLikeRegexp('SharedFileSystemAp') }])] } },
      Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' },
    };
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{
          Effect: 'Allow',
          Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
          Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('SharedFileSystem'), 'Arn'] },
          Condition: conditions,
        }],
      },
    });
    // An Allow there could not name the access point (the file system policy would depend
    // on its own access point), so it would open every access point to the grantee.
    const fileSystem = Object.values(template.findResources('AWS::EFS::FileSystem'))[0];
    expect(JSON.stringify(fileSystem.Properties.FileSystemPolicy)).not.toMatch(/"Effect":"Allow"/);
  });

  test('grantRead grants only ClientMount', () => {
    const stack = testStack();
    const shared = fileSystemIn(stack);
    const accessPoint = shared.addAccessPoint('Ap', { path: '/data', uid: '1001', gid: '1001' });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    shared.grantRead(role, accessPoint);
    acknowledgeInlineGrant(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'elasticfilesystem:ClientMount' })] },
    });
  });

  test('EC2 instances, tasks and on-premises networks can be let in on NFS', () => {
    const stack = testStack();
    const shared = fileSystemIn(stack);
    const instances = new ec2.SecurityGroup(stack, 'Instances', { vpc: shared.vpc });
    shared.allowMountFrom(instances);
    shared.allowMountFromCidr('192.168.0.0/16');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', nfsIngressFrom('Instances'));
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'EFS mount targets: NFS from granted clients only',
      SecurityGroupIngress: [{ CidrIp: '192.168.0.0/16', IpProtocol: 'tcp', FromPort: 2049, ToPort: 2049, Description: 'NFS from 192.168.0.0/16' }],
    });
  });
});

describe('SharedFileSystem refuses what exposes every file, unless told', () => {
  test.each([
    [{ uid: '0' }, /^uid must not be 0 \(root\) \(got '0'\): use an unprivileged id from 1 to 4294967295, or pass allowRoot: true to accept root \(in Python: allow_root\)$/],
    [{ gid: '0' }, /^gid must not be 0 \(root\) \(got '0'\).*allowRoot: true.*\(in Python: allow_root\)$/],
    [{ secondaryGids: ['1002', '00'] }, /^secondaryGids\[1\] must not be 0 \(root\) \(got '00'\).*\(in Python: secondary_gids\[1\], allow_root\)$/],
    [{ path: '/' }, /^path must not be '\/' \(the whole file system\) \(got '\/'\): use a directory such as '\/ml', or pass allowRoot: true to accept it \(in Python: allow_root\)$/],
  ])('fails when an access point runs as root or on the whole file system: %j', (override, message) => {
    const shared = fileSystemIn(testStack());
    expect(() => shared.addAccessPoint('Ap', { path: '/data', uid: '1001', gid: '1001', ...override })).toThrow(message);
  });

  test('allowRoot: true accepts root and /', () => {
    const stack = testStack();
    const shared = fileSystemIn(stack);
    shared.addAccessPoint('Admin', { path: '/', uid: '0', gid: '0', allowRoot: true });
    Template.fromStack(stack).hasResourceProperties('AWS::EFS::AccessPoint', {
      PosixUser: { Uid: '0', Gid: '0' },
      RootDirectory: Match.objectLike({ Path: '/' }),
    });
  });

  test.each(['0.0.0.0/0', '::/0'])('fails when allowMountFromCidr is given every address (%s)', cidr => {
    const shared = fileSystemIn(testStack());
    expect(() => shared.allowMountFromCidr(cidr))
      .toThrow(new RegExp(`^cidr must not cover every address \\(got '${cidr.replace(/\./g, '\\.')}'\\): .*allowAnyAddress: true to accept it \\(in Python: allow_any_address\\)$`));
  });

  test('allowAnyAddress: true accepts every address; an IPv6 range becomes an IPv6 rule', () => {
    const stack = testStack();
    const shared = fileSystemIn(stack);
    shared.allowMountFromCidr('0.0.0.0/0', { allowAnyAddress: true });
    // The user's explicit choice, which the rule packs still report.
    Validations.of(shared.securityGroup).acknowledge({ id: 'AwsSolutions::AwsSolutions-EC23', reason: 'This test opts in to NFS from anywhere.' });
    shared.allowMountFromCidr('fd00:10::/56');
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: Match.arrayWith([
        Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 2049 }),
        Match.objectLike({ CidrIpv6: 'fd00:10::/56', FromPort: 2049 }),
      ]),
    });
  });

  test('fails when the mount targets would be in public subnets; allowPublicSubnets: true accepts them', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'PublicOnly', { natGateways: 0, subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC }] });
    expect(() => new SharedFileSystem(stack, 'Shared', { vpc }))
      .toThrow(/^vpcSubnets must not select public subnets for mount targets \(got Default\/PublicOnly\/PublicSubnet1, Default\/PublicOnly\/PublicSubnet2\): .*allowPublicSubnets: true to accept them \(in Python: vpc_subnets, subnet_type, allow_public_subnets\)$/);
    expect(() => new SharedFileSystem(stack, 'Accepted', { vpc, allowPublicSubnets: true })).not.toThrow();
  });

  test('grants spare the granted roles in the perimeter by name, once each, and reference nothing', () => {
    const stack = testStack();
    const shared = fileSystemIn(stack);
    const accessPoint = shared.addAccessPoint('Ap', { path: '/data', uid: '1001', gid: '1001' });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    shared.grantRead(role, accessPoint);
    shared.grantReadWrite(role, accessPoint);
    acknowledgeInlineGrant(role);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: { 'Fn::Join': ['', [Match.stringLikeRegexp('^DefaultReader[A-Za-z0-9]+-$'), { Ref: 'AWS::Region' }]] },
    });
    const policy = Object.values(template.findResources('AWS::EFS::FileSystem'))[0].Properties.FileSystemPolicy;
    const { Condition: condition, ...perimeter } = policy.Statement[4];
    expect(perimeter).toEqual({
      Sid: 'DenyUngrantedPrincipals',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite', 'elasticfilesystem:ClientRootAccess'],
    });
    expect(Object.keys(condition)).toEqual(['Null', 'ArnNotLike']);
    expect(condition.Null).toEqual({ 'aws:PrincipalArn': 'false' });
    // The role's name at the root, under any path and as a session, built from pseudo parameters only.
    const patterns = condition.ArnNotLike['aws:PrincipalArn'].map((p: object) => JSON.stringify(p));
    expect(patterns).toEqual([
      expect.stringMatching(/^\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":iam::",\{"Ref":"AWS::AccountId"\},":role\/DefaultReader[A-Za-z0-9]+-",\{"Ref":"AWS::Region"\}\]\]\}$/),
      expect.stringMatching(/^\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":iam::",\{"Ref":"AWS::AccountId"\},":role\/\*\/DefaultReader[A-Za-z0-9]+-",\{"Ref":"AWS::Region"\}\]\]\}$/),
      expect.stringMatching(/^\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":sts::",\{"Ref":"AWS::AccountId"\},":assumed-role\/DefaultReader[A-Za-z0-9]+-",\{"Ref":"AWS::Region"\},"\/\*"\]\]\}$/),
    ]);
  });
});

describe('SharedFileSystem.admitPrincipal', () => {
  test('a role imported by ARN is spared by its name in its own account, under any path (no reference to another stack); an account is refused', () => {
    const app = new App();
    const storage = new Stack(app, 'Storage');
    const shared = fileSystemIn(storage);
    shared.admitPrincipal(iam.Role.fromRoleArn(storage, 'Ops', 'arn:aws:iam::111111111111:role/ops/efs-admin'));
    const policy = Object.values(Template.fromStack(storage).findResources('AWS::EFS::FileSystem'))[0].Properties.FileSystemPolicy;
    expect(policy.Statement.find((s: { Sid: string }) => s.Sid === 'DenyUngrantedPrincipals').Condition).toEqual({
      Null: { 'aws:PrincipalArn': 'false' },
      ArnNotLike: {
        'aws:PrincipalArn': [
          'arn:aws:iam::111111111111:role/efs-admin',
          'arn:aws:iam::111111111111:role/*/efs-admin',
          'arn:aws:sts::111111111111:assumed-role/efs-admin/*',
        ],
      },
    });
    expect(() => shared.admitPrincipal(new iam.AccountRootPrincipal()))
      .toThrow(/^grantee must be an IAM role .* or the ARN principal of a role or user known at synth, not an account or a service \(got AccountRootPrincipal\(\)\)$/);
  });
});
