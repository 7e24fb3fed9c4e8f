/**
 * Service rules: what AWS services accept or do, as their documentation says, checked on every
 * template this repository synthesizes: both example apps (default configuration, and with
 * -c fullAccount=true -c iamAuth=true), the integration test apps (their committed snapshot
 * templates, integ/*.snapshot/), and test stacks of the library's constructs with their
 * defaults. Each rule names the page it models, and each has a negative case (a tiny template
 * or stack that breaks it) so that it can fail.
 *
 * A rule that finds something in a template prints the findings (template, resource, what is
 * wrong), never skips it: a finding that another change is expected to remove stays a failure
 * until that change lands.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { EFS_ROOT_DIRECTORY_PATTERN, fixture, INLINE_CODE } from './helpers';
import { MessageWallStack } from '../examples/message-wall/message-wall-stack';
import { MlInferenceStack } from '../examples/ml-inference/ml-inference-stack';
import { MlInferenceS3FilesStack } from '../examples/ml-inference-s3files/ml-inference-s3files-stack';
import { EfsBackedFunction, EfsDependencyInstaller, InferenceVpc, S3FilesFileSystem, SharedFileSystem } from '../src';

/* eslint-disable @typescript-eslint/no-explicit-any */
interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly DeletionPolicy?: string;
}
interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
}
/** What a rule found: the resource's logical id and what is wrong with it. */
type Finding = string;
type Rule = (template: CfnTemplate) => Finding[];

function resourcesOf(template: CfnTemplate, predicate: (type: string) => boolean): Array<[string, CfnResource]> {
  return Object.entries(template.Resources ?? {}).filter(([, resource]) => predicate(resource.Type));
}
const ofType = (type: string) => (t: string) => t === type;

/** The logical id a `{ Ref }` or `{ Fn::GetAtt: [id, ...] }` names, if the value is one. */
function referencedId(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const v = value as Record<string, any>;
    if (typeof v.Ref === 'string') {
      return v.Ref;
    }
    if (Array.isArray(v['Fn::GetAtt'])) {
      return v['Fn::GetAtt'][0];
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The templates under test.

const EXAMPLES_DEFAULT: Record<string, CfnTemplate> = {
  'examples/message-wall (default)': Template.fromStack(new MessageWallStack(new App(), 'MessageWall')).toJSON(),
  'examples/ml-inference (default)': Template.fromStack(new MlInferenceStack(new App(), 'MLInference')).toJSON(),
  'examples/ml-inference-s3files (default)': Template.fromStack(new MlInferenceS3FilesStack(new App(), 'MLInferenceS3Files')).toJSON(),
};

const EXAMPLES_FULL: Record<string, CfnTemplate> = {
  'examples/message-wall (-c fullAccount=true -c iamAuth=true)':
    Template.fromStack(new MessageWallStack(new App(), 'MessageWall', { fullAccount: true, iamAuth: true })).toJSON(),
  'examples/ml-inference (-c fullAccount=true -c iamAuth=true)':
    Template.fromStack(new MlInferenceStack(new App(), 'MLInference', { fullAccount: true, iamAuth: true })).toJSON(),
  'examples/ml-inference-s3files (-c fullAccount=true -c iamAuth=true)':
    Template.fromStack(new MlInferenceS3FilesStack(new App(), 'MLInferenceS3Files', { fullAccount: true, iamAuth: true })).toJSON(),
};

const INTEG_DIR = path.join(__dirname, '..', 'integ');
/** The integration test apps deploy the examples' default configuration, as their snapshots hold it. */
const INTEG: Record<string, CfnTemplate> = Object.fromEntries(fs.readdirSync(INTEG_DIR)
  .filter(name => name.endsWith('.snapshot'))
  .flatMap(dir => fs.readdirSync(path.join(INTEG_DIR, dir))
    .filter(file => file.endsWith('.template.json'))
    .map(file => [`integ/${dir}/${file}`, JSON.parse(fs.readFileSync(path.join(INTEG_DIR, dir, file), 'utf-8'))])));

/** The library's constructs with their defaults, as a user would write them. */
function libraryStack(): CfnTemplate {
  const stack = new Stack(new App(), 'Library');
  const f = fixture(stack);
  const installer = new EfsDependencyInstaller(stack, 'Deps', {
    fileSystem: f.shared, accessPoint: f.accessPoint, runtime: lambda.Runtime.PYTHON_3_14, packages: ['six==1.17.0'],
  });
  new EfsBackedFunction(stack, 'Fn', {
    fileSystem: f.shared,
    accessPoint: f.accessPoint,
    mountPath: '/mnt/ml',
    runtime: lambda.Runtime.PYTHON_3_14,
    handler: 'index.handler',
    code: INLINE_CODE,
    timeout: Duration.seconds(30),
    mountEnvironment: installer.mountEnvironment,
  });
  return Template.fromStack(stack).toJSON();
}

/** A file system made outside the app, imported, with a function on it (the import adds its own check). */
function importedFileSystemStack(): CfnTemplate {
  const stack = new Stack(new App(), 'Imported');
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(stack, 'MountTargets', 'sg-0123456789abcdef0');
  const shared = SharedFileSystem.fromFileSystemAttributes(stack, 'Shared', { fileSystemId: 'fs-0123456789abcdef0', securityGroup, vpc });
  const accessPoint = shared.addAccessPoint('Data', { path: '/data', uid: '1001', gid: '1001' });
  new EfsBackedFunction(stack, 'Fn', {
    fileSystem: shared,
    accessPoint,
    mountPath: '/mnt/data',
    runtime: lambda.Runtime.PYTHON_3_14,
    handler: 'index.handler',
    code: INLINE_CODE,
    timeout: Duration.seconds(30),
    reservedConcurrentExecutions: 2,
  });
  return Template.fromStack(stack).toJSON();
}

/** An S3 Files file system with its defaults, a function on it with direct reads, and an import with a function. */
function s3FilesStack(): CfnTemplate {
  const stack = new Stack(new App(), 'S3Files');
  const network = new InferenceVpc(stack, 'Network');
  const models = new S3FilesFileSystem(stack, 'Models', { vpc: network.vpc });
  const ml = models.addAccessPoint('Ml', { path: '/ml', uid: '1001', gid: '1001' });
  new EfsBackedFunction(stack, 'Fn', {
    s3FilesFileSystem: models,
    s3FilesAccessPoint: ml,
    mountPath: '/mnt/ml',
    readOnly: true,
    directS3Read: true,
    runtime: lambda.Runtime.PYTHON_3_14,
    handler: 'index.handler',
    code: INLINE_CODE,
    timeout: Duration.seconds(30),
  });
  const imported = S3FilesFileSystem.fromFileSystemAttributes(stack, 'Imported', {
    fileSystemId: 'fs-0123456789abcdef0',
    bucket: models.bucket,
    vpc: network.vpc,
    securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'ImportedSg', 'sg-0123456789abcdef0'),
  });
  new EfsBackedFunction(stack, 'OnImport', {
    s3FilesFileSystem: imported,
    s3FilesAccessPoint: imported.addAccessPoint('Data', { path: '/data', uid: '1001', gid: '1001' }),
    mountPath: '/mnt/data',
    runtime: lambda.Runtime.PYTHON_3_14,
    handler: 'index.handler',
    code: INLINE_CODE,
    timeout: Duration.seconds(30),
  });
  return Template.fromStack(stack).toJSON();
}

const TEST_STACKS: Record<string, CfnTemplate> = {
  'test stack: SharedFileSystem, EfsBackedFunction, EfsDependencyInstaller (defaults)': libraryStack(),
  'test stack: imported file system with a function': importedFileSystemStack(),
  'test stack: S3FilesFileSystem and functions on it, made here and imported (defaults)': s3FilesStack(),
};

const ALL: Record<string, CfnTemplate> = { ...EXAMPLES_DEFAULT, ...EXAMPLES_FULL, ...INTEG, ...TEST_STACKS };
/** What deploys with no context: the examples as they are, and the integration tests (which deploy them so). */
const DEFAULT_CONFIGURATIONS: Record<string, CfnTemplate> = { ...EXAMPLES_DEFAULT, ...INTEG };

/** One test per template: the rule finds nothing in it. */
function expectNoFindings(templates: Record<string, CfnTemplate>, rule: Rule): void {
  test.each(Object.keys(templates))('%s', (name) => {
    expect(rule(templates[name])).toEqual([]);
  });
}

/** A template of `resources`, for the negative cases. */
const templateOf = (resources: Record<string, CfnResource>): CfnTemplate => ({ Resources: resources });

// ---------------------------------------------------------------------------------------------
// Rules.

/**
 * The variables HTTP APIs define for access logs, from the API Gateway Developer Guide,
 * "Customizing HTTP API access logs" (http-api-logging-variables). `property` entries there
 * stand for any name (a JWT claim, a Lambda authorizer's context key): they are prefixes here.
 */
const HTTP_API_CONTEXT_VARIABLES: ReadonlySet<string> = new Set([
  'accountId', 'apiId', 'authorizer.error', 'authorizer.principalId', 'awsEndpointRequestId', 'awsEndpointRequestId2',
  'customDomain.basePathMatched', 'dataProcessed', 'domainName', 'domainPrefix', 'error.message', 'error.messageString',
  'error.responseType', 'extendedRequestId', 'httpMethod', 'identity.accountId', 'identity.caller',
  'identity.cognitoAuthenticationProvider', 'identity.cognitoAuthenticationType', 'identity.cognitoIdentityId',
  'identity.cognitoIdentityPoolId', 'identity.principalOrgId', 'identity.clientCert.clientCertPem',
  'identity.clientCert.subjectDN', 'identity.clientCert.issuerDN', 'identity.clientCert.serialNumber',
  'identity.clientCert.validity.notBefore', 'identity.clientCert.validity.notAfter', 'identity.sourceIp', 'identity.user',
  'identity.userAgent', 'identity.userArn', 'integration.error', 'integration.integrationStatus', 'integration.latency',
  'integration.requestId', 'integration.status', 'integrationErrorMessage', 'integrationLatency', 'integrationStatus', 'path',
  'protocol', 'requestId', 'requestTime', 'requestTimeEpoch', 'responseLatency', 'responseLength', 'routeKey', 'stage', 'status',
]);
const HTTP_API_CONTEXT_PREFIXES = ['authorizer.claims.', 'authorizer.'];

const httpApiAccessLogVariables: Rule = (template) => resourcesOf(template, ofType('AWS::ApiGatewayV2::Stage'))
  .flatMap(([id, stage]) => {
    const format = stage.Properties?.AccessLogSettings?.Format;
    if (format === undefined) {
      return [];
    }
    const variables = [...JSON.stringify(format).matchAll(/\$context\.([A-Za-z0-9_.]*[A-Za-z0-9_])/g)].map(m => m[1]);
    return variables
      .filter(v => !HTTP_API_CONTEXT_VARIABLES.has(v) && !HTTP_API_CONTEXT_PREFIXES.some(prefix => v.startsWith(prefix) && v.length > prefix.length))
      .map(v => `${id}: $context.${v} is not an HTTP API access log variable`);
  });

describe('HTTP API access logs use HTTP API variables only (API Gateway Developer Guide, "Customizing HTTP API access logs": https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html)', () => {
  expectNoFindings(ALL, httpApiAccessLogVariables);

  test('catches a REST API format (AccessLogFormat.jsonWithStandardFields names $context.resourcePath)', () => {
    const rest = JSON.stringify({ requestId: '$context.requestId', resourcePath: '$context.resourcePath', ip: '$context.identity.sourceIp' });
    expect(httpApiAccessLogVariables(templateOf({ Stage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { AccessLogSettings: { Format: rest } } } })))
      .toEqual(['Stage: $context.resourcePath is not an HTTP API access log variable']);
  });

  test('accepts a Lambda authorizer\'s context key and a JWT claim, which the page gives as `property`', () => {
    const format = JSON.stringify({ tenant: '$context.authorizer.tenant', user: '$context.authorizer.claims.username' });
    expect(httpApiAccessLogVariables(templateOf({ Stage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { AccessLogSettings: { Format: format } } } }))).toEqual([]);
  });
});

/**
 * S3 Files access points: the same `RootDirectory.Path` shape (aws-cdk-lib's CfnAccessPoint),
 * checked against EFS's pattern, which S3 Files is assumed to share (docs/assumptions.md).
 */
const ACCESS_POINT_TYPES = ['AWS::EFS::AccessPoint', 'AWS::S3Files::AccessPoint'];

const accessPointPaths: Rule = (template) => resourcesOf(template, t => ACCESS_POINT_TYPES.includes(t)).flatMap(([id, ap]) => {
  const rootPath = ap.Properties?.RootDirectory?.Path;
  if (rootPath === undefined) {
    return [];
  }
  if (typeof rootPath !== 'string') {
    return [`${id}: RootDirectory.Path is not known at synth (${JSON.stringify(rootPath)})`];
  }
  const problems = [];
  if (!new RegExp(EFS_ROOT_DIRECTORY_PATTERN).test(rootPath)) {
    problems.push(`${id}: RootDirectory.Path '${rootPath}' does not match EFS's pattern`);
  }
  if (rootPath.length > 100) {
    problems.push(`${id}: RootDirectory.Path is ${rootPath.length} characters, more than 100`);
  }
  return problems;
});

describe('EFS and S3 Files access point root directories match EFS\'s pattern (EFS API Reference, RootDirectory: https://docs.aws.amazon.com/efs/latest/ug/API_RootDirectory.html)', () => {
  expectNoFindings(ALL, accessPointPaths);

  test('catches five levels, a trailing slash and a hidden directory', () => {
    const ap = (p: string): CfnResource => ({ Type: 'AWS::EFS::AccessPoint', Properties: { RootDirectory: { Path: p } } });
    expect(accessPointPaths(templateOf({ Deep: ap('/a/b/c/d/e'), Trailing: ap('/ml/'), Hidden: ap('/.ml'), Fine: ap('/ml') }))).toEqual([
      "Deep: RootDirectory.Path '/a/b/c/d/e' does not match EFS's pattern",
      "Trailing: RootDirectory.Path '/ml/' does not match EFS's pattern",
      "Hidden: RootDirectory.Path '/.ml' does not match EFS's pattern",
    ]);
  });

  test('catches an S3 Files access point too', () => {
    const ap: CfnResource = { Type: 'AWS::S3Files::AccessPoint', Properties: { RootDirectory: { Path: '/ml/' } } };
    expect(accessPointPaths(templateOf({ S3FilesAp: ap }))).toEqual(["S3FilesAp: RootDirectory.Path '/ml/' does not match EFS's pattern"]);
  });
});

/**
 * Generally available Lambda runtimes. Python: 3.12, 3.13, 3.14 (AWS Compute blog, "Python 3.14
 * runtime now available in AWS Lambda"; a runtime in public preview is not for production).
 * Node.js, for aws-cdk-lib's own handlers: 22 and 24 (Lambda Developer Guide, "Lambda runtimes").
 */
const GENERALLY_AVAILABLE_RUNTIMES: ReadonlySet<string> = new Set(['python3.12', 'python3.13', 'python3.14', 'nodejs22.x', 'nodejs24.x']);

const generallyAvailableRuntimes: Rule = (template) => resourcesOf(template, ofType('AWS::Lambda::Function'))
  .filter(([, fn]) => fn.Properties?.Runtime !== undefined && !GENERALLY_AVAILABLE_RUNTIMES.has(fn.Properties.Runtime))
  .map(([id, fn]) => `${id}: runtime ${JSON.stringify(fn.Properties!.Runtime)} is not a generally available runtime`);

describe('Lambda functions run on generally available runtimes (Lambda Developer Guide, "Lambda runtimes": https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html)', () => {
  expectNoFindings(ALL, generallyAvailableRuntimes);

  test('catches a public-preview runtime (python3.15)', () => {
    const stack = new Stack(new App(), 'Preview');
    // By name: aws-cdk-lib 2.271 (the floor) has no Runtime.PYTHON_3_15.
    const preview = new lambda.Runtime('python3.15', lambda.RuntimeFamily.PYTHON, { supportsInlineCode: true });
    new lambda.Function(stack, 'Fn', { runtime: preview, handler: 'index.handler', code: INLINE_CODE });
    expect(generallyAvailableRuntimes(Template.fromStack(stack).toJSON())).toEqual([expect.stringMatching(/^Fn\w+: runtime "python3.15" is not a generally available runtime$/)]);
  });
});

const noRetainOnCreate: Rule = (template) => Object.entries(template.Resources ?? {})
  .filter(([, resource]) => resource.DeletionPolicy === 'Retain')
  .map(([id, resource]) => `${id} (${resource.Type}): DeletionPolicy Retain keeps it also when its create rolls back; use RetainExceptOnCreate`);

describe('no resource the stack creates is kept when its create rolls back: RetainExceptOnCreate, not Retain (CloudFormation User Guide, "DeletionPolicy attribute": https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html)', () => {
  expectNoFindings(ALL, noRetainOnCreate);

  test('catches RemovalPolicy.RETAIN', () => {
    const stack = new Stack(new App(), 'Retained');
    new logs.LogGroup(stack, 'Logs', { removalPolicy: RemovalPolicy.RETAIN });
    new logs.LogGroup(stack, 'Kept', { removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE });
    expect(noRetainOnCreate(Template.fromStack(stack).toJSON())).toEqual([expect.stringMatching(/^Logs\w+ \(AWS::Logs::LogGroup\): DeletionPolicy Retain/)]);
  });
});

const VENDED_LOGS_PREFIX = '/aws/vendedlogs/';

/** The name of a log group, or the literal text it starts with when it is a join. */
function logGroupNamePrefix(name: unknown): string | undefined {
  if (typeof name === 'string') {
    return name;
  }
  const join = (name as Record<string, any> | undefined)?.['Fn::Join'];
  return Array.isArray(join) && join[0] === '' && typeof join[1]?.[0] === 'string' ? join[1][0] : undefined;
}

const vendedAccessLogGroups: Rule = (template) => resourcesOf(template, ofType('AWS::ApiGatewayV2::Stage')).flatMap(([id, stage]) => {
  const destination = stage.Properties?.AccessLogSettings?.DestinationArn;
  if (destination === undefined) {
    return [];
  }
  if (typeof destination === 'string') {
    return destination.includes(`:log-group:${VENDED_LOGS_PREFIX}`) ? [] : [`${id}: access logs go to ${destination}, not under ${VENDED_LOGS_PREFIX}`];
  }
  const groupId = referencedId(destination);
  const group = groupId ? template.Resources?.[groupId] : undefined;
  if (!group || group.Type !== 'AWS::Logs::LogGroup') {
    return [`${id}: access log destination ${JSON.stringify(destination)} is not a log group of this template`];
  }
  const prefix = logGroupNamePrefix(group.Properties?.LogGroupName);
  return prefix?.startsWith(VENDED_LOGS_PREFIX) ? [] : [`${id}: access log group ${groupId} is not named under ${VENDED_LOGS_PREFIX} (got ${JSON.stringify(group.Properties?.LogGroupName ?? 'a generated name')})`];
});

describe('API Gateway access logs go to log groups named under /aws/vendedlogs/ (CloudWatch Logs User Guide, "Enabling logging from AWS services": https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html)', () => {
  expectNoFindings(ALL, vendedAccessLogGroups);

  test('catches a log group with a generated name', () => {
    const stage = (logGroup: string): CfnResource => ({ Type: 'AWS::ApiGatewayV2::Stage', Properties: { AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [logGroup, 'Arn'] }, Format: '{}' } } });
    expect(vendedAccessLogGroups(templateOf({
      Unnamed: { Type: 'AWS::Logs::LogGroup', Properties: {} },
      Vended: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: { 'Fn::Join': ['', ['/aws/vendedlogs/apigateway/x/', { Ref: 'Api' }]] } } },
      Bad: stage('Unnamed'),
      Good: stage('Vended'),
    }))).toEqual(['Bad: access log group Unnamed is not named under /aws/vendedlogs/ (got "a generated name")']);
  });
});

/**
 * What a new account starts with (Lambda quotas: memory up to 3008 MB, concurrency 10 or 50), and
 * what reserved and provisioned concurrency must leave unreserved ("Configuring reserved
 * concurrency": 100), more than a new account has.
 */
const DOCUMENTED_NEW_ACCOUNT_QUOTAS = { maxMemoryMb: 3008, minUnreservedConcurrency: 100 } as const;

const newAccountQuotas: Rule = (template) => [
  ...resourcesOf(template, ofType('AWS::Lambda::Function')).flatMap(([id, fn]) => [
    ...((fn.Properties?.MemorySize ?? 128) > DOCUMENTED_NEW_ACCOUNT_QUOTAS.maxMemoryMb ? [`${id}: MemorySize ${fn.Properties!.MemorySize} is above a new account's ${DOCUMENTED_NEW_ACCOUNT_QUOTAS.maxMemoryMb} MB`] : []),
    ...(fn.Properties?.ReservedConcurrentExecutions !== undefined ? [`${id}: ReservedConcurrentExecutions ${fn.Properties.ReservedConcurrentExecutions} needs ${DOCUMENTED_NEW_ACCOUNT_QUOTAS.minUnreservedConcurrency} unreserved left, more than a new account has`] : []),
  ]),
  ...resourcesOf(template, t => t === 'AWS::Lambda::Alias' || t === 'AWS::Lambda::Version')
    .filter(([, r]) => r.Properties?.ProvisionedConcurrencyConfig !== undefined)
    .map(([id]) => `${id}: provisioned concurrency needs ${DOCUMENTED_NEW_ACCOUNT_QUOTAS.minUnreservedConcurrency} unreserved left, more than a new account has`),
];

describe('the examples\' default configuration deploys on a new account: memory <= 3008 MB, no reserved or provisioned concurrency (Lambda quotas: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html; "Configuring reserved concurrency": https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html)', () => {
  expectNoFindings(DEFAULT_CONFIGURATIONS, newAccountQuotas);

  test('catches the reference figures that -c fullAccount=true restores (3 GB, reserved 5, provisioned 1)', () => {
    const findings = newAccountQuotas(EXAMPLES_FULL['examples/ml-inference (-c fullAccount=true -c iamAuth=true)']);
    expect(findings).toEqual(expect.arrayContaining([
      expect.stringMatching(/^ClassifierFunction\w+: MemorySize 3072 is above a new account's 3008 MB$/),
      expect.stringMatching(/^ClassifierFunction\w+: ReservedConcurrentExecutions 5 needs 100 unreserved left/),
      expect.stringMatching(/^ClassifierAlias\w+: provisioned concurrency needs 100 unreserved left/),
    ]));
  });
});

/** The Lambda function a custom resource's service token names, when it is one of the template. */
function serviceTokenFunction(template: CfnTemplate, token: unknown): [string, CfnResource] | undefined {
  let id = referencedId(token);
  let resource = id ? template.Resources?.[id] : undefined;
  // An alias or a version names its function in FunctionName.
  if (resource && (resource.Type === 'AWS::Lambda::Alias' || resource.Type === 'AWS::Lambda::Version')) {
    id = referencedId(resource.Properties?.FunctionName);
    resource = id ? template.Resources?.[id] : undefined;
  }
  return id && resource?.Type === 'AWS::Lambda::Function' ? [id, resource] : undefined;
}

const customResources: Rule = (template) => resourcesOf(template, t => t.startsWith('Custom::') || t === 'AWS::CloudFormation::CustomResource')
  .flatMap(([id, cr]) => {
    const findings = [];
    // ResourceProperties, ServiceTimeout among them, may be written as strings.
    const timeout = Number(cr.Properties?.ServiceTimeout);
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 3600) {
      findings.push(`${id} (${cr.Type}): ServiceTimeout ${JSON.stringify(cr.Properties?.ServiceTimeout ?? 'unset')} is not 1 to 3600 seconds`);
    }
    const fn = serviceTokenFunction(template, cr.Properties?.ServiceToken);
    if (fn && (fn[1].Properties?.FileSystemConfigs ?? []).length > 0) {
      findings.push(`${id} (${cr.Type}): its service token is ${fn[0]}, a function that mounts EFS: a mount that cannot be made can hang the rollback`);
    }
    return findings;
  });

describe('custom resources: a ServiceTimeout of 1 to 3600 s, and a service token that mounts no EFS (CloudFormation User Guide, AWS::CloudFormation::CustomResource: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudformation-customresource.html)', () => {
  expectNoFindings(ALL, customResources);

  test('catches a custom resource without ServiceTimeout whose service token mounts EFS', () => {
    expect(customResources(templateOf({
      Mounting: { Type: 'AWS::Lambda::Function', Properties: { FileSystemConfigs: [{ Arn: 'arn', LocalMountPath: '/mnt/x' }] } },
      Plain: { Type: 'AWS::Lambda::Function', Properties: {} },
      Bad: { Type: 'Custom::Install', Properties: { ServiceToken: { 'Fn::GetAtt': ['Mounting', 'Arn'] } } },
      TooLong: { Type: 'AWS::CloudFormation::CustomResource', Properties: { ServiceToken: { 'Fn::GetAtt': ['Plain', 'Arn'] }, ServiceTimeout: '3601' } },
      Good: { Type: 'Custom::Check', Properties: { ServiceToken: { 'Fn::GetAtt': ['Plain', 'Arn'] }, ServiceTimeout: '900' } },
    }))).toEqual([
      'Bad (Custom::Install): ServiceTimeout "unset" is not 1 to 3600 seconds',
      'Bad (Custom::Install): its service token is Mounting, a function that mounts EFS: a mount that cannot be made can hang the rollback',
      'TooLong (AWS::CloudFormation::CustomResource): ServiceTimeout "3601" is not 1 to 3600 seconds',
    ]);
  });
});

/** The file system policy a resource holds: an EFS file system's `FileSystemPolicy`, an S3 Files `FileSystemPolicy`'s `Policy`. */
function fileSystemPolicyOf(resource: CfnResource): Record<string, any> | undefined {
  return resource.Type === 'AWS::EFS::FileSystem' ? resource.Properties?.FileSystemPolicy : resource.Properties?.Policy;
}

const noNamedPrincipalInFileSystemPolicy: Rule = (template) => resourcesOf(template, t => t === 'AWS::EFS::FileSystem' || t === 'AWS::S3Files::FileSystemPolicy')
  .flatMap(([id, fileSystem]) => {
    const statements: Array<Record<string, any>> = [fileSystemPolicyOf(fileSystem)?.Statement ?? []].flat();
    return statements.flatMap(statement => ['Principal', 'NotPrincipal'].flatMap(key => {
      const principal = statement[key];
      if (principal === undefined || principal === '*') {
        return [];
      }
      const aws = [principal.AWS ?? []].flat();
      return aws.filter(p => p !== '*').map(p => `${id}: statement ${statement.Sid ?? '(no Sid)'} names ${key} ${JSON.stringify(p)}`);
    }));
  });

describe('EFS and S3 Files file system policies name no principal (EFS User Guide, "Resource-based policy examples": a role deleted or recreated while named is locked out; https://docs.aws.amazon.com/efs/latest/ug/access-control-overview.html; S3 Files assumed alike)', () => {
  expectNoFindings(ALL, noNamedPrincipalInFileSystemPolicy);

  test('catches a role\'s ARN in NotPrincipal', () => {
    const stack = new Stack(new App(), 'Named');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    new efs.CfnFileSystem(stack, 'Fs', {
      fileSystemPolicy: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Perimeter', Effect: 'Deny', NotPrincipal: { AWS: [role.roleArn] }, Action: 'elasticfilesystem:ClientMount' },
          { Sid: 'Tls', Effect: 'Deny', Principal: { AWS: '*' }, Action: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
        ],
      },
    });
    expect(noNamedPrincipalInFileSystemPolicy(Template.fromStack(stack).toJSON()))
      .toEqual([expect.stringMatching(/^Fs: statement Perimeter names NotPrincipal \{"Fn::GetAtt":\["Role\w+","Arn"\]\}$/)]);
  });

  test('catches a role named in an S3 Files file system policy', () => {
    expect(noNamedPrincipalInFileSystemPolicy(templateOf({
      Policy: {
        Type: 'AWS::S3Files::FileSystemPolicy',
        Properties: { Policy: { Statement: [{ Sid: 'AllowRole', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:role/r' }, Action: 's3files:ClientMount' }] } },
      },
    }))).toEqual(['Policy: statement AllowRole names Principal "arn:aws:iam::111111111111:role/r"']);
  });
});

/**
 * aws-cdk-lib's aws-lambda README, "S3 Files Filesystem": "The backing bucket must have versioning
 * enabled, as S3 Files relies on object versions". Checked where the bucket is one of the template.
 */
const s3FilesBucketsVersioned: Rule = (template) => resourcesOf(template, ofType('AWS::S3Files::FileSystem')).flatMap(([id, fileSystem]) => {
  const bucketId = referencedId(fileSystem.Properties?.Bucket);
  const bucket = bucketId ? template.Resources?.[bucketId] : undefined;
  if (!bucket || bucket.Type !== 'AWS::S3::Bucket') {
    return [];
  }
  return bucket.Properties?.VersioningConfiguration?.Status === 'Enabled' ? [] : [`${id}: its bucket ${bucketId} is not versioned`];
});

describe('S3 Files file systems sync versioned buckets (aws-cdk-lib aws-lambda README, "S3 Files Filesystem"; https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-files.html)', () => {
  expectNoFindings(ALL, s3FilesBucketsVersioned);

  test('catches a bucket without versioning', () => {
    expect(s3FilesBucketsVersioned(templateOf({
      Plain: { Type: 'AWS::S3::Bucket', Properties: {} },
      Versioned: { Type: 'AWS::S3::Bucket', Properties: { VersioningConfiguration: { Status: 'Enabled' } } },
      Bad: { Type: 'AWS::S3Files::FileSystem', Properties: { Bucket: { 'Fn::GetAtt': ['Plain', 'Arn'] } } },
      Good: { Type: 'AWS::S3Files::FileSystem', Properties: { Bucket: { 'Fn::GetAtt': ['Versioned', 'Arn'] } } },
    }))).toEqual(['Bad: its bucket Plain is not versioned']);
  });
});

// ---------------------------------------------------------------------------------------------
// cfn-lint (https://github.com/aws-cloudformation/cfn-lint): the resource specifications and
// CloudFormation's own rules, over the example templates.

/**
 * cfn-lint findings acknowledged, by rule id, with the reason. W3005: a DependsOn that a Ref or
 * GetAtt already implies; harmless (CloudFormation orders the resources once). aws-cdk-lib
 * writes them: its default security group handler depends on its role, and so does every
 * lambda.Function (EfsBackedFunction's included; the library adds only the execution policy).
 */
const CFN_LINT_ACKNOWLEDGED: Record<string, string> = {
  W3005: 'a DependsOn that a Ref or GetAtt already implies: redundant, not wrong',
};

/**
 * cfn-lint findings acknowledged by rule id and message: what cfn-lint's own resource schema
 * does not know yet. E3002 on `S3FilesConfig` of a Lambda function's `FileSystemConfigs`: the
 * property is in the CloudFormation specification aws-cdk-lib is generated from
 * (`CfnFunction.S3FilesConfigProperty`, "aws-properties-lambda-function-s3filesconfig"), newer
 * than the schema of cfn-lint 1.51.
 */
const CFN_LINT_ACKNOWLEDGED_MESSAGES: ReadonlyArray<[ruleId: string, message: RegExp, reason: string]> = [
  ['E3002', /^Additional properties are not allowed \('S3FilesConfig' was unexpected\)$/, 'Lambda S3FilesConfig, newer than cfn-lint\'s schema'],
];

/** Where scripts/install-test-deps.sh installs cfn-lint (a virtual environment of the repository's). */
const TOOLS_CFN_LINT = path.join(__dirname, '..', '.tools', 'venv', 'bin', 'cfn-lint');

function cfnLintCommand(): string | undefined {
  for (const command of [process.env.CFN_LINT ?? 'cfn-lint', TOOLS_CFN_LINT]) {
    const probe = spawnSync(command, ['--version'], { encoding: 'utf-8' });
    if (probe.status === 0) {
      return command;
    }
  }
  return undefined;
}

interface CfnLintMatch { readonly Rule: { readonly Id: string }; readonly Message: string; readonly Filename: string; readonly Level: string }

function cfnLint(command: string, templates: Record<string, CfnTemplate>): CfnLintMatch[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-lint-'));
  const files = Object.entries(templates).map(([name, template], i) => {
    const file = path.join(dir, `${i}-${name.replace(/[^A-Za-z0-9]+/g, '-')}.template.json`);
    fs.writeFileSync(file, JSON.stringify(template));
    return file;
  });
  const run = spawnSync(command, ['--format', 'json', ...files], { encoding: 'utf-8' });
  // Exit status: 0 clean, else the sum of 2 (errors), 4 (warnings) and 8 (informational); an odd one is a failure to run.
  if (run.status === null || run.status % 2 === 1 || !run.stdout.trim().startsWith('[')) {
    throw new Error(`cfn-lint did not run: status ${run.status}\n${run.stderr}${run.stdout}`);
  }
  return JSON.parse(run.stdout);
}

const CFN_LINT = cfnLintCommand();
// CI installs it (scripts/install-test-deps.sh): there, a missing cfn-lint is a failure, not a skip.
if (!CFN_LINT && process.env.CI === 'true') {
  throw new Error('cfn-lint is not installed: scripts/install-test-deps.sh installs it into .tools/venv');
}
const describeCfnLint = CFN_LINT ? describe : describe.skip;

describeCfnLint(`cfn-lint over the example templates${CFN_LINT ? '' : ' (SKIPPED: cfn-lint is not installed; run scripts/install-test-deps.sh, or set CFN_LINT to its path)'}`, () => {
  test('no finding but the acknowledged ones', () => {
    const findings = cfnLint(CFN_LINT!, { ...EXAMPLES_DEFAULT, ...EXAMPLES_FULL })
      .filter(match => !(match.Rule.Id in CFN_LINT_ACKNOWLEDGED))
      .filter(match => !CFN_LINT_ACKNOWLEDGED_MESSAGES.some(([ruleId, message]) => match.Rule.Id === ruleId && message.test(match.Message)))
      .map(match => `${match.Rule.Id} ${path.basename(match.Filename)}: ${match.Message}`);
    expect(findings).toEqual([]);
  });

  test('catches what CloudFormation would refuse (a runtime it does not know, an unknown property)', () => {
    const findings = cfnLint(CFN_LINT!, {
      bad: templateOf({ Fn: { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'python2.0', Handler: 'i.h', Role: 'arn:aws:iam::123456789012:role/r', Code: { ZipFile: 'x' }, Memory: 128 } } }),
    });
    expect(findings.filter(match => match.Level === 'Error').length).toBeGreaterThanOrEqual(1);
  });
});
