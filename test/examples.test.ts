import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { checkedApp, expectCompliant, stableTemplate } from './helpers';
import { MessageWallStack } from '../examples/message-wall/message-wall-stack';

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

  test('iamAuth turns on IAM authorization', () => {
    Template.fromStack(messageWall({ iamAuth: true })).hasResourceProperties('AWS::ApiGatewayV2::Route', { AuthorizationType: 'AWS_IAM' });
  });

  test('IAM: the function may write to EFS only through its access point, and nothing else in the stack may', () => {
    const template = Template.fromStack(messageWall());
    const efsStatements = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .concat(Object.values(template.findResources('AWS::IAM::Policy')))
      .flatMap(policy => policy.Properties.PolicyDocument.Statement)
      .filter((s: { Action: string | string[] }) => JSON.stringify(s.Action).includes('elasticfilesystem'));
    expect(efsStatements).toHaveLength(1);
    expect(efsStatements[0]).toMatchObject({
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
