/**
 * The table of src/private/function-props.ts: the props EfsBackedFunction adds to
 * `lambda.FunctionProps` (OWN_PROP_NAMES) and the one it applies itself (allowAllOutbound), which
 * `lambdaFunctionProps` strips before the rest goes to `lambda.Function`. That a prop is missing
 * from OWN_PROP_NAMES, or named there and no prop, is a compile error (its type is
 * `Record<keyof OwnProps, true>`); what is tested here is what the compiler cannot see.
 */
import { Duration, Size } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3files from 'aws-cdk-lib/aws-s3files';
import { EfsBackedFunctionProps, IS3FilesFileSystem, ISharedFileSystem } from '../../src';
import { lambdaFunctionProps, OWN_PROP_NAMES, OwnProps } from '../../src/private/function-props';
import { jsiiAssembly } from '../helpers';

describe('EfsBackedFunction passes lambda.Function only lambda.FunctionProps', () => {
  const sentinel = <T>(name: string) => ({ sentinel: name }) as unknown as T;
  // Required<OwnProps>: a prop added to EfsBackedFunctionProps must be added here too.
  const own: Required<OwnProps> = {
    fileSystem: sentinel<ISharedFileSystem>('fileSystem'),
    accessPoint: sentinel<efs.IAccessPoint>('accessPoint'),
    s3FilesFileSystem: sentinel<IS3FilesFileSystem>('s3FilesFileSystem'),
    s3FilesAccessPoint: sentinel<s3files.IAccessPointRef>('s3FilesAccessPoint'),
    directS3Read: true,
    mountPath: '/mnt/inference',
    readOnly: true,
    provisionedConcurrency: 1,
    aliasName: 'live',
    mountEnvironment: { PYTHONPATH: 'lib' },
    coldStartLoad: { bytesPerColdStart: Size.gibibytes(1) },
    logGroupRetention: logs.RetentionDays.ONE_WEEK,
    logEncryptionKey: sentinel<kms.IKey>('logEncryptionKey'),
  };
  const functionProps = {
    runtime: lambda.Runtime.PYTHON_3_13,
    handler: 'index.handler',
    code: lambda.Code.fromInline('def handler(event, context): pass'),
    timeout: Duration.minutes(1),
    memorySize: 512,
    reservedConcurrentExecutions: 2,
  };

  test('every own prop, and allowAllOutbound (applied to the function\'s security group), is stripped; the rest is passed as given', () => {
    const props: EfsBackedFunctionProps = { ...functionProps, ...own, allowAllOutbound: false };
    expect(lambdaFunctionProps(props)).toEqual(functionProps);
  });
});

/** `.jsii`, when `npx projen compile` wrote it after the last source change (`jsiiAssembly` in test/helpers.ts). */
const assembly = jsiiAssembly();
const describeAssembly = assembly ? describe : describe.skip;

describeAssembly('the jsii assembly (.jsii, when `npx projen compile` wrote it after the last source change)', () => {
  test('EfsBackedFunctionProps declares exactly the props OWN_PROP_NAMES strips (the rest it inherits from lambda.FunctionProps)', () => {
    const props = assembly.types['cdk-lambda-efs.EfsBackedFunctionProps'];
    expect(props.interfaces).toEqual(['aws-cdk-lib.aws_lambda.FunctionProps']);
    expect(props.properties.map((p: { name: string }) => p.name).sort()).toEqual(Object.keys(OWN_PROP_NAMES).sort());
  });
});
