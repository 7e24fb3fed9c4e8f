import { Duration, Lazy, RemovalPolicy, Size, SizeRoundingBehavior, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IDependable } from 'constructs';
import { FileSystemClient } from './file-system-client';
import { posixAccessPointOptions } from './private/access-point-options';
import { acknowledgeFinding } from './private/acknowledgments';
import { addCapacityWarnings, allColdStarts, CapacityCheckInput, planFor } from './private/capacity-warnings';
import { grantClient } from './private/client-grants';
import { MAX_CLIENT_CONNECTIONS, NFS_PORT } from './private/efs-limits';
import { addFileSystemAlarms } from './private/file-system-alarms';
import { burstCreditBalance, clientConnections, efsMetric, meteredIOBytes, percentIOLimit } from './private/efs-metrics';
import { fileSystemPolicy, perimeterArnsOf } from './private/file-system-policy';
import { ImportedSharedFileSystem } from './private/imported-shared-file-system';
import { allowNfsFromClient } from './private/nfs-access';
import { checkEfsId, inPython } from './private/validation';
import { zoneName } from './private/zones';
import { ExpectedLoad, ThroughputPlan } from './throughput-planner';

/**
 * Options for an access point that fixes the POSIX identity of every client.
 */
export interface PosixAccessPointOptions {
  /**
   * The directory of the file system that clients of this access point see as `/`.
   * EFS creates it, with `creationInfo`, when it does not exist yet.
   */
  readonly path: string;

  /** The POSIX user id every file operation through this access point runs as. */
  readonly uid: string;

  /** The POSIX group id every file operation through this access point runs as. */
  readonly gid: string;

  /**
   * Secondary POSIX group ids.
   *
   * @default - none
   */
  readonly secondaryGids?: string[];

  /**
   * Owner uid of `path` when EFS creates it.
   *
   * @default - the access point's `uid`
   */
  readonly ownerUid?: string;

  /**
   * Owner gid of `path` when EFS creates it.
   *
   * @default - the access point's `gid`
   */
  readonly ownerGid?: string;

  /**
   * Permission bits of `path` when EFS creates it, as a 3 or 4 digit octal string.
   *
   * @default '750'
   */
  readonly permissions?: string;

  /**
   * Accept uid, gid or a secondary gid `0` (root) or path `/` (the whole file system). Such
   * an access point lets its clients read and change every file other clients keep, so it is
   * refused unless you say so here.
   *
   * @default false
   */
  readonly allowRoot?: boolean;
}

/**
 * Options of {@link SharedFileSystem.allowMountFromCidr}.
 */
export interface CidrMountOptions {
  /**
   * Accept a range that covers every address (`0.0.0.0/0`, `::/0`): NFS from anywhere the
   * VPC routes, guarded only by IAM and the file system policy.
   *
   * @default false
   */
  readonly allowAnyAddress?: boolean;
}

/**
 * What functions and other clients need to know of a shared file system to mount it.
 */
export interface ISharedFileSystem extends ec2.IConnectable {
  /** The id of the EFS file system. */
  readonly fileSystemId: string;

  /** The ARN of the EFS file system. */
  readonly fileSystemArn: string;

  /** The VPC of the mount targets. */
  readonly vpc: ec2.IVpc;

  /** The subnets the mount targets are in; clients should use the same. */
  readonly vpcSubnets: ec2.SubnetSelection;

  /** The security group of the mount targets. */
  readonly securityGroup: ec2.ISecurityGroup;

  /** Completes when every mount target can be mounted. */
  readonly mountTargetsAvailable: IDependable;

  /**
   * The Availability Zones that have a mount target, as the VPC names them (tokens in an
   * environment-agnostic stack).
   */
  readonly mountTargetAvailabilityZones: string[];

  /**
   * Tell the file system's capacity checks about a client (done by EfsBackedFunction):
   * its reserved concurrency counts against the EFS connection limit, its cold-start load
   * against the throughput plan.
   */
  registerClient(client: FileSystemClient): void;

  /**
   * Let `grantee` mount `accessPoint` and write through it. `accessPoint` must be one of this
   * file system's (an error at synth names both otherwise; one imported by id alone is taken as is).
   */
  grantReadWrite(grantee: iam.IGrantable, accessPoint: efs.IAccessPoint): iam.Grant;

  /**
   * Let `grantee` mount `accessPoint` read-only. `accessPoint` must be one of this file
   * system's, as for `grantReadWrite`.
   */
  grantRead(grantee: iam.IGrantable, accessPoint: efs.IAccessPoint): iam.Grant;

  /**
   * Name `grantee`'s role in the file system policy's perimeter, so that it is not denied
   * (grants do this; EfsBackedFunction calls it for its role, whose permissions it writes
   * itself). It gives no permission by itself. The policy spares roles by name, never by a
   * reference to the role: a role of the app without a `roleName` is given one (its stack,
   * construct path and region), so that nothing the app makes depend on what can form a cycle.
   */
  admitPrincipal(grantee: iam.IGrantable): void;

  /** Add an access point that runs every operation as one POSIX user, confined to `path`. */
  addAccessPoint(id: string, options: PosixAccessPointOptions): efs.AccessPoint;

  /**
   * Let EC2 instances, ECS services or anything else with a security group mount the file
   * system (NFS), with the rule in the client's stack.
   */
  allowMountFrom(client: ec2.IConnectable): void;

  /** The throughput mode, when known (an import may leave it out). */
  readonly throughputMode?: efs.ThroughputMode;

  /** The file system's alarms (see `SharedFileSystem.addAlarms`). */
  addAlarms(options?: FileSystemAlarmOptions): cloudwatch.Alarm[];

  /** An `AWS/EFS` metric of this file system. */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** Burst credits left, in bytes (Bursting mode). Minimum over 5 minutes. */
  metricBurstCreditBalance(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** How close the file system is to its I/O limit, in percent. Maximum over 5 minutes. */
  metricPercentIOLimit(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** Connected NFS clients (one per Lambda execution environment). Sum over 1 minute. */
  metricClientConnections(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** Bytes of metered I/O (what throughput limits count). Sum over 1 minute. */
  metricMeteredIOBytes(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/**
 * What {@link SharedFileSystem.fromFileSystemAttributes} needs to know of a file system made
 * outside this app.
 */
export interface SharedFileSystemAttributes {
  /** The id of the EFS file system (`fs-...`). */
  readonly fileSystemId: string;

  /** The security group of its mount targets: clients are let in there, on NFS. */
  readonly securityGroup: ec2.ISecurityGroup;

  /** The VPC of its mount targets. */
  readonly vpc: ec2.IVpc;

  /**
   * The subnets of its mount targets, one per Availability Zone. Clients run in these
   * subnets by default, and wait at deploy time for an available mount target in each of
   * their zones.
   *
   * @default - one subnet per Availability Zone of the VPC's private subnets (with egress, else isolated, else public)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The ARN of the file system.
   *
   * @default - built from `fileSystemId` with the importing stack's account and region
   */
  readonly fileSystemArn?: string;

  /**
   * Its throughput mode, for `addAlarms`: Bursting adds the burst-credit alarm.
   *
   * @default - unknown: no burst-credit alarm
   */
  readonly throughputMode?: efs.ThroughputMode;
}

/**
 * What {@link SharedFileSystem.fromAccessPointAttributes} needs to know of an existing access point.
 */
export interface SharedAccessPointAttributes {
  /** The id of the access point (`fsap-...`). */
  readonly accessPointId: string;

  /** The file system the access point belongs to (a `SharedFileSystem` or an import of one). */
  readonly fileSystem: ISharedFileSystem;
}

/**
 * Properties of a {@link SharedFileSystem}.
 */
export interface SharedFileSystemProps {
  /** The VPC to create the mount targets in. */
  readonly vpc: ec2.IVpc;

  /**
   * The subnets for the mount targets, one per Availability Zone.
   *
   * @default - one subnet per Availability Zone of the VPC's private subnets (with egress, else isolated, else public)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The security group of the mount targets.
   *
   * @default - a new security group that allows nothing until clients are granted
   */
  readonly securityGroup?: ec2.ISecurityGroup;

  /**
   * A customer-managed KMS key for encryption at rest.
   *
   * @default - encrypted with the AWS managed key `aws/elasticfilesystem`
   */
  readonly kmsKey?: kms.IKey;

  /**
   * What happens to the file system (and its data) when it leaves the stack.
   *
   * The default keeps it on update and delete but not when its own create rolls back, so a
   * failed first deploy leaves no empty file system behind (CloudFormation `RetainExceptOnCreate`,
   * CloudFormation User Guide, "DeletionPolicy attribute").
   *
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Daily automatic backups with AWS Backup's default EFS plan.
   *
   * @default true
   */
  readonly automaticBackups?: boolean;

  /**
   * The throughput mode. Elastic scales with the workload and bills for what is used;
   * Bursting earns credits in proportion to the data stored; Provisioned bills a fixed rate.
   *
   * @default efs.ThroughputMode.ELASTIC
   */
  readonly throughputMode?: efs.ThroughputMode;

  /**
   * The throughput to provision, at least 1 MiB/s. Only with `ThroughputMode.PROVISIONED`.
   *
   * @default - none
   */
  readonly provisionedThroughputPerSecond?: Size;

  /**
   * The load you expect: data stored, steady rates, cold starts of clients other than
   * EfsBackedFunctions (which declare their own `coldStartLoad`). Synth warns when the
   * throughput mode cannot sustain the load, loads a cold start past its budget, or a
   * provisioned rate is far above the need.
   *
   * @default - the functions' cold starts are still planned, on what the largest of them reads
   */
  readonly expectedLoad?: ExpectedLoad;

  /**
   * Move files not read for this long to the Infrequent Access storage class.
   *
   * @default - files stay in Standard storage
   */
  readonly transitionToInfrequentAccess?: efs.LifecyclePolicy;

  /**
   * Deny every client that mounts the file system without an access point, so that all
   * access runs as an access point's POSIX user inside its root directory. Turn off to
   * let an administrator's instance mount the whole file system (its role still needs an
   * identity policy that allows it, and `admitPrincipal` to pass the perimeter).
   *
   * @default true
   */
  readonly requireAccessPoint?: boolean;

  /**
   * Deny every principal the stack did not grant (with `grantRead`, `grantReadWrite`, an
   * EfsBackedFunction or `admitPrincipal`), even one whose identity policy allows the EFS
   * client actions, such as an administrator. Turn off to let such principals mount.
   *
   * @default true
   */
  readonly restrictToGrantedPrincipals?: boolean;

  /**
   * Accept mount targets in public subnets (subnets routed to an internet gateway).
   *
   * @default false
   */
  readonly allowPublicSubnets?: boolean;

  /**
   * A name for the file system (its `Name` tag).
   *
   * @default - the construct path
   */
  readonly fileSystemName?: string;
}

/**
 * Options of {@link SharedFileSystem.addAlarms}.
 */
export interface FileSystemAlarmOptions {
  /**
   * Notify this topic when an alarm fires. A topic of another stack (a monitoring stack)
   * gets the alarms in its own stack, so that the file system's stack does not depend on it.
   *
   * @default - no action
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Alarm when burst credits fall below this (Bursting mode only).
   *
   * @default - ten of the largest declared cold starts (of every function at synth, also those added after the alarms), else 100 GiB
   */
  readonly burstCreditBalanceThreshold?: Size;

  /**
   * Alarm at this PercentIOLimit.
   *
   * @default 90
   */
  readonly percentIOLimitThreshold?: number;

  /**
   * Alarm at this many client connections.
   *
   * @default 20000 (80% of `SharedFileSystem.MAX_CLIENT_CONNECTIONS`, the EFS limit of 25,000)
   */
  readonly clientConnectionsThreshold?: number;

  /**
   * Alarm at this percentage of the provisioned throughput (Provisioned mode only).
   *
   * @default 80
   */
  readonly provisionedThroughputUtilizationThreshold?: number;
}

/**
 * An EFS file system for Lambda functions (and other NFS clients) to share.
 *
 * Encrypted, retained on stack deletion, backed up, Elastic throughput, with mount targets
 * in the private subnets and a file system policy that denies access without TLS, access
 * outside the mount targets, (by default) access without an access point and access by any
 * principal the stack did not grant. Clients get in through POSIX access points and grants
 * scoped to them.
 */
export class SharedFileSystem extends Construct implements ISharedFileSystem {
  /** NFS, the only port EFS mount targets listen on (TCP). */
  public static readonly NFS_PORT = NFS_PORT;

  /**
   * The NFS client connections EFS allows per file system. Each Lambda execution
   * environment that mounts the file system holds one, so the reserved concurrency of its
   * functions should add up to less (synth warns otherwise: `SynthWarnings.CLIENT_CONNECTION_LIMIT`).
   */
  public static readonly MAX_CLIENT_CONNECTIONS = MAX_CLIENT_CONNECTIONS;

  /**
   * A file system made outside this app (another stack, another tool, another team), for
   * `EfsBackedFunction`, `EfsDependencyInstaller`, grants, access points and alarms. Its file
   * system policy stays its owner's: grants go into the grantees' identity policies, scoped
   * to one access point as for a file system of this app. Clients wait at deploy time
   * until it has an available mount target in each Availability Zone of `vpcSubnets`.
   */
  public static fromFileSystemAttributes(scope: Construct, id: string, attrs: SharedFileSystemAttributes): ISharedFileSystem {
    return new ImportedSharedFileSystem(scope, id, attrs);
  }

  /**
   * An existing access point of `attrs.fileSystem`: EfsBackedFunction and grants scope
   * permissions to it, and refuse it with another file system.
   */
  public static fromAccessPointAttributes(scope: Construct, id: string, attrs: SharedAccessPointAttributes): efs.IAccessPoint {
    checkEfsId('accessPointId', attrs.accessPointId, 'fsap');
    const fileSystem = attrs.fileSystem;
    const efsFileSystem = fileSystem instanceof SharedFileSystem || fileSystem instanceof ImportedSharedFileSystem
      ? fileSystem.fileSystem
      : efs.FileSystem.fromFileSystemAttributes(scope, `${id}FileSystem`, {
        fileSystemId: fileSystem.fileSystemId,
        securityGroup: fileSystem.securityGroup,
      });
    return efs.AccessPoint.fromAccessPointAttributes(scope, id, { accessPointId: attrs.accessPointId, fileSystem: efsFileSystem });
  }

  /** The EFS file system. */
  public readonly fileSystem: efs.FileSystem;
  public readonly fileSystemId: string;
  public readonly fileSystemArn: string;
  public readonly vpc: ec2.IVpc;
  public readonly vpcSubnets: ec2.SubnetSelection;
  public readonly securityGroup: ec2.ISecurityGroup;
  public readonly connections: ec2.Connections;
  public readonly mountTargetsAvailable: IDependable;
  public readonly mountTargetAvailabilityZones: string[];

  /** The access points added with `addAccessPoint`. */
  public readonly accessPoints: efs.AccessPoint[] = [];

  /** The throughput mode. */
  public readonly throughputMode: efs.ThroughputMode;

  /** The provisioned throughput, with `ThroughputMode.PROVISIONED`. */
  public readonly provisionedThroughputPerSecond?: Size;

  /** The load declared in `expectedLoad`. */
  public readonly expectedLoad?: ExpectedLoad;

  private readonly clients: FileSystemClient[] = [];
  private readonly grantedPrincipalArns: string[] = [];
  private readonly addedPolicy = new iam.PolicyDocument();

  constructor(scope: Construct, id: string, props: SharedFileSystemProps) {
    super(scope, id);
    checkThroughput(props.throughputMode, props.provisionedThroughputPerSecond);

    this.vpc = props.vpc;
    this.vpcSubnets = props.vpcSubnets ?? { onePerAz: true };
    const selected = props.vpc.selectSubnets(this.vpcSubnets);
    if (selected.subnets.length === 0) {
      throw new Error(`vpcSubnets selects no subnets of the VPC: SharedFileSystem needs at least one subnet for a mount target${inPython('vpcSubnets')}`);
    }
    // One mount target per Availability Zone: EFS rejects a second one in the same zone.
    // Zone names may be tokens (environment-agnostic stacks), but subnets of one VPC in
    // the same zone share the same token, so comparing the strings still works.
    const zones = selected.subnets.map(subnet => subnet.availabilityZone);
    if (new Set(zones).size !== zones.length) {
      throw new Error(`vpcSubnets must select at most one subnet per Availability Zone (got zones ${selected.subnets.map(subnet => zoneName(subnet.availabilityZone, subnet)).join(', ')}); add onePerAz: true${inPython('vpcSubnets', 'onePerAz')}`);
    }
    this.mountTargetAvailabilityZones = zones;
    if (!props.allowPublicSubnets) {
      checkNoPublicSubnet(props.vpc, selected.subnets);
    }

    this.securityGroup = props.securityGroup ?? new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'EFS mount targets: NFS from granted clients only',
      allowAllOutbound: false,
    });

    this.throughputMode = props.throughputMode ?? efs.ThroughputMode.ELASTIC;
    this.provisionedThroughputPerSecond = props.provisionedThroughputPerSecond;
    this.expectedLoad = props.expectedLoad;
    const automaticBackups = props.automaticBackups ?? true;
    this.fileSystem = new efs.FileSystem(this, 'FileSystem', {
      vpc: props.vpc,
      vpcSubnets: this.vpcSubnets,
      securityGroup: this.securityGroup,
      encrypted: true,
      kmsKey: props.kmsKey,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      enableAutomaticBackups: automaticBackups,
      throughputMode: this.throughputMode,
      provisionedThroughputPerSecond: props.provisionedThroughputPerSecond,
      lifecyclePolicy: props.transitionToInfrequentAccess,
      fileSystemName: props.fileSystemName,
      // Receives what users add with fileSystem.addToResourcePolicy; merged below.
      fileSystemPolicy: this.addedPolicy,
      // We write the whole policy ourselves. Leaving this unset would let CDK add, under a
      // feature flag, an Allow of ClientWrite and ClientRootAccess to any principal.
      allowAnonymousAccess: true,
    });
    // The perimeter names every granted role, and grants come after the file system (even
    // from other stacks): the policy is rendered at synth, from the grants made by then.
    const policyOptions = {
      requireAccessPoint: props.requireAccessPoint ?? true,
      restrictToGrantedPrincipals: props.restrictToGrantedPrincipals ?? true,
    };
    (this.fileSystem.node.defaultChild as efs.CfnFileSystem).fileSystemPolicy = Lazy.any({
      produce: () => {
        const ours = fileSystemPolicy({ ...policyOptions, grantedPrincipalArns: this.grantedPrincipalArns }).toJSON();
        const added = this.addedPolicy.isEmpty ? [] : this.addedPolicy.toJSON().Statement;
        return { ...ours, Statement: [...ours.Statement, ...added] };
      },
    });
    this.fileSystemId = this.fileSystem.fileSystemId;
    this.fileSystemArn = this.fileSystem.fileSystemArn;
    this.connections = this.fileSystem.connections;
    this.mountTargetsAvailable = this.fileSystem.mountTargetsAvailable;

    // The checks need every client, so they run at synth, once the app is complete.
    this.node.addValidation({ validate: () => { addCapacityWarnings(this.capacityCheckInput()); return []; } });

    if (automaticBackups) {
      acknowledgeFinding(this.fileSystem, 'NIST.800.53.R5::NIST.800.53.R5-EFSInBackupPlan',
        'Automatic backups are on (BackupPolicy ENABLED): EFS enrolls the file system in the AWS Backup plan aws/efs/automatic-backup-plan, which AWS creates outside this template.');
    }
  }

  /**
   * Add an access point that runs every operation as one POSIX user, confined to `path`.
   */
  public addAccessPoint(id: string, options: PosixAccessPointOptions): efs.AccessPoint {
    const accessPoint = this.fileSystem.addAccessPoint(id, posixAccessPointOptions(options));
    this.accessPoints.push(accessPoint);
    return accessPoint;
  }

  public registerClient(client: FileSystemClient): void {
    this.clients.push(client);
  }

  /** The throughput plan for `expectedLoad` and the registered clients' cold starts; undefined when neither is declared. */
  public throughputPlan(): ThroughputPlan | undefined {
    return planFor(this.capacityCheckInput());
  }

  /** An `AWS/EFS` metric of this file system. */
  public metric(metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return efsMetric(this.fileSystemId, metricName, props);
  }

  /** Burst credits left, in bytes (Bursting mode). Minimum over 5 minutes. */
  public metricBurstCreditBalance(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return burstCreditBalance(this.fileSystemId, props);
  }

  /** How close the file system is to its I/O limit (General Purpose mode), in percent. Maximum over 5 minutes. */
  public metricPercentIOLimit(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return percentIOLimit(this.fileSystemId, props);
  }

  /** Connected NFS clients (one per Lambda execution environment). Sum over 1 minute. */
  public metricClientConnections(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return clientConnections(this.fileSystemId, props);
  }

  /** Bytes of metered I/O (what throughput limits count). Sum over 1 minute. */
  public metricMeteredIOBytes(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return meteredIOBytes(this.fileSystemId, props);
  }

  /** Metered throughput as a percentage of the provisioned rate (Provisioned mode). */
  public metricProvisionedThroughputUtilization(): cloudwatch.MathExpression {
    const provisioned = this.provisionedThroughputPerSecond?.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    if (this.throughputMode !== efs.ThroughputMode.PROVISIONED || provisioned === undefined) {
      throw new Error(`metricProvisionedThroughputUtilization needs throughputMode PROVISIONED (got '${this.throughputMode}')`
        + inPython('metricProvisionedThroughputUtilization', 'throughputMode'));
    }
    return new cloudwatch.MathExpression({
      expression: `100 * (bytes / PERIOD(bytes)) / 1048576 / ${provisioned}`,
      usingMetrics: { bytes: this.metricMeteredIOBytes() },
      label: `Metered throughput, % of ${provisioned} MiB/s provisioned`,
      period: Duration.minutes(1),
    });
  }

  /**
   * Alarms for what pages people at 2 a.m.: burst credits running out (Bursting), the I/O
   * limit, client connections near the EFS limit and throughput near the provisioned rate
   * (Provisioned). Opt-in; each alarm notifies `alarmTopic` when given.
   */
  public addAlarms(options: FileSystemAlarmOptions = {}): cloudwatch.Alarm[] {
    return addFileSystemAlarms({
      scope: this,
      throughputMode: this.throughputMode,
      metricBurstCreditBalance: () => this.metricBurstCreditBalance(),
      metricPercentIOLimit: () => this.metricPercentIOLimit(),
      metricClientConnections: () => this.metricClientConnections(),
      metricProvisionedThroughputUtilization: () => this.metricProvisionedThroughputUtilization(),
      defaultBurstCreditThreshold: () => this.defaultBurstCreditThreshold(),
    }, options);
  }

  /** Enough credits for ten of the largest declared cold starts, else 100 GiB. */
  private defaultBurstCreditThreshold(): Size {
    const largest = Math.max(0, ...allColdStarts(this.capacityCheckInput())
      .map(c => c.bytesPerColdStart.toGibibytes({ rounding: SizeRoundingBehavior.NONE })));
    return Size.gibibytes(largest > 0 ? Math.ceil(largest * 10) : 100);
  }

  private capacityCheckInput(): CapacityCheckInput {
    return {
      fileSystem: this.fileSystem,
      throughputMode: this.throughputMode,
      provisionedThroughput: this.provisionedThroughputPerSecond,
      expectedLoad: this.expectedLoad,
      clients: this.clients,
    };
  }

  public grantReadWrite(grantee: iam.IGrantable, accessPoint: efs.IAccessPoint): iam.Grant {
    return grantClient(this, grantee, accessPoint, false);
  }

  public grantRead(grantee: iam.IGrantable, accessPoint: efs.IAccessPoint): iam.Grant {
    return grantClient(this, grantee, accessPoint, true);
  }

  /**
   * Let EC2 instances, ECS/Fargate services or anything else with a security group mount the
   * file system (NFS, TCP 2049). The ingress rule is created in the client's stack, and a
   * client construct waits for the mount targets, so the client may live in another stack.
   * They still need a grant for an access point.
   */
  public allowMountFrom(client: ec2.IConnectable): void {
    allowNfsFromClient(this, client);
  }

  /**
   * Let an address range, such as an on-premises network reached over VPN or Direct
   * Connect, mount the file system (NFS, TCP 2049).
   */
  public allowMountFromCidr(cidr: string, options: CidrMountOptions = {}): void {
    if (!Token.isUnresolved(cidr) && /\/0+$/.test(cidr.trim()) && !options.allowAnyAddress) {
      throw new Error(`cidr must not cover every address (got '${cidr}'): name the network that mounts, such as '10.20.0.0/16', `
        + `or pass allowAnyAddress: true to accept it${inPython('allowAnyAddress')}`);
    }
    const peer = !Token.isUnresolved(cidr) && cidr.includes(':') ? ec2.Peer.ipv6(cidr) : ec2.Peer.ipv4(cidr);
    this.connections.allowFrom(peer, ec2.Port.tcp(NFS_PORT), `NFS from ${cidr}`);
  }

  public admitPrincipal(grantee: iam.IGrantable): void {
    // Patterns may hold tokens (a generated role name ends with the region): compare them resolved.
    const resolved = (arn: string) => JSON.stringify(Stack.of(this).resolve(arn));
    const known = new Set(this.grantedPrincipalArns.map(resolved));
    this.grantedPrincipalArns.push(...perimeterArnsOf(this, grantee).filter(arn => !known.has(resolved(arn))));
  }

  /**
   * Grants go into the grantee's identity policy, scoped to the access point, and name the
   * grantee's role in the file system policy's perimeter. The file system policy cannot
   * name the access point: CloudFormation sets the policy on the file system resource,
   * which every access point depends on, so naming one is a cycle (see file-system-policy.ts).
   */}

/** Mount targets in a subnet routed to an internet gateway are one security group rule away from the internet. */
function checkNoPublicSubnet(vpc: ec2.IVpc, subnets: ec2.ISubnet[]): void {
  const publicIds = new Set(vpc.publicSubnets.map(subnet => subnet.subnetId));
  const exposed = subnets.filter(subnet => publicIds.has(subnet.subnetId));
  if (exposed.length > 0) {
    throw new Error(`vpcSubnets must not select public subnets for mount targets (got ${exposed.map(subnet => subnet.node.path).join(', ')}): `
      + 'select private or isolated subnets (subnetType PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED), '
      + `or pass allowPublicSubnets: true to accept them${inPython('vpcSubnets', 'subnetType', 'allowPublicSubnets')}`);
  }
}

function checkThroughput(mode: efs.ThroughputMode | undefined, rate: Size | undefined): void {
  const accepted = `one of ${Object.values(efs.ThroughputMode).join(', ')}`;
  if (mode !== undefined && !Object.values(efs.ThroughputMode).includes(mode)) {
    throw new Error(`throughputMode must be ${accepted} (got '${mode}')${inPython('throughputMode')}`);
  }
  if (mode === efs.ThroughputMode.PROVISIONED) {
    if (rate === undefined) {
      throw new Error('provisionedThroughputPerSecond is required when throughputMode is PROVISIONED (at least 1 MiB/s)'
        + inPython('provisionedThroughputPerSecond', 'throughputMode'));
    }
    const mebibytes = rate.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    if (!Token.isUnresolved(mebibytes) && mebibytes < 1) {
      throw new Error(`provisionedThroughputPerSecond must be at least 1 MiB/s (got ${mebibytes} MiB/s)${inPython('provisionedThroughputPerSecond')}`);
    }
  } else if (rate !== undefined) {
    throw new Error(`provisionedThroughputPerSecond is only used with throughputMode PROVISIONED (got throughputMode '${mode ?? efs.ThroughputMode.ELASTIC}')`
      + inPython('provisionedThroughputPerSecond', 'throughputMode'));
  }
}
