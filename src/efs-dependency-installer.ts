import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Annotations, Aws, CfnResource, CustomResource, Duration, FileSystem, Size, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { EfsBackedFunction } from './efs-backed-function';
import { acknowledgeFinding } from './private/acknowledgments';
import { inputMessage, invalidInput } from './private/errors';
import { createInstallDispatcher } from './private/install-dispatcher';
import { deadlineMargin, INSTALLER_ASSETS, maxInstallMinutes, warmUpShareOf, warmUpTimeoutOf } from './private/installer-deadlines';
import { checkInstallFits, estimateInstall } from './private/installer-estimate';
import { acknowledgeInternalFunction } from './private/internal-functions';
import { checkLambdaMemorySize } from './private/lambda-limits';
import { retainedLogGroup, SET_LOG_ENCRYPTION_KEY } from './private/log-groups';
import { parseRequirements, ParsedRequirements, checkPackageUrl, readRequirementsFile } from './private/requirements';
import { checkIntegerInRange } from './private/validation';
import { wheelPlatforms } from './private/wheel-platforms';
import { ISharedFileSystem } from './shared-file-system-props';
import { SynthWarnings } from './synth-warnings';

/** Where the install function mounts the access point. */
const INSTALL_MOUNT = '/mnt/install';

/** Where the warm-up function mounts the access point (read-only). */
const WARM_UP_MOUNT = '/mnt/warm-up';

/** PyPI's simple index: the one index used unless `indexUrl` names another. */
const PYPI = 'https://pypi.org/simple';

/**
 * The install function's own files in its per-installer asset, beside the manifest written at synth:
 * installer.py, the module it shares with the dispatcher (lambda_calls.py) and the deadline margin.
 * The dispatcher's asset is the same directory without the install function's own files.
 */
const INSTALL_FUNCTION_FILES = ['installer.py', 'lambda_calls.py', 'deadline-margin.json'];

/**
 * The install function's files left out of the set id: the deadline margin decides when an install
 * stops, not what a complete set holds, and a new margin reaches the functions anyway (their timeouts
 * and code change with it): it reinstalls nothing.
 */
const NOT_IN_SET_ID = ['deadline-margin.json'];

/**
 * The install function's code changes the set id: a fixed installer reinstalls. Every file of
 * INSTALL_FUNCTION_FILES but NOT_IN_SET_ID, in name order, each hashed with its name and length.
 * Read when an installer is made, not at import.
 */
function installerCodeHash(): string {
  const hash = crypto.createHash('sha256');
  for (const file of INSTALL_FUNCTION_FILES.filter(f => !NOT_IN_SET_ID.includes(f)).sort()) {
    const content = fs.readFileSync(path.join(INSTALLER_ASSETS, file));
    hash.update(`${file}\0${content.length}\0`).update(content);
  }
  return hash.digest('hex');
}

/**
 * A file to place in the model directory (`TORCH_HOME`) of the set, downloaded at install.
 */
export interface ModelFile {
  /** Where to download it from: an https URL without credentials; pin it to a commit or release. */
  readonly url: string;

  /**
   * The file's SHA-256 (64 hex digits). The install fails when the download differs.
   *
   * @default - not verified; synth warns (`SynthWarnings.INSTALLER_INPUTS_NOT_HASH_LOCKED`)
   */
  readonly sha256?: string;

  /** Where to put it, relative to the model directory, such as `hub/checkpoints/model.pt`. */
  readonly path: string;

  /**
   * The file is a zip archive with one top-level folder (a GitHub archive): extract that
   * folder's content into `path`.
   *
   * @default false
   */
  readonly extract?: boolean;
}

/**
 * Properties of an `EfsDependencyInstaller`.
 */
export interface EfsDependencyInstallerProps {
  /** The file system to install onto. */
  readonly fileSystem: ISharedFileSystem;

  /** The access point whose root directory receives the dependency sets (the functions mount the same one). */
  readonly accessPoint: efs.IAccessPoint;

  /**
   * Requirement lines, as in a requirements.txt: `torch==2.6.0+cpu`, or hash-locked
   * `torch==2.6.0+cpu --hash=sha256:...`. No other pip options.
   *
   * @default - none; give packages, requirementsFile or both
   */
  readonly packages?: string[];

  /**
   * A requirements.txt to read at synth, for example the hash-locked output of
   * `pip-compile --generate-hashes`; its requirements are added to `packages`.
   *
   * @default - none
   */
  readonly requirementsFile?: string;

  /** The Python runtime of the functions that import the packages: the install runs on it too. */
  readonly runtime: lambda.Runtime;

  /**
   * The CPU architecture of those functions: the install function and the wheels match it.
   *
   * @default lambda.Architecture.X86_64
   */
  readonly architecture?: lambda.Architecture;

  /**
   * The one package index to install from (https, no credentials in the URL).
   *
   * @default 'https://pypi.org/simple'
   */
  readonly indexUrl?: string;

  /**
   * More indexes. Only when every requirement is hash-locked: with several indexes, pip takes
   * the highest version any of them offers, so a name registered on another index can
   * replace yours (dependency confusion); hashes make that fail instead.
   *
   * @default - none
   */
  readonly extraIndexUrls?: string[];

  /**
   * Model files to download into the set's model directory (`TORCH_HOME`), each pinned by
   * SHA-256.
   *
   * @default - none
   */
  readonly modelFiles?: ModelFile[];

  /**
   * Python code run after the install, with the new set on `PYTHONPATH` and its model
   * directory as `TORCH_HOME`: load the model once to check that it works. It runs in a
   * function of its own (`warmUpFunction`) that mounts the access point read-only; the set
   * is marked complete only when it succeeds.
   *
   * @default - none
   */
  readonly warmUpCode?: string;

  /**
   * How long the warm-up may run: taken from `timeout`, with one margin to invoke it (the
   * packages and model files get the rest). From one margin (20 s) to `timeout` less two.
   *
   * @default - a quarter of timeout, at least one margin
   */
  readonly warmUpTimeout?: Duration;

  /**
   * How long one install may take. The install runs in one Lambda invocation, so at most
   * 14 minutes: the install function runs one margin longer (assets/installer/deadline-margin.json,
   * 20 s) to clean up and answer, and the dispatcher one margin more to answer CloudFormation.
   *
   * @default Duration.minutes(10)
   */
  readonly timeout?: Duration;

  /**
   * Memory of the install function, in MB; CPU and network grow with it.
   *
   * @default 3008
   */
  readonly memorySize?: number;

  /**
   * Sets to keep besides the current one, per installer: the previous one serves a rollback
   * and the environments still running on it. From 1 to 5. Each installer's history is trimmed
   * with its own count; changing it installs nothing (it is not part of the set id).
   *
   * @default 1
   */
  readonly keepPreviousSets?: number;

  /**
   * A customer-managed KMS key for the log groups of the installer's functions. Its key policy must let
   * CloudWatch Logs (`logs.<region>.amazonaws.com`) use it.
   *
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * Installs Python packages and model files onto an EFS access point at deploy time.
 *
 * A Lambda function on the functions' own runtime and architecture mounts the access point
 * natively (IAM authorization and TLS, through the access point only) and, invoked by the
 * custom resource's dispatcher (a function that mounts nothing and always answers
 * CloudFormation), installs the requirements (binary wheels only) into `sets/<id>/`, where `<id>`
 * is a hash of every input, downloads the model files and checks their SHA-256, has the
 * warm-up run by a function that mounts the access point read-only, and marks the set complete. It holds a lock on the access point while it writes,
 * and runs one install at a time (reserved concurrency 1, no retries).
 *
 * Functions use `mountEnvironment`, whose paths name this set: a function version always
 * imports the set it was deployed with, and a stack rollback points the functions back at the
 * previous set, which is still there, without a new install. Make the functions depend on
 * this construct so they deploy after the install.
 */
export class EfsDependencyInstaller extends Construct {
  /** The Lambda function that mounts the access point and installs sets; only `dispatchFunction` invokes it. */
  public readonly installFunction: EfsBackedFunction;

  /**
   * The custom resource's handler: mounts nothing, invokes `installFunction` synchronously and
   * answers CloudFormation, also when the install function cannot run.
   */
  public readonly dispatchFunction: lambda.Function;

  /**
   * The function that runs `warmUpCode` on the new set, invoked synchronously by `installFunction` only. It
   * mounts the access point read-only (its role has `ClientMount`, not `ClientWrite`), so EFS refuses its writes.
   *
   * @default - none without warmUpCode
   */
  public readonly warmUpFunction?: EfsBackedFunction;

  /** The content hash of the inputs: the name of the set this deployment installs. */
  public readonly dependencySetId: string;

  /** The access point the sets are installed on. */
  public readonly accessPoint: efs.IAccessPoint;

  /** `PYTHONPATH` and `TORCH_HOME` of this set, relative to the mount: for `EfsBackedFunction.mountEnvironment`. */
  public readonly mountEnvironment: { [name: string]: string };

  /** The installed packages, relative to the access point's root (and so to a function's mount path). */
  public readonly libPath: string;

  /** The model directory (`TORCH_HOME`), relative to the access point's root. */
  public readonly modelPath: string;

  /** Whether every requirement carries a hash and every model file a SHA-256. */
  public readonly inputsHashLocked: boolean;

  /** The custom resource that runs the install; functions should depend on it (or on this construct). */
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: EfsDependencyInstallerProps) {
    super(scope, id);
    this.accessPoint = props.accessPoint;
    refuseSharedAccessPoint(this, props.accessPoint);
    const architecture = props.architecture ?? lambda.Architecture.X86_64;
    const platforms = wheelPlatforms(this, props.runtime, architecture);
    const requirements = parseRequirements(this, [
      ...(props.requirementsFile ? readRequirementsFile(this, props.requirementsFile) : []),
      ...(props.packages ?? []),
    ]);
    const indexUrl = props.indexUrl ?? PYPI;
    checkPackageUrl(this, 'indexUrl', indexUrl);
    (props.extraIndexUrls ?? []).forEach((url, i) => checkPackageUrl(this, `extraIndexUrls[${i}]`, url));
    if ((props.extraIndexUrls ?? []).length > 0 && !requirements.hashLocked) {
      throw invalidInput(this, ['extraIndexUrls', 'indexUrl'], 'extraIndexUrls needs every requirement hash-locked (--hash=sha256:...): with several indexes '
        + 'and no hashes, a package of the same name on another index can replace yours. Use one indexUrl, or lock the requirements (pip-compile --generate-hashes).');
    }
    const modelFiles = (props.modelFiles ?? []).map((file, i) => checkModelFile(this, `modelFiles[${i}]`, file));
    const keepPrevious = props.keepPreviousSets ?? 1;
    checkIntegerInRange(this, 'keepPreviousSets', keepPrevious, { min: 1, max: 5 });
    const timeout = props.timeout ?? Duration.minutes(10);
    checkInstallTimeout(this, timeout);
    const warmUpTimeout = props.warmUpCode ? warmUpTimeoutOf(timeout, props.warmUpTimeout) : undefined;
    checkWarmUpTimeout(this, props.warmUpTimeout, timeout, props.warmUpCode);
    checkLambdaMemorySize(this, 'memorySize', props.memorySize);

    const pipOptions = [
      '--only-binary=:all:', '--implementation', 'cp', '--python-version', platforms.pythonVersion,
      ...platforms.tags.flatMap(tag => ['--platform', tag]),
      '--index-url', indexUrl,
      ...(props.extraIndexUrls ?? []).flatMap(url => ['--extra-index-url', url]),
      ...(requirements.hashLocked ? ['--require-hashes'] : []),
    ];
    // What goes into the set; its name depends on that and on the installer's own code, not on where it goes.
    checkInstallFits(this, estimateInstall(requirements.lines, platforms.pythonVersion, platforms.tags[0].replace(/^manylinux_2_\d+_/, '')), {
      timeout,
      maxMinutes: maxInstallMinutes(),
      reservedOf: props.warmUpCode ? t => warmUpShareOf(warmUpTimeoutOf(t, props.warmUpTimeout)) : undefined,
    });
    const contents = {
      requirements: requirements.lines,
      pipOptions,
      modelFiles: modelFiles.map(f => ({ url: f.url, sha256: f.sha256 ?? '', path: f.path, extract: f.extract ?? false })),
      warmUpCode: props.warmUpCode ?? '',
    };
    this.dependencySetId = setIdOf({ contents, runtime: props.runtime.name, architecture: architecture.name, installer: installerCodeHash() });
    this.libPath = `sets/${this.dependencySetId}/lib`;
    this.modelPath = `sets/${this.dependencySetId}/model`;
    this.mountEnvironment = { PYTHONPATH: this.libPath, TORCH_HOME: this.modelPath };
    this.inputsHashLocked = requirements.hashLocked && modelFiles.every(f => f.sha256 !== undefined);

    // The deployment is the only source of inputs: they are written into the install function's own code
    // (manifest.json), and an event names only a set id, which the installer checks against the manifest's.
    // A stack rollback restores the previous code, and with it the previous manifest.
    const code = installFunctionCode({ setId: this.dependencySetId, keepPreviousSets: keepPrevious, contents });
    this.installFunction = this.createInstallFunction(props, code, timeout, architecture);
    if (warmUpTimeout) {
      this.warmUpFunction = this.createWarmUpFunction(props, code, warmUpTimeout, architecture);
    }
    // CloudFormation invokes the dispatcher, which mounts nothing: a mount that fails (Lambda then runs no
    // code of the install function) still gets an answer, and a rollback's Delete always succeeds.
    this.dispatchFunction = createInstallDispatcher(this, {
      installFunction: this.installFunction.lambdaFunction,
      installFunctionTimeout: this.installFunction.timeout,
      margin: deadlineMargin(),
      vpc: props.fileSystem.vpc,
      vpcSubnets: props.fileSystem.vpcSubnets,
      architecture,
      code: lambda.Code.fromAsset(INSTALLER_ASSETS, { exclude: ['test_*.py', '__pycache__', 'installer.py', 'manifest.json'] }),
      logEncryptionKey: props.logEncryptionKey,
    });
    this.resource = new CustomResource(this, 'Install', {
      serviceToken: this.dispatchFunction.functionArn,
      resourceType: 'Custom::EfsDependencySet',
      // The set id alone is the request: a new set is an Update, and a rollback's Update carries the old id back.
      // The file system and access point ids only make a replaced one (new id) install again: the installer
      // ignores them (its own are in its environment).
      properties: {
        SetId: this.dependencySetId,
        FileSystemId: props.fileSystem.fileSystemId,
        AccessPointId: props.accessPoint.accessPointId,
      },
      // CloudFormation fails the resource if the dispatcher never answers (it was killed); it answers
      // by its own timeout otherwise. ServiceTimeout: 1 to 3600 s (CloudFormation User Guide,
      // AWS::CloudFormation::CustomResource).
      serviceTimeout: timeout.plus(Duration.seconds(3 * deadlineMargin().toSeconds())),
    });
    const installer = this.installFunction.lambdaFunction;
    // Who the installer is, fixed by the deployment: its history key and its stable physical id.
    installer.addEnvironment('STACK_ID', Aws.STACK_ID);
    installer.addEnvironment('RESOURCE_LOGICAL_ID', Stack.of(this).getLogicalId(this.resource.node.defaultChild as CfnResource));
    installer.addEnvironment('FILE_SYSTEM_ID', props.fileSystem.fileSystemId);
    installer.addEnvironment('ACCESS_POINT_ID', props.accessPoint.accessPointId);
    // A Delete drops the installer's history only when CloudFormation says the resource is being deleted
    // (DescribeStackResource, CloudFormation API Reference): a crafted Delete cannot.
    this.installFunction.executionPolicy.addStatements(new iam.PolicyStatement({
      sid: 'ConfirmDeletion',
      actions: ['cloudformation:DescribeStackResource'],
      resources: [Aws.STACK_ID],
    }));
    if (this.warmUpFunction && warmUpTimeout) {
      // The install function invokes the warm-up function synchronously (installer.py, invoke_warm_up), and
      // reads its State to wait while Lambda re-activates it (Lambda Developer Guide, "Lambda function states").
      // The unqualified function only; nothing else may invoke it (no resource policy).
      this.installFunction.executionPolicy.addStatements(new iam.PolicyStatement({
        sid: 'InvokeWarmUpFunction',
        actions: ['lambda:GetFunctionConfiguration', 'lambda:InvokeFunction'],
        resources: [this.warmUpFunction.lambdaFunction.functionArn],
      }));
      installer.addEnvironment('WARM_UP_FUNCTION_NAME', this.warmUpFunction.lambdaFunction.functionName);
      installer.addEnvironment('WARM_UP_TIMEOUT_SECONDS', String(warmUpTimeout.toSeconds()));
    }
    // The install downloads: it starts only once the subnets' routes out (NAT) exist.
    const subnets = props.fileSystem.vpc.selectSubnets(props.fileSystem.vpcSubnets);
    this.resource.node.addDependency(subnets.internetConnectivityEstablished);

    warnWithoutEgress(this, props.fileSystem);
    if (!this.inputsHashLocked) {
      warnNotHashLocked(this, requirements, modelFiles);
    }
  }

  private createInstallFunction(props: EfsDependencyInstallerProps, code: lambda.Code, timeout: Duration,
    architecture: lambda.Architecture): EfsBackedFunction {
    const installFunction = new EfsBackedFunction(this, 'Function', {
      description: 'EfsDependencyInstaller: installs dependency sets onto the access point (CloudFormation custom resource)',
      fileSystem: props.fileSystem,
      accessPoint: props.accessPoint,
      mountPath: INSTALL_MOUNT,
      runtime: props.runtime,
      architecture,
      handler: 'installer.handler',
      code,
      timeout: timeout.plus(deadlineMargin()),
      memorySize: props.memorySize ?? 3008,
      // pip unpacks wheels in /tmp before it copies them onto EFS.
      ephemeralStorageSize: Size.gibibytes(10),
      environment: { MOUNT_PATH: INSTALL_MOUNT, INSTALL_TIMEOUT_SECONDS: String(timeout.toSeconds()) },
      // The dispatcher invokes it synchronously, which Lambda never retries (Lambda Developer
      // Guide, "Invoking a Lambda function synchronously"): no retry setting. No reserved
      // concurrency (acknowledgeInternalFunction says why): installs take the lock on the
      // access point one at a time.
      // HTTPS to the package index and model hosts, NFS to the mount targets; nothing else.
      allowAllOutbound: false,
      logGroup: retainedLogGroup(this, 'Logs', {
        encryptionKey: props.logEncryptionKey,
        howToOptIn: SET_LOG_ENCRYPTION_KEY,
      }),
    });
    installFunction.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to the package index and model hosts');
    acknowledgeInternalFunction(installFunction.lambdaFunction);
    // The capacity warning is about fan-out; this function runs in one environment at a time.
    acknowledgeFinding(installFunction, SynthWarnings.NO_RESERVED_CONCURRENCY,
      'Only the dispatcher invokes the install function, synchronously, once per CloudFormation request for this set, and installs hold the '
      + 'lock on the access point one at a time: no fan-out of cold starts, one EFS connection at a time.');
    acknowledgeFinding(installFunction.lambdaFunction.node.defaultChild!, 'NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ',
      'Only the dispatcher invokes this function, synchronously, and answers CloudFormation with its result or its error; a dead-letter '
      + 'queue receives only asynchronous invocations that failed, and this function has none.');
    return installFunction;
  }

  /**
   * The warm-up runs third-party code (the packages the set holds), so it runs where it cannot write: a
   * function of its own that mounts the access point read-only. Its role gets `ClientMount` without
   * `ClientWrite`, and EFS gives such a client read-only access (EFS User Guide, "Using IAM to control
   * access to file systems"); the file system policy holds Deny statements only, so nothing else allows
   * a write. Its security group allows NFS to the mount targets and nothing else: it calls no AWS API.
   */
  private createWarmUpFunction(props: EfsDependencyInstallerProps, code: lambda.Code, timeout: Duration,
    architecture: lambda.Architecture): EfsBackedFunction {
    const warmUp = new EfsBackedFunction(this, 'WarmUp', {
      description: 'EfsDependencyInstaller: runs the warm-up code on a new set from a read-only mount (invoked by the install function)',
      fileSystem: props.fileSystem,
      accessPoint: props.accessPoint,
      mountPath: WARM_UP_MOUNT,
      readOnly: true,
      // What the functions that import the set run on, with the install function's memory: the warm-up
      // loads what they load.
      runtime: props.runtime,
      architecture,
      handler: 'installer.warm_up_handler',
      // The install function's code: the warm-up handler reads the warm-up code and the set id from the
      // deployment's manifest.json in it, never from the event.
      code,
      timeout,
      memorySize: props.memorySize ?? 3008,
      environment: { MOUNT_PATH: WARM_UP_MOUNT },
      allowAllOutbound: false,
      logGroup: retainedLogGroup(this, 'WarmUpLogs', {
        encryptionKey: props.logEncryptionKey,
        howToOptIn: SET_LOG_ENCRYPTION_KEY,
      }),
    });
    acknowledgeInternalFunction(warmUp.lambdaFunction);
    acknowledgeFinding(warmUp, SynthWarnings.NO_RESERVED_CONCURRENCY,
      'Only the install function invokes the warm-up function, synchronously, once per install, while it holds the lock on the access '
      + 'point: no fan-out of cold starts, one EFS connection at a time.');
    acknowledgeFinding(warmUp.lambdaFunction.node.defaultChild!, 'NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ',
      'Only the install function invokes this function, synchronously, and fails the install with its error; a dead-letter '
      + 'queue receives only asynchronous invocations that failed, and this function has none.');
    return warmUp;
  }
}

/**
 * Two installers on one access point would each keep only their own sets: refused at synth,
 * when every installer exists, whatever order they were made in (the later one by construct
 * path is named). The install function also keeps a history per installer, for access points
 * shared across apps.
 */
function refuseSharedAccessPoint(installer: EfsDependencyInstaller, accessPoint: efs.IAccessPoint): void {
  installer.node.addValidation({
    validate: () => {
      const stack = Stack.of(installer);
      const mine = JSON.stringify(stack.resolve(accessPoint.accessPointId));
      const first = installer.node.root.node.findAll()
        .filter((c): c is EfsDependencyInstaller => c instanceof EfsDependencyInstaller && c !== installer)
        .filter(other => JSON.stringify(Stack.of(other).resolve(other.accessPoint.accessPointId)) === mine)
        .map(other => other.node.path)
        .filter(otherPath => otherPath < installer.node.path)
        .sort()[0];
      return first === undefined ? [] : [inputMessage('accessPoint', `accessPoint already has an EfsDependencyInstaller (${first}); one installer per access point: `
        + `give ${installer.node.path} its own access point, or install everything with one installer`)];
    },
  });
}

function checkInstallTimeout(scope: Construct, timeout: Duration): void {
  const minutes = timeout.toSeconds() / 60;
  if (!Token.isUnresolved(timeout.toSeconds()) && (minutes < 1 || minutes > maxInstallMinutes())) {
    throw invalidInput(scope, 'timeout', `timeout must be from 1 to ${maxInstallMinutes()} minutes (got ${timeout.toHumanString()}): the install runs in one `
      + `Lambda invocation (at most 15 minutes; the install function and the dispatcher each keep ${deadlineMargin().toSeconds()} s to clean up and answer)`);
  }
}

function checkWarmUpTimeout(scope: Construct, warmUpTimeout: Duration | undefined, timeout: Duration, warmUpCode: string | undefined): void {
  if (warmUpTimeout === undefined || Token.isUnresolved(warmUpTimeout.toMilliseconds())) {
    return;
  }
  if (!warmUpCode) {
    throw invalidInput(scope, ['warmUpTimeout', 'warmUpCode'], `warmUpTimeout is only used with warmUpCode (got ${warmUpTimeout.toHumanString()} without it)`);
  }
  const margin = deadlineMargin().toSeconds();
  const most = timeout.toSeconds() - 2 * margin;
  const milliseconds = warmUpTimeout.toMilliseconds();
  if (milliseconds % 1000 !== 0 || milliseconds < margin * 1000 || milliseconds > most * 1000) {
    throw invalidInput(scope, 'warmUpTimeout', `warmUpTimeout must be from ${margin} to ${most} seconds (got ${warmUpTimeout.toHumanString()}), a whole number of seconds: `
      + `it is taken from timeout (${timeout.toHumanString()}) with one margin to invoke it, and the install keeps one margin to clean up and `
      + 'answer');
  }
}

function checkModelFile(scope: Construct, prop: string, file: ModelFile): ModelFile {
  checkPackageUrl(scope, `${prop}.url`, file.url);
  if (file.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(file.sha256)) {
    throw invalidInput(scope, `${prop}.sha256`, `${prop}.sha256 must be 64 hex digits (got '${file.sha256}')`);
  }
  if (file.path.startsWith('/') || file.path.split('/').some(s => s === '..' || s === '.' || s === '') || file.path.length === 0) {
    throw invalidInput(scope, `${prop}.path`, `${prop}.path must be a relative path inside the model directory, without '.', '..' or empty segments (got '${file.path}')`);
  }
  return { ...file, sha256: file.sha256?.toLowerCase() };
}

/** The install downloads from package indexes: subnets without a route out make it fail after a long wait. */
function warnWithoutEgress(scope: Construct, fileSystem: ISharedFileSystem): void {
  const isolated = new Set(fileSystem.vpc.isolatedSubnets.map(subnet => subnet.subnetId));
  const selected = fileSystem.vpc.selectSubnets(fileSystem.vpcSubnets).subnets;
  if (selected.length > 0 && selected.every(subnet => isolated.has(subnet.subnetId))) {
    Annotations.of(scope).addWarningV2(SynthWarnings.INSTALLER_WITHOUT_EGRESS,
      'the file system\'s subnets are isolated: the install function runs there and cannot reach the package indexes. '
      + 'Use subnets with NAT (InferenceVpc with internetAccess: true), or interface endpoints and a private index.');
  }
}

function warnNotHashLocked(scope: Construct, requirements: ParsedRequirements, modelFiles: ModelFile[]): void {
  const unpinned = [
    ...(requirements.hashLocked ? [] : ['requirements without --hash (their dependencies unpinned too)']),
    ...modelFiles.filter(f => f.sha256 === undefined).map(f => `model file ${f.path} without sha256`),
  ];
  Annotations.of(scope).addWarningV2(SynthWarnings.INSTALLER_INPUTS_NOT_HASH_LOCKED,
    `the install takes inputs that are not pinned by hash: ${unpinned.join('; ')}. Whatever the index or host serves on the day `
    + 'of the deployment is installed. Lock them: `pip-compile --generate-hashes` (or `pip download` + `pip hash`) for requirementsFile, '
    + 'and the sha256 of each model file.');
}

/** The install function's code: INSTALL_FUNCTION_FILES, with the deployment's manifest beside them (one asset per installer). */
function installFunctionCode(manifest: object): lambda.Code {
  const directory = FileSystem.mkdtemp('efs-dependency-installer-');
  for (const file of INSTALL_FUNCTION_FILES) {
    fs.copyFileSync(path.join(INSTALLER_ASSETS, file), path.join(directory, file));
  }
  fs.writeFileSync(path.join(directory, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  return lambda.Code.fromAsset(directory);
}

function setIdOf(inputs: object): string {
  return crypto.createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
}
