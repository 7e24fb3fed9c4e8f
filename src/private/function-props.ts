import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { EfsBackedFunctionProps } from '../efs-backed-function-props';

/** The props EfsBackedFunction adds to `lambda.FunctionProps`. */
export type OwnProps = Omit<EfsBackedFunctionProps, keyof lambda.FunctionProps>;

/**
 * Every prop of `OwnProps`, which `lambda.Function` must not receive. The compiler
 * keeps the list whole: a prop added to EfsBackedFunctionProps and missing here, or a name
 * here that is no such prop, is a compile error.
 */
export const OWN_PROP_NAMES: Record<keyof OwnProps, true> = {
  fileSystem: true,
  accessPoint: true,
  s3FilesFileSystem: true,
  s3FilesAccessPoint: true,
  directS3Read: true,
  mountPath: true,
  readOnly: true,
  provisionedConcurrency: true,
  aliasName: true,
  mountEnvironment: true,
  coldStartLoad: true,
  logGroupRetention: true,
  logEncryptionKey: true,
};

/**
 * `lambda.FunctionProps` that EfsBackedFunction applies itself rather than passing them
 * on: `allowAllOutbound` goes to the function's own security group.
 */
export const APPLIED_FUNCTION_PROP_NAMES: ReadonlyArray<keyof lambda.FunctionProps> = ['allowAllOutbound'];

/** `props` without EfsBackedFunction's own props and those it applies itself: what is left for `lambda.Function`. */
export function lambdaFunctionProps(props: EfsBackedFunctionProps): lambda.FunctionProps {
  const rest: Record<string, unknown> = { ...props };
  for (const name of [...Object.keys(OWN_PROP_NAMES), ...APPLIED_FUNCTION_PROP_NAMES]) {
    delete rest[name];
  }
  return rest as unknown as lambda.FunctionProps;
}
