import { Annotations, CfnOutput, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ColdStartLoad } from './cold-start-load';
import { EfsBackedFunctionProps, FunctionAlarmOptions } from './efs-backed-function-props';
import { acknowledgeFinding, acknowledgeFindings } from './private/acknowledgments';
import { AddedOnce } from './private/add-once';
import { alarmNotifying } from './private/alarms';
import { MAX_CLIENT_CONNECTIONS } from './private/efs-limits';
import { inputMessage, invalidInput } from './private/errors';
import { accessPointConditions, clientActions } from './private/file-system-policy';
import { directReadStatements, FunctionMount, functionMountOf } from './private/function-mounts';
import { lambdaFunctionProps } from './private/function-props';
import { checkLambdaLimits } from './private/lambda-limits';
import { isRetiredRuntime } from './private/lambda-runtimes';
import { manageVpcNetworkInterfacesStatement, writeLogsStatement } from './private/lambda-vpc-statements';
import { retainedLogGroup, SET_LOG_ENCRYPTION_KEY } from './private/log-groups';
import { allowNfsFrom } from './private/nfs-access';
import { S3_FILES } from './private/nfs-services';
import { refuseWriteGrants } from './private/read-only-mounts';
import { bucketObjectsFinding } from './private/s3-files-resources';
import { checkIntegerInRange, checkMountPath } from './private/validation';
import { zoneName } from './private/zones';
import { SynthWarnings } from './synth-warnings';

/**
 * A Lambda function that mounts one access point of a `SharedFileSystem` (EFS) or of an
 * `S3FilesFileSystem` (Amazon S3 Files).
 *
 * It runs in the file system's subnets with its own security group, which the mount
 * targets let in on NFS; its role may mount (and unless read-only, write) only through
 * that access point; and it is created only after the mount targets and the NFS rule exist.
 */
export class EfsBackedFunction extends Construct implements ec2.IConnectable, iam.IGrantable {
  /** The Lambda function. */
  public readonly lambdaFunction: lambda.Function;

  /** The alias that carries provisioned concurrency, when there is some. */
  public readonly alias?: lambda.Alias;

  /** What callers should invoke: the alias when there is one, else the function. */
  public readonly invokeTarget: lambda.IFunction;

  /** The function's security group, allowed into the file system on NFS. */
  public readonly securityGroup: ec2.SecurityGroup;

  /** The customer-managed policy with the function's logging, network and EFS permissions. */
  public readonly executionPolicy: iam.ManagedPolicy;

  /** The function's log group. */
  public readonly logGroup: logs.ILogGroupRef;

  /** The local path the access point is mounted at. */
  public readonly mountPath: string;

  public readonly connections: ec2.Connections;
  public readonly grantPrincipal: iam.IPrincipal;

  /** The invocation timeout. */
  public readonly timeout: Duration;

  private readonly initDurationMetric: cloudwatch.Metric;

  private readonly addedOnce = new AddedOnce(this);

  private readonly callerTimeouts: Duration[] = [];

  constructor(scope: Construct, id: string, props: EfsBackedFunctionProps) {
    super(scope, id);
    checkFunctionProps(this, props);
    // EFS (fileSystem, accessPoint) or S3 Files (s3FilesFileSystem, s3FilesAccessPoint): the same checks and wiring.
    const mount = functionMountOf(this, props);
    const vpc = props.vpc ?? mount.vpc;
    if (!vpc) {
      throw invalidInput(this, ['vpc', 'fileSystem'], 'EfsBackedFunction needs a VPC that routes to the mount targets: pass fileSystem with a vpc, or vpc');
    }
    checkSameEnvironment(this, mount.fileSystem);
    checkSameVpc(this, vpc, mount.vpc);
    const vpcSubnets = props.vpcSubnets ?? mount.vpcSubnets;
    checkSubnetsHaveMountTargets(this, vpc, vpcSubnets, mount.mountTargetAvailabilityZones);
    const serviceName = mount.service.shortName;
    this.mountPath = props.mountPath;

    // Outbound rules add up over a function's security groups: when every group of the user's
    // allows nothing out, this one must not open everything either.
    const allowAllOutbound = props.allowAllOutbound ?? !userGroupsRestrictEgress(props.securityGroups);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: `Lambda function that mounts ${serviceName} at ${props.mountPath}`,
      allowAllOutbound,
    });
    const nfsIngress = allowNfsFrom(this, mount, this.securityGroup, {
      description: `NFS from the Lambda function that mounts ${props.mountPath}`,
      restrictEgress: !allowAllOutbound,
      egressDescription: `NFS to the ${serviceName} mount targets`,
    });

    // Lambda's trust policy is left without aws:SourceAccount/aws:SourceArn: the Lambda guide
    // does not document that Lambda sends them when it assumes an execution role, and a
    // condition on a key that is not sent would stop the function from running.
    const role = props.role ?? new iam.Role(this, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of a Lambda function that mounts ${serviceName} at ${props.mountPath}`,
    });
    // The file system policy denies every role it does not spare by name (it names this one).
    mount.admitPrincipal(role);
    if (props.logGroup && props.logEncryptionKey) {
      throw invalidInput(this, ['logEncryptionKey', 'logGroup'], 'logEncryptionKey is only used for the log group this construct creates: set the key on logGroup instead');
    }
    this.logGroup = props.logGroup ?? retainedLogGroup(this, 'LogGroup', {
      retention: props.logGroupRetention,
      encryptionKey: props.logEncryptionKey,
      howToOptIn: SET_LOG_ENCRYPTION_KEY,
    });
    this.initDurationMetric = initDurationMetricOf(this, this.logGroup);
    this.executionPolicy = this.createExecutionPolicy(role, { mount, readOnly: props.readOnly ?? false });
    if (props.readOnly) {
      refuseWriteGrants(this, role);
    }

    this.lambdaFunction = new lambda.Function(this, 'Function', {
      // Without our own props, and without allowAllOutbound (applied to our security group above).
      ...lambdaFunctionProps(props),
      role,
      vpc,
      vpcSubnets,
      securityGroups: [this.securityGroup, ...(props.securityGroups ?? [])],
      logGroup: this.logGroup,
      environment: mergeEnvironment(this, props.environment, props.mountEnvironment, props.mountPath),
      filesystem: new AccessPointMount({
        arn: mount.accessPointArn,
        localMountPath: props.mountPath,
        // Lambda fails to create a function whose mount targets are not yet available,
        // or that cannot reach them on NFS.
        dependency: [mount.mountTargetsAvailable, nfsIngress],
        // Permissions are in executionPolicy, scoped tighter than Lambda's default.
        policies: [],
      }),
    });
    // Lambda checks at creation that the role may create network interfaces.
    this.lambdaFunction.node.addDependency(this.executionPolicy);
    if (mount.service === S3_FILES) {
      setDirectS3Read(this.lambdaFunction, mount.accessPointArn, props.mountPath, mount.directReadBucket !== undefined);
    }

    this.connections = this.lambdaFunction.connections;
    this.grantPrincipal = this.lambdaFunction.grantPrincipal;
    this.alias = this.addProvisionedConcurrency(props);
    this.invokeTarget = this.alias ?? this.lambdaFunction;
    this.timeout = props.timeout ?? Duration.seconds(3);

    const callerTimeouts = this.callerTimeouts;
    // The EFS capacity checks (connections, throughput, cold starts) are EFS's; S3 Files documents none of these limits here.
    mount.efs?.registerClient({
      scope: this,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      provisionedConcurrency: props.provisionedConcurrency,
      timeout: this.timeout,
      // Read at synth, when the checks run: callers are declared after the function exists.
      get callerTimeout() { return shortestKnown(callerTimeouts); },
      coldStartLoad: props.coldStartLoad,
    });
    if (props.reservedConcurrentExecutions === undefined && mount.efs) {
      Annotations.of(this).addWarningV2(SynthWarnings.NO_RESERVED_CONCURRENCY, inputMessage('reservedConcurrentExecutions',
        'reservedConcurrentExecutions is not set: every execution environment holds an EFS connection (at most '
        + `${MAX_CLIENT_CONNECTIONS} per file system) and a cold-start fan-out can spend the burst credits; set a cap.`));
    }
  }

  /**
   * Declare that a synchronous caller waits at most `timeout` for an answer: an HTTP API's
   * integration gives up after 30 s. The file system's capacity checks then warn when a cold
   * start on an on-demand environment takes longer (`SynthWarnings.COLD_START_OVER_CALLER_TIMEOUT`)
   * and plan its throughput within it. With several callers, the shortest wait counts.
   */
  public declareCallerTimeout(timeout: Duration): void {
    if (!timeout.isUnresolved() && timeout.toMilliseconds() <= 0) {
      throw invalidInput(this, 'timeout', `timeout must be a positive duration (got ${timeout.toHumanString()})`);
    }
    this.callerTimeouts.push(timeout);
  }

  /**
   * The shortest wait declared with `declareCallerTimeout`.
   *
   * @default - undefined until a caller is declared
   */
  public get callerTimeout(): Duration | undefined {
    return shortestKnown(this.callerTimeouts);
  }

  /** Invocations that failed. Sum over 5 minutes. */
  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.lambdaFunction.metricErrors({ period: Duration.minutes(5), ...props });
  }

  /** Invocations Lambda throttled (reserved concurrency reached). Sum over 5 minutes. */
  public metricThrottles(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.lambdaFunction.metricThrottles({ period: Duration.minutes(5), ...props });
  }

  /** Invocation duration, p99 over 5 minutes. */
  public metricDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.lambdaFunction.metricDuration({ statistic: 'p99', period: Duration.minutes(5), ...props });
  }

  /**
   * Init duration of cold starts (loading libraries and models from EFS), in milliseconds,
   * read from the `REPORT` lines of the function's log group by the metric filter the
   * construct creates (for the default text log format). Maximum over 5 minutes.
   */
  public metricInitDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.initDurationMetric.with(props ?? {});
  }

  /**
   * Alarms on errors, throttles, duration near the timeout and slow cold starts.
   * Opt-in; each alarm notifies `alarmTopic` when given.
   */
  public addAlarms(options: FunctionAlarmOptions = {}): cloudwatch.Alarm[] {
    const ratio = options.durationTimeoutRatio ?? 0.8;
    if (!(ratio > 0 && ratio <= 1)) {
      throw invalidInput(this, 'durationTimeoutRatio', `durationTimeoutRatio must be more than 0 and at most 1 (got ${ratio})`);
    }
    this.addedOnce.claim('addAlarms', 'pass every option in that one call');
    const timeoutMs = this.timeout.toMilliseconds();
    const specs: Array<[string, cloudwatch.IMetric, number, string]> = [
      ['ErrorsAlarm', this.metricErrors(), options.errorsThreshold ?? 1, 'The function returned errors.'],
      ['ThrottlesAlarm', this.metricThrottles(), options.throttlesThreshold ?? 1, 'Lambda throttled the function: its reserved concurrency is exhausted.'],
      ['DurationAlarm', this.metricDuration(), Math.floor(timeoutMs * ratio),
        'p99 duration is near the timeout: EFS reads may be slowing down (burst credits, throughput).'],
      ['InitDurationAlarm', this.metricInitDuration(), (options.initDurationThreshold ?? Duration.seconds(10)).toMilliseconds(),
        'Cold starts are slow: loading libraries and models from EFS takes longer than planned.'],
    ];
    return specs.map(([id, metric, threshold, description]) => alarmNotifying(this, id, {
      metric,
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    }, options.alarmTopic));
  }

  /**
   * The command that stops all invocations at once (reserved concurrency 0), for when the
   * file system is out of burst credits and every cold start times out. Undo it by setting
   * the reserved concurrency back (`put-function-concurrency` with the stack's value, or
   * `delete-function-concurrency` when the stack sets none): deploying an unchanged stack
   * does not, because CloudFormation sees no change.
   *
   * The string holds a token for the function's name, which CloudFormation chooses at
   * deploy time: it is only meaningful in a deploy-time value such as a `CfnOutput` (see
   * `addEmergencyThrottleOutput`), not read or printed at synth.
   */
  public emergencyThrottleCommand(): string {
    return `aws lambda put-function-concurrency --function-name ${this.lambdaFunction.functionName} --reserved-concurrent-executions 0`;
  }

  /**
   * A stack output (`EmergencyThrottleCommand`, under this construct) that holds
   * `emergencyThrottleCommand()` with the deployed function's name, so the runbook's
   * command is in the stack's outputs when it is needed. Calling it again returns the same
   * output.
   */
  public addEmergencyThrottleOutput(): CfnOutput {
    this.addedOnce.claim('addEmergencyThrottleOutput', 'use the output the first call returned');
    return new CfnOutput(this, EMERGENCY_THROTTLE_OUTPUT_ID, {
      value: this.emergencyThrottleCommand(),
      description: `Stops every invocation of ${this.node.path} (reserved concurrency 0); undo with put-function-concurrency or delete-function-concurrency`,
    });
  }

  private createExecutionPolicy(role: iam.IRole, options: { mount: FunctionMount; readOnly: boolean }): iam.ManagedPolicy {
    const { mount, readOnly } = options;
    const policy = new iam.ManagedPolicy(this, 'ExecutionPolicy', {
      description: `Logs, VPC networking and ${mount.service.shortName} access through one access point for the function at ${this.mountPath}`,
      roles: [role],
      statements: [
        writeLogsStatement(this.logGroup.logGroupRef.logGroupArn),
        manageVpcNetworkInterfacesStatement(),
        new iam.PolicyStatement({
          sid: 'MountAccessPoint',
          actions: clientActions({ readOnly, service: mount.service }),
          resources: [mount.fileSystemArn],
          conditions: accessPointConditions(mount.accessPointArn, mount.service),
        }),
        // Only when asked: direct reads reach the whole bucket, not the access point's directory.
        ...(mount.directReadBucket ? directReadStatements(mount.directReadBucket) : []),
      ],
    });
    acknowledgeFinding(policy, 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'Lambda needs to create, describe and delete the network interfaces of a VPC function; EC2 Describe* actions have no resource-level '
      + 'permissions and the interfaces do not exist before Lambda creates them (the actions of AWSLambdaVPCAccessExecutionRole). '
      + 'Only Lambda can use them: the statement requires lambda:SourceFunctionArn to be absent, and Lambda sets it on every request made from the function\'s code.');
    if (mount.directReadBucket) {
      acknowledgeFindings(policy, 'AwsSolutions::AwsSolutions-IAM5', [bucketObjectsFinding(mount.directReadBucket)],
        'directS3Read was asked for: Lambda reads the files of the S3 Files file system straight from its bucket, any object of which may be '
        + 'a file (aws-lambda README, "S3 Files Filesystem"); read only (s3:GetObject, s3:GetObjectVersion).');
    }
    return policy;
  }

  private addProvisionedConcurrency(props: EfsBackedFunctionProps): lambda.Alias | undefined {
    if (props.provisionedConcurrency === undefined) {
      return undefined;
    }
    return new lambda.Alias(this, 'Alias', {
      aliasName: props.aliasName ?? 'live',
      version: this.lambdaFunction.currentVersion,
      provisionedConcurrentExecutions: props.provisionedConcurrency,
    });
  }
}

const EMERGENCY_THROTTLE_OUTPUT_ID = 'EmergencyThrottleCommand';

/** True when the user gave security groups and none of them allows all outbound traffic. */
function userGroupsRestrictEgress(groups: ec2.ISecurityGroup[] | undefined): boolean {
  return groups !== undefined && groups.length > 0 && groups.every(group => group.allowAllOutbound === false);
}

/**
 * The metric filter that reads cold starts' init durations from the function's `REPORT` log
 * lines (default text log format), made with the function so that no metric method creates
 * resources. It costs nothing until a cold start matches (CloudWatch bills a custom metric once
 * data is published to it).
 */
function initDurationMetricOf(fn: Construct, logGroup: logs.ILogGroupRef): cloudwatch.Metric {
  const filter = new logs.MetricFilter(fn, 'InitDurationFilter', {
    logGroup,
    // REPORT RequestId: <id> Duration: <ms> ms Billed Duration: <ms> ms Memory Size: <mb> MB Max Memory Used: <mb> MB Init Duration: <ms> ms
    filterPattern: logs.FilterPattern.spaceDelimited(
      'report', 'requestIdLabel', 'requestId', 'durationLabel', 'duration', 'durationUnit',
      'billedLabel', 'billedDurationLabel', 'billedDuration', 'billedUnit',
      'memoryLabel', 'sizeLabel', 'memorySize', 'memoryUnit',
      'maxLabel', 'maxMemoryLabel', 'usedLabel', 'maxMemoryUsed', 'maxMemoryUnit',
      'initLabel', 'initDurationLabel', 'initDuration', 'initUnit',
    ).whereString('report', '=', 'REPORT').whereString('initLabel', '=', 'Init'),
    metricNamespace: 'cdk-lambda-efs',
    // Filter dimensions can only be log fields: one metric name per function instead.
    metricName: `InitDuration-${Names.uniqueId(fn)}`,
    metricValue: '$initDuration',
    unit: cloudwatch.Unit.MILLISECONDS,
  });
  return filter.metric({ statistic: 'Maximum', period: Duration.minutes(5) });
}

/** The shortest of durations known at synth (a token's length is unknown, so it is skipped). */
function shortestKnown(durations: Duration[]): Duration | undefined {
  const known = durations.filter(d => !d.isUnresolved());
  return known.length === 0 ? undefined : known.reduce((a, b) => (b.toMilliseconds() < a.toMilliseconds() ? b : a));
}

/**
 * Lambda's `S3FilesConfig.DirectS3Read` of an S3 Files mount, `ENABLED` or `DISABLED`, set on the
 * function's one file system configuration (as `lambda.FileSystem.fromS3FilesAccessPoint`
 * renders it). Not through `fromS3FilesAccessPoint` itself: it grants `s3files:ClientWrite` on
 * the whole file system to every mount (no read-only mount, no access point scope), and finds
 * the file system, mount targets and security groups in the construct tree (no import).
 */
function setDirectS3Read(fn: lambda.Function, accessPointArn: string, localMountPath: string, enabled: boolean): void {
  (fn.node.defaultChild as lambda.CfnFunction).fileSystemConfigs = [{
    arn: accessPointArn,
    localMountPath,
    s3FilesConfig: { directS3Read: enabled ? 'ENABLED' : 'DISABLED' },
  }];
}

/** Lambda's `FileSystem` takes its configuration only through a subclass. */
class AccessPointMount extends lambda.FileSystem {
  constructor(config: lambda.FileSystemConfig) {
    super(config);
  }
}

function checkFunctionProps(scope: Construct, props: EfsBackedFunctionProps): void {
  checkMountPath(scope, 'mountPath', props.mountPath);
  checkLambdaLimits(scope, props);
  if (props.filesystem) {
    throw invalidInput(scope, ['filesystem', 'accessPoint', 'fileSystem'], 'filesystem must not be set: an EfsBackedFunction mounts exactly one file system, '
      + 'the accessPoint of fileSystem (Lambda allows one file system per function)');
  }
  if (props.snapStart) {
    throw invalidInput(scope, 'snapStart', 'snapStart must not be set: Lambda SnapStart does not support functions that mount Amazon EFS');
  }
  if (isRetiredRuntime(props.runtime)) {
    throw invalidInput(scope, 'runtime', `runtime ${props.runtime.name} has been retired by AWS Lambda and cannot be used for new functions; `
      + `choose a current runtime such as ${lambda.Runtime.PYTHON_3_13.name} or ${lambda.Runtime.NODEJS_22_X.name}`);
  }
  checkHandler(scope, props.handler);
  checkColdStartLoadHasNoFunctionFacts(scope, props);
  if (props.reservedConcurrentExecutions !== undefined && !Token.isUnresolved(props.reservedConcurrentExecutions)
    && props.reservedConcurrentExecutions === 0) {
    throw invalidInput(scope, 'reservedConcurrentExecutions', 'reservedConcurrentExecutions must be at least 1 (got 0): '
      + 'a function with no environments can never run. To stop a function in an emergency, run the command of addEmergencyThrottleOutput() at that time');
  }
  checkIntegerInRange(scope, 'reservedConcurrentExecutions', props.reservedConcurrentExecutions, { min: 1, max: 1_000_000 });
  if (props.aliasName !== undefined) {
    checkAliasName(scope, props.aliasName);
  }
  if (props.provisionedConcurrency !== undefined) {
    checkIntegerInRange(scope, 'provisionedConcurrency', props.provisionedConcurrency, { min: 1, max: 1_000_000 });
    const reserved = props.reservedConcurrentExecutions;
    if (reserved !== undefined && !Token.isUnresolved(reserved) && !Token.isUnresolved(props.provisionedConcurrency)
      && props.provisionedConcurrency > reserved) {
      throw invalidInput(scope, ['provisionedConcurrency', 'reservedConcurrentExecutions'],
        `provisionedConcurrency (${props.provisionedConcurrency}) must not exceed reservedConcurrentExecutions (${reserved}): `
        + 'Lambda cannot keep more environments ready than it may run');
    }
  }
}

/**
 * A function's cold start is bound by its own timeout, callers and provisioned environments:
 * the construct fills those in from the function. Declared in `coldStartLoad` as well, they
 * would replace the function's facts in the plan (a 20 s function planned with a 900 s budget).
 */
function checkColdStartLoadHasNoFunctionFacts(scope: Construct, props: EfsBackedFunctionProps): void {
  // Each fact, where the function takes it from, and the props named there.
  const facts: Array<[keyof ColdStartLoad, string, string[]]> = [
    ['loadWithin', 'timeout', ['timeout']], ['callerTimeout', 'declareCallerTimeout()', []],
    ['onDemandEnvironments', 'provisionedConcurrency and reservedConcurrentExecutions', ['provisionedConcurrency', 'reservedConcurrentExecutions']],
  ];
  for (const [prop, source, sourceProps] of facts) {
    if (props.coldStartLoad?.[prop] !== undefined) {
      throw invalidInput(scope, [`coldStartLoad.${prop}`, ...sourceProps], `coldStartLoad.${prop} must not be set on an EfsBackedFunction: `
        + `it is the function's own, taken from its ${source}; set that instead`);
    }
  }
}

/** Lambda's handler: 1 to 128 characters, no white space (Lambda API Reference, CreateFunction, `Handler`). */
function checkHandler(scope: Construct, handler: string): void {
  if (!Token.isUnresolved(handler) && !/^[^\s]{1,128}$/.test(handler)) {
    throw invalidInput(scope, 'handler', `handler must be 1 to 128 characters without spaces, such as 'app.handler' (got '${handler}')`);
  }
}

/**
 * Lambda's alias names (Lambda API Reference, CreateAlias, `Name`): 1 to 128 letters, digits,
 * `-` and `_`, not only digits (a version number); `$LATEST` names the unpublished version.
 */
function checkAliasName(scope: Construct, aliasName: string): void {
  if (!Token.isUnresolved(aliasName) && (!/^[A-Za-z0-9_-]{1,128}$/.test(aliasName) || /^\d+$/.test(aliasName))) {
    throw invalidInput(scope, 'aliasName', `aliasName must be 1 to 128 letters, digits, '-' or '_', not only digits, such as 'live' (got '${aliasName}')`);
  }
}

/**
 * The function reaches the mount targets only in the file system's region and account (a
 * VPC and its mount targets belong to one of each): both are compared when known at synth.
 */
function checkSameEnvironment(scope: Construct, fileSystem: object): void {
  if (!Construct.isConstruct(fileSystem)) {
    return;
  }
  const [mine, theirs] = [Stack.of(scope), Stack.of(fileSystem)];
  for (const [what, a, b] of [['region', mine.region, theirs.region], ['account', mine.account, theirs.account]]) {
    if (!Token.isUnresolved(a) && !Token.isUnresolved(b) && a !== b) {
      throw invalidInput(scope, [], `${scope.node.path} is in ${what} ${a} and its file system ${fileSystem.node.path} in ${b}: a function mounts `
        + `a file system of its own ${what} only; put the function's stack in ${b}`);
    }
  }
}

/** Different VPC ids (both known, or both tokens of different VPCs) mean the mount targets are out of reach. */
function checkSameVpc(scope: Construct, vpc: ec2.IVpc, fileSystemVpc: ec2.IVpc): void {
  const a = vpc.vpcId;
  const b = fileSystemVpc.vpcId;
  if (a !== b && Token.isUnresolved(a) === Token.isUnresolved(b)) {
    throw invalidInput(scope, 'vpc', `vpc must be the file system's VPC, where its mount targets are (got a different VPC: ${vpc.node.path} instead of ${fileSystemVpc.node.path})`);
  }
}

function checkSubnetsHaveMountTargets(scope: Construct, vpc: ec2.IVpc, vpcSubnets: ec2.SubnetSelection, mountTargetZones: string[]): void {
  if (mountTargetZones.length === 0) {
    return;
  }
  // Zone tokens of one VPC compare equal for equal zones (see SharedFileSystem).
  const subnets = vpc.selectSubnets(vpcSubnets).subnets;
  const outside = subnets.filter(subnet => !mountTargetZones.includes(subnet.availabilityZone));
  if (outside.length > 0) {
    const missing = [...new Set(outside.map(subnet => zoneName(subnet.availabilityZone, subnet)))];
    throw invalidInput(scope, 'vpcSubnets', `vpcSubnets includes subnets in ${missing.join(', ')}, where the file system has no mount target; `
      + `use subnets in ${mountTargetZones.map(zone => zoneName(zone, vpc)).join(', ')}`);
  }
}

type Environment = { [name: string]: string };

function mergeEnvironment(scope: Construct, environment: Environment | undefined, mountEnvironment: Environment | undefined,
  mountPath: string): Environment {
  const merged = { ...environment };
  for (const [name, relativePath] of Object.entries(mountEnvironment ?? {})) {
    if (name in merged) {
      throw invalidInput(scope, `mountEnvironment.${name}`, `mountEnvironment.${name} is also set in environment: set each variable in one of them`);
    }
    if (relativePath.startsWith('/') || relativePath.split('/').includes('..')) {
      throw invalidInput(scope, `mountEnvironment.${name}`, `mountEnvironment.${name} must be a path relative to the mount, without '..' (got '${relativePath}')`);
    }
    merged[name] = relativePath === '' ? mountPath : `${mountPath}/${relativePath}`;
  }
  return merged;
}
