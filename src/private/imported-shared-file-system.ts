import * as path from 'path';
import { CustomResource, Duration, Size, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, DependencyGroup, IDependable } from 'constructs';
import { posixAccessPointOptions } from './access-point-options';
import { acknowledgeFinding } from './acknowledgments';
import { invalidInput } from './errors';
import { acknowledgeInternalFunction, GENERALLY_AVAILABLE_PYTHON } from './internal-functions';
import { writeLogsStatement } from './lambda-vpc-statements';
import { retainedLogGroup } from './log-groups';
import { SharedFileSystemBase } from './shared-file-system-base';
import { checkEfsId } from './validation';
import type { PosixAccessPointOptions, SharedFileSystemAttributes } from '../shared-file-system-props';

const MOUNT_TARGET_CHECK_ASSETS = path.join(__dirname, '..', '..', 'assets', 'mount-target-check');

/** How long the check waits for mount targets to become available (one Lambda invocation). */
const CHECK_TIMEOUT = Duration.minutes(10);

/**
 * A file system made outside this app (another stack, another tool, another team), as
 * `SharedFileSystem.fromFileSystemAttributes` imports it. Its file system policy and mount
 * targets belong to their owner: grants go into the grantees' identity policies only, and
 * clients wait for a deploy-time check that the mount targets are available.
 */
export class ImportedSharedFileSystem extends SharedFileSystemBase {
  public readonly fileSystemId: string;
  public readonly fileSystemArn: string;
  public readonly vpc: ec2.IVpc;
  public readonly vpcSubnets: ec2.SubnetSelection;
  public readonly securityGroup: ec2.ISecurityGroup;
  public readonly connections: ec2.Connections;
  public readonly mountTargetAvailabilityZones: string[];
  /**
   * Completes when a deploy-time check (DescribeMountTargets) has seen an available mount
   * target in each Availability Zone of `vpcSubnets`; with `waitForMountTargets: false`, at once.
   */
  public readonly mountTargetsAvailable: IDependable;
  /** The EFS file system, for efs.AccessPoint. */
  public readonly fileSystem: efs.IFileSystem;
  public readonly throughputMode?: efs.ThroughputMode;
  public readonly provisionedThroughputPerSecond?: Size;
  /** An import declares no load of its own: its clients declare theirs. */
  public readonly expectedLoad = undefined;

  constructor(scope: Construct, id: string, attrs: SharedFileSystemAttributes) {
    super(scope, id);
    checkEfsId(this, 'fileSystemId', attrs.fileSystemId, 'fs');
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
    this.provisionedThroughputPerSecond = attrs.provisionedThroughputPerSecond;
    const subnets = attrs.vpc.selectSubnets(this.vpcSubnets).subnets;
    if (subnets.length === 0) {
      throw invalidInput(this, 'vpcSubnets', "vpcSubnets selects no subnets of the VPC: name the subnets of the file system's mount targets");
    }
    this.mountTargetAvailabilityZones = [...new Set(subnets.map(subnet => subnet.availabilityZone))];
    // efs takes one of the two; the id is what access points name.
    this.fileSystem = efs.FileSystem.fromFileSystemAttributes(this, 'FileSystem', {
      fileSystemId: attrs.fileSystemId,
      securityGroup: attrs.securityGroup,
    });
    // Made here or not at all: a getter that created it on first use made the template depend on call order.
    this.mountTargetsAvailable = (attrs.waitForMountTargets ?? true) ? this.createMountTargetCheck() : new DependencyGroup();
  }

  public addAccessPoint(id: string, options: PosixAccessPointOptions): efs.AccessPoint {
    return new efs.AccessPoint(this, id, { fileSystem: this.fileSystem, ...posixAccessPointOptions(this, options) });
  }

  /** The file system policy is its owner's: nothing to name in it. */
  public admitPrincipal(_grantee: iam.IGrantable): void {
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
        writeLogsStatement(logGroup.logGroupArn),
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
