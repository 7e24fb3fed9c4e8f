import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { expectCompliant, sharedFixture, testStack } from './helpers';
import { GatewayEndpointAccess, InferenceVpc, InferenceVpcProps } from '../src';

/** An InferenceVpc with its defaults, synthesized once for the tests that only read it. */
const defaults = sharedFixture(() => {
  const stack = testStack();
  const network = new InferenceVpc(stack, 'Network');
  return { stack, network, template: Template.fromStack(stack) };
});

describe('InferenceVpc', () => {
  test('defaults: 2 AZs, public and private subnets, one NAT gateway, private routes through it', () => {
    const { stack, network, template } = defaults();

    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourceCountIs('AWS::EC2::Subnet', 4);
    template.resourcePropertiesCountIs('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false }, 4);
    template.resourcePropertiesCountIs('AWS::EC2::Route', {
      DestinationCidrBlock: '0.0.0.0/0',
      NatGatewayId: Match.anyValue(),
    }, 2);
    expect(network.internetAccess).toBe(true);
    expect(network.vpc.selectSubnets(network.workloadSubnets).subnets).toHaveLength(2);
    expect(network.vpc.selectSubnets(network.workloadSubnets).subnets).toEqual(network.vpc.privateSubnets);
    expectCompliant(stack);
  });

  test('one NAT gateway per AZ on request', () => {
    const stack = testStack();
    // An environment-agnostic stack has two zones, so maxAzs 3 gives two.
    new InferenceVpc(stack, 'Network', { maxAzs: 3, natGatewayPerAz: true });
    Template.fromStack(stack).resourceCountIs('AWS::EC2::NatGateway', 2);
  });

  test('gateway endpoints for S3 and DynamoDB on the workload route tables', () => {
    const { template } = defaults();
    for (const service of ['s3', 'dynamodb']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([`.${service}`])] }),
        RouteTableIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('PrivateSubnet1RouteTable') }]),
      });
    }
  });

  test('gateway endpoints can be turned off', () => {
    const stack = testStack();
    new InferenceVpc(stack, 'Network', { gatewayEndpoints: false });
    Template.fromStack(stack).resourceCountIs('AWS::EC2::VPCEndpoint', 0);
  });

  test('flow logs of all traffic to a retained log group kept one year, written by a role without inline policy', () => {
    const { template } = defaults();
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      DeliverLogsPermissionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('NetworkFlowLogRole'), 'Arn'] },
    });
    template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 365 }, DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
    // CloudFormation waits at most ServiceTimeout for the default security group handler (an hour when unset).
    const handler = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: '__entrypoint__.handler' } }))[0];
    template.hasResourceProperties('Custom::VpcRestrictDefaultSG', { ServiceTimeout: String(handler?.Properties.Timeout) });
    expect(handler?.Properties.Timeout).toBe(900);
    template.hasResource('AWS::EC2::FlowLog', { DependsOn: [Match.stringLikeRegexp('NetworkFlowLogPolicy')] });
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'] })] },
      Roles: [{ Ref: Match.stringLikeRegexp('NetworkFlowLogRole') }],
    });
  });

  test('flow logs can use a customer-managed key, and then nothing about their encryption is acknowledged', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new InferenceVpc(stack, 'Network', { flowLogEncryptionKey: key, flowLogTrafficType: ec2.FlowLogTrafficType.REJECT });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('Key'), 'Arn'] } });
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' });
    const report = expectCompliant(stack);
    expect(report.acknowledged.map(f => f.rule)).not.toContain('NIST.800.53.R5-CloudWatchLogGroupEncrypted');
  });

  test('flow logs can be turned off', () => {
    const stack = testStack();
    const network = new InferenceVpc(stack, 'Network', { flowLogs: false });
    // What a user who turns them off acknowledges.
    const reason = 'Flow logs are off in this test on purpose.';
    Validations.of(network).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-VPC7', reason },
      { id: 'NIST.800.53.R5::NIST.800.53.R5-VPCFlowLogsEnabled', reason },
    );
    Template.fromStack(stack).resourceCountIs('AWS::EC2::FlowLog', 0);
  });

  test('without flow logs cdk-nag reports the VPC, so the checks in these tests do bite', () => {
    const stack = testStack();
    new InferenceVpc(stack, 'Network', { flowLogs: false });
    expect(() => expectCompliant(stack)).toThrow(/AwsSolutions-VPC7 at Default\/Network\/Vpc\/Resource/);
  });

  test('without internet access: isolated subnets only, no NAT, no internet gateway', () => {
    const stack = testStack();
    const network = new InferenceVpc(stack, 'Network', { internetAccess: false });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    expect(network.vpc.selectSubnets(network.workloadSubnets).subnets).toEqual(network.vpc.isolatedSubnets);
    const report = expectCompliant(stack);
    // Nothing to acknowledge about routes to the internet when there are none.
    expect(report.acknowledged.map(f => f.rule)).not.toContain('NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW');
  });

  test('the route of the NAT gateway to the internet gateway is acknowledged with its reason', () => {
    const report = expectCompliant(defaults().stack);
    const routes = report.acknowledged.filter(f => f.rule === 'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW');
    expect(routes.map(f => f.constructPath)).toEqual([
      'Default/Network/Vpc/PublicSubnet1/DefaultRoute',
      'Default/Network/Vpc/PublicSubnet2/DefaultRoute',
    ]);
    expect(routes[0].reason).toMatch(/NAT gateways/);
  });

  test('fails when NAT is asked for without internet access', () => {
    const stack = testStack();
    expect(() => new InferenceVpc(stack, 'Network', { internetAccess: false, natGateways: 1 }))
      .toThrow(/natGateways and natGatewayPerAz need internetAccess: true \(got .*\) \(in Python: nat_gateways, nat_gateway_per_az, internet_access\)$/);
  });

  test.each<[string, InferenceVpcProps, RegExp]>([
    ['natGateways is above maxAzs', { natGateways: 3 }, /natGateways must be a whole number from 1 to 2 \(got 3\)/],
    ['natGateways is 0', { natGateways: 0 }, /natGateways must be a whole number from 1 to 2 \(got 0\)/],
    ['maxAzs is not a positive whole number', { maxAzs: 0 }, /maxAzs must be a whole number from 1 to 16 \(got 0\) \(in Python: max_azs\)$/],
  ])('fails when %s', (_case, props, message) => {
    expect(() => new InferenceVpc(testStack(), 'Network', props)).toThrow(message);
  });
});

describe('InferenceVpc flow-log role', () => {
  test('only VPC Flow Logs of this account may assume it (aws:SourceAccount and aws:SourceArn)', () => {
    defaults().template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: {
              'aws:SourceArn': {
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':vpc-flow-log/*']],
              },
            },
          },
        }],
      },
    });
  });
});

/* eslint-disable @typescript-eslint/no-explicit-any */
describe('InferenceVpc gateway endpoint policies', () => {
  const ACCOUNT = '111111111111';
  const OTHER = '222222222222';
  /** An AWS-owned account, standing for the owner of CloudFormation's response buckets. */
  const AWS_OWNED = '999999999999';
  const REGION = 'eu-west-1';

  /** The endpoint policies of a stack in a known account and region, with the template's values. */
  function endpointPoliciesOf(props: InferenceVpcProps): Record<'s3' | 'dynamodb', any> {
    const stack = new Stack(new App(), 'Network', { env: { account: ACCOUNT, region: REGION } });
    new InferenceVpc(stack, 'Network', props);
    const endpoints = Object.values(Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint'));
    const byService = (service: string) => resolved(endpoints.find(e => JSON.stringify(e.Properties.ServiceName).includes(`.${service}`))?.Properties.PolicyDocument);
    return { s3: byService('s3'), dynamodb: byService('dynamodb') };
  }

  /** The endpoint policies of an InferenceVpc with its defaults, synthesized once for the tests that only read them. */
  const defaultEndpointPolicies = sharedFixture(() => endpointPoliciesOf({}));

  /** The policy as CloudFormation resolves it in the aws partition (the only intrinsics left are the partition and joins). */
  function resolved(value: any): any {
    if (Array.isArray(value)) {
      return value.map(resolved);
    }
    if (value && typeof value === 'object') {
      if (value.Ref === 'AWS::Partition') {
        return 'aws';
      }
      if (value['Fn::Join']) {
        const [separator, parts] = value['Fn::Join'];
        return resolved(parts).join(separator);
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolved(v)]));
    }
    return value;
  }

  /** What the endpoint policy decides for one request (no identity or resource policy in the way). */
  async function throughEndpoint(policy: unknown, request: { principal: string | 'anonymous'; action: string; resource: string; resourceAccount: string }): Promise<string> {
    const principalAccount = request.principal === 'anonymous' ? undefined : request.principal.split(':')[4];
    const everything = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] };
    const result = await runSimulation({
      request: {
        principal: request.principal === 'anonymous' ? { type: 'Anonymous' } : request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: request.resourceAccount },
        contextVariables: {
          'aws:ResourceAccount': request.resourceAccount,
          ...(principalAccount ? { 'aws:PrincipalAccount': principalAccount } : {}),
        },
      },
      identityPolicies: request.principal === 'anonymous' ? [] : [{ name: 'Everything', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      // The bucket or table lets everyone in: only the endpoint policy can refuse.
      resourcePolicy: everything,
      vpcEndpointPolicies: [{ name: 'Endpoint', policy }],
    }, {});
    if (result.resultType === 'error') {
      throw new Error(`simulation failed: ${JSON.stringify(result.errors)}`);
    }
    return result.overallResult;
  }

  const ownRole = `arn:aws:sts::${ACCOUNT}:assumed-role/Classifier/session`;
  const otherRole = `arn:aws:sts::${OTHER}:assumed-role/Attacker/session`;

  test('by default each endpoint lets only this account\'s principals reach this account\'s resources (aws:PrincipalAccount, aws:ResourceAccount)', () => {
    const { s3, dynamodb } = defaultEndpointPolicies();
    for (const policy of [s3, dynamodb]) {
      expect(policy.Statement).toContainEqual({
        Sid: 'OwnAccountOnly',
        Effect: 'Allow',
        Principal: '*',
        Action: '*',
        Resource: '*',
        Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT, 'aws:ResourceAccount': ACCOUNT } },
      });
    }
  });

  test('S3: custom resources in the VPC can answer CloudFormation on the region\'s response bucket, named without dashes', () => {
    const { s3, dynamodb } = defaultEndpointPolicies();
    expect(s3.Statement).toContainEqual({
      Sid: 'CloudFormationCustomResourceResponses',
      Effect: 'Allow',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: 'arn:aws:s3:::cloudformation-custom-resource-response-euwest1/*',
    });
    expect(JSON.stringify(dynamodb)).not.toContain('cloudformation');
  });

  test('the response bucket of an environment-agnostic stack is named from the deploy-time region, dashes removed', () => {
    defaults().template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Resource: {
            'Fn::Join': ['', [
              'arn:', { Ref: 'AWS::Partition' }, ':s3:::cloudformation-custom-resource-response-',
              { 'Fn::Join': ['', { 'Fn::Split': ['-', { Ref: 'AWS::Region' }] }] }, '/*',
            ]],
          },
        })]),
      },
    });
  });

  test.each<[string, { principal: string; action: string; resource: string; resourceAccount: string }, string]>([
    ['this account\'s role reads this account\'s bucket', { principal: ownRole, action: 's3:GetObject', resource: 'arn:aws:s3:::own-bucket/model.pt', resourceAccount: ACCOUNT }, 'Allowed'],
    ['this account\'s role writes to another account\'s bucket (exfiltration)', { principal: ownRole, action: 's3:PutObject', resource: 'arn:aws:s3:::attacker-bucket/loot', resourceAccount: OTHER }, 'ExplicitlyDenied'],
    ['another account\'s credentials used from inside the VPC', { principal: otherRole, action: 's3:PutObject', resource: 'arn:aws:s3:::attacker-bucket/loot', resourceAccount: OTHER }, 'ExplicitlyDenied'],
    ['an anonymous read of another account\'s public object (a public image in the same region)', { principal: 'anonymous', action: 's3:GetObject', resource: 'arn:aws:s3:::public-images/bird.jpg', resourceAccount: OTHER }, 'ExplicitlyDenied'],
    ['CloudFormation\'s pre-signed PUT of a custom resource answer', { principal: `arn:aws:sts::${AWS_OWNED}:assumed-role/CloudFormation/session`, action: 's3:PutObject', resource: 'arn:aws:s3:::cloudformation-custom-resource-response-euwest1/arn%3Aaws%3Acloudformation/answer', resourceAccount: AWS_OWNED }, 'Allowed'],
    ['a PUT to another region\'s response bucket', { principal: `arn:aws:sts::${AWS_OWNED}:assumed-role/CloudFormation/session`, action: 's3:PutObject', resource: 'arn:aws:s3:::cloudformation-custom-resource-response-useast1/answer', resourceAccount: AWS_OWNED }, 'ExplicitlyDenied'],
  ])('S3 endpoint, simulated: %s', async (_case, request, expected) => {
    const decision = await throughEndpoint(defaultEndpointPolicies().s3, request);
    // An endpoint policy without a matching Allow denies implicitly; the simulator reports either as not allowed.
    if (expected === 'Allowed') {
      expect(decision).toBe('Allowed');
    } else {
      expect(decision).not.toBe('Allowed');
    }
  });

  test('DynamoDB endpoint, simulated: this account\'s tables only', async () => {
    const { dynamodb } = defaultEndpointPolicies();
    const table = (account: string) => `arn:aws:dynamodb:${REGION}:${account}:table/Walls`;
    expect(await throughEndpoint(dynamodb, { principal: ownRole, action: 'dynamodb:GetItem', resource: table(ACCOUNT), resourceAccount: ACCOUNT })).toBe('Allowed');
    expect(await throughEndpoint(dynamodb, { principal: ownRole, action: 'dynamodb:PutItem', resource: table(OTHER), resourceAccount: OTHER })).not.toBe('Allowed');
  });

  test('GatewayEndpointAccess.UNRESTRICTED leaves the endpoints without a policy (the service\'s full access)', () => {
    const { s3, dynamodb } = endpointPoliciesOf({ gatewayEndpointAccess: GatewayEndpointAccess.UNRESTRICTED });
    expect(s3).toBeUndefined();
    expect(dynamodb).toBeUndefined();
  });

  test('the endpoints are exposed, so a user can allow an AWS-owned bucket the default refuses', () => {
    const stack = testStack();
    const network = new InferenceVpc(stack, 'Network');
    network.s3Endpoint!.addToPolicy(new iam.PolicyStatement({
      sid: 'AmazonLinuxRepositories',
      principals: [new iam.StarPrincipal()],
      actions: ['s3:GetObject'],
      resources: ['arn:aws:s3:::al2023-repos-eu-west-1-de612dc2/*'],
    }));
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::VPCEndpoint', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'OwnAccountOnly' }), Match.objectLike({ Sid: 'AmazonLinuxRepositories' })]) },
    });
    expect(network.dynamoDbEndpoint).toBeDefined();
    expect(new InferenceVpc(testStack('Other'), 'Network', { gatewayEndpoints: false }).s3Endpoint).toBeUndefined();
  });

  test('fails when gatewayEndpointAccess is given without gateway endpoints', () => {
    expect(() => new InferenceVpc(testStack(), 'Network', { gatewayEndpoints: false, gatewayEndpointAccess: GatewayEndpointAccess.UNRESTRICTED }))
      .toThrow(/gatewayEndpointAccess needs gatewayEndpoints: true \(got gatewayEndpoints: false, gatewayEndpointAccess: UNRESTRICTED\)/);
  });
});
