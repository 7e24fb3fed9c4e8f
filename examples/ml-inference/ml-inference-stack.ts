import * as path from 'path';
import { CfnOutput, Duration, Size, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { EfsBackedFunction, EfsDependencyInstaller, InferenceVpc, SharedFileSystem } from '../../src';
import { addThrottledHttpApi } from '../shared/throttled-http-api';

/** The reference model: a bird classifier from PyTorch Hub. */
export const MODEL_REPO = 'nicolalandro/ntsnet-cub200';

/**
 * The Python runtime of the function and of the install build. Not the newest Lambda offers:
 * torch publishes wheels for it, and the CodeBuild image runs it for the model warm-up.
 */
const PYTHON = lambda.Runtime.PYTHON_3_13;

export interface MlInferenceStackProps extends StackProps {
  /**
   * Execution environments kept initialized (the model loaded), so no caller waits ~30 s.
   *
   * @default 1
   */
  readonly provisionedConcurrency?: number;

  /**
   * The most execution environments (and EFS connections) the function may use.
   *
   * @default 5
   */
  readonly reservedConcurrency?: number;

  /**
   * Require SigV4-signed requests (IAM authorization) instead of an open endpoint.
   *
   * @default false
   */
  readonly iamAuth?: boolean;
}

/**
 * MLInference: an HTTP API in front of a function that classifies birds with a PyTorch Hub
 * model. torch, torchvision, Pillow and the model are installed onto EFS at deploy time.
 */
export class MlInferenceStack extends Stack {
  public readonly classifier: EfsBackedFunction;
  public readonly installer: EfsDependencyInstaller;
  public readonly api: apigw.HttpApi;

  constructor(scope: Construct, id: string, props: MlInferenceStackProps = {}) {
    super(scope, id, props);

    // The function downloads images from the internet: private subnets behind one NAT gateway.
    const network = new InferenceVpc(this, 'Network');
    const shared = new SharedFileSystem(this, 'Shared', {
      vpc: network.vpc,
      // About 1.5 GiB of libraries and a 200 MB model (see `npm run plan` in the README).
      expectedLoad: { storedData: Size.gibibytes(1.7) },
    });
    const ml = shared.addAccessPoint('Ml', { path: '/ml', uid: '1001', gid: '1001' });

    this.installer = new EfsDependencyInstaller(this, 'Dependencies', {
      fileSystem: shared,
      accessPoint: ml,
      runtime: PYTHON,
      architecture: lambda.Architecture.X86_64,
      // CPU-only torch: the CUDA build is several GiB Lambda cannot use.
      packages: ['torch==2.6.0+cpu', 'torchvision==0.21.0+cpu', 'Pillow==11.1.0'],
      extraIndexUrls: ['https://download.pytorch.org/whl/cpu'],
      warmUpCommands: [
        // Cache the hub repository and the pretrained weights under TORCH_HOME, as the handler loads them.
        `python3 -c "import torch; torch.hub.load('${MODEL_REPO}', 'ntsnet', pretrained=True, trust_repo=True, topN=6, device='cpu', num_classes=200)"`,
      ],
    });

    const reserved = props.reservedConcurrency ?? 5;
    this.classifier = new EfsBackedFunction(this, 'Classifier', {
      fileSystem: shared,
      accessPoint: ml,
      mountPath: '/mnt/inference',
      runtime: PYTHON,
      architecture: lambda.Architecture.X86_64,
      handler: 'inference.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, 'handler'), { exclude: ['test_*.py', '__pycache__'] }),
      memorySize: 3072, // 3 GB, as the reference
      timeout: Duration.minutes(5),
      reservedConcurrentExecutions: reserved,
      provisionedConcurrency: props.provisionedConcurrency ?? 1,
      mountEnvironment: this.installer.mountEnvironment,
      environment: { MODEL_REPO },
      coldStartLoad: { bytesPerColdStart: Size.gibibytes(1.7), coldStartsPerDay: 24, peakColdStartsPerHour: 10 },
    });
    // Deploy the function only once its libraries and model are on EFS.
    this.classifier.lambdaFunction.node.addDependency(this.installer.resource);
    Validations.of(this.classifier).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason: 'Python 3.13, not the newest runtime: torch 2.6 publishes wheels for it and the install build runs it for the model warm-up.',
    });

    this.api = addThrottledHttpApi(this, {
      description: 'MLInference: GET ?url=<image> or POST an image, answers {"bird_class": ...}',
      function: this.classifier,
      iamAuth: props.iamAuth ?? false,
      requestsPerSecond: 5,
    });
    new CfnOutput(this, 'Endpoint', { value: this.api.apiEndpoint, description: 'curl "$ENDPOINT?url=<image url>"' });
  }
}
