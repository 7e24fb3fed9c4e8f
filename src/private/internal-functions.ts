import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { acknowledgeFinding } from './acknowledgments';

/**
 * The runtime of the library's own Python functions (the installer's dispatcher, the
 * mount-target check): the newest Python runtime with a source for its general availability
 * (AWS Compute Blog, "Python 3.14 runtime now available in AWS Lambda"). aws-cdk-lib may list
 * a newer one that is still in public preview (`python3.15` in 2.276), which a default must
 * not deploy.
 */
export const GENERALLY_AVAILABLE_PYTHON = lambda.Runtime.PYTHON_3_14;

/** The newest Python runtime aws-cdk-lib lists, which cdk-nag's AwsSolutions-L1 asks for. */
export function newestListedPython(): string {
  return lambda.Runtime.ALL
    .filter(runtime => /^python3\.\d+$/.test(runtime.name))
    .map(runtime => runtime.name)
    .reduce((a, b) => (Number(b.split('.')[1]) > Number(a.split('.')[1]) ? b : a));
}

/**
 * The facts behind the findings every one of the library's own functions (run by
 * CloudFormation, once per change) gets, acknowledged on `fn`'s resource:
 * - AwsSolutions-L1, only while aws-cdk-lib lists a Python newer than the generally
 *   available one (so never an acknowledgment of a finding that is not there);
 * - NIST 800-53 R5 LambdaConcurrency: no reserved concurrency, because a reservation must
 *   leave 100 environments unreserved and new accounts start with 10 or 50 (Lambda Developer
 *   Guide, "Configuring reserved concurrency"; Lambda quotas): any reservation would make
 *   every first deploy on such an account fail. CloudFormation sends one request per custom
 *   resource at a time, so no reservation is needed to run them one by one.
 */
export function acknowledgeInternalFunction(fn: lambda.Function): void {
  const resource = fn.node.defaultChild as IConstruct;
  const newest = newestListedPython();
  if (fn.runtime.name === GENERALLY_AVAILABLE_PYTHON.name && newest !== GENERALLY_AVAILABLE_PYTHON.name) {
    acknowledgeFinding(resource, 'AwsSolutions::AwsSolutions-L1',
      `${GENERALLY_AVAILABLE_PYTHON.name} is the newest Python runtime with a source for its general availability (AWS Compute Blog); `
      + `aws-cdk-lib also lists ${newest}, which was in public preview, and a default of this library must not deploy a preview runtime.`);
  }
  acknowledgeFinding(resource, 'NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency',
    'No reserved concurrency, so that the stack deploys on a new account (a reservation must leave 100 environments unreserved; new accounts '
    + 'start with 10 or 50). CloudFormation sends one request per custom resource at a time, so the function runs once per change without it.');
}
