/**
 * MLInference, the second reference deployment, on cdk-lambda-efs.
 *
 * Synthesize offline (no AWS account needed):   npx cdk synth        (in this folder)
 * Deploy (with credentials):                     npx cdk deploy
 * Runs on a new AWS account as it is: 3008 MB, on demand only (new accounts start with at most
 * 3008 MB of function memory and a Lambda concurrency quota of 10 or 50; reserved and
 * provisioned concurrency need 100 left unreserved).
 * Options, as context:
 *   -c fullAccount=true           the reference figures: 3 GB (3072 MB), provisioned concurrency 1,
 *                                 reserved concurrency 5 (needs Lambda's default quotas)
 *   -c provisionedConcurrency=2   warm execution environments (default 1 with fullAccount, else none)
 *   -c reservedConcurrency=10     the most execution environments (default 5 with fullAccount, else none)
 *   -c iamAuth=true               IAM authorization instead of an open endpoint
 *   -c checkpointSha256=<hex>     the SHA-256 the model checkpoint must have (see README)
 *   -c requirementsFile=<path>    a hash-locked requirements file instead of the bare pins (see README, "Pins")
 */
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { MlInferenceStack } from './ml-inference-stack';

const app = new App();
const numberContext = (name: string): number | undefined => {
  const value = app.node.tryGetContext(name);
  if (value === undefined) {
    return undefined;
  }
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new Error(`context ${name} must be a whole number of at least 0 (got '${value}')`);
  }
  return parsed;
};

new MlInferenceStack(app, 'MLInference', {
  provisionedConcurrency: numberContext('provisionedConcurrency'),
  reservedConcurrency: numberContext('reservedConcurrency'),
  fullAccount: String(app.node.tryGetContext('fullAccount')) === 'true',
  iamAuth: String(app.node.tryGetContext('iamAuth')) === 'true',
  checkpointSha256: app.node.tryGetContext('checkpointSha256'),
  requirementsFile: app.node.tryGetContext('requirementsFile'),
});

Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app),
  new NIST80053R5Checks(app),
  new CfnGuardValidator({ controlTowerRulesEnabled: true }),
);
