/**
 * The HTTP API both example apps put in front of their function: the function as the
 * default integration, throttling, JSON access logs, and optionally IAM authorization.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface ThrottledHttpApiProps {
  readonly description: string;
  /** What the API invokes (an alias with provisioned concurrency, or the function). */
  readonly target: lambda.IFunction;
  /** Require SigV4-signed requests. */
  readonly iamAuth: boolean;
  /** Requests per second before throttling; the burst is twice that. */
  readonly requestsPerSecond: number;
}

/** Adds the API (ids `Api`, `AccessLogs`) to `scope`. */
export function addThrottledHttpApi(scope: Construct, props: ThrottledHttpApiProps): apigw.HttpApi {
  const api = new apigw.HttpApi(scope, 'Api', {
    description: props.description,
    defaultIntegration: new HttpLambdaIntegration('Target', props.target),
    defaultAuthorizer: props.iamAuth ? new HttpIamAuthorizer() : undefined,
    createDefaultStage: false,
  });
  const accessLogs = new logs.LogGroup(scope, 'AccessLogs', {
    retention: logs.RetentionDays.ONE_YEAR,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  api.addStage('DefaultStage', {
    stageName: '$default',
    autoDeploy: true,
    throttle: { rateLimit: props.requestsPerSecond, burstLimit: props.requestsPerSecond * 2 },
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
    const open = 'The example reproduces the open endpoint of the reference deployment, throttled; deploy with -c iamAuth=true for IAM authorization.';
    Validations.of(api).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-APIG4', reason: open },
      { id: 'cdk-validator-cfnguard::api_gw_v2_authorization_type_configured_check', reason: open },
    );
  }
  return api;
}
