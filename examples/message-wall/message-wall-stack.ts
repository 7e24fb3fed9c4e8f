import * as path from 'path';
import { CfnOutput, Duration, RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EfsBackedFunction, InferenceVpc, SharedFileSystem } from '../../src';

export interface MessageWallStackProps extends StackProps {
  /**
   * Deploy into the account's default VPC, as the original did, instead of a new VPC
   * without NAT. The VPC is looked up: the stack needs an account and a region.
   *
   * @default false
   */
  readonly useDefaultVpc?: boolean;

  /**
   * Require SigV4-signed requests (IAM authorization) instead of an open endpoint.
   *
   * @default false, as open as the original
   */
  readonly iamAuth?: boolean;

  /**
   * Requests per second the API accepts before it throttles (burst is twice that).
   *
   * @default 20
   */
  readonly requestsPerSecond?: number;
}

/**
 * MessageWall: an HTTP API in front of one Python function that keeps a message wall in a
 * file on EFS, mounted through an access point at /mnt/msg as uid/gid 1001.
 */
export class MessageWallStack extends Stack {
  public readonly wall: EfsBackedFunction;
  public readonly api: apigw.HttpApi;

  constructor(scope: Construct, id: string, props: MessageWallStackProps = {}) {
    super(scope, id, props);

    // MessageWall needs no internet: isolated subnets, no NAT gateway to pay for.
    const vpc = props.useDefaultVpc
      ? ec2.Vpc.fromLookup(this, 'DefaultVpc', { isDefault: true })
      : new InferenceVpc(this, 'Network', { internetAccess: false }).vpc;
    const shared = new SharedFileSystem(this, 'Shared', { vpc });
    const messages = shared.addAccessPoint('Messages', {
      path: '/message', uid: '1001', gid: '1001', ownerUid: '1001', ownerGid: '1001', permissions: '750',
    });

    this.wall = new EfsBackedFunction(this, 'Wall', {
      fileSystem: shared,
      accessPoint: messages,
      mountPath: '/mnt/msg',
      runtime: lambda.Runtime.PYTHON_3_15,
      handler: 'message_wall.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, 'handler'), { exclude: ['test_*.py', 'local_server.py', '__pycache__'] }),
      memorySize: 256,
      timeout: Duration.seconds(10),
      // Caps the execution environments, so the EFS connections and the bill of an open endpoint.
      reservedConcurrentExecutions: 10,
      environment: { MOUNT_PATH: '/mnt/msg', MAX_BODY_BYTES: String(64 * 1024) },
      // The function only talks NFS to the mount targets.
      allowAllOutbound: false,
      // A default VPC has public subnets only; Lambda never gives a function a public IP.
      allowPublicSubnet: props.useDefaultVpc ?? false,
    });
    Validations.of(this.wall).acknowledge({
      id: 'NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ',
      reason: 'The HTTP API invokes the function synchronously and returns its errors to the caller; a dead-letter queue only applies to asynchronous invocations.',
    });

    this.api = this.createApi(props);
    new CfnOutput(this, 'Endpoint', { value: this.api.apiEndpoint, description: 'curl this URL' });
  }

  private createApi(props: MessageWallStackProps): apigw.HttpApi {
    const requestsPerSecond = props.requestsPerSecond ?? 20;
    const api = new apigw.HttpApi(this, 'Api', {
      description: 'MessageWall: GET, POST, DELETE a message wall on EFS',
      defaultIntegration: new HttpLambdaIntegration('Wall', this.wall.invokeTarget),
      defaultAuthorizer: props.iamAuth ? new HttpIamAuthorizer() : undefined,
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: requestsPerSecond, burstLimit: requestsPerSecond * 2 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.jsonWithStandardFields(),
      },
    });
    const serviceEncrypted = 'Access logs hold request metadata only; CloudWatch Logs encrypts them at rest with keys it manages.';
    Validations.of(accessLogs).acknowledge(
      { id: 'NIST.800.53.R5::NIST.800.53.R5-CloudWatchLogGroupEncrypted', reason: serviceEncrypted },
      { id: 'cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check', reason: serviceEncrypted },
    );
    Validations.of(api).acknowledge({
      id: 'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check',
      reason: 'The only principal allowed to invoke the function is API Gateway, limited by SourceArn to the routes of this API.',
    });
    if (!props.iamAuth) {
      const open = 'MessageWall reproduces the open endpoint of the reference deployment, throttled; deploy with -c iamAuth=true for IAM authorization.';
      Validations.of(api).acknowledge(
        { id: 'AwsSolutions::AwsSolutions-APIG4', reason: open },
        { id: 'cdk-validator-cfnguard::api_gw_v2_authorization_type_configured_check', reason: open },
      );
    }
    return api;
  }
}
