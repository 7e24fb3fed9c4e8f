import { Duration, Size, SizeRoundingBehavior, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { invalidInput } from './errors';

/**
 * Lambda's limits on a function's configuration, as the Lambda API checks them when
 * CloudFormation creates the function (Lambda quotas: "Function timeout", "Function memory
 * allocation", "Function ephemeral storage"). aws-cdk-lib leaves timeout and memory to its
 * template validation, which only warns; a function outside them fails at deploy, after the
 * VPC and the file system exist. We refuse them at synth.
 */
export const LAMBDA_LIMITS = {
  minTimeoutSeconds: 1,
  maxTimeoutSeconds: 900,
  minMemoryMb: 128,
  maxMemoryMb: 10240,
  minEphemeralStorageMib: 512,
  maxEphemeralStorageMib: 10240,
} as const;

/** Throws unless `timeout` is a whole number of seconds Lambda accepts (1 second to 15 minutes). */
export function checkLambdaTimeout(scope: IConstruct | undefined, prop: string, timeout: Duration | undefined): void {
  if (timeout === undefined || timeout.isUnresolved()) {
    return;
  }
  const seconds = timeout.toSeconds({ integral: false });
  const { minTimeoutSeconds: min, maxTimeoutSeconds: max } = LAMBDA_LIMITS;
  if (!Number.isInteger(seconds) || seconds < min || seconds > max) {
    const given = timeout.toHumanString();
    throw invalidInput(scope, prop, `${prop} must be a whole number of seconds from ${min} to ${max} (15 minutes), Lambda's limit `
      + `(got ${given}${given === `${seconds} seconds` ? '' : ` = ${seconds} seconds`})`);
  }
}

/** Throws unless `memorySize` is a whole number of MB Lambda accepts (128 to 10240). */
export function checkLambdaMemorySize(scope: IConstruct | undefined, prop: string, memorySize: number | undefined): void {
  if (memorySize === undefined || Token.isUnresolved(memorySize)) {
    return;
  }
  const { minMemoryMb: min, maxMemoryMb: max } = LAMBDA_LIMITS;
  if (!Number.isInteger(memorySize) || memorySize < min || memorySize > max) {
    throw invalidInput(scope, prop, `${prop} must be a whole number of MB from ${min} to ${max}, Lambda's limit (got ${memorySize})`);
  }
}

/** Throws unless `size` is a whole number of MiB of /tmp Lambda accepts (512 to 10240). */
export function checkLambdaEphemeralStorage(scope: IConstruct | undefined, prop: string, size: Size | undefined): void {
  if (size === undefined || size.isUnresolved()) {
    return;
  }
  const mebibytes = size.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  const { minEphemeralStorageMib: min, maxEphemeralStorageMib: max } = LAMBDA_LIMITS;
  if (!Number.isInteger(mebibytes) || mebibytes < min || mebibytes > max) {
    const given = size.toHumanString();
    throw invalidInput(scope, prop, `${prop} must be a whole number of MiB from ${min} to ${max}, Lambda's limit `
      + `(got ${given}${given.endsWith(' MiB') ? '' : ` = ${mebibytes} MiB`})`);
  }
}

/** The function props Lambda limits, named as `lambda.FunctionProps` names them. */
export interface LambdaLimitedProps {
  readonly timeout?: Duration;
  readonly memorySize?: number;
  readonly ephemeralStorageSize?: Size;
}

/** Checks `timeout`, `memorySize` and `ephemeralStorageSize` against Lambda's limits. */
export function checkLambdaLimits(scope: IConstruct | undefined, props: LambdaLimitedProps): void {
  checkLambdaTimeout(scope, 'timeout', props.timeout);
  checkLambdaMemorySize(scope, 'memorySize', props.memorySize);
  checkLambdaEphemeralStorage(scope, 'ephemeralStorageSize', props.ephemeralStorageSize);
}
