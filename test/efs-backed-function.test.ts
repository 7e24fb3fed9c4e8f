import { App, Duration, Fn, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { alarmTopic, checkedApp, expectCompliant, fixture, functionProps, LATEST_PYTHON, newFunction, nfsIngressFrom, sharedFixture, stackWithFileSystem, testStack } from './helpers';
import { EfsBackedFunction, EfsBackedFunctionProps, InferenceVpc, SharedFileSystem } from '../src';

/** The function the construct creates (the VPC's default-security-group handler is one too). */
function efsFunction(template: Template) {
  return Object.values(template.findResources('AWS::Lambda::Function', { Properties: { FileSystemConfigs: Match.anyValue() } }))[0];
}

const ACCESS_POINT_ARN = { 'Fn::Join': ['', Match.arrayWith([{ Ref: Match.stringLikeRegexp('SharedFileSystemMl') }])] };

/** The fixture and one function 'Classifier' with the test props and nothing else, synthesized once for the tests that only read it. */
const classifier = sharedFixture(() => {
  const stack = testStack();
  newFunction(stack, 'Classifier', fixture(stack));
  return { stack, template: Template.fromStack(stack) };
});

describe('EfsBackedFunction.addAlarms and the emergency throttle', () => {
  test('every add* method refuses a second call alike, naming the method and what to do', () => {
    const { shared, addFunction } = stackWithFileSystem();
    const fn = addFunction('Classifier');
    fn.addAlarms();
    fn.addEmergencyThrottleOutput();
    shared.addAlarms();
    expect(() => fn.addAlarms()).toThrow(/^addAlarms was already called on Default\/Classifier: it adds its resources once; pass every option in that one call \(in Python: add_alarms\)$/);
    expect(() => fn.addEmergencyThrottleOutput()).toThrow(/^addEmergencyThrottleOutput was already called on Default\/Classifier: .*use the output the first call returned \(in Python: add_emergency_throttle_output\)$/);
    expect(() => shared.addAlarms()).toThrow(/^addAlarms was already called on Default\/Shared: /);
  });

  test('function: errors, throttles, duration near the timeout, init duration from the REPORT lines', () => {
    const { stack, addFunction } = stackWithFileSystem();
    const fn = addFunction('Classifier', { timeout: Duration.minutes(5) });
    const topic = alarmTopic(stack);
    expect(fn.addAlarms({ alarmTopic: topic })).toHaveLength(4);
    const template = Template.fromStack(stack);
    const alarm = (metricName: string | object, statistic: Record<string, string>, threshold: number) =>
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metricName,
        Period: 300,
        Threshold: threshold,
        ...statistic,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('Pager') }],
      });
    alarm('Errors', { Statistic: 'Sum' }, 1);
    alarm('Throttles', { Statistic: 'Sum' }, 1);
    alarm('Duration', { ExtendedStatistic: 'p99' }, 240_000);
    alarm(Match.stringLikeRegexp('^InitDuration-'), { Statistic: 'Maximum', Namespace: 'cdk-lambda-efs' }, 10_000);
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: Match.stringLikeRegexp('^\\[report = "REPORT", requestIdLabel, .*initLabel = "Init", initDurationLabel, initDuration, initUnit\\]$'),
      MetricTransformations: [Match.objectLike({ MetricValue: '$initDuration', MetricNamespace: 'cdk-lambda-efs', Unit: 'Milliseconds' })],
    });
  });

  test('fails when the duration alarm ratio is not a fraction of the timeout', () => {
    const { addFunction } = stackWithFileSystem();
    const fn = addFunction('Classifier');
    expect(() => fn.addAlarms({ durationTimeoutRatio: 1.5 })).toThrow(/durationTimeoutRatio must be more than 0 and at most 1 \(got 1.5\) \(in Python: duration_timeout_ratio\)$/);
  });

  test('the emergency throttle command sets reserved concurrency 0 on the function', () => {
    const { stack, addFunction } = stackWithFileSystem();
    const fn = addFunction('Classifier');
    const [, parts] = stack.resolve(fn.emergencyThrottleCommand())['Fn::Join'];
    expect(parts[0]).toBe('aws lambda put-function-concurrency --function-name ');
    expect(parts[1].Ref).toMatch(/^ClassifierFunction/);
    expect(parts[2]).toBe(' --reserved-concurrent-executions 0');
  });

  test('the emergency throttle command as a stack output, added once', () => {
    const { stack, addFunction } = stackWithFileSystem();
    const fn = addFunction('Classifier');
    const output = fn.addEmergencyThrottleOutput();
    const outputs = Template.fromStack(stack).findOutputs('*');
    expect(Object.keys(outputs)).toEqual([stack.resolve(output.logicalId)]);
    const [, parts] = Object.values(outputs)[0].Value['Fn::Join'];
    expect(parts[0]).toBe('aws lambda put-function-concurrency --function-name ');
    expect(parts[1].Ref).toMatch(/^ClassifierFunction/);
    expect(Object.values(outputs)[0].Description).toMatch(/^Stops every invocation of Default\/Classifier \(reserved concurrency 0\)/);
  });
});

describe('EfsBackedFunction', () => {
  test('mounts the access point at the mount path, in the private subnets, with its own security group', () => {
    const stack = testStack();
    const f = fixture(stack);
    const fn = newFunction(stack, 'Classifier', f, { memorySize: 3008, architecture: lambda.Architecture.ARM_64 });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: LATEST_PYTHON.name,
      MemorySize: 3008,
      Timeout: 30,
      Architectures: ['arm64'],
      ReservedConcurrentExecutions: 5,
      FileSystemConfigs: [{
        Arn: ACCESS_POINT_ARN,
        LocalMountPath: '/mnt/inference',
      }],
      VpcConfig: {
        SubnetIds: [{ Ref: Match.stringLikeRegexp('NetworkVpcPrivateSubnet1') }, { Ref: Match.stringLikeRegexp('NetworkVpcPrivateSubnet2') }],
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('ClassifierSecurityGroup'), 'GroupId'] }],
      },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('ClassifierLogGroup') } },
    });
    expect(fn.mountPath).toBe('/mnt/inference');
    expect(fn.invokeTarget).toBe(fn.lambdaFunction);
    expect(fn.alias).toBeUndefined();
    const report = expectCompliant(stack);
    expect(report.acknowledged.filter(a => a.constructPath.startsWith('Default/Classifier/')).map(a => a.rule).sort()).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'NIST.800.53.R5-LambdaDLQ',
    ]);
  });

  test('the mount targets let the function in on NFS 2049, and the function is created after them and the rule', () => {
    const { template } = classifier();
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', nfsIngressFrom('ClassifierSecurityGroup'));
    const dependsOn: string[] = efsFunction(template).DependsOn;
    const mountTargets = Object.keys(template.findResources('AWS::EFS::MountTarget'));
    const ingress = Object.keys(template.findResources('AWS::EC2::SecurityGroupIngress'));
    const policies = Object.keys(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('ClassifierServiceRole') }] } }));
    expect(mountTargets).toHaveLength(2);
    expect(dependsOn).toEqual(expect.arrayContaining([...mountTargets, ...ingress, ...policies]));
    expect(policies).toHaveLength(1);
  });

  test('IAM: one customer-managed policy; EFS actions only on the file system and only through the access point', () => {
    const { template } = classifier();
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] },
      ManagedPolicyArns: Match.absent(),
      Policies: Match.absent(),
    });
    // No inline policy anywhere in the function's part of the stack.
    expect(Object.keys(template.findResources('AWS::IAM::Policy')).filter(id => id.startsWith('Classifier'))).toEqual([]);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: Match.stringLikeRegexp('ClassifierServiceRole') }],
      PolicyDocument: {
        Statement: [
          { Sid: 'WriteLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('ClassifierLogGroup'), 'Arn'] } },
          {
            Sid: 'ManageVpcNetworkInterfaces',
            Effect: 'Allow',
            Resource: '*',
            Action: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
          },
          {
            Sid: 'MountAccessPoint',
            Effect: 'Allow',
            Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('SharedFileSystem'), 'Arn'] },
            Condition: {
              StringEquals: { 'elasticfilesystem:AccessPointArn': ACCESS_POINT_ARN },
              Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' },
            },
          },
        ],
      },
    });
  });

  test('readOnly grants only ClientMount', () => {
    const stack = testStack();
    const f = fixture(stack);
    newFunction(stack, 'Reader', f, { readOnly: true });
    const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('ReaderServiceRole') }] },
    }))[0];
    const mount = policy.Properties.PolicyDocument.Statement.find((s: { Sid: string }) => s.Sid === 'MountAccessPoint');
    expect(mount.Action).toBe('elasticfilesystem:ClientMount');
  });

  test('allowAllOutbound: false leaves only NFS egress to the mount targets', () => {
    const stack = testStack();
    const f = fixture(stack);
    newFunction(stack, 'Wall', f, { allowAllOutbound: false });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Lambda function that mounts EFS at /mnt/inference',
      SecurityGroupEgress: [{
        IpProtocol: 'tcp',
        FromPort: 2049,
        ToPort: 2049,
        DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('SharedSecurityGroup'), 'GroupId'] },
      }],
    });
  });

  test('provisioned concurrency through an alias on the current version', () => {
    const stack = testStack();
    const f = fixture(stack);
    const fn = newFunction(stack, 'Classifier', f, { provisionedConcurrency: 2 });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      FunctionVersion: { 'Fn::GetAtt': [Match.stringLikeRegexp('ClassifierFunctionCurrentVersion'), 'Version'] },
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
    });
    expect(fn.invokeTarget).toBe(fn.alias);
  });

  test('mountEnvironment sets paths under the mount, next to the usual environment', () => {
    const stack = testStack();
    const f = fixture(stack);
    newFunction(stack, 'Classifier', f, {
      environment: { LOG_LEVEL: 'info' },
      mountEnvironment: { PYTHONPATH: 'lib', TORCH_HOME: 'model', DATA_DIR: '' },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { LOG_LEVEL: 'info', PYTHONPATH: '/mnt/inference/lib', TORCH_HOME: '/mnt/inference/model', DATA_DIR: '/mnt/inference' } },
    });
  });

  test('works with a function in another stack than the file system, without circular references', () => {
    const app = checkedApp();
    const storage = new Stack(app, 'Storage');
    const f = fixture(storage);
    const compute = new Stack(app, 'Compute');
    newFunction(compute, 'Classifier', f);

    // Synthesis fails on a cycle between stacks; it does not here.
    expectCompliant(compute);
    expect(compute.dependencies).toEqual([storage]);
    expect(storage.dependencies).toEqual([]);
    const computeTemplate = Template.fromStack(compute);
    computeTemplate.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 2049,
      GroupId: { 'Fn::ImportValue': Match.stringLikeRegexp('SharedSecurityGroup') },
    });
    // The file system's stack references nothing of the function's: its policy names the
    // function's role by the name the role is given at synth.
    const storageJson = JSON.stringify(Template.fromStack(storage).toJSON());
    expect(storageJson).not.toMatch(/ImportValue|Compute(?!Classifier)/);
    expect(storageJson).toMatch(/:role\/ComputeClassifier[A-Za-z0-9]*-/);
  });

  test('fails when mountPath is not under /mnt/', () => {
    const f = fixture(testStack());
    expect(() => new EfsBackedFunction(f.shared, 'Fn', functionProps(f, { mountPath: '/data' })))
      .toThrow(/mountPath must start with \/mnt\/ followed by one directory name .* \(got '\/data'\) \(in Python: mount_path\)$/);
    expect(() => new EfsBackedFunction(f.shared, 'Fn2', functionProps(f, { mountPath: '/mnt/a/b' })))
      .toThrow(/mountPath must start with \/mnt\//);
    expect(() => new EfsBackedFunction(f.shared, 'Fn3', functionProps(f, { mountPath: `/mnt/${'a'.repeat(160)}` })))
      .toThrow(/mountPath must be at most 160 characters \(got 165\) \(in Python: mount_path\)$/);
  });

  test('fails when the runtime is retired', () => {
    const f = fixture(testStack());
    expect(() => new EfsBackedFunction(f.shared, 'Fn', functionProps(f, { runtime: lambda.Runtime.PYTHON_3_8 })))
      .toThrow(/runtime python3.8 has been retired by AWS Lambda/);
    // Names spelled the same in both languages get no Python note.
    expect(() => new EfsBackedFunction(f.shared, 'Fn2', functionProps(f, { runtime: lambda.Runtime.PYTHON_3_8 }))).not.toThrow(/in Python/);
  });

  test('fails when SnapStart is asked for', () => {
    const f = fixture(testStack());
    expect(() => new EfsBackedFunction(f.shared, 'Fn', functionProps(f, { runtime: lambda.Runtime.JAVA_21, snapStart: lambda.SnapStartConf.ON_PUBLISHED_VERSIONS })))
      .toThrow(/snapStart must not be set: Lambda SnapStart does not support functions that mount Amazon EFS \(in Python: snap_start\)$/);
  });

  test('fails when a second file system is given', () => {
    const f = fixture(testStack());
    const other = f.shared.addAccessPoint('Other', { path: '/other', uid: '1001', gid: '1001' });
    expect(() => new EfsBackedFunction(f.shared, 'Fn', functionProps(f, { filesystem: lambda.FileSystem.fromEfsAccessPoint(other, '/mnt/other') })))
      .toThrow(/filesystem must not be set: an EfsBackedFunction mounts exactly one file system/);
  });

  // What only aws-cdk-lib's template validation (a warning by default) or the Lambda API saw.
  test.each<[string, Partial<EfsBackedFunctionProps>, RegExp]>([
    ['reserved concurrency 0', { reservedConcurrentExecutions: 0 },
      /^reservedConcurrentExecutions must be at least 1 \(got 0\): a function with no environments can never run\..*addEmergencyThrottleOutput.*\(in Python: reserved_concurrent_executions\)$/],
    ['reserved concurrency 1.5', { reservedConcurrentExecutions: 1.5 },
      /^reservedConcurrentExecutions must be a whole number from 1 to 1000000 \(got 1.5\) \(in Python: reserved_concurrent_executions\)$/],
    ['alias $LATEST', { provisionedConcurrency: 1, aliasName: '$LATEST' }, /^aliasName must be 1 to 128 letters, digits, '-' or '_', not only digits, such as 'live' \(got '\$LATEST'\)/],
    ['an empty alias', { provisionedConcurrency: 1, aliasName: '' }, /^aliasName must be 1 to 128 letters/],
    ['a numeric alias', { provisionedConcurrency: 1, aliasName: '123' }, /^aliasName must be .*not only digits.* \(got '123'\) \(in Python: alias_name\)$/],
    ['an empty handler', { handler: '' }, /^handler must be 1 to 128 characters without spaces, such as 'app.handler' \(got ''\)$/],
    ['a handler with a space', { handler: 'app. handler' }, /^handler must be 1 to 128 characters without spaces/],
    // The function's own facts: a declaration would override them in the plan.
    ['a load declared within a longer time than the timeout', { timeout: Duration.seconds(20), coldStartLoad: { bytesPerColdStart: Size.gibibytes(1), loadWithin: Duration.minutes(15) } },
      /^coldStartLoad.loadWithin must not be set on an EfsBackedFunction: it is the function's own, taken from its timeout; set that instead \(in Python: cold_start_load.load_within\)$/],
    ['a caller timeout in the load', { coldStartLoad: { bytesPerColdStart: Size.gibibytes(1), callerTimeout: Duration.seconds(30) } },
      /^coldStartLoad.callerTimeout must not be set on an EfsBackedFunction: .*declareCallerTimeout\(\)/],
    ['on-demand environments in the load', { coldStartLoad: { bytesPerColdStart: Size.gibibytes(1), onDemandEnvironments: false } },
      /^coldStartLoad.onDemandEnvironments must not be set on an EfsBackedFunction/],
  ])('fails with %s, naming the setting and what is accepted', (_name, override, message) => {
    const stack = testStack();
    const f = fixture(stack);
    expect(() => new EfsBackedFunction(stack, 'Fn', functionProps(f, override))).toThrow(message);
  });

  test.each([['region', { region: 'eu-west-1' }], ['account', { account: '222222222222' }]])(
    'fails when the function\'s stack is in another %s than its file system', (what, env) => {
      const app = new App();
      const storage = new Stack(app, 'Storage', { env: { account: '111111111111', region: 'us-east-1' } });
      const f = fixture(storage);
      const compute = new Stack(app, 'Compute', { env: { account: '111111111111', region: 'us-east-1', ...env } });
      expect(() => new EfsBackedFunction(compute, 'Fn', functionProps(f)))
        .toThrow(new RegExp(`^Compute/Fn is in ${what} \\S+ and its file system Storage/Shared in \\S+: a function mounts a file system of its own ${what} only`));
    });

  test('the user\'s own security groups that allow nothing out are not undone by the function\'s group', () => {
    const stack = testStack();
    const f = fixture(stack);
    const closed = new ec2.SecurityGroup(stack, 'Closed', { vpc: f.network.vpc, allowAllOutbound: false });
    const fn = newFunction(stack, 'Fn', f, { securityGroups: [closed] });
    // With a group that allows everything out, the function keeps the default.
    const open = new ec2.SecurityGroup(stack, 'Open', { vpc: f.network.vpc });
    const other = newFunction(stack, 'Other', f, { securityGroups: [open], mountPath: '/mnt/other' });
    const resources = Template.fromStack(stack).toJSON().Resources;
    const egressOf = (group: ec2.SecurityGroup) => JSON.stringify(resources[stack.getLogicalId(group.node.defaultChild as ec2.CfnSecurityGroup)]
      .Properties.SecurityGroupEgress ?? []);
    // Only NFS to the mount targets (a separate egress resource), no rule to 0.0.0.0/0.
    expect(egressOf(fn.securityGroup)).not.toMatch(/0\.0\.0\.0\/0/);
    expect(egressOf(other.securityGroup)).toMatch(/0\.0\.0\.0\/0/);
  });

  test('fails when provisioned concurrency exceeds reserved concurrency', () => {
    const f = fixture(testStack());
    expect(() => new EfsBackedFunction(f.shared, 'Fn', functionProps(f, { reservedConcurrentExecutions: 2, provisionedConcurrency: 3 })))
      .toThrow(/provisionedConcurrency \(3\) must not exceed reservedConcurrentExecutions \(2\): .* \(in Python: provisioned_concurrency, reserved_concurrent_executions\)$/);
    expect(() => new EfsBackedFunction(f.shared, 'Fn2', functionProps(f, { provisionedConcurrency: 0 })))
      .toThrow(/provisionedConcurrency must be a whole number from 1 to 1000000 \(got 0\) \(in Python: provisioned_concurrency\)$/);
  });

  test('fails when the function would be in another VPC than the mount targets', () => {
    const stack = testStack();
    const f = fixture(stack);
    const otherVpc = new ec2.Vpc(stack, 'Other');
    expect(() => newFunction(stack, 'Fn', f, { vpc: otherVpc }))
      .toThrow(/vpc must be the file system's VPC, where its mount targets are \(got a different VPC: Default\/Other instead of Default\/Network\/Vpc\)/);
  });

  test('fails when a subnet is in an Availability Zone without a mount target', () => {
    const stack = testStack();
    const network = new InferenceVpc(stack, 'Network', { maxAzs: 2 });
    const shared = new SharedFileSystem(stack, 'Shared', {
      vpc: network.vpc,
      vpcSubnets: { subnets: [network.vpc.privateSubnets[0]] },
    });
    const accessPoint = shared.addAccessPoint('Ap', { path: '/ml', uid: '1001', gid: '1001' });
    expect(() => new EfsBackedFunction(stack, 'Fn', functionProps({ network, shared, accessPoint }, { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } })))
      .toThrow(/vpcSubnets includes subnets in .+, where the file system has no mount target; use subnets in .+ \(in Python: vpc_subnets\)$/);
  });

  test('fails when a mountEnvironment path escapes the mount or clashes with environment', () => {
    const f = fixture(testStack());
    expect(() => new EfsBackedFunction(f.shared, 'Fn', functionProps(f, { mountEnvironment: { PYTHONPATH: '../lib' } })))
      .toThrow(/mountEnvironment.PYTHONPATH must be a path relative to the mount, without '..' \(got '..\/lib'\) \(in Python: mount_environment.PYTHONPATH\)$/);
    expect(() => new EfsBackedFunction(f.shared, 'Fn2', functionProps(f, { environment: { PYTHONPATH: '/x' }, mountEnvironment: { PYTHONPATH: 'lib' } })))
      .toThrow(/mountEnvironment.PYTHONPATH is also set in environment/);
  });

  test('fails when there is no VPC to run in', () => {
    const f = fixture(testStack());
    const noVpc = { ...f.shared, vpc: undefined } as unknown as SharedFileSystem;
    expect(() => new EfsBackedFunction(f.shared, 'Fn', functionProps(f, { fileSystem: noVpc })))
      .toThrow(/EfsBackedFunction needs a VPC that routes to the mount targets/);
  });
});

describe('EfsBackedFunction least privilege', () => {
  test('the network interface permissions hold only for requests without lambda:SourceFunctionArn (Lambda\'s own, not the code\'s)', () => {
    classifier().template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'ManageVpcNetworkInterfaces',
          Action: Match.arrayWith(['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface']),
          Resource: '*',
          Condition: { Null: { 'lambda:SourceFunctionArn': 'true' } },
        })]),
      },
    });
  });

  test('logEncryptionKey encrypts the log group the construct creates, and nothing is acknowledged for it', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'LogKey', { enableKeyRotation: true });
    const fn = newFunction(stack, 'Fn', fixture(stack), { logEncryptionKey: key });
    const report = expectCompliant(stack);
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LogKey'), 'Arn'] },
    });
    expect(report.acknowledged.filter(a => a.constructPath.startsWith(`${fn.node.path}/LogGroup`))).toEqual([]);
  });

  test('fails when logEncryptionKey is given with a logGroup of the user\'s', () => {
    const stack = testStack();
    const f = fixture(stack);
    const key = new kms.Key(stack, 'LogKey', { enableKeyRotation: true });
    const logGroup = new logs.LogGroup(stack, 'Logs');
    expect(() => new EfsBackedFunction(stack, 'Fn', functionProps(f, { logGroup, logEncryptionKey: key })))
      .toThrow(/^logEncryptionKey is only used for the log group this construct creates: set the key on logGroup instead \(in Python: log_encryption_key, log_group\)$/);
  });

  test('the role is named at synth, in the file system\'s stack or another, and the perimeter spares it by that name', () => {
    const app = checkedApp();
    const storage = new Stack(app, 'Storage');
    const f = fixture(storage);
    newFunction(storage, 'Local', f);
    const compute = new Stack(app, 'Compute');
    newFunction(compute, 'Remote', f, { mountPath: '/mnt/remote' });
    const storageTemplate = Template.fromStack(storage);
    storageTemplate.hasResourceProperties('AWS::IAM::Role', {
      RoleName: { 'Fn::Join': ['', [Match.stringLikeRegexp('^StorageLocalServiceRole[A-Za-z0-9]+-$'), { Ref: 'AWS::Region' }]] },
    });
    Template.fromStack(compute).hasResourceProperties('AWS::IAM::Role', {
      RoleName: { 'Fn::Join': ['', [Match.stringLikeRegexp('^ComputeRemoteServiceRole[A-Za-z0-9]+-$'), { Ref: 'AWS::Region' }]] },
    });
    const perimeter = Object.values(storageTemplate.findResources('AWS::EFS::FileSystem'))[0]
      .Properties.FileSystemPolicy.Statement.find((s: { Sid: string }) => s.Sid === 'DenyUngrantedPrincipals');
    // Each role under its name at the root, under any path and as a session.
    expect(perimeter.Condition.ArnNotLike['aws:PrincipalArn']).toHaveLength(6);
  });

  test('fails when a role of the user\'s can be named neither at synth nor by the library', () => {
    const app = checkedApp();
    const storage = new Stack(app, 'Storage');
    const f = fixture(storage);
    const compute = new Stack(app, 'Compute');
    const role = iam.Role.fromRoleName(compute, 'Mine', Fn.importValue('role-name'));
    expect(() => new EfsBackedFunction(compute, 'Fn', functionProps(f, { role })))
      .toThrow(/^grantee Compute\/Mine is a role whose name is known only at deploy time .*Give the role a roleName, or import it with iam.Role.fromRoleArn \(in Python: role_name\)$/);
  });
});
