import * as path from 'path';
import { CfnOutput, Duration, Size, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { EfsBackedFunction, EfsDependencyInstaller, InferenceVpc, ModelFile, SharedFileSystem } from '../../src';
import { NAT_GATEWAY_PROCESSING_PRICE } from '../shared/open-endpoint-cost';
import { addThrottledHttpApi } from '../shared/throttled-http-api';

/** The reference model: a bird classifier from PyTorch Hub. */
export const MODEL_REPO = 'nicolalandro/ntsnet-cub200';

/**
 * The commit of the hub repository the example installs: its code (hubconf.py, nts_net/) is
 * what `torch.hub.load` runs, so it is pinned, not the moving default branch.
 */
export const MODEL_REPO_COMMIT = '14019cfb406a7e013b1e549ab14620aedb686776';

/** The pretrained weights that this commit's hubconf.py loads (`cub_200_2011_state_dict_url`). */
export const CHECKPOINT_URL = 'https://github.com/nicolalandro/ntsnet_cub200/releases/download/0.2/nts_net_cub200.pt';

/** Where torch.hub looks for the repository: `<TORCH_HOME>/hub/<owner>_<name>_<branch>`, as the handler does. */
const HUB_DIRECTORY = 'nicolalandro_ntsnet-cub200_master';

/**
 * The repository at its pinned commit, and the checkpoint. Neither has a SHA-256 by default:
 * GitHub does not promise that a generated source archive (`archive/<commit>.zip`) stays the
 * same bytes, so it gets none; the checkpoint is a release asset, a stable file, but its
 * SHA-256 could not be established where this was written (GitHub not reachable, no published
 * digest found): give it with `-c checkpointSha256=` (README, "Pins"). The handler reads the checkpoint
 * from the hub's cache with `torch.load(weights_only=True)` in place of torch.hub's own
 * loader (which would download a missing file and unpickle it with `weights_only=False`).
 */
function modelFiles(checkpointSha256: string | undefined): ModelFile[] {
  return [
    { url: `https://github.com/${MODEL_REPO}/archive/${MODEL_REPO_COMMIT}.zip`, path: `hub/${HUB_DIRECTORY}`, extract: true },
    { url: CHECKPOINT_URL, path: 'hub/checkpoints/nts_net_cub200.pt', sha256: checkpointSha256 },
  ];
}

/**
 * What the example installs from PyTorch's CPU index (https://download.pytorch.org/whl/cpu),
 * pinned by version only, so synth warns `installerInputsNotHashLocked` on purpose.
 *
 * Why not by hash: pip's hash-checking mode (`--require-hashes`, which the installer turns on
 * for a hashed list) needs every requirement and every dependency pinned with `==` and hashed,
 * and the installer refuses a list where only some lines carry `--hash`. The hashes of the
 * files this index serves could not all be established where this was written (the index was
 * not reachable): torchvision 0.21.0+cpu's for cp313 linux_x86_64 was found nowhere; torch
 * 2.6.0+cpu's (cp313 linux_x86_64, e70ee2e3...7bdf) only in two third-party copies, not from
 * the index itself. Pillow 11.1.0's are known from PyPI (README, "Pins"), but the example
 * takes Pillow from PyTorch's index, like torch's dependencies.
 *
 * To lock it, on a machine that reaches the index (one command; uv resolves for the Lambda
 * platform from any machine):
 *   printf 'torch==2.6.0+cpu\ntorchvision==0.21.0+cpu\nPillow==11.1.0\n' | uv pip compile - --generate-hashes \
 *     --index-url https://download.pytorch.org/whl/cpu --python-version 3.13 --python-platform x86_64-manylinux_2_34 -o requirements.lock.txt
 * then deploy with `-c requirementsFile=requirements.lock.txt`.
 */
export const PACKAGES: readonly string[] = ['torch==2.6.0+cpu', 'torchvision==0.21.0+cpu', 'Pillow==11.1.0'];

/**
 * The Python runtime of the function and of the install function. Not the newest Lambda
 * offers: torch 2.6 publishes wheels for it.
 */
const PYTHON = lambda.Runtime.PYTHON_3_13;

/** The classifier's figures: memory in MB, and concurrency (undefined: none). */
export interface ClassifierFigures {
  readonly memorySize: number;
  readonly reservedConcurrency?: number;
  readonly provisionedConcurrency?: number;
}

/** The ports the classifier fetches image URLs on (the handler's `ALLOWED_PORTS`), and the only ones its security group lets out to the internet. */
export const IMAGE_FETCH_PORTS: readonly number[] = [443, 80];

/** The largest image the classifier fetches or accepts (the handler's `MAX_IMAGE_BYTES`). */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

/** Requests per second the API accepts, over both its stages. */
export const ML_INFERENCE_REQUESTS_PER_SECOND = 5;

/** The reference deployment's figures, for an account with Lambda's default quotas (`fullAccount`). */
export const FULL_ACCOUNT_FIGURES: ClassifierFigures = { memorySize: 3072, reservedConcurrency: 5, provisionedConcurrency: 1 };

/**
 * What a new account can deploy (Lambda quotas: memory up to 3008 MB; reserved and provisioned
 * concurrency need 100 unreserved left after them, more than a new account's 10 or 50): 3008 MB
 * gives the same vCPU share to two torch threads (3008 / 1769 rounds to 2, as 3072 does), on
 * demand only.
 */
export const NEW_ACCOUNT_FIGURES: ClassifierFigures = { memorySize: 3008 };

/** What the classifier reads from its environment, the same in both MLInference stacks (handler/inference.py). */
export const CLASSIFIER_ENVIRONMENT: Readonly<Record<string, string>> = {
  MODEL_REPO, MAX_IMAGE_BYTES: String(MAX_IMAGE_BYTES), ALLOWED_PORTS: IMAGE_FETCH_PORTS.join(','),
};

/**
 * What both MLInference stacks add to their classifier: egress to image hosts on
 * IMAGE_FETCH_PORTS, and, when it reserves no concurrency (the new-account default), the
 * reason the NIST rule's finding is accepted.
 */
export function finishClassifier(classifier: EfsBackedFunction, reservedConcurrency: number | undefined): void {
  if (reservedConcurrency === undefined) {
    Validations.of(classifier.lambdaFunction.node.defaultChild!).acknowledge({
      id: 'NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency',
      reason: 'No reserved concurrency by default, so that the stack deploys on a new account (a reservation must leave 100 unreserved, '
        + 'more than a new account\'s quota); the API\'s throttle bounds the calls, and -c fullAccount=true reserves 5.',
    });
  }
  for (const port of IMAGE_FETCH_PORTS) {
    classifier.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(port), `Image URLs on port ${port}`);
  }
}

export interface MlInferenceStackProps extends StackProps {
  /**
   * Execution environments kept initialized (the model loaded), so no caller waits ~30 s.
   *
   * @default - 1 with `fullAccount`, else none
   */
  readonly provisionedConcurrency?: number;

  /**
   * The most execution environments (and EFS connections) the function may use.
   *
   * @default - 5 with `fullAccount`, else none
   */
  readonly reservedConcurrency?: number;

  /**
   * The account has Lambda's default quotas, not a new account's: the reference figures,
   * 3 GB of memory (3072 MB), provisioned concurrency 1 and reserved concurrency 5.
   *
   * New accounts start with lower quotas (Lambda quotas): memory up to 3008 MB ("MemorySize ...
   * less than or equal to 3008") and a concurrency quota of 10 or 50, while reserved and
   * provisioned concurrency need the unreserved concurrency to stay at least 100 after them
   * (Lambda Developer Guide, "Configuring reserved concurrency"). Without this flag the stack
   * deploys on a new account: 3008 MB, on demand only. Context: `-c fullAccount=true`.
   *
   * @default false
   */
  readonly fullAccount?: boolean;

  /**
   * The SHA-256 of the checkpoint at CHECKPOINT_URL (`sha256sum nts_net_cub200.pt`), so that
   * the install refuses any other file. Context: `-c checkpointSha256=<64 hex digits>`.
   *
   * @default - not verified (synth warns: installerInputsNotHashLocked)
   */
  readonly checkpointSha256?: string;

  /**
   * Require SigV4-signed requests (IAM authorization) instead of an open endpoint.
   *
   * @default false
   */
  readonly iamAuth?: boolean;

  /**
   * A hash-locked requirements file to install instead of PACKAGES, such as the output of the
   * `uv pip compile --generate-hashes` command given at PACKAGES (every line with `--hash`).
   * Context: `-c requirementsFile=<path>` (relative to where synth runs).
   *
   * @default - PACKAGES, pinned by version only (synth warns: installerInputsNotHashLocked)
   */
  readonly requirementsFile?: string;
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
      // About 1.5 GiB of libraries and a 200 MB model (see `npm run plan` in docs/throughput-and-cost.md).
      expectedLoad: { storedData: Size.gibibytes(1.7) },
    });
    const ml = shared.addAccessPoint('Ml', { path: '/ml', uid: '1001', gid: '1001' });

    this.installer = new EfsDependencyInstaller(this, 'Dependencies', {
      fileSystem: shared,
      accessPoint: ml,
      runtime: PYTHON,
      architecture: lambda.Architecture.X86_64,
      // CPU-only torch (the CUDA build is several GiB Lambda cannot use), from PyTorch's own
      // index alone, which also serves their dependencies: one index, no dependency confusion.
      // Pinned by version, not by hash, unless -c requirementsFile gives a lock: see PACKAGES.
      packages: props.requirementsFile === undefined ? [...PACKAGES] : undefined,
      requirementsFile: props.requirementsFile,
      indexUrl: 'https://download.pytorch.org/whl/cpu',
      modelFiles: modelFiles(props.checkpointSha256),
      // Load the model once from the set, offline, as the handler will (the checkpoint as
      // tensors only, from the cache, never a download): a set whose model does not load
      // never becomes one a function uses.
      warmUpCode: [
        'import os, torch',
        "checkpoints = os.path.join(os.environ['TORCH_HOME'], 'hub', 'checkpoints')",
        'torch.hub.load_state_dict_from_url = lambda url, *args, **kwargs: torch.load(',
        "    os.path.join(checkpoints, os.path.basename(url)), map_location='cpu', weights_only=True)",
        `hub = os.path.join(os.environ['TORCH_HOME'], 'hub', '${HUB_DIRECTORY}')`,
        "torch.hub.load(hub, 'ntsnet', source='local', pretrained=True, topN=6, device='cpu', num_classes=200)",
      ].join('\n'),
      timeout: Duration.minutes(14),
    });
    Validations.of(this.installer.installFunction).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason: 'Python 3.13, not the newest runtime: the install runs on the classifier\'s runtime, for which torch 2.6 publishes wheels.',
    });
    Validations.of(this.installer.warmUpFunction!).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason: 'Python 3.13, not the newest runtime: the warm-up loads the model on the classifier\'s runtime, for which torch 2.6 publishes wheels.',
    });

    const figures = props.fullAccount ? FULL_ACCOUNT_FIGURES : NEW_ACCOUNT_FIGURES;
    this.classifier = new EfsBackedFunction(this, 'Classifier', {
      fileSystem: shared,
      accessPoint: ml,
      mountPath: '/mnt/inference',
      runtime: PYTHON,
      architecture: lambda.Architecture.X86_64,
      handler: 'inference.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, 'handler'), { exclude: ['test_*.py', '__pycache__'] }),
      memorySize: figures.memorySize,
      timeout: Duration.minutes(5),
      reservedConcurrentExecutions: props.reservedConcurrency ?? figures.reservedConcurrency,
      provisionedConcurrency: props.provisionedConcurrency ?? figures.provisionedConcurrency,
      // Only the installer writes; the internet-facing classifier reads its set.
      readOnly: true,
      mountEnvironment: this.installer.mountEnvironment,
      environment: { ...CLASSIFIER_ENVIRONMENT },
      // Out only to image hosts on IMAGE_FETCH_PORTS (finishClassifier) and NFS to the mount targets, which
      // EfsBackedFunction adds to a group that does not allow all outbound. No AWS API is called:
      // logs go through Lambda, and DNS to the VPC resolver is not filtered by security groups.
      allowAllOutbound: false,
      // On demand, the handler loads in a background thread and finishes in the first
      // invocation (handler/inference.py), so the 10 s init limit does not bind it: its
      // budget is the API's 30 s (declared by addThrottledHttpApi), within the timeout.
      coldStartLoad: { bytesPerColdStart: Size.gibibytes(1.7), coldStartsPerDay: 24, peakColdStartsPerHour: 10, loadsAtInit: false },
    });
    finishClassifier(this.classifier, props.reservedConcurrency ?? figures.reservedConcurrency);
    // Deploy the function only once its libraries and model are on EFS.
    this.classifier.lambdaFunction.node.addDependency(this.installer.resource);
    Validations.of(this.classifier).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason: 'Python 3.13, not the newest runtime: torch 2.6 publishes wheels for it.',
    });

    this.api = addThrottledHttpApi(this, {
      description: 'MLInference: GET ?url=<image> or POST an image, answers {"bird_class": ...}',
      function: this.classifier,
      iamAuth: props.iamAuth ?? false,
      requestsPerSecond: ML_INFERENCE_REQUESTS_PER_SECOND,
      exposure: 'make the function fetch any public http(s) image URL and classify it',
      // Every request can fetch an image of the largest size through the NAT gateway.
      openEndpointCost: { bytesPerRequest: MAX_IMAGE_BYTES, what: 'fetched through the NAT gateway', price: NAT_GATEWAY_PROCESSING_PRICE },
    });
    new CfnOutput(this, 'Endpoint', { value: this.api.apiEndpoint, description: 'curl "$ENDPOINT?url=<image url>"' });
    new CfnOutput(this, 'ReferenceUrl', { value: `${this.api.apiEndpoint}/default/MLInference`, description: 'The reference deployment\'s URL: curl "$URL?url=<image url>"' });
  }
}
