import * as path from 'path';
import { CustomResource, Duration, Size, SizeRoundingBehavior, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, IDependable } from 'constructs';
import { posixAccessPointOptions } from './access-point-options';
import { acknowledgeFinding } from './acknowledgments';
import { AddedOnce } from './add-once';
import { grantClient } from './client-grants';
import { burstCreditBalance, clientConnections, efsMetric, meteredIOBytes, percentIOLimit } from './efs-metrics';
import { addFileSystemAlarms } from './file-system-alarms';
import { acknowledgeInternalFunction, GENERALLY_AVAILABLE_PYTHON } from './internal-functions';
import { retainedLogGroup } from './log-groups';
import { allowNfsFromClient } from './nfs-access';
import { checkEfsId, inPython } from './validation';
import type { FileSystemClient } from '../file-system-client';
import type { FileSystemAlarmOptions, ISharedFileSystem, PosixAccessPointOptions, SharedFileSystemAttributes } from '../shared-file-system-props';

const MOUNT_TARGET_CHECK_ASSETS = path.join(__dirname, '..', '..', 'assets', 'mount-target-check');

/** How long the check waits for mount targets to become available (one Lambda invocation). */
const CHECK_TIMEOUT = Duration.minutes(10);

/**
 * A file system made outside this app (another stack, another tool, another team), as
 * `SharedFileSystem.fromFileSystemAttributes` imports it. Its file system policy and mount
 * targets belong to their owner: grants go into the grantees' identity policies only, and
 * clients wait for a deploy-time check that the mount targets are available.
 */
export class ImportedSharedFileSystem extends Construct implements ISharedFileSystem {
  public readonly fileSystemId: string;
  public readonly fileSystemArn: string;
  public readonly vpc: ec2.IVpc;
  public readonly vpcSubnets: ec2.SubnetSelection;
  public readonly securityGroup: ec2.ISecurityGroup;
  public readonly connections: ec2.Connections;
  public readonly mountTargetAvailabilityZones: string[];
  /** The EFS file system, for efs.AccessPoint. */
  public readonly fileSystem: efs.IFileSystem;
  public readonly throughputMode?: efs.ThroughputMode;

  private readonly clients: FileSystemClient[] = [];
  private readonly addedOnce = new AddedOnce(this);
  private mountTargetCheck?: CustomResource;

  constructor(scope: Construct, id: string, attrs: SharedFileSystemAttributes) {
    super(scope, id);
    checkEfsId('fileSystemId', attrs.fileSystemId, 'fs');
    this.fileSystemId = attrs.fileSystemId;
    this.fileSystemArn = attrs.fileSystemArn ?? Stack.of(this).formatArn({
      service: 'elasticfilesystem',
      resource: 'file-system',
      resourceName: attrs.fileSystemId,
    });
    this.vpc = attrs.vpc;
    this.vpcSubnets = attrs.vpcSubnets ?? { onePerAz: true };
    this.securityGroup = attrs.securityGroup;
    this.connections = new ec2.Connections({ securityGroups: [attrs.securityGroup], defaultPort: ec2.Port.tcp(2049) });
    this.throughputMode = attrs.throughputMode;
    const subnets = attrs.vpc.selectSubnets(this.vpcSubnets).subnets;
    if (subnets.length === 0) {
      throw new Error(`vpcSubnets selects no subnets of the VPC: name the subnets of the file system's mount targets${inPython('vpcSubnets')}`);
    }
    this.mountTargetAvailabilityZones = [...new Set(subnets.map(subnet => subnet.availabilityZone))];
    // efs takes one of the two; the id is what access points name.
    this.fileSystem = efs.FileSystem.fromFileSystemAttributes(this, 'FileSystem', {
      fileSystemId: attrs.fileSystemId,
      securityGroup: attrs.securityGroup,
    });
  }

  /**
   * Completes when a deploy-time check (DescribeMountTargets) has seen an available mount
   * target in each Availability Zone of `vpcSubnets`. Created when a client first needs it.
   */
  public get mountTargetsAvailable(): IDependable {
    this.mountTargetCheck ??= this.createMountTargetCheck();
    return this.mountTargetCheck;
  }

  public addAccessPoint(id: string, options: PosixAccessPointOptions): efs.AccessPoint {
    return new efs.AccessPoint(this, id, { fileSystem: this.fileSystem, ...posixAccessPointOptions(options) });
  }

  public registerClient(client: FileSystemClient): void {
    this.clients.push(client);
  }

  public grantReadWrite(grantee: iam.IGrantable, accessPoint: efs.IAccessPoint): iam.Grant {
    return grantClient(this, { grantee, accessPoint, readOnly: false });
  }

  public grantRead(grantee: iam.IGrantable, accessPoint: efs.IAccessPoint): iam.Grant {
    return grantClient(this, { grantee, accessPoint, readOnly: true });
  }

  /** The file system policy is its owner's: nothing to name in it. */
  public admitPrincipal(_grantee: iam.IGrantable): void {
  }

  public allowMountFrom(client: ec2.IConnectable): void {
    allowNfsFromClient(this, client);
  }

  public addAlarms(options: FileSystemAlarmOptions = {}): cloudwatch.Alarm[] {
    this.addedOnce.claim('addAlarms', 'pass every option in that one call');
    return addFileSystemAlarms({
      scope: this,
      throughputMode: this.throughputMode,
      metricBurstCreditBalance: () => this.metricBurstCreditBalance(),
      metricPercentIOLimit: () => this.metricPercentIOLimit(),
      metricClientConnections: () => this.metricClientConnections(),
      metricProvisionedThroughputUtilization: () => {
        throw new Error(`throughputMode PROVISIONED of an imported file system has no known provisioned rate to alarm on${inPython('throughputMode')}`);
      },
      defaultBurstCreditThreshold: () => defaultBurstCreditThreshold(this.clients),
    }, options);
  }

  public metric(metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return efsMetric(this.fileSystemId, metricName, props);
  }

  public metricBurstCreditBalance(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return burstCreditBalance(this.fileSystemId, props);
  }

  public metricPercentIOLimit(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return percentIOLimit(this.fileSystemId, props);
  }

  public metricClientConnections(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return clientConnections(this.fileSystemId, props);
  }

  public metricMeteredIOBytes(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return meteredIOBytes(this.fileSystemId, props);
  }

  private createMountTargetCheck(): CustomResource {
    const zones = this.mountTargetAvailabilityZones;
    const role = new iam.Role(this, 'MountTargetCheckRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Reads the mount targets of ${this.node.path}`,
    });
    const logGroup = retainedLogGroup(this, 'MountTargetCheckLogs', {
      howToOptIn: 'the logs hold only the file system id and the zones checked',
    });
    const policy = new iam.ManagedPolicy(this, 'MountTargetCheckPolicy', {
      description: `DescribeMountTargets of ${this.node.path}, and its own logs`,
      roles: [role],
      statements: [
        new iam.PolicyStatement({ actions: ['elasticfilesystem:DescribeMountTargets'], resources: [this.fileSystemArn] }),
        new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
      ],
    });
    const fn = new lambda.Function(this, 'MountTargetCheck', {
      description: 'Waits until the imported EFS file system has an available mount target in each Availability Zone (custom resource)',
      runtime: GENERALLY_AVAILABLE_PYTHON,
      handler: 'mount_target_check.handler',
      code: lambda.Code.fromAsset(MOUNT_TARGET_CHECK_ASSETS, { exclude: ['test_*.py', '__pycache__'] }),
      timeout: CHECK_TIMEOUT,
      role,
      logGroup,
      // CloudFormation is its only caller, once per deployment that changes the check.
      retryAttempts: 0,
    });
    fn.node.addDependency(policy);
    acknowledgeInternalFunction(fn);
    const fnResource = fn.node.defaultChild!;
    const outsideVpc = 'The function calls only the EFS API (DescribeMountTargets) and reaches nothing inside the VPC; in the VPC it would '
      + 'need a NAT gateway or an EFS interface endpoint just to call that API.';
    acknowledgeFinding(fnResource, 'NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC', outsideVpc);
    acknowledgeFinding(fnResource, 'cdk-validator-cfnguard::lambda_inside_vpc_check', outsideVpc);
    acknowledgeFinding(fnResource, 'NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ',
      'CloudFormation invokes this function once per change of the check, with retries off; when an invocation fails without answering, '
      + 'the custom resource fails at its ServiceTimeout and the stack rolls back, so a dead-letter queue would hold nothing to act on.');
    return new CustomResource(this, 'MountTargetsAvailable', {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::EfsMountTargetsAvailable',
      properties: { FileSystemId: this.fileSystemId, AvailabilityZones: zones },
      serviceTimeout: CHECK_TIMEOUT.plus(Duration.minutes(1)),
    });
  }
}

/** Ten of the largest declared cold starts, else 100 GiB (as SharedFileSystem's default). */
function defaultBurstCreditThreshold(clients: FileSystemClient[]): Size {
  const largest = Math.max(0, ...clients.map(c => c.coldStartLoad?.bytesPerColdStart.toGibibytes({ rounding: SizeRoundingBehavior.NONE }) ?? 0));
  return Size.gibibytes(largest > 0 ? Math.ceil(largest * 10) : 100);
}
