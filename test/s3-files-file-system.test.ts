import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { InferenceVpc, S3FilesFileSystem } from '../src';
import { expectCompliant, importedS3FilesFileSystem, s3FilesFixture, templateCycles, testStack } from './helpers';

describe('S3FilesFileSystem with its defaults', () => {
  const stack = testStack();
  const { models, accessPoint } = s3FilesFixture(stack);
  const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'), roleName: 'model-reader' });
  models.grantRead(reader, accessPoint);
  Validations.of(reader).acknowledge({
    id: 'NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy',
    reason: 'This role stands in for a user\'s task or instance role; CDK grants add to its default policy.',
  });
  const template = Template.fromStack(stack);

  test('passes the rule packs', () => {
    expectCompliant(stack);
  });

  test('creates a versioned, encrypted, TLS-only, private bucket, kept on update and delete but not on a failed create', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } })] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      },
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('the file system names the bucket and the sync role, and waits for the role\'s policy', () => {
    template.hasResource('AWS::S3Files::FileSystem', {
      Properties: {
        Bucket: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ModelsBucket'), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ModelsSyncRole'), 'Arn'] },
      },
      DependsOn: [Match.stringLikeRegexp('^ModelsSyncRolePolicy')],
      DeletionPolicy: 'RetainExceptOnCreate',
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'elasticfilesystem.amazonaws.com' } })] },
    });
  });

  test('the sync role reaches only the bucket, its objects, and the EventBridge rules S3 Files creates in this account and Region', () => {
    const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^ModelsSyncRole') }] },
    }));
    const statements = policy.Properties.PolicyDocument.Statement;
    const bySid = Object.fromEntries(statements.map((s: any) => [s.Sid, s]));
    expect(Object.keys(bySid).sort()).toEqual(['ListBucket', 'ListRules', 'ManageSyncRules', 'ReadSyncRules', 'SyncObjects']);
    expect(bySid.ListBucket.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ModelsBucket/), 'Arn'] });
    expect(JSON.stringify(bySid.SyncObjects.Resource)).toMatch(/ModelsBucket\w+","Arn"\]\},"\/\*"/);
    const rules = JSON.stringify(bySid.ManageSyncRules.Resource);
    expect(rules).toContain('{"Ref":"AWS::Region"}');
    expect(rules).toContain('{"Ref":"AWS::AccountId"}');
    expect(rules).toContain(':rule/DO-NOT-DELETE-S3-Files*');
    expect(bySid.ManageSyncRules.Condition).toEqual({ StringEquals: { 'events:ManagedBy': 'elasticfilesystem.amazonaws.com' } });
    expect(bySid.ReadSyncRules.Resource).toEqual(bySid.ManageSyncRules.Resource);
    // Actions without resource-level permissions only.
    expect(bySid.ListRules).toMatchObject({ Action: ['events:ListRuleNamesByTarget', 'events:ListRules'], Resource: '*' });
    for (const statement of statements) {
      expect([statement.Action].flat().every((a: string) => /^(s3|events):/.test(a))).toBe(true);
    }
  });

  test('one mount target per private subnet, in a security group that lets nothing in until a client is let in', () => {
    template.resourceCountIs('AWS::S3Files::MountTarget', 2);
    template.hasResourceProperties('AWS::S3Files::MountTarget', {
      SubnetId: { Ref: Match.stringLikeRegexp('PrivateSubnet1') },
      SecurityGroups: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^ModelsSecurityGroup'), 'GroupId'] }],
    });
    const [group] = Object.values(template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('^S3 Files') } }));
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });

  test('a POSIX access point with its creation permissions', () => {
    template.hasResourceProperties('AWS::S3Files::AccessPoint', {
      FileSystemId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ModelsFileSystem'), 'FileSystemId'] },
      PosixUser: { Uid: '1001', Gid: '1001' },
      RootDirectory: { Path: '/ml', CreationPermissions: { OwnerUid: '1001', OwnerGid: '1001', Permissions: '750' } },
    });
  });

  test('the file system policy: TLS, access points, no root, the perimeter; no mount-target layer (no key documented); names no principal', () => {
    const [policy] = Object.values(template.findResources('AWS::S3Files::FileSystemPolicy'));
    const statements = policy.Properties.Policy.Statement;
    expect(statements.map((s: any) => s.Sid)).toEqual(['DenyWithoutTls', 'DenyRootAccess', 'DenyWithoutAccessPoint', 'DenyUngrantedPrincipals']);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Deny');
      expect(statement.Principal).toEqual({ AWS: '*' });
      expect(statement.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ModelsFileSystem/), 'FileSystemArn'] });
    }
    expect(statements[2].Condition).toEqual({ Null: { 's3files:AccessPointArn': 'true' } });
    expect(statements[3].Condition.Null).toEqual({ 'aws:PrincipalArn': 'false' });
    expect(JSON.stringify(statements[3].Condition.ArnNotLike)).toContain(':role/model-reader');
    expect(JSON.stringify(policy.Properties.Policy)).not.toMatch(/elasticfilesystem|AccessedViaMountTarget/);
  });

  test('a read grant: s3files:ClientMount on the file system, through the access point only', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Reader') }],
      PolicyDocument: {
        Statement: [{
          Action: 's3files:ClientMount',
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ModelsFileSystem'), 'FileSystemArn'] },
          Condition: { StringEquals: { 's3files:AccessPointArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('^ModelsMl'), 'AccessPointArn'] } } },
        }],
      },
    });
  });

  test('no dependency cycle', () => {
    expect(templateCycles(template.toJSON())).toEqual([]);
  });
});

describe('S3FilesFileSystem options', () => {
  test('a KMS key encrypts the bucket (SSE-KMS) and the file system, and the sync role may use it', () => {
    const stack = new Stack(new App(), 'Keyed');
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    s3FilesFixture(stack, { kmsKey: key });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) })] },
    });
    template.hasResourceProperties('AWS::S3Files::FileSystem', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'UseBucketKey', Action: ['kms:Decrypt', 'kms:GenerateDataKey'] })]) },
    });
  });

  test('a given bucket is used as is, and no bucket is created', () => {
    const stack = new Stack(new App(), 'Given');
    const bucket = new s3.Bucket(stack, 'Data', { versioned: true });
    const { models } = s3FilesFixture(stack, { bucket });
    expect(models.bucket).toBe(bucket);
    Template.fromStack(stack).resourceCountIs('AWS::S3::Bucket', 1);
  });

  test('fails when a bucket of the app is not versioned', () => {
    const stack = new Stack(new App(), 'Unversioned');
    const bucket = new s3.Bucket(stack, 'Data');
    expect(() => s3FilesFixture(stack, { bucket })).toThrow(/bucket Unversioned\/Data must be versioned: S3 Files relies on object versions/);
  });

  test('removalPolicy DESTROY applies to the bucket, the file system and the sync role', () => {
    const stack = new Stack(new App(), 'Destroyed');
    s3FilesFixture(stack, { removalPolicy: RemovalPolicy.DESTROY });
    const template = Template.fromStack(stack);
    for (const type of ['AWS::S3::Bucket', 'AWS::S3Files::FileSystem', 'AWS::IAM::Role']) {
      template.hasResource(type, { DeletionPolicy: 'Delete' });
    }
  });

  test('requireAccessPoint and restrictToGrantedPrincipals off leave TLS and root', () => {
    const stack = new Stack(new App(), 'Open');
    s3FilesFixture(stack, { requireAccessPoint: false, restrictToGrantedPrincipals: false });
    const [policy] = Object.values(Template.fromStack(stack).findResources('AWS::S3Files::FileSystemPolicy'));
    expect(policy.Properties.Policy.Statement.map((s: any) => s.Sid)).toEqual(['DenyWithoutTls', 'DenyRootAccess']);
  });

  test('fails when vpcSubnets selects public subnets, or two subnets in one zone', () => {
    const stack = new Stack(new App(), 'Public');
    const network = new InferenceVpc(stack, 'Network');
    expect(() => new S3FilesFileSystem(stack, 'Models', { vpc: network.vpc, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }))
      .toThrow(/vpcSubnets must not select public subnets for mount targets/);
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'A', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, { name: 'B', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    expect(() => new S3FilesFileSystem(stack, 'Twice', { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }))
      .toThrow(/vpcSubnets must select at most one subnet per Availability Zone/);
  });

  test.each([
    [{ path: '/', uid: '1001', gid: '1001' }, /path must not be '\/'/],
    [{ path: '/ml', uid: '0', gid: '1001' }, /uid must not be 0 \(root\)/],
    [{ path: '/a/b/c/d/e', uid: '1001', gid: '1001' }, /path/],
  ])('fails when an access point is %j (the same checks as SharedFileSystem)', (options, message) => {
    const stack = new Stack(new App(), 'Bad');
    const { models } = s3FilesFixture(stack);
    expect(() => models.addAccessPoint('Bad', options)).toThrow(message);
  });

  test('fails when a grant names another file system\'s access point', () => {
    const stack = new Stack(new App(), 'Two');
    const { models, network } = s3FilesFixture(stack);
    const other = new S3FilesFileSystem(stack, 'Other', { vpc: network.vpc });
    const foreign = other.addAccessPoint('Data', { path: '/data', uid: '1001', gid: '1001' });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    expect(() => models.grantRead(role, foreign)).toThrow(/grantRead: accessPoint Two\/Other\/Data must belong to the S3 Files file system Two\/Models/);
  });
});

describe('other clients and imports', () => {
  test('allowMountFrom: the NFS rule lives beside the client\'s group, in the client\'s stack, and the client waits for the mount targets and the policy', () => {
    const app = new App();
    const storage = new Stack(app, 'Storage');
    const { models, network, accessPoint } = s3FilesFixture(storage);
    const compute = new Stack(app, 'Compute');
    const instance = new ec2.Instance(compute, 'Box', {
      vpc: network.vpc,
      instanceType: new ec2.InstanceType('t3.micro'),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    });
    models.allowMountFrom(instance);
    models.grantReadWrite(instance, accessPoint);
    const computeTemplate = Template.fromStack(compute);
    computeTemplate.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { IpProtocol: 'tcp', FromPort: 2049, ToPort: 2049 });
    for (const template of [computeTemplate.toJSON(), Template.fromStack(storage).toJSON()]) {
      expect(templateCycles(template)).toEqual([]);
    }
    expect(app.synth().getStackByName('Compute').dependencies.map(d => d.id)).toContain('Storage');
  });

  test('fromFileSystemAttributes: grants go to the identity policy with the ARN built from the id; access points and an imported one by ARN', () => {
    const stack = new Stack(new App(), 'Imported', { env: { account: '111111111111', region: 'eu-west-1' } });
    const models = importedS3FilesFileSystem(stack);
    expect(stack.resolve(models.fileSystemArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3files:eu-west-1:111111111111:file-system/fs-0123456789abcdef0']],
    });
    const ap = models.addAccessPoint('Data', { path: '/data', uid: '1001', gid: '1001' });
    const existing = S3FilesFileSystem.fromAccessPointAttributes(stack, 'Existing', {
      fileSystem: models,
      accessPointArn: 'arn:aws:s3files:eu-west-1:111111111111:file-system/fs-0123456789abcdef0/access-point/fsap-0123456789abcdef0',
    });
    expect(existing.accessPointRef.accessPointId).toBe('fsap-0123456789abcdef0');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    models.grantRead(role, ap);
    models.grantReadWrite(role, existing);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3Files::AccessPoint', { FileSystemId: 'fs-0123456789abcdef0' });
    template.resourceCountIs('AWS::S3Files::FileSystemPolicy', 0);
    expect(() => S3FilesFileSystem.fromAccessPointAttributes(stack, 'Foreign', {
      fileSystem: models,
      accessPointArn: 'arn:aws:s3files:eu-west-1:111111111111:file-system/fs-0000000000000000f/access-point/fsap-1',
    })).toThrow(/must belong to the S3 Files file system Imported\/Models/);
  });
});
