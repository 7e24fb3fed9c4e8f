import { Duration, Size, SizeRoundingBehavior } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IDependable } from 'constructs';
import { AddedOnce } from './add-once';
import { allColdStarts } from './capacity-warnings';
import { grantClient } from './client-grants';
import { burstCreditBalance, clientConnections, efsMetric, meteredIOBytes, percentIOLimit } from './efs-metrics';
import { invalidInput } from './errors';
import { addFileSystemAlarms } from './file-system-alarms';
import { allowNfsFromClient } from './nfs-access';
import type { ExpectedLoad } from '../cold-start-load';
import type { FileSystemClient } from '../file-system-client';
import type { FileSystemAlarmOptions, ISharedFileSystem, PosixAccessPointOptions } from '../shared-file-system-props';

/**
 * What a shared EFS file system does the same whether this app made it (`SharedFileSystem`) or
 * imported it (`SharedFileSystem.fromFileSystemAttributes`), as aws-efs's `FileSystemBase`:
 * clients, grants, NFS access, metrics and alarms. A subclass supplies only what differs: its
 * facts, its access points, its perimeter, and when its mount targets can be mounted.
 *
 * Not exported from the package (`@internal`): jsii copies these members into each exported subclass.
 *
 * @internal
 */
export abstract class SharedFileSystemBase extends Construct implements ISharedFileSystem {
  public abstract readonly fileSystemId: string;
  public abstract readonly fileSystemArn: string;
  public abstract readonly vpc: ec2.IVpc;
  public abstract readonly vpcSubnets: ec2.SubnetSelection;
  public abstract readonly securityGroup: ec2.ISecurityGroup;
  public abstract readonly connections: ec2.Connections;
  public abstract readonly mountTargetsAvailable: IDependable;
  public abstract readonly mountTargetAvailabilityZones: string[];

  /** The throughput mode, when known (an import may not say). */
  public abstract readonly throughputMode?: efs.ThroughputMode;

  /** The provisioned rate, with `ThroughputMode.PROVISIONED`, when known. */
  public abstract readonly provisionedThroughputPerSecond?: Size;

  /** The load declared on the file system itself (only one made here can declare it). */
  public abstract readonly expectedLoad?: ExpectedLoad;

  /**
   * The clients registered so far: their reserved concurrency and cold-start loads.
   *
   * @internal
   */
  protected readonly _clients: FileSystemClient[] = [];
  private readonly addedOnce = new AddedOnce(this);

  public abstract addAccessPoint(id: string, options: PosixAccessPointOptions): efs.AccessPoint;
  public abstract admitPrincipal(grantee: iam.IGrantable): void;

  public registerClient(client: FileSystemClient): void {
    this._clients.push(client);
  }

  public grantReadWrite(grantee: iam.IGrantable, accessPoint: efs.IAccessPoint): iam.Grant {
    return grantClient(this, { grantee, accessPoint, readOnly: false });
  }

  public grantRead(grantee: iam.IGrantable, accessPoint: efs.IAccessPoint): iam.Grant {
    return grantClient(this, { grantee, accessPoint, readOnly: true });
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

  /**
   * Metered throughput as a percentage of the provisioned rate (Provisioned mode, with the rate
   * known: given to `SharedFileSystem`, or to the import).
   */
  public metricProvisionedThroughputUtilization(): cloudwatch.MathExpression {
    const provisioned = this.provisionedThroughputPerSecond?.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    if (this.throughputMode !== efs.ThroughputMode.PROVISIONED || provisioned === undefined) {
      const rate = provisioned === undefined ? 'unknown' : `${provisioned} MiB/s`;
      throw invalidInput(this, ['metricProvisionedThroughputUtilization', 'throughputMode', 'provisionedThroughputPerSecond'],
        'metricProvisionedThroughputUtilization needs throughputMode PROVISIONED and provisionedThroughputPerSecond '
        + `(got throughputMode '${this.throughputMode ?? 'unknown'}', provisionedThroughputPerSecond ${rate})`);
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
    this.addedOnce.claim('addAlarms', 'pass every option in that one call');
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

  /** Enough credits for ten of the largest declared cold starts (the file system's and its clients'), else 100 GiB. */
  private defaultBurstCreditThreshold(): Size {
    const largest = Math.max(0, ...allColdStarts({ expectedLoad: this.expectedLoad, clients: this._clients })
      .map(c => c.bytesPerColdStart.toGibibytes({ rounding: SizeRoundingBehavior.NONE })));
    return Size.gibibytes(largest > 0 ? Math.ceil(largest * 10) : 100);
  }
}
