import { Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { expectCompliant, testStack } from './helpers';
import { InferenceVpc, InferenceVpcProps } from '../src';

describe('InferenceVpc', () => {
  test('defaults: 2 AZs, public and private subnets, one NAT gateway, private routes through it', () => {
    const stack = testStack();
    const network = new InferenceVpc(stack, 'Network');
    const template = Template.fromStack(stack);

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
    const stack = testStack();
    new InferenceVpc(stack, 'Network');
    const template = Template.fromStack(stack);
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
    const stack = testStack();
    new InferenceVpc(stack, 'Network');
    const template = Template.fromStack(stack);
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
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('Key'), 'Arn'] } });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' });
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
    const stack = testStack();
    new InferenceVpc(stack, 'Network');
    const report = expectCompliant(stack);
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
    const stack = testStack();
    new InferenceVpc(stack, 'Network');
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
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
