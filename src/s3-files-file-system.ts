import { Lazy, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3files from 'aws-cdk-lib/aws-s3files';
import { Construct, DependencyGroup, IDependable } from 'constructs';
import { s3FilesAccessPointProps } from './private/access-point-options';
import { NFS_PORT } from './private/efs-limits';
import { fileSystemPolicy, PerimeterPrincipals } from './private/file-system-policy';
import { ImportedS3FilesFileSystem } from './private/imported-s3-files-file-system';
import { mountTargetSubnets } from './private/mount-target-subnets';
import { S3_FILES } from './private/nfs-services';
import { S3FilesFileSystemBase } from './private/s3-files-file-system-base';
import { checkS3FilesAccessPointOf, checkVersioned, ImportedS3FilesAccessPoint, syncedBucket, syncRole } from './private/s3-files-resources';
import { IS3FilesFileSystem, S3FilesAccessPointAttributes, S3FilesFileSystemAttributes, S3FilesFileSystemProps } from './s3-files-file-system-props';
import { PosixAccessPointOptions } from './shared-file-system-props';

/**
 * An Amazon S3 Files file system for Lambda functions (and other NFS clients) to share: a
 * managed NFS file system kept in sync with a versioned S3 bucket, for read-mostly data such as
 * models (docs/s3-files.md says when to use it rather than a `SharedFileSystem`).
 *
 * The bucket (given, or created versioned, encrypted, TLS-only and private), the role S3 Files
 * syncs it with (scoped to the bucket and to the EventBridge rules S3 Files creates), mount
 * targets in the private subnets with their own security group, POSIX access points, and a file
 * system policy that denies access without TLS, (by default) without an access point, as root,
 * and by any principal the stack did not grant. Clients get in through grants scoped to one
 * access point.
 */
export class S3FilesFileSystem extends S3FilesFileSystemBase {
  /** NFS, the port mount targets listen on (TCP). */
  public static readonly NFS_PORT = NFS_PORT;

  /**
   * A file system made outside this app: functions, grants and access points use it; its
   * file system policy stays its owner's (grants go into the grantees' identity policies).
   */
  public static fromFileSystemAttributes(scope: Construct, id: string, attrs: S3FilesFileSystemAttributes): IS3FilesFileSystem {
    return new ImportedS3FilesFileSystem(scope, id, attrs);
  }

  /** An existing access point of `attrs.fileSystem`, by ARN. */
  public static fromAccessPointAttributes(scope: Construct, id: string, attrs: S3FilesAccessPointAttributes): s3files.IAccessPointRef {
    const accessPoint = new ImportedS3FilesAccessPoint(scope, id, attrs.accessPointArn);
    checkS3FilesAccessPointOf(accessPoint, attrs.fileSystem, accessPoint, 'fromAccessPointAttributes');
    return accessPoint;
  }

  /** The S3 Files file system (L1). */
  public readonly fileSystem: s3files.CfnFileSystem;
  public readonly fileSystemId: string;
  public readonly fileSystemArn: string;
  public readonly bucket: s3.IBucket;

  /** The role S3 Files assumes to sync the file system and the bucket. */
  public readonly syncRole: iam.Role;

  /** The mount targets, one per subnet of `vpcSubnets`. */
  public readonly mountTargets: s3files.CfnMountTarget[];

  /** The file system policy. */
  public readonly fileSystemPolicy: s3files.CfnFileSystemPolicy;

  public readonly vpc: ec2.IVpc;
  public readonly vpcSubnets: ec2.SubnetSelection;
  public readonly securityGroup: ec2.ISecurityGroup;
  public readonly connections: ec2.Connections;
  public readonly mountTargetsAvailable: IDependable;
  public readonly mountTargetAvailabilityZones: string[];

  /** The access points added with `addAccessPoint`. */
  public readonly accessPoints: s3files.CfnAccessPoint[] = [];

  private readonly perimeter = new PerimeterPrincipals(this);

  constructor(scope: Construct, id: string, props: S3FilesFileSystemProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
    this.vpc = props.vpc;
    this.vpcSubnets = props.vpcSubnets ?? { onePerAz: true };
    const subnets = mountTargetSubnets(this, props.vpc, this.vpcSubnets, props.allowPublicSubnets ?? false);
    this.mountTargetAvailabilityZones = subnets.map(subnet => subnet.availabilityZone);

    if (props.bucket) {
      checkVersioned(this, props.bucket);
    }
    this.bucket = props.bucket ?? syncedBucket(this, 'Bucket', props.kmsKey, removalPolicy);
    const sync = syncRole(this, 'SyncRole', this.bucket, removalPolicy);
    this.syncRole = sync.role;

    this.securityGroup = props.securityGroup ?? new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'S3 Files mount targets: NFS from granted clients only',
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup], defaultPort: ec2.Port.tcp(NFS_PORT) });

    this.fileSystem = new s3files.CfnFileSystem(this, 'FileSystem', {
      bucket: this.bucket.bucketArn,
      roleArn: this.syncRole.roleArn,
      kmsKeyId: props.kmsKey?.keyArn,
    });
    this.fileSystem.applyRemovalPolicy(removalPolicy);
    // S3 Files may check at create that the role can reach the bucket.
    this.fileSystem.node.addDependency(sync.policy);
    this.fileSystemId = this.fileSystem.attrFileSystemId;
    this.fileSystemArn = this.fileSystem.attrFileSystemArn;

    // The same layers as SharedFileSystem's, with the keys S3 Files documents (nfs-services.ts);
    // rendered at synth, from the grants made by then, and naming no role or access point.
    const policyOptions = {
      service: S3_FILES,
      requireAccessPoint: props.requireAccessPoint ?? true,
      restrictToGrantedPrincipals: props.restrictToGrantedPrincipals ?? true,
    };
    this.fileSystemPolicy = new s3files.CfnFileSystemPolicy(this, 'Policy', {
      fileSystemId: this.fileSystemId,
      policy: Lazy.any({
        produce: () => {
          const document = fileSystemPolicy({ ...policyOptions, grantedPrincipalArns: this.perimeter.arns }).toJSON();
          // Each statement names the file system: valid in any resource policy, whether or not the service fills it in.
          return { ...document, Statement: document.Statement.map((s: object) => ({ ...s, Resource: this.fileSystemArn })) };
        },
      }),
    });

    this.mountTargets = subnets.map((subnet, i) => new s3files.CfnMountTarget(this, `MountTarget${i + 1}`, {
      fileSystemId: this.fileSystemId,
      subnetId: subnet.subnetId,
      securityGroups: [this.securityGroup.securityGroupId],
    }));
    // Clients wait for the policy too: no mount is made before its Deny statements hold.
    this.mountTargetsAvailable = new DependencyGroup(...this.mountTargets, this.fileSystemPolicy);
  }

  /** Add an access point that runs every operation as one POSIX user, confined to `path`. */
  public addAccessPoint(id: string, options: PosixAccessPointOptions): s3files.CfnAccessPoint {
    const accessPoint = new s3files.CfnAccessPoint(this, id, s3FilesAccessPointProps(this, this.fileSystemId, options));
    this.accessPoints.push(accessPoint);
    return accessPoint;
  }

  public admitPrincipal(grantee: iam.IGrantable): void {
    this.perimeter.admit(grantee);
  }
}
