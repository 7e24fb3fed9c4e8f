import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * Lambda runtimes that AWS Lambda no longer accepts for new functions.
 *
 * The same set that aws-cdk-lib 2.276 marks `@deprecated` ("Legacy runtime no longer
 * supported by AWS Lambda"). CloudFormation would only reject them at deploy time, after
 * the VPC and the file system have been created; we reject them at synth.
 */
const RETIRED_RUNTIMES = new Set([
  'nodejs', 'nodejs4.3', 'nodejs6.10', 'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x', 'nodejs16.x', 'nodejs18.x',
  'python2.7', 'python3.6', 'python3.7', 'python3.8', 'python3.9',
  'java8',
  'dotnetcore1.0', 'dotnetcore2.0', 'dotnetcore2.1', 'dotnetcore3.1', 'dotnet6',
  'go1.x',
  'ruby2.5', 'ruby2.7',
  'provided',
]);

/** Whether Lambda has retired this runtime. */
export function isRetiredRuntime(runtime: lambda.Runtime): boolean {
  return RETIRED_RUNTIMES.has(runtime.name);
}
