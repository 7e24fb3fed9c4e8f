import { CfnResource, Fn, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeFinding } from './private/acknowledgments';
import { invalidInput } from './private/errors';
import { retainedLogGroup } from './private/log-groups';
import { checkIntegerInRange } from './private/validation';

/** The timeout of aws-cdk-lib's handler that removes the default security group's rules (its template's `Timeout`). */
const DEFAULT_SECURITY_GROUP_HANDLER_TIMEOUT_SECONDS = 900;

/**
 * Who may use the S3 and DynamoDB gateway endpoints of an `InferenceVpc`.
 *
 * A gateway endpoint carries every request from the workload subnets to S3 or DynamoDB in
 * the region, and without a policy it allows full access to the service (AWS PrivateLink
 * Guide, "Control access to VPC endpoints using endpoint policies"): code in the VPC could
 * copy data to any account's bucket or table, for free and without passing the NAT gateway.
 */
export enum GatewayEndpointAccess {
  /**
   * Only this account's principals, only to this account's resources (`aws:PrincipalAccount`
   * and `aws:ResourceAccount` equal to the stack's account), and on the S3 endpoint
   * CloudFormation's custom resource response bucket of the region
   * (`cloudformation-custom-resource-response-<region without dashes>`), where a custom
   * resource in the VPC answers CloudFormation (CloudFormation User Guide, "Access
   * CloudFormation using an interface endpoint", bucket names for custom resources and wait
   * conditions). The library's own installer answers there from inside the VPC.
   *
   * Everything else in the region's S3 and DynamoDB is refused from the workload subnets:
   * other accounts' buckets and tables, anonymous reads of public objects in the region
   * (an image URL on another account's bucket), and AWS-owned buckets such as the Amazon
   * Linux package repositories or ECR's image layers, which EC2 instances or containers in
   * the VPC may need. Lambda needs none of them: it fetches function code and layers outside
   * the VPC. Add a statement for what your clients need with `s3Endpoint.addToPolicy()`.
   */
  OWN_ACCOUNT = 'OWN_ACCOUNT',

  /** No endpoint policy: the service's default, full access to every account's resources. */
  UNRESTRICTED = 'UNRESTRICTED',
}

/**
 * Properties of an `InferenceVpc`.
 */
export interface InferenceVpcProps {
  /**
   * How many Availability Zones to spread the subnets (and so the EFS mount targets) over.
   *
   * @default 2
   */
  readonly maxAzs?: number;

  /**
   * Whether the workload subnets can reach the internet through NAT.
   *
   * With `false` the VPC has only isolated subnets: no internet gateway, no NAT gateway,
   * nothing to pay for by the hour. Functions then reach S3 and DynamoDB through the
   * gateway endpoints only.
   *
   * @default true
   */
  readonly internetAccess?: boolean;

  /**
   * How many NAT gateways to run when `internetAccess` is on.
   *
   * One is the cheap default; it makes the NAT gateway's Availability Zone a single point
   * of failure for internet egress. Use `natGatewayPerAz` for one in every zone.
   *
   * @default 1
   */
  readonly natGateways?: number;

  /**
   * Run one NAT gateway in every Availability Zone (overrides `natGateways`).
   *
   * @default false
   */
  readonly natGatewayPerAz?: boolean;

  /**
   * The IPv4 address range of the VPC.
   *
   * @default ec2.IpAddresses.cidr('10.0.0.0/16')
   */
  readonly ipAddresses?: ec2.IIpAddresses;

  /**
   * Add gateway endpoints for S3 and DynamoDB, so that traffic to them skips the NAT
   * gateway (no data processing charge) and works without internet access.
   *
   * @default true
   */
  readonly gatewayEndpoints?: boolean;

  /**
   * Who may use the gateway endpoints (with `gatewayEndpoints`).
   *
   * @default GatewayEndpointAccess.OWN_ACCOUNT
   */
  readonly gatewayEndpointAccess?: GatewayEndpointAccess;

  /**
   * Send VPC flow logs to CloudWatch Logs.
   *
   * @default true
   */
  readonly flowLogs?: boolean;

  /**
   * Which traffic the flow logs record.
   *
   * @default ec2.FlowLogTrafficType.ALL
   */
  readonly flowLogTrafficType?: ec2.FlowLogTrafficType;

  /**
   * How long the flow logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;

  /**
   * A customer-managed KMS key to encrypt the flow log group with. The key policy must
   * let the CloudWatch Logs service principal of the region use it.
   *
   * @default - CloudWatch Logs encrypts the log data with keys it manages
   */
  readonly flowLogEncryptionKey?: kms.IKey;
}

/**
 * A VPC laid out for Lambda functions that work on EFS.
 *
 * Public subnets hold only the NAT gateways (they assign no public IPs); functions and
 * mount targets go into private subnets with egress through NAT, or into isolated subnets
 * when `internetAccess` is off. S3 and DynamoDB are reached through gateway endpoints, and
 * flow logs go to CloudWatch Logs.
 */
export class InferenceVpc extends Construct {
  /** The VPC. */
  public readonly vpc: ec2.Vpc;

  /** The subnets that functions and EFS mount targets should use. */
  public readonly workloadSubnets: ec2.SubnetSelection;

  /** Whether the workload subnets route to the internet through NAT. */
  public readonly internetAccess: boolean;

  /** The flow log group, when flow logs are on. */
  public readonly flowLogGroup?: logs.LogGroup;

  /** The S3 gateway endpoint, when `gatewayEndpoints` is on: `addToPolicy()` allows more. */
  public readonly s3Endpoint?: ec2.GatewayVpcEndpoint;

  /** The DynamoDB gateway endpoint, when `gatewayEndpoints` is on: `addToPolicy()` allows more. */
  public readonly dynamoDbEndpoint?: ec2.GatewayVpcEndpoint;

  constructor(scope: Construct, id: string, props: InferenceVpcProps = {}) {
    super(scope, id);

    const maxAzs = props.maxAzs ?? 2;
    checkIntegerInRange(this, 'maxAzs', maxAzs, { min: 1, max: 16 });
    this.internetAccess = props.internetAccess ?? true;
    const natGateways = this.natGatewayCount(props, maxAzs);
    const workloadSubnetType = this.internetAccess ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: props.ipAddresses ?? ec2.IpAddresses.cidr('10.0.0.0/16'),
      maxAzs,
      natGateways,
      subnetConfiguration: this.subnetLayout(workloadSubnetType),
      // The default security group is never used by these constructs: close it.
      restrictDefaultSecurityGroup: true,
    });
    this.acknowledgeDefaultSecurityGroupHandler();
    this.boundDefaultSecurityGroupWait();
    this.workloadSubnets = { subnetType: workloadSubnetType };

    if (props.gatewayEndpoints ?? true) {
      const subnets = [this.workloadSubnets];
      this.s3Endpoint = this.vpc.addGatewayEndpoint('S3Endpoint', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets });
      this.dynamoDbEndpoint = this.vpc.addGatewayEndpoint('DynamoDbEndpoint', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB, subnets });
      if ((props.gatewayEndpointAccess ?? GatewayEndpointAccess.OWN_ACCOUNT) === GatewayEndpointAccess.OWN_ACCOUNT) {
        restrictToOwnAccount(this.s3Endpoint);
        restrictToOwnAccount(this.dynamoDbEndpoint);
        allowCustomResourceResponses(this.s3Endpoint);
      }
    } else if (props.gatewayEndpointAccess !== undefined) {
      throw invalidInput(this, ['gatewayEndpointAccess', 'gatewayEndpoints'],
        `gatewayEndpointAccess needs gatewayEndpoints: true (got gatewayEndpoints: false, gatewayEndpointAccess: ${props.gatewayEndpointAccess})`);
    }

    if (props.flowLogs ?? true) {
      this.flowLogGroup = this.addFlowLogs(props);
    }

    if (this.internetAccess) {
      for (const subnet of this.vpc.publicSubnets) {
        const route = subnet.node.tryFindChild('DefaultRoute');
        if (route) {
          acknowledgeFinding(route, 'NIST.800.53.R5::NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
            'This construct puts only its NAT gateways in the public subnets, and the NAT gateways need this default route to the internet '
            + 'gateway; the subnets assign no public IPs (mapPublicIpOnLaunch false). There is no NAT without it: internetAccess: false '
            + 'removes the public subnets and this route.');
        }
      }
    }
  }

  /** CDK closes the default security group with a stack-wide custom resource handler. */
  private acknowledgeDefaultSecurityGroupHandler(): void {
    const provider = Stack.of(this).node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    if (provider) {
      acknowledgeFinding(provider, 'cdk-validator-cfnguard::lambda_inside_vpc_check',
        "aws-cdk-lib's handler that removes the default security group's rules only calls the EC2 API during deployment; it reaches no resource inside the VPC.");
    }
  }

  /**
   * CloudFormation waits for a custom resource's answer up to its `ServiceTimeout` (1 to 3600
   * seconds; CloudFormation User Guide, AWS::CloudFormation::CustomResource), an hour when
   * unset. aws-cdk-lib's handler that closes the default security group has 15 minutes: once
   * they are over no answer can come, so a deployment (or its rollback) fails then, not an hour later.
   */
  private boundDefaultSecurityGroupWait(): void {
    const resource = this.vpc.node.tryFindChild('RestrictDefaultSecurityGroupCustomResource')?.node.defaultChild;
    if (resource instanceof CfnResource) {
      resource.addPropertyOverride('ServiceTimeout', String(DEFAULT_SECURITY_GROUP_HANDLER_TIMEOUT_SECONDS));
    }
  }

  private natGatewayCount(props: InferenceVpcProps, maxAzs: number): number {
    if (!this.internetAccess) {
      if ((props.natGateways ?? 0) > 0 || props.natGatewayPerAz) {
        throw invalidInput(this, ['natGateways', 'natGatewayPerAz', 'internetAccess'],
          `natGateways and natGatewayPerAz need internetAccess: true (got internetAccess: false, natGateways: ${props.natGateways}, `
          + `natGatewayPerAz: ${props.natGatewayPerAz})`);
      }
      return 0;
    }
    // An environment-agnostic stack sees two zones, however many maxAzs asks for.
    const zones = Math.min(maxAzs, Stack.of(this).availabilityZones.length);
    const natGateways = props.natGatewayPerAz ? zones : props.natGateways ?? 1;
    checkIntegerInRange(this, 'natGateways', natGateways, { min: 1, max: zones });
    return natGateways;
  }

  private subnetLayout(workloadSubnetType: ec2.SubnetType): ec2.SubnetConfiguration[] {
    const workload: ec2.SubnetConfiguration = {
      name: this.internetAccess ? 'Private' : 'Isolated',
      subnetType: workloadSubnetType,
      cidrMask: 20,
    };
    if (!this.internetAccess) {
      return [workload];
    }
    // Only NAT gateways live here; they have Elastic IPs, so nothing needs an automatic public IP.
    return [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false }, workload];
  }

  private addFlowLogs(props: InferenceVpcProps): logs.LogGroup {
    const logGroup = retainedLogGroup(this, 'FlowLogGroup', {
      retention: props.flowLogRetention,
      encryptionKey: props.flowLogEncryptionKey,
      howToOptIn: 'flowLogEncryptionKey opts in to a customer-managed key (about 1 USD a month)',
    });

    // A role whose only policy is a customer-managed one we write, instead of the inline
    // default policy CDK's FlowLog would add (NIST 800-53 R5 IAMNoInlinePolicy).
    // Only flow logs of this account may use the role (confused-deputy guard, as the VPC
    // User Guide's trust policy for flow logs to CloudWatch Logs has it). The flow log's ARN
    // would name the one flow log, but the flow log references the role: a pattern instead.
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'FlowLogRole', {
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'ec2', resource: 'vpc-flow-log', resourceName: '*' }) },
        },
      }),
      description: 'Lets VPC Flow Logs write to its log group',
    });
    const policy = new iam.ManagedPolicy(this, 'FlowLogPolicy', {
      description: 'Write VPC flow logs to one log group',
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          resources: [logGroup.logGroupArn],
        }),
      ],
    });

    const flowLog = this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(logGroup, role.withoutPolicyUpdates()),
      trafficType: props.flowLogTrafficType ?? ec2.FlowLogTrafficType.ALL,
    });
    // Deliver from the first minute: the policy is a separate resource the flow log does not reference.
    flowLog.node.addDependency(policy);
    return logGroup;
  }
}

/**
 * Requests through the endpoint must come from this account's principals and reach this
 * account's resources: `aws:PrincipalAccount` and `aws:ResourceAccount`, global condition keys
 * (IAM User Guide, "AWS global condition context keys"), as the data perimeter examples of
 * the PrivateLink Guide ("Control access to VPC endpoints using endpoint policies") use them.
 * An anonymous request has no principal account, so it is refused. Endpoint policies take
 * the principal `*` only.
 */
function restrictToOwnAccount(endpoint: ec2.GatewayVpcEndpoint): void {
  const account = Stack.of(endpoint).account;
  endpoint.addToPolicy(new iam.PolicyStatement({
    sid: 'OwnAccountOnly',
    principals: [new iam.StarPrincipal()],
    actions: ['*'],
    resources: ['*'],
    conditions: { StringEquals: { 'aws:PrincipalAccount': account, 'aws:ResourceAccount': account } },
  }));
}

/**
 * A custom resource answers CloudFormation with a PUT on a pre-signed URL of the region's
 * `cloudformation-custom-resource-response-<region>` bucket, the region named without dashes
 * (`useast1`); an endpoint policy that blocks it fails the stack operation (CloudFormation User
 * Guide, "Access CloudFormation using an interface endpoint (AWS PrivateLink)"; Lambda
 * Developer Guide, "Using Lambda with CloudFormation", for a function in a VPC). The PUT is
 * signed by CloudFormation, not by this account, and the bucket is AWS's: only this bucket,
 * only PutObject. Wait conditions (`cloudformation-waitcondition-<region>`) are not used here.
 */
function allowCustomResourceResponses(endpoint: ec2.GatewayVpcEndpoint): void {
  const stack = Stack.of(endpoint);
  const region = stack.region;
  const compactRegion = Token.isUnresolved(region) ? Fn.join('', Fn.split('-', region)) : region.replace(/-/g, '');
  endpoint.addToPolicy(new iam.PolicyStatement({
    sid: 'CloudFormationCustomResourceResponses',
    principals: [new iam.StarPrincipal()],
    actions: ['s3:PutObject'],
    resources: [`arn:${stack.partition}:s3:::cloudformation-custom-resource-response-${compactRegion}/*`],
  }));
}
