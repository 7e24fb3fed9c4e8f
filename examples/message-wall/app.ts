/**
 * MessageWall, the first reference deployment, on cdk-lambda-efs.
 *
 * Synthesize offline (no AWS account needed):   npx cdk synth        (in this folder)
 * Deploy (with credentials):                     npx cdk deploy
 * Options, as context:
 *   -c iamAuth=true            IAM authorization instead of an open endpoint
 *   -c useDefaultVpc=true      deploy into the account's default VPC (looked up: needs credentials
 *                              and CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION)
 */
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { MessageWallStack } from './message-wall-stack';

const app = new App();
const useDefaultVpc = app.node.tryGetContext('useDefaultVpc') === 'true' || app.node.tryGetContext('useDefaultVpc') === true;
const iamAuth = app.node.tryGetContext('iamAuth') === 'true' || app.node.tryGetContext('iamAuth') === true;

// Environment-agnostic unless a lookup of the default VPC is asked for.
const env = useDefaultVpc ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } : undefined;
new MessageWallStack(app, 'MessageWall', { env, iamAuth, useDefaultVpc });

Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app),
  new NIST80053R5Checks(app),
  new CfnGuardValidator({ controlTowerRulesEnabled: true }),
);

