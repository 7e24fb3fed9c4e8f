import { Duration, Size, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as efs from 'aws-cdk-lib/aws-efs';
import { expectCompliant, INLINE_CODE, LATEST_PYTHON, stableTemplate, testStack } from './helpers';
import { EfsBackedFunction, InferenceVpc, SharedFileSystem } from '../src';

/** All three constructs, as the README's first example uses them. */
function completeStack(stack: Stack): void {
  const network = new InferenceVpc(stack, 'Network');
  const shared = new SharedFileSystem(stack, 'Shared', {
    vpc: network.vpc,
    throughputMode: efs.ThroughputMode.PROVISIONED,
    provisionedThroughputPerSecond: Size.mebibytes(10),
  });
  const models = shared.addAccessPoint('Models', { path: '/ml', uid: '1001', gid: '1001' });
  const classifier = new EfsBackedFunction(stack, 'Classifier', {
    fileSystem: shared,
    accessPoint: models,
    mountPath: '/mnt/inference',
    runtime: LATEST_PYTHON,
    handler: 'index.handler',
    code: INLINE_CODE,
    memorySize: 3008,
    timeout: Duration.minutes(5),
    reservedConcurrentExecutions: 10,
    provisionedConcurrency: 1,
    mountEnvironment: { PYTHONPATH: 'lib', TORCH_HOME: 'model' },
  });
  Validations.of(classifier).acknowledge({
    id: 'NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ',
    reason: 'Invoked only synchronously (behind an HTTP API); a dead-letter queue applies to asynchronous invocations.',
  });
}

test('a complete stack passes the CDK validation and the AwsSolutions and NIST 800-53 R5 packs', () => {
  const stack = testStack('Complete');
  completeStack(stack);
  const report = expectCompliant(stack);
  // Every acknowledgment the library makes by itself, with where it is made.
  expect(report.acknowledged.map(f => `${f.rule} ${f.constructPath}`).sort()).toEqual([
    'AwsSolutions-IAM5[Resource::*] Complete/Classifier/ExecutionPolicy/Resource',
    'NIST.800.53.R5-CloudWatchLogGroupEncrypted Complete/Classifier/LogGroup/Resource',
    'NIST.800.53.R5-CloudWatchLogGroupEncrypted Complete/Network/FlowLogGroup/Resource',
    'NIST.800.53.R5-EFSInBackupPlan Complete/Shared/FileSystem/Resource',
    'NIST.800.53.R5-LambdaDLQ Complete/Classifier/Function/Resource',
    'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW Complete/Network/Vpc/PublicSubnet1/DefaultRoute',
    'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW Complete/Network/Vpc/PublicSubnet2/DefaultRoute',
  ]);
});

test('snapshot of the complete stack', () => {
  const stack = new Stack(undefined, 'Complete');
  completeStack(stack);
  expect(stableTemplate(Template.fromStack(stack).toJSON())).toMatchSnapshot();
});

test('the checks bite: CDK\'s CloudFormation validation reports a template CloudFormation would reject', () => {
  const stack = testStack('Broken');
  new efs.CfnMountTarget(stack, 'MountTarget', { fileSystemId: 'fs-12345678', subnetId: 'not-a-subnet', securityGroups: ['sg-12345678'] });
  expect(() => expectCompliant(stack)).toThrow(/CloudFormation Validate F3031 at Broken\/MountTarget/);
});
