import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Annotations, CustomResource, Duration, Token } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeFinding, acknowledgeFindings, nagArnReference, nagRef } from './private/acknowledgments';
import { retainedLogGroup } from './private/log-groups';
import { allowNfsFrom } from './private/nfs-access';
import { checkIntegerInRange } from './private/validation';
import { ISharedFileSystem } from './shared-file-system';

/** The installer's own code: efs_sets.py runs in the build, waiter.py in the custom resource. */
const INSTALLER_ASSETS = path.join(__dirname, '..', 'assets', 'installer');

/** Where the build mounts the access point. */
const BUILD_MOUNT = '/mnt/efs';

/** The manylinux tags a Lambda function (Amazon Linux 2023, glibc 2.34) can load, per architecture. */
const MANYLINUX_GLIBC = ['2_17', '2_28', '2_34'];

/**
 * Properties of an {@link EfsDependencyInstaller}.
 */
export interface EfsDependencyInstallerProps {
  /** The file system to install onto. */
  readonly fileSystem: ISharedFileSystem;

  /** The access point whose root directory receives the dependency sets (the functions mount the same one). */
  readonly accessPoint: efs.IAccessPoint;

  /**
   * Requirement specifiers, as in a requirements.txt (`torch==2.6.0+cpu`, `Pillow>=11`).
   *
   * @default - none; give packages, requirementsFile or both
   */
  readonly packages?: string[];

  /**
   * A requirements.txt to read at synth; its requirements are added to `packages`.
   *
   * @default - none
   */
  readonly requirementsFile?: string;

  /** The Python runtime of the functions that will import the packages: wheels are chosen for its version. */
  readonly runtime: lambda.Runtime;

  /**
   * The CPU architecture of those functions: wheels and the build machine match it.
   *
   * @default lambda.Architecture.X86_64
   */
  readonly architecture?: lambda.Architecture;

  /**
   * Package indexes besides PyPI, for example `https://download.pytorch.org/whl/cpu` for
   * CPU-only torch wheels.
   *
   * @default - PyPI only
   */
  readonly extraIndexUrls?: string[];

  /**
   * Shell commands run after the install, with `PYTHONPATH` and `TORCH_HOME` pointing into
   * the new set, for example a `torch.hub.load(...)` that caches a model.
   *
   * @default - none
   */
  readonly warmUpCommands?: string[];

  /**
   * How long the install may take before the deployment fails (and the previous set stays).
   *
   * @default Duration.minutes(60)
   */
  readonly timeout?: Duration;

  /**
   * Keep the previous set after a switch (environments started on it may still import from
   * it until Lambda recycles them). 0 removes it at once.
   *
   * @default 1
   */
  readonly keepPreviousSets?: number;
}

/**
 * Installs Python packages (and warms up models) onto an EFS access point at deploy time.
 *
 * A CodeBuild project in the file system's VPC mounts the access point, installs the
 * requirements for the functions' Python version and architecture into a new directory named
 * by the hash of the inputs, runs the warm-up commands, then switches the `current` link to
 * it in one atomic rename. A custom resource starts the build and waits for it; a failed
 * build fails the deployment with a link to its log and leaves the previous set in place.
 * Nothing runs again until the inputs change.
 *
 * Functions mount the same access point and use `mountEnvironment` (`PYTHONPATH` and
 * `TORCH_HOME` under `current/`); make them depend on `resource`
 * (`fn.lambdaFunction.node.addDependency(installer.resource)`) so that they deploy after it.
 */
export class EfsDependencyInstaller extends Construct {
  /** Warning id: the build's subnets have no route to the package indexes. */
  public static readonly WITHOUT_EGRESS = 'cdk-lambda-efs:installerWithoutEgress';

  /** The build that installs a set. */
  public readonly project: codebuild.Project;

  /** The content hash of the inputs: the name of the set this deployment installs. */
  public readonly setId: string;

  /** `{ PYTHONPATH: 'current/lib', TORCH_HOME: 'current/model' }`, for `EfsBackedFunction.mountEnvironment`. */
  public readonly mountEnvironment: { [name: string]: string };

  /** The installed packages, relative to the access point's root (and so to a function's mount path). */
  public readonly libPath = 'current/lib';

  /** The model cache (`TORCH_HOME`), relative to the access point's root. */
  public readonly modelPath = 'current/model';

  /** The custom resource that runs the install; depend on it (or on this construct) to deploy after it. */
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: EfsDependencyInstallerProps) {
    super(scope, id);
    const pythonVersion = pythonVersionOf(props.runtime);
    const requirements = readRequirements(props);
    const architecture = props.architecture ?? lambda.Architecture.X86_64;
    const keepPrevious = props.keepPreviousSets ?? 1;
    checkIntegerInRange('keepPreviousSets', keepPrevious, 0, 1);
    (props.extraIndexUrls ?? []).forEach((url, i) => checkIndexUrl(`extraIndexUrls[${i}]`, url));
    const timeout = props.timeout ?? Duration.minutes(60);
    // CodeBuild takes whole minutes; toMinutes() alone would throw its own message on 90 seconds.
    checkIntegerInRange('timeout (minutes)', timeout.toMinutes({ integral: false }), 5, 480);

    const scripts = new s3assets.Asset(this, 'Scripts', { path: INSTALLER_ASSETS, exclude: ['test_*.py', '__pycache__'] });
    this.setId = setIdOf({
      requirements,
      pythonVersion,
      architecture: architecture.name,
      extraIndexUrls: props.extraIndexUrls ?? [],
      warmUpCommands: props.warmUpCommands ?? [],
      scripts: scripts.assetHash,
    });
    this.mountEnvironment = { PYTHONPATH: this.libPath, TORCH_HOME: this.modelPath };

    this.project = this.createProject(props, scripts, {
      pythonVersion, requirements, architecture, keepPrevious, timeout,
    });
    warnWithoutEgress(this, props.fileSystem);
    this.resource = this.createWaiter(timeout);
  }

  private createProject(props: EfsDependencyInstallerProps, scripts: s3assets.Asset, build: BuildSettings): codebuild.Project {
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.fileSystem.vpc,
      description: 'Dependency install build: NFS to EFS, HTTPS to package indexes',
      allowAllOutbound: true,
    });
    const nfsIngress = allowNfsFrom(this, props.fileSystem, securityGroup, { description: 'NFS from the dependency install build', restrictEgress: false });
    const logGroup = retainedLogGroup(this, 'BuildLogs', { howToOptIn: 'the install logs hold package names and pip output only' });

    const arm = build.architecture === lambda.Architecture.ARM_64;
    const project = new codebuild.Project(this, 'Project', {
      description: `Installs Python ${build.pythonVersion} packages onto EFS for ${build.architecture.name} Lambda functions`,
      source: codebuild.Source.s3({ bucket: scripts.bucket, path: scripts.s3ObjectKey }),
      environment: {
        buildImage: arm ? codebuild.LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_4_0 : codebuild.LinuxBuildImage.AMAZON_LINUX_2023_6,
        computeType: codebuild.ComputeType.MEDIUM,
        // Mounting EFS with IAM authorization and TLS (amazon-efs-utils) needs mount(8).
        privileged: true,
      },
      environmentVariables: {
        FILE_SYSTEM_ID: { value: props.fileSystem.fileSystemId },
        ACCESS_POINT_ID: { value: props.accessPoint.accessPointId },
        SET_ID: { value: this.setId },
        PYTHON_VERSION: { value: build.pythonVersion },
        REQUIREMENTS: { value: build.requirements.join('\n') },
        PIP_TARGET_ARGS: { value: pipTargetArgs(build.pythonVersion, arm, props.extraIndexUrls ?? []) },
        KEEP_PREVIOUS: { value: String(build.keepPrevious) },
        WARM_UP: { value: (props.warmUpCommands ?? []).join('\n') },
      },
      buildSpec: codebuild.BuildSpec.fromObject(buildSpec(build.pythonVersion)),
      vpc: props.fileSystem.vpc,
      subnetSelection: props.fileSystem.vpcSubnets,
      securityGroups: [securityGroup],
      timeout: build.timeout,
      logging: { cloudWatch: { logGroup } },
    });
    project.node.addDependency(nfsIngress, props.fileSystem.mountTargetsAvailable);
    props.fileSystem.grantReadWrite(project, props.accessPoint);
    acknowledgeFinding(project, 'cdk-validator-cfnguard::codebuild_project_environment_privileged_check',
      'Privileged mode lets the build mount the access point with amazon-efs-utils (IAM authorization and TLS, which the file system policy requires); the build runs only the installer script and pip.');
    acknowledgeFinding(project, 'AwsSolutions::AwsSolutions-CB4',
      'The build produces no artifacts; what it writes goes to the encrypted file system, and its logs to CloudWatch Logs.');
    const projectRef = nagRef(project);
    acknowledgeFindings(project, 'AwsSolutions::AwsSolutions-IAM5', [
      'Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*',
      'Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*',
      `Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/codebuild/${projectRef}:*`,
      `Resource::arn:<AWS::Partition>:codebuild:<AWS::Region>:<AWS::AccountId>:report-group/${projectRef}-*`,
      'Resource::*',
    ], "aws-cdk-lib's policy for a CodeBuild project in a VPC: reading the installer's asset, this project's logs and report groups, "
      + 'and network interfaces in its subnets (EC2 Describe* actions have no resource-level permissions).');
    acknowledgeFinding(project, 'NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy',
      'The inline policies aws-cdk-lib generates for a CodeBuild project in a VPC, scoped to that project.');
    return project;
  }

  /**
   * The custom resource: our two handlers start and watch the build; CDK's Provider
   * framework polls the watcher until the build ends.
   */
  private createWaiter(timeout: Duration): CustomResource {
    const code = lambda.Code.fromAsset(INSTALLER_ASSETS, { exclude: ['test_*.py', '__pycache__', 'efs_sets.py', 'install-set.sh'] });
    const startBuild = this.createHandler('StartBuild', 'on_event_handler', code, 'codebuild:StartBuild');
    const watchBuild = this.createHandler('WatchBuild', 'is_complete_handler', code, 'codebuild:BatchGetBuilds');

    const waiterLogs = retainedLogGroup(this, 'WaiterLogs', { howToOptIn: 'the waiter logs hold build ids and states only' });
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: startBuild,
      isCompleteHandler: watchBuild,
      queryInterval: Duration.seconds(30),
      // The waiter gives up a little after the build itself would have timed out.
      totalTimeout: timeout.plus(Duration.minutes(10)),
      disableWaiterStateMachineLogging: false,
      waiterStateMachineLogOptions: { destination: waiterLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    acknowledgeProviderFramework(provider, [startBuild, watchBuild]);

    const install = new CustomResource(this, 'Install', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::EfsDependencySet',
      properties: { SetId: this.setId, ProjectName: this.project.projectName },
    });
    // Start the build only once its role may read the scripts, write logs and mount EFS:
    // the role's policies are children of the project, not referenced by it.
    install.node.addDependency(this.project);
    return install;
  }

  /** A handler with its own log group and a role whose only policy is a customer-managed one. */
  private createHandler(id: string, entry: string, code: lambda.Code, codebuildAction: string): lambda.Function {
    const logGroup = retainedLogGroup(this, `${id}Logs`, { howToOptIn: 'the handler logs hold build ids and states only' });
    const role = new iam.Role(this, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const policy = new iam.ManagedPolicy(this, `${id}Policy`, {
      roles: [role],
      statements: [
        new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
        new iam.PolicyStatement({ actions: [codebuildAction], resources: [this.project.projectArn] }),
      ],
    });
    const fn = new lambda.Function(this, id, {
      runtime: lambda.Runtime.PYTHON_3_15,
      handler: `waiter.${entry}`,
      code,
      role,
      logGroup,
      timeout: Duration.seconds(30),
      description: `EfsDependencyInstaller: ${codebuildAction} for the install build`,
    });
    fn.node.addDependency(policy);
    const reasons: Array<[string, string]> = [
      ['NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency', 'Invoked only by CloudFormation, a few times per deployment; reserving concurrency would take it from the account for nothing.'],
      ['NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ', 'Invoked synchronously by the custom resource provider, which reports failures to CloudFormation.'],
      ['NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC', 'Calls only the CodeBuild API during deployment; it reaches nothing inside the VPC.'],
      ['cdk-validator-cfnguard::lambda_inside_vpc_check', 'Calls only the CodeBuild API during deployment; it reaches nothing inside the VPC.'],
    ];
    reasons.forEach(([rule, reason]) => acknowledgeFinding(fn, rule, reason));
    return fn;
  }
}

/**
 * Findings on the Lambda functions, roles and state machine that aws-cdk-lib's Provider
 * framework creates; its settings do not reach them.
 */
function acknowledgeProviderFramework(provider: cr.Provider, handlers: lambda.IFunction[]): void {
  const framework = ['framework-onEvent', 'framework-isComplete', 'framework-onTimeout']
    .map(id => provider.node.tryFindChild(id))
    .filter((child): child is IConstruct => child !== undefined);
  acknowledgeFindings(provider, 'AwsSolutions::AwsSolutions-IAM4',
    ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
    "aws-cdk-lib's custom resource Provider framework gives its functions AWSLambdaBasicExecutionRole; its props do not reach those roles.");
  acknowledgeFindings(provider, 'AwsSolutions::AwsSolutions-IAM5',
    [...handlers, ...framework].map(fn => `Resource::${nagArnReference(fn)}:*`),
    "The Provider framework may invoke any version of the installer's handlers and of its own functions (ARN with ':*'), as aws-cdk-lib generates it.");
  acknowledgeFindings(provider, 'AwsSolutions::AwsSolutions-IAM5', ['Resource::*'],
    'Step Functions log delivery (logs:CreateLogDelivery and the like) has no resource-level permissions; aws-cdk-lib grants it to the waiter state machine for its logs.');
  const reasons: Array<[string, string]> = [
    ['AwsSolutions::AwsSolutions-SF2', 'The waiter state machine of the Provider framework only polls the install build; its props offer no X-Ray tracing.'],
    ['NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy', 'Inline policies aws-cdk-lib generates for the Provider framework, scoped to invoking the two installer handlers.'],
    ['NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency', 'Provider framework functions run only during deployments.'],
    ['NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ', 'Provider framework functions are invoked by CloudFormation and Step Functions, which handle their failures.'],
    ['NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC', 'Provider framework functions only call Lambda, Step Functions and CloudFormation APIs.'],
    ['cdk-validator-cfnguard::lambda_inside_vpc_check', 'Provider framework functions only call Lambda, Step Functions and CloudFormation APIs.'],
    ['cdk-validator-cfnguard::step_functions_state_machine_tracing_enabled_check',
      'The waiter state machine of the Provider framework only polls the install build; its props offer no X-Ray tracing.'],
  ];
  reasons.forEach(([rule, reason]) => acknowledgeFinding(provider, rule, reason));
}

interface BuildSettings {
  readonly pythonVersion: string;
  readonly requirements: string[];
  readonly architecture: lambda.Architecture;
  readonly keepPrevious: number;
  readonly timeout: Duration;
}

function buildSpec(pythonVersion: string): object {
  return {
    version: '0.2',
    phases: {
      install: {
        'runtime-versions': { python: pythonVersion },
        'commands': ['dnf install -y amazon-efs-utils'],
      },
      pre_build: {
        commands: [
          `mkdir -p ${BUILD_MOUNT}`,
          // IAM authorization with the build's role (container credentials) and TLS, as the file system policy demands.
          `mount -t efs -o tls,iam,accesspoint=$ACCESS_POINT_ID,awscredsuri=$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI $FILE_SYSTEM_ID:/ ${BUILD_MOUNT}`,
        ],
      },
      build: { commands: [`bash install-set.sh ${BUILD_MOUNT}`] },
      post_build: { commands: [`umount ${BUILD_MOUNT} || true`] },
    },
  };
}

/** The build downloads from package indexes: subnets without a route out make it fail after a long wait. */
function warnWithoutEgress(scope: Construct, fileSystem: ISharedFileSystem): void {
  const isolated = new Set(fileSystem.vpc.isolatedSubnets.map(subnet => subnet.subnetId));
  const selected = fileSystem.vpc.selectSubnets(fileSystem.vpcSubnets).subnets;
  if (selected.length > 0 && selected.every(subnet => isolated.has(subnet.subnetId))) {
    Annotations.of(scope).addWarningV2(EfsDependencyInstaller.WITHOUT_EGRESS,
      'the file system\'s subnets are isolated: the install build runs there and cannot reach the package indexes. '
      + 'Use subnets with NAT (InferenceVpc with internetAccess: true), or interface endpoints and a private index.');
  }
}

/** pip options that choose wheels for the functions' Python and CPU rather than the build's. */
function pipTargetArgs(pythonVersion: string, arm: boolean, extraIndexUrls: string[]): string {
  const machine = arm ? 'aarch64' : 'x86_64';
  const platforms = MANYLINUX_GLIBC.map(glibc => `--platform manylinux_${glibc}_${machine}`);
  const indexes = extraIndexUrls.map(url => `--extra-index-url ${url}`);
  return [`--python-version ${pythonVersion}`, '--implementation cp', '--only-binary=:all:', ...platforms, ...indexes].join(' ');
}

function pythonVersionOf(runtime: lambda.Runtime): string {
  const match = /^python(\d+\.\d+)$/.exec(runtime.name);
  if (runtime.family !== lambda.RuntimeFamily.PYTHON || !match) {
    throw new Error(`runtime must be a Python runtime such as ${lambda.Runtime.PYTHON_3_13.name} (got ${runtime.name})`);
  }
  return match[1];
}

function readRequirements(props: EfsDependencyInstallerProps): string[] {
  const fromFile = props.requirementsFile ? fs.readFileSync(props.requirementsFile, 'utf-8').split(/\r?\n/) : [];
  const requirements = [...fromFile, ...(props.packages ?? [])]
    .map(line => line.replace(/#.*$/, '').trim())
    .filter(line => line.length > 0);
  if (requirements.length === 0) {
    throw new Error('packages or requirementsFile must name at least one requirement (got none)');
  }
  // Requirements reach pip through a file, never a shell; only pip options (which could
  // change the index or install from anywhere) are refused.
  for (const requirement of requirements) {
    if (Token.isUnresolved(requirement) || /(^|\s)-/.test(requirement)) {
      throw new Error(`each requirement must be a package specifier such as 'torch==2.6.0' (got '${requirement}'); pip options are not accepted, extra indexes go in extraIndexUrls`);
    }
  }
  return requirements;
}

function checkIndexUrl(prop: string, url: string): void {
  if (!/^https:\/\/[^\s'"]+$/.test(url)) {
    throw new Error(`${prop} must be an https URL without spaces or quotes (got '${url}')`);
  }
}

function setIdOf(inputs: object): string {
  return crypto.createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
}
