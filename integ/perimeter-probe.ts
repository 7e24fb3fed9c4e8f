/**
 * An assertion that settles, on an account, what no offline test can: whether EFS evaluates
 * `aws:PrincipalArn` for an NFS mount, so that the file system policy's perimeter
 * (`DenyUngrantedPrincipals`) keeps out a same-account role the stack did not grant.
 *
 * The probe is a plain Lambda function (not an `EfsBackedFunction`, which the perimeter would
 * spare) whose role has an identity policy that allows the client actions on the access point,
 * as an administrator's would, and whose security group is let in on NFS. A second function,
 * outside the VPC, invokes it and answers the error code of the invoke. Expected: Lambda's
 * `EFSMountFailureException` (Lambda Developer Guide, "Invoke" errors). If the probe mounts
 * instead, the account is in the world where EFS does not provide `aws:PrincipalArn` and the
 * perimeter is inert (docs/assumptions.md says what follows).
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Duration } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { SharedFileSystem } from '../src';

/** Generally available (AWS Compute blog: Python 3.13 runtime in AWS Lambda). */
const PROBE_RUNTIME = lambda.Runtime.PYTHON_3_13;

export function assertUngrantedRoleCannotMount(
  integ: IntegTest, scope: Construct, fileSystem: SharedFileSystem, accessPoint: efs.IAccessPoint,
): void {
  const probe = new lambda.Function(scope, 'UngrantedMountProbe', {
    runtime: PROBE_RUNTIME,
    handler: 'index.handler',
    code: lambda.Code.fromInline("def handler(event, context):\n    open('/mnt/probe/ungranted-probe', 'a').close()\n    return 'mounted'\n"),
    vpc: fileSystem.vpc,
    vpcSubnets: fileSystem.vpcSubnets,
    // The access point's mount: CDK adds the identity policy (ClientMount and ClientWrite on
    // the file system, for this access point) and the NFS rule; the perimeter is not told.
    filesystem: lambda.FileSystem.fromEfsAccessPoint(accessPoint, '/mnt/probe'),
    timeout: Duration.seconds(30),
  });
  const invoker = new lambda.Function(scope, 'UngrantedMountInvoker', {
    runtime: PROBE_RUNTIME,
    handler: 'index.handler',
    code: lambda.Code.fromInline([
      'import os, boto3',
      'from botocore.exceptions import ClientError',
      'def handler(event, context):',
      '    try:',
      "        boto3.client('lambda').invoke(FunctionName=os.environ['PROBE'], Payload=b'{}')",
      "        return {'error': None}",
      '    except ClientError as error:',
      "        return {'error': error.response['Error']['Code']}",
    ].join('\n')),
    environment: { PROBE: probe.functionName },
    timeout: Duration.seconds(60),
  });
  probe.grantInvoke(invoker);
  integ.assertions.invokeFunction({ functionName: invoker.functionName }).expect(ExpectedResult.objectLike({
    Payload: Match.serializedJson({ error: 'EFSMountFailureException' }),
  }));
}
