/**
 * The HTTP API both example apps put in front of their function: the function as the
 * default integration, throttling, JSON access logs, and optionally IAM authorization.
 * The API is the function's only caller, and a synchronous one: it declares its 30 s wait
 * on the function, for the cold-start checks.
 */
import { Annotations, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { describeDailyCost, OpenEndpointCost } from './open-endpoint-cost';
import { EfsBackedFunction } from '../../src';

export interface ThrottledHttpApiProps {
  readonly description: string;
  /** The function the API invokes (through its alias, when it has provisioned concurrency). */
  readonly function: EfsBackedFunction;
  /** Require SigV4-signed requests. */
  readonly iamAuth: boolean;
  /**
   * Requests per second the whole API accepts before throttling, over both its stages (each
   * stage gets half); the burst is twice that.
   */
  readonly requestsPerSecond: number;
  /** What an open endpoint lets anyone do, for the synth warning and the acknowledgment. */
  readonly exposure: string;
  /** What one anonymous request can cost at most, for the daily figure in the synth warning. */
  readonly openEndpointCost: OpenEndpointCost;
}

/**
 * How long an HTTP API waits for its Lambda integration: 30 s, the API Gateway default and
 * maximum for HTTP APIs (the template leaves `TimeoutInMillis` unset, so the default applies;
 * CDK's `timeout` option accepts at most 29 s).
 */
export const HTTP_API_INTEGRATION_TIMEOUT = Duration.seconds(30);

/** Warning id: an example's API is deployed without authorization. */
export const OPEN_ENDPOINT_WARNING = 'cdk-lambda-efs-examples:openEndpoint';

/**
 * The access log line, one JSON object per request, made only of variables that HTTP APIs
 * define (API Gateway Developer Guide, "Customizing HTTP API access logs"). API Gateway's
 * REST API formats, such as `AccessLogFormat.jsonWithStandardFields()`, name
 * `$context.resourcePath`, which is not one of them.
 */
export const HTTP_API_ACCESS_LOG_FORMAT: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  path: '$context.path',
  routeKey: '$context.routeKey',
  stage: '$context.stage',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationErrorMessage: '$context.integrationErrorMessage',
  errorMessage: '$context.error.message',
};

/**
 * Where the access logs of API Gateway go: a log group under `/aws/vendedlogs/`. API Gateway
 * delivers them as vended logs, and CloudWatch Logs grants the delivery in the account's
 * resource policy, which has a size limit; a prefix under `/aws/vendedlogs/` is granted once
 * for all such groups (CloudWatch Logs User Guide, "Enabling logging from AWS services").
 */
export const VENDED_LOGS_PREFIX = '/aws/vendedlogs/';

/** The stages of the API: `$default` serves https://<api>/, `default` the reference deployment's URLs. */
const STAGES: ReadonlyArray<readonly [id: string, stageName: string]> = [['DefaultStage', '$default'], ['ReferenceStage', 'default']];

/** Adds the API (ids `Api`, `AccessLogs`) to `scope`. */
export function addThrottledHttpApi(scope: Construct, props: ThrottledHttpApiProps): apigw.HttpApi {
  const api = new apigw.HttpApi(scope, 'Api', {
    description: props.description,
    defaultIntegration: new HttpLambdaIntegration('Target', props.function.invokeTarget),
    defaultAuthorizer: props.iamAuth ? new HttpIamAuthorizer() : undefined,
    createDefaultStage: false,
  });
  // The API gives up on a request after 30 s: a cold start must finish within it.
  props.function.declareCallerTimeout(HTTP_API_INTEGRATION_TIMEOUT);
  const accessLogs = new logs.LogGroup(scope, 'AccessLogs', {
    // The API's id makes the name unique: a log group kept from an earlier stack of the same
    // name does not block the next deploy.
    logGroupName: `${VENDED_LOGS_PREFIX}apigateway/${Stack.of(scope).stackName}/${api.apiId}`,
    retention: logs.RetentionDays.ONE_YEAR,
    // Kept on update and delete, not when its create rolls back (CloudFormation User Guide,
    // "DeletionPolicy attribute", RetainExceptOnCreate): a failed first deploy leaves no orphan.
    removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
  });
  // Throttling is set per stage and each stage counts its own requests (API Gateway
  // Developer Guide, "Throttle requests to your HTTP APIs"): two stages at N would accept 2N.
  // Each stage gets its share, so that the API as a whole accepts requestsPerSecond.
  const perStage = props.requestsPerSecond / STAGES.length;
  // `$default` serves https://<api>/ and `default` the reference deployment's URLs
  // (https://<api>/default/MessageWall); the handlers strip the stage from the path.
  for (const [id, stageName] of STAGES) {
    api.addStage(id, {
      stageName,
      autoDeploy: true,
      throttle: { rateLimit: perStage, burstLimit: Math.max(1, Math.floor(perStage * 2)) },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(HTTP_API_ACCESS_LOG_FORMAT)),
      },
    });
  }
  const serviceEncrypted = 'Access logs hold request metadata only; CloudWatch Logs encrypts them at rest with keys it manages.';
  Validations.of(accessLogs).acknowledge(
    { id: 'NIST.800.53.R5::NIST.800.53.R5-CloudWatchLogGroupEncrypted', reason: serviceEncrypted },
    { id: 'cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check', reason: serviceEncrypted },
  );
  Validations.of(props.function).acknowledge({
    id: 'NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ',
    reason: 'The HTTP API invokes the function synchronously and returns its errors to the caller; a dead-letter queue only applies to asynchronous invocations.',
  });
  Validations.of(api).acknowledge({
    id: 'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check',
    reason: 'The only principal allowed to invoke the function is API Gateway, limited by SourceArn to the routes of this API.',
  });
  if (!props.iamAuth) {
    // Said where a user sees it: in the synth output, not only in an acknowledgment, with what
    // a day of it costs at the throttle rate.
    const cost = describeDailyCost(props.requestsPerSecond, props.openEndpointCost);
    Annotations.of(api).addWarningV2(OPEN_ENDPOINT_WARNING,
      `the API is open: anyone on the internet can call the function (${props.exposure}), at up to ${props.requestsPerSecond} requests/s `
      + `in all (${perStage} on each of its ${STAGES.length} stages); ${cost}; `
      + 'deploy with -c iamAuth=true to require SigV4-signed requests.');
    const open = `The example reproduces the open endpoint of the reference deployment (${props.exposure}), throttled to `
      + `${props.requestsPerSecond} requests/s in all (${perStage} on each of its ${STAGES.length} stages) and warned about at synth (${cost}); `
      + 'deploy with -c iamAuth=true for IAM authorization.';
    Validations.of(api).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-APIG4', reason: open },
      { id: 'cdk-validator-cfnguard::api_gw_v2_authorization_type_configured_check', reason: open },
    );
  }
  return api;
}
