import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { buildEnvironment, checkedApp, expectCompliant, policyStatements, stableTemplate } from './helpers';
import { MessageWallStack } from '../examples/message-wall/message-wall-stack';
import { MlInferenceStack, MlInferenceStackProps } from '../examples/ml-inference/ml-inference-stack';

/** What the VPC lookup answers for a default VPC: one public subnet in each of two zones. */
function defaultVpcLookup(): object {
  return {
    vpcId: 'vpc-0123456789abcdef0',
    vpcCidrBlock: '172.31.0.0/16',
    ownerAccountId: '123456789012',
    availabilityZones: [],
    subnetGroups: [{
      name: 'Public',
      type: 'Public',
      subnets: [
        { subnetId: 'subnet-0aaaaaaaaaaaaaaa1', cidr: '172.31.0.0/20', availabilityZone: 'eu-west-1a', routeTableId: 'rtb-0aaaaaaaaaaaaaaa1' },
        { subnetId: 'subnet-0bbbbbbbbbbbbbbb2', cidr: '172.31.16.0/20', availabilityZone: 'eu-west-1b', routeTableId: 'rtb-0bbbbbbbbbbbbbbb2' },
      ],
    }],
  };
}

describe('examples/message-wall', () => {
  function messageWall(props = {}): MessageWallStack {
    return new MessageWallStack(checkedApp({ cfnGuard: true }), 'MessageWall', props);
  }

  test('access point /message as 1001:1001, created 1001/1001/750', () => {
    Template.fromStack(messageWall()).hasResourceProperties('AWS::EFS::AccessPoint', {
      PosixUser: { Uid: '1001', Gid: '1001' },
      RootDirectory: { Path: '/message', CreationInfo: { OwnerUid: '1001', OwnerGid: '1001', Permissions: '750' } },
    });
  });

  test('a current Python runtime mounted at /mnt/msg, in a VPC without NAT', () => {
    const template = Template.fromStack(messageWall());
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'python3.15',
      Handler: 'message_wall.handler',
      FileSystemConfigs: [{ LocalMountPath: '/mnt/msg', Arn: Match.anyValue() }],
      Environment: { Variables: { MOUNT_PATH: '/mnt/msg', MAX_BODY_BYTES: '65536' } },
      ReservedConcurrentExecutions: 10,
    });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
  });

  test('an HTTP API whose default route integrates the function, throttled and access-logged', () => {
    const template = Template.fromStack(messageWall());
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: '$default',
      AuthorizationType: 'NONE',
      Target: { 'Fn::Join': ['', ['integrations/', { Ref: Match.stringLikeRegexp('ApiDefaultRouteTarget') }]] },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [Match.stringLikeRegexp('WallFunction'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AccessLogs'), 'Arn'] }, Format: Match.stringLikeRegexp('requestId') },
    });
    template.hasOutput('Endpoint', {});
  });

  test('an existing VPC (the default one, or by id) is looked up instead of creating one', () => {
    const env = { account: '123456789012', region: 'eu-west-1' };
    const cases: Array<[object, object]> = [
      [{ useDefaultVpc: true }, { isDefault: 'true' }],
      [{ vpcId: 'vpc-0123456789abcdef0' }, { 'vpc-id': 'vpc-0123456789abcdef0' }],
    ];
    for (const [props, filter] of cases) {
      // Without the answer in context, synth asks the CLI to look the VPC up (with credentials).
      const asking = new App();
      new MessageWallStack(asking, 'MessageWall', { env, ...props });
      // Until the lookup is answered CDK uses a placeholder VPC with made-up ids, which the
      // CloudFormation validation flags (as warnings: this App does not make them errors).
      const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      const missing = asking.synth().manifest.missing ?? [];
      expect(consoleError.mock.calls.flat().join('\n')).toMatch(/SubnetId: 'p-12345' does not match/);
      consoleError.mockRestore();
      expect(missing).toEqual([expect.objectContaining({ provider: 'vpc-provider', props: expect.objectContaining({ filter }) })]);

      // With the answer (as the CLI stores it in cdk.context.json): a default VPC, public subnets only.
      const answered = checkedApp({ cfnGuard: true });
      answered.node.setContext(missing[0].key, defaultVpcLookup());
      const stack = new MessageWallStack(answered, 'MessageWall', { env, ...props });
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::EC2::VPC', 0);
      template.hasResourceProperties('AWS::EFS::MountTarget', { SubnetId: 'subnet-0aaaaaaaaaaaaaaa1' });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: 'message_wall.handler',
        VpcConfig: Match.objectLike({ SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'] }),
      });
    }
    expect(() => new MessageWallStack(new App(), 'MessageWall', { env, useDefaultVpc: true, vpcId: 'vpc-1' }))
      .toThrow(/useDefaultVpc and vpcId name two VPCs: give one \(got vpcId 'vpc-1'\)/);
  });

  test('iamAuth turns on IAM authorization', () => {
    Template.fromStack(messageWall({ iamAuth: true })).hasResourceProperties('AWS::ApiGatewayV2::Route', { AuthorizationType: 'AWS_IAM' });
  });

  test('IAM: the function may write to EFS only through its access point, and nothing else in the stack may', () => {
    const template = Template.fromStack(messageWall());
    const efsStatements = policyStatements(template).filter(({ statement }) => JSON.stringify(statement.Action).includes('elasticfilesystem'));
    expect(efsStatements).toHaveLength(1);
    expect(efsStatements[0].statement).toMatchObject({
      Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
      Condition: { StringEquals: { 'elasticfilesystem:AccessPointArn': { 'Fn::Join': ['', expect.arrayContaining([{ Ref: expect.stringMatching(/^SharedFileSystemMessages/) }])] } } },
    });
  });

  test('the function has no egress but NFS to the mount targets', () => {
    Template.fromStack(messageWall()).hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Lambda function that mounts EFS at /mnt/msg',
      SecurityGroupEgress: [Match.objectLike({ FromPort: 2049, ToPort: 2049 })],
    });
  });

  test('passes CDK validation, cdk-nag AwsSolutions and NIST 800-53 R5, and the cfn-guard Control Tower rules', () => {
    const report = expectCompliant(messageWall());
    expect(new Set(report.acknowledged.map(f => f.plugin))).toEqual(new Set(['AwsSolutions', 'NIST.800.53.R5', 'cdk-validator-cfnguard']));
  });

  test('snapshot', () => {
    const stack = new MessageWallStack(new App(), 'MessageWall');
    expect(stableTemplate(Template.fromStack(stack).toJSON())).toMatchSnapshot();
  });
});

describe('examples/ml-inference', () => {
  function mlInference(props: MlInferenceStackProps = {}): MlInferenceStack {
    return new MlInferenceStack(checkedApp({ cfnGuard: true }), 'MLInference', props);
  }

  function classifierFunction(template: Template) {
    return Object.entries(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'inference.handler' } }))[0];
  }

  test('3 GB, 5 minutes, Python 3.13, mounted at /mnt/inference with PYTHONPATH and TORCH_HOME on EFS', () => {
    const [, fn] = classifierFunction(Template.fromStack(mlInference()));
    expect(fn.Properties).toMatchObject({
      MemorySize: 3072,
      Timeout: 300,
      Runtime: 'python3.13',
      Architectures: ['x86_64'],
      ReservedConcurrentExecutions: 5,
      FileSystemConfigs: [expect.objectContaining({ LocalMountPath: '/mnt/inference' })],
      Environment: { Variables: { PYTHONPATH: '/mnt/inference/current/lib', TORCH_HOME: '/mnt/inference/current/model', MODEL_REPO: 'nicolalandro/ntsnet-cub200' } },
    });
  });

  test('access point /ml as 1001:1001 on a VPC with NAT', () => {
    const template = Template.fromStack(mlInference());
    template.hasResourceProperties('AWS::EFS::AccessPoint', {
      PosixUser: { Uid: '1001', Gid: '1001' },
      RootDirectory: { Path: '/ml', CreationInfo: { OwnerUid: '1001', OwnerGid: '1001', Permissions: '750' } },
    });
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  test('provisioned concurrency (default 1, configurable) behind the alias the API invokes', () => {
    const template = Template.fromStack(mlInference({ provisionedConcurrency: 2, reservedConcurrency: 4 }));
    template.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live', ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 } });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationUri: { Ref: Match.stringLikeRegexp('ClassifierAlias') } });
    Template.fromStack(mlInference()).hasResourceProperties('AWS::Lambda::Alias', { ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 } });
    expect(() => mlInference({ provisionedConcurrency: 6 })).toThrow(/provisionedConcurrency \(6\) must not exceed reservedConcurrentExecutions \(5\)/);
  });

  test('torch, torchvision, Pillow and the bird model are installed before the function deploys', () => {
    const stack = mlInference();
    const template = Template.fromStack(stack);
    const variables = buildEnvironment(template);
    expect(variables.REQUIREMENTS).toBe('torch==2.6.0+cpu\ntorchvision==0.21.0+cpu\nPillow==11.1.0');
    expect(variables.PYTHON_VERSION).toBe('3.13');
    expect(variables.WARM_UP).toContain("torch.hub.load('nicolalandro/ntsnet-cub200', 'ntsnet', pretrained=True, trust_repo=True, topN=6, device='cpu', num_classes=200)");
    const [, fn] = classifierFunction(template);
    const installLogicalId = Object.keys(template.findResources('Custom::EfsDependencySet'))[0];
    expect(fn.DependsOn).toContain(installLogicalId);
  });

  test('IAM: only the function and the install build may touch EFS, each only through /ml and mount targets', () => {
    const template = Template.fromStack(mlInference());
    const efsStatements = policyStatements(template).filter(({ statement }) => JSON.stringify(statement).includes('elasticfilesystem'));
    expect(efsStatements.map(({ roles }) => roles.match(/(Classifier|DependenciesProject)\w*Role/)?.[1]).sort()).toEqual(['Classifier', 'DependenciesProject']);
    for (const { statement } of efsStatements) {
      expect(statement).toMatchObject({
        Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SharedFileSystem/), 'Arn'] },
        Condition: {
          StringEquals: { 'elasticfilesystem:AccessPointArn': { 'Fn::Join': ['', expect.arrayContaining([{ Ref: expect.stringMatching(/^SharedFileSystemMl/) }])] } },
          Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' },
        },
      });
    }
  });

  test('the planned load needs no warning: elastic throughput, timeouts above the load time, reserved concurrency set', () => {
    const stack = mlInference();
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('cdk-lambda-efs:'))).toEqual([]);
  });

  test('passes CDK validation, cdk-nag AwsSolutions and NIST 800-53 R5, and the cfn-guard Control Tower rules', () => {
    const report = expectCompliant(mlInference());
    expect(new Set(report.acknowledged.map(f => f.plugin))).toEqual(new Set(['AwsSolutions', 'NIST.800.53.R5', 'cdk-validator-cfnguard']));
  });

  test('snapshot', () => {
    const stack = new MlInferenceStack(new App(), 'MLInference');
    expect(stableTemplate(Template.fromStack(stack).toJSON())).toMatchSnapshot();
  });
});
