/**
 * MessageWall, the first reference deployment, on cdk-lambda-efs.
 *
 * Synthesize offline (no AWS account needed):   npx cdk synth        (in this folder)
 * Deploy (with credentials):                     npx cdk deploy
 * Runs on a new AWS account as it is: no reserved concurrency (new accounts start with a
 * Lambda concurrency quota of 10 or 50, and reserving needs 100 left unreserved).
 * Options, as context:
 *   -c fullAccount=true        the reference figures: reserved concurrency 10 (needs an account
 *                              whose Lambda concurrency quota is at least 110, such as the default 1,000)
 *   -c iamAuth=true            IAM authorization instead of an open endpoint
 *   -c useDefaultVpc=true      deploy into the account's default VPC, as the original
 *   -c vpcId=vpc-0123456789    deploy into an existing VPC
 *                              (both look the VPC up: they need credentials, which set
 *                              CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION)
 */
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { MessageWallStack } from './message-wall-stack';

const app = new App();
const useDefaultVpc = String(app.node.tryGetContext('useDefaultVpc')) === 'true';
const iamAuth = String(app.node.tryGetContext('iamAuth')) === 'true';
const vpcId: string | undefined = app.node.tryGetContext('vpcId');
const fullAccount = String(app.node.tryGetContext('fullAccount')) === 'true';

// Environment-agnostic unless a VPC lookup is asked for.
const lookup = useDefaultVpc || vpcId !== undefined;
const env = lookup ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } : undefined;
new MessageWallStack(app, 'MessageWall', { env, iamAuth, useDefaultVpc, vpcId, fullAccount });

Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app),
  new NIST80053R5Checks(app),
  new CfnGuardValidator({ controlTowerRulesEnabled: true }),
);

