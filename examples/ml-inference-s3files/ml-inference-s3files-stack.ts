import * as path from 'path';
import { CfnOutput, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { EfsBackedFunction, InferenceVpc, S3FilesFileSystem } from '../../src';
import {
  CHECKPOINT_URL, CLASSIFIER_ENVIRONMENT, finishClassifier, FULL_ACCOUNT_FIGURES, MAX_IMAGE_BYTES, ML_INFERENCE_REQUESTS_PER_SECOND, MODEL_REPO,
  MODEL_REPO_COMMIT, MlInferenceStackProps, NEW_ACCOUNT_FIGURES, PACKAGES,
} from '../ml-inference/ml-inference-stack';
import { NAT_GATEWAY_PROCESSING_PRICE } from '../shared/open-endpoint-cost';
import { addThrottledHttpApi } from '../shared/throttled-http-api';

/** Where the function sees the access point. */
export const MOUNT_PATH = '/mnt/inference';

/** The access point's root directory: the file system's `/ml`, the bucket's `ml/` prefix (docs/assumptions.md). */
export const ACCESS_POINT_PATH = '/ml';

/** The model's directory under the mount (`TORCH_HOME`), and so its key prefix in the bucket. */
export const MODEL_DIRECTORY = 'model';

/** Where torch.hub looks for the repository under `TORCH_HOME`, as the handler does (`local_hub_repo`). */
export const HUB_DIRECTORY = 'hub/nicolalandro_ntsnet-cub200_master';

/** Where the handler reads the checkpoint under `TORCH_HOME` (`cached_checkpoint_weights_only`). */
export const CHECKPOINT_PATH = `hub/checkpoints/${path.posix.basename(CHECKPOINT_URL)}`;

/**
 * The commands that put the model into the bucket: the hub repository at its pinned commit and
 * the checkpoint, laid out as the handler reads them, then copied under the access point's
 * prefix. S3 Files brings new objects into the file system (docs/s3-files.md).
 */
export function modelUploadCommands(bucketName: string): string[] {
  const prefix = `${ACCESS_POINT_PATH.slice(1)}/${MODEL_DIRECTORY}`;
  return [
    'mkdir -p model/hub/checkpoints',
    `curl -fL https://github.com/${MODEL_REPO}/archive/${MODEL_REPO_COMMIT}.zip -o repo.zip && unzip -q repo.zip && mv ntsnet-cub200-${MODEL_REPO_COMMIT} model/${HUB_DIRECTORY}`,
    `curl -fL ${CHECKPOINT_URL} -o model/${CHECKPOINT_PATH}`,
    `aws s3 sync model s3://${bucketName}/${prefix}/`,
  ];
}

/** `fullAccount` and `iamAuth` as examples/ml-inference's, with the same context keys. */
export interface MlInferenceS3FilesStackProps extends StackProps, Pick<MlInferenceStackProps, 'fullAccount' | 'iamAuth'> {
  /**
   * Read the model straight from the bucket (Lambda `DirectS3Read`), granting the classifier
   * read on the bucket's objects. Context: `-c directS3Read=false` turns it off.
   *
   * @default true
   */
  readonly directS3Read?: boolean;
}

/**
 * MLInference with its model on Amazon S3 Files: an HTTP API in front of the same classifier,
 * whose libraries are built into its container image (a function mounts one file system, and the
 * model has it) and whose model is a folder of a versioned bucket, read through an S3 Files mount.
 */
export class MlInferenceS3FilesStack extends Stack {
  public readonly models: S3FilesFileSystem;
  public readonly classifier: EfsBackedFunction;
  public readonly api: apigw.HttpApi;

  constructor(scope: Construct, id: string, props: MlInferenceS3FilesStackProps = {}) {
    super(scope, id, props);

    // The function downloads images from the internet: private subnets behind one NAT gateway.
    const network = new InferenceVpc(this, 'Network');
    this.models = new S3FilesFileSystem(this, 'Models', { vpc: network.vpc });
    const ml = this.models.addAccessPoint('Ml', { path: ACCESS_POINT_PATH, uid: '1001', gid: '1001' });

    const figures = props.fullAccount ? FULL_ACCOUNT_FIGURES : NEW_ACCOUNT_FIGURES;
    this.classifier = new EfsBackedFunction(this, 'Classifier', {
      s3FilesFileSystem: this.models,
      s3FilesAccessPoint: ml,
      mountPath: MOUNT_PATH,
      // The model is read, never written, by the internet-facing classifier.
      readOnly: true,
      directS3Read: props.directS3Read ?? true,
      // Libraries in the image (the same pins and index as examples/ml-inference), handler shared with it.
      code: lambda.Code.fromAssetImage(path.join(__dirname, '..'), {
        file: 'ml-inference-s3files/image/Dockerfile',
        buildArgs: { PACKAGES: PACKAGES.join(' ') },
        exclude: ['**', '!ml-inference-s3files/image/Dockerfile', '!ml-inference/handler/inference.py', '!ml-inference/handler/safe_fetch.py'],
      }),
      handler: lambda.Handler.FROM_IMAGE,
      runtime: lambda.Runtime.FROM_IMAGE,
      architecture: lambda.Architecture.X86_64,
      memorySize: figures.memorySize,
      timeout: Duration.minutes(5),
      reservedConcurrentExecutions: figures.reservedConcurrency,
      provisionedConcurrency: figures.provisionedConcurrency,
      mountEnvironment: { TORCH_HOME: MODEL_DIRECTORY },
      environment: { ...CLASSIFIER_ENVIRONMENT },
      // Out only to image hosts on IMAGE_FETCH_PORTS (finishClassifier) and NFS to the mount targets. Direct
      // reads go to S3 through the NAT gateway or the VPC's S3 gateway endpoint.
      allowAllOutbound: false,
    });
    finishClassifier(this.classifier, figures.reservedConcurrency);

    this.api = addThrottledHttpApi(this, {
      description: 'MLInference on S3 Files: GET ?url=<image> or POST an image, answers {"bird_class": ...}',
      function: this.classifier,
      iamAuth: props.iamAuth ?? false,
      requestsPerSecond: ML_INFERENCE_REQUESTS_PER_SECOND,
      exposure: 'make the function fetch any public http(s) image URL and classify it',
      openEndpointCost: { bytesPerRequest: MAX_IMAGE_BYTES, what: 'fetched through the NAT gateway', price: NAT_GATEWAY_PROCESSING_PRICE },
    });
    new CfnOutput(this, 'Endpoint', { value: this.api.apiEndpoint, description: 'curl "$ENDPOINT?url=<image url>"' });
    new CfnOutput(this, 'ModelBucket', { value: this.models.bucket.bucketName, description: 'Upload the model here (README: "The model")' });
    new CfnOutput(this, 'UploadModel', {
      value: modelUploadCommands(this.models.bucket.bucketName).join(' && '),
      description: 'Puts the model into the bucket, under the access point\'s prefix, as the handler reads it',
    });
  }
}
