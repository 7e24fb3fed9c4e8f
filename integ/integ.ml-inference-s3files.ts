/**
 * Integration test: deploys examples/ml-inference-s3files and settles on an account what the
 * offline checks of S3 Files cannot (docs/assumptions.md, "Amazon S3 Files"):
 * - an object put into the bucket is seen through the mount, under the access point's directory
 *   (the bucket's `probe/` prefix is the access point `/probe`);
 * - a file written through the mount is written back to the bucket (within the wait below);
 * - direct reads: a function with DirectS3Read ENABLED reads a file the bucket holds;
 * - the sync role's scope, as IAM evaluates it (SimulatePrincipalPolicy): the rules S3 Files
 *   creates and the bucket, nothing else;
 * - the reference URL reaches the classifier's handler.
 * The model is not uploaded (the example's UploadModel command fetches it from GitHub): the
 * handler test classifies with a local model laid out as the mount.
 *
 * Offline, `npx projen integ:snapshot` (part of `npm test`) compares what this app synthesizes
 * with the committed snapshot. With an AWS account and Docker, `npx projen integ:deploy` deploys
 * it, runs the assertions and destroys it. The bucket is kept (versioned objects left by the
 * test): delete it by hand.
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicies } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { boundAssertionWaits } from './assertion-timeouts';
import { MlInferenceS3FilesStack } from '../examples/ml-inference-s3files/ml-inference-s3files-stack';
import { EfsBackedFunction } from '../src';

const app = new App();
const stack = new MlInferenceS3FilesStack(app, 'cdk-lambda-efs-integ-ml-inference-s3files');
// A versioned bucket with objects cannot be deleted by CloudFormation: kept (the example's
// RETAIN_ON_UPDATE_OR_DELETE), everything else destroyed.
RemovalPolicies.of(stack).destroy({ excludeResourceTypes: ['AWS::S3::Bucket'] });

// A probe on its own access point, read-write, with direct reads: reads and writes one file.
const probeAccessPoint = stack.models.addAccessPoint('Probe', { path: '/probe', uid: '1001', gid: '1001' });
const probe = new EfsBackedFunction(stack, 'Probe', {
  s3FilesFileSystem: stack.models,
  s3FilesAccessPoint: probeAccessPoint,
  mountPath: '/mnt/probe',
  directS3Read: true,
  runtime: lambda.Runtime.PYTHON_3_13,
  handler: 'index.handler',
  timeout: Duration.minutes(1),
  code: lambda.Code.fromInline([
    'import os',
    'ROOT = "/mnt/probe"',
    'def handler(event, context):',
    '    path = os.path.join(ROOT, event["name"])',
    '    if event["op"] == "write":',
    '        with open(path, "w") as f:',
    '            f.write(event["content"])',
    '            f.flush()',
    '            os.fsync(f.fileno())',
    '        return {"written": event["name"]}',
    '    try:',
    '        with open(path) as f:',
    '            return {"content": f.read()}',
    '    except FileNotFoundError:',
    '        return {"missing": event["name"]}',
  ].join('\n')),
});

const integ = new IntegTest(app, 'MLInferenceS3Files', {
  testCases: [stack],
  stackUpdateWorkflow: false,
});
boundAssertionWaits(app);
const eventually = { totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) };
const bucket = stack.models.bucket.bucketName;

// Into the bucket, then through the mount (S3 Files imports the object): the access point /probe is the prefix probe/.
integ.assertions.awsApiCall('S3', 'putObject', { Bucket: bucket, Key: 'probe/from-s3.txt', Body: 'put into the bucket' })
  .next(integ.assertions.invokeFunction({ functionName: probe.lambdaFunction.functionName, payload: JSON.stringify({ op: 'read', name: 'from-s3.txt' }) })
    .expect(ExpectedResult.objectLike({ StatusCode: 200, Payload: Match.serializedJson({ content: 'put into the bucket' }) }))
    .waitForAssertions(eventually));

// Through the mount, then in the bucket (S3 Files writes back after a delay): the object has the file's 25 bytes.
const written = 'written through the mount';
integ.assertions.invokeFunction({
  functionName: probe.lambdaFunction.functionName,
  payload: JSON.stringify({ op: 'write', name: 'from-mount.txt', content: written }),
}).expect(ExpectedResult.objectLike({ StatusCode: 200, Payload: Match.serializedJson({ written: 'from-mount.txt' }) }))
  .next(integ.assertions.awsApiCall('S3', 'getObject', { Bucket: bucket, Key: 'probe/from-mount.txt' })
    .expect(ExpectedResult.objectLike({ ContentLength: Buffer.byteLength(written) }))
    .waitForAssertions(eventually));

// Direct reads are on where asked (the read above went through them where S3 Files used them).
for (const fn of [probe, stack.classifier]) {
  integ.assertions.awsApiCall('Lambda', 'getFunctionConfiguration', { FunctionName: fn.lambdaFunction.functionName })
    .expect(ExpectedResult.objectLike({ FileSystemConfigs: [Match.objectLike({ S3FilesConfig: { DirectS3Read: 'ENABLED' } })] }));
}

// The sync role, as IAM evaluates it on the account.
const rule = (name: string) => `arn:${stack.partition}:events:${stack.region}:${stack.account}:rule/${name}`;
const managedBy = [{ ContextKeyName: 'events:ManagedBy', ContextKeyValues: ['elasticfilesystem.amazonaws.com'], ContextKeyType: 'string' }];
const syncDecisions: Array<[string, string, string, object[]]> = [
  ['events:PutRule', rule('DO-NOT-DELETE-S3-Files-integ'), 'allowed', managedBy],
  ['events:PutRule', rule('not-s3-files'), 'implicitDeny', managedBy],
  ['s3:PutObject', `${stack.models.bucket.bucketArn}/probe/x`, 'allowed', []],
  ['s3:PutObject', `arn:${stack.partition}:s3:::another-bucket/x`, 'implicitDeny', []],
  ['s3:PutBucketPolicy', stack.models.bucket.bucketArn, 'implicitDeny', []],
];
for (const [action, resource, decision, context] of syncDecisions) {
  integ.assertions.awsApiCall('IAM', 'simulatePrincipalPolicy', {
    PolicySourceArn: stack.models.syncRole.roleArn,
    ActionNames: [action],
    ResourceArns: [resource],
    ContextEntries: context,
  }).expect(ExpectedResult.objectLike({ EvaluationResults: [Match.objectLike({ EvalActionName: action, EvalDecision: decision })] }));
}

// The reference URL reaches the handler: without an image it answers its own 400.
integ.assertions.httpApiCall(`${stack.api.apiEndpoint}/default/MLInference`).expect(ExpectedResult.objectLike({
  status: 400,
  body: { error: 'Pass the image as ?url=<http or https URL>, or POST it as the body.' },
}));
