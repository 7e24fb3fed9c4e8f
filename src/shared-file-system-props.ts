import { RemovalPolicy, Size } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IDependable } from 'constructs';
import { ExpectedLoad } from './cold-start-load';
import { FileSystemClient } from './file-system-client';

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
 * Options of `SharedFileSystem.allowMountFromCidr`.
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
 * What `SharedFileSystem.fromFileSystemAttributes` needs to know of a file system made
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

  /**
   * Its provisioned throughput, with `throughputMode` PROVISIONED: `addAlarms` then adds the
   * alarm on throughput near that rate (without it, `addAlarms` refuses a PROVISIONED import).
   *
   * @default - unknown
   */
  readonly provisionedThroughputPerSecond?: Size;

  /**
   * Whether clients wait, at deploy time, until the file system has an available mount target
   * in each Availability Zone of `vpcSubnets`. The import then makes the check: a Lambda
   * function that calls DescribeMountTargets, its role and log group, and a custom resource
   * that clients depend on. Turn it off for an import used only for metrics, alarms or a
   * dashboard, or whose mount targets are known to exist before the app deploys.
   *
   * @default true
   */
  readonly waitForMountTargets?: boolean;
}

/**
 * What `SharedFileSystem.fromAccessPointAttributes` needs to know of an existing access point.
 */
export interface SharedAccessPointAttributes {
  /** The id of the access point (`fsap-...`). */
  readonly accessPointId: string;

  /** The file system the access point belongs to (a `SharedFileSystem` or an import of one). */
  readonly fileSystem: ISharedFileSystem;
}

/**
 * Properties of a `SharedFileSystem`.
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
 * Options of `SharedFileSystem.addAlarms`.
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
