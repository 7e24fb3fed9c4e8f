/**
 * MLInference with its model on Amazon S3 Files, on cdk-lambda-efs.
 *
 * Synthesize offline (no AWS account needed):   npx cdk synth        (in this folder)
 * Deploy (with credentials and Docker, which builds the classifier's image):   npx cdk deploy
 * Then put the model into the bucket with the command of the UploadModel output (README).
 * Options, as context:
 *   -c fullAccount=true      the reference figures: 3 GB (3072 MB), provisioned concurrency 1, reserved concurrency 5
 *   -c iamAuth=true          IAM authorization instead of an open endpoint
 *   -c directS3Read=false    read the model through the mount only (no read permission on the bucket)
 */
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { MlInferenceS3FilesStack } from './ml-inference-s3files-stack';

const app = new App();
new MlInferenceS3FilesStack(app, 'MLInferenceS3Files', {
  fullAccount: String(app.node.tryGetContext('fullAccount')) === 'true',
  iamAuth: String(app.node.tryGetContext('iamAuth')) === 'true',
  directS3Read: String(app.node.tryGetContext('directS3Read')) !== 'false',
});

Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app),
  new NIST80053R5Checks(app),
  new CfnGuardValidator({ controlTowerRulesEnabled: true }),
);
