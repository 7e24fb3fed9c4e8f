import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3files from 'aws-cdk-lib/aws-s3files';
import { IDependable } from 'constructs';
import { PosixAccessPointOptions } from './shared-file-system-props';

/**
 * What functions and other clients need to know of an Amazon S3 Files file system to mount it.
 */
export interface IS3FilesFileSystem extends ec2.IConnectable {
  /** The id of the S3 Files file system. */
  readonly fileSystemId: string;

  /** The ARN of the S3 Files file system (`arn:<partition>:s3files:<region>:<account>:file-system/<id>`). */
  readonly fileSystemArn: string;

  /** The versioned bucket the file system is kept in sync with. */
  readonly bucket: s3.IBucket;

  /** The VPC of the mount targets. */
  readonly vpc: ec2.IVpc;

  /** The subnets the mount targets are in; clients should use the same. */
  readonly vpcSubnets: ec2.SubnetSelection;

  /** The security group of the mount targets. */
  readonly securityGroup: ec2.ISecurityGroup;

  /** Completes when every mount target exists and the file system policy is set. */
  readonly mountTargetsAvailable: IDependable;

  /**
   * The Availability Zones that have a mount target, as the VPC names them (tokens in an
   * environment-agnostic stack).
   */
  readonly mountTargetAvailabilityZones: string[];

  /** Add an access point that runs every operation as one POSIX user, confined to `path`. */
  addAccessPoint(id: string, options: PosixAccessPointOptions): s3files.CfnAccessPoint;

  /**
   * Let `grantee` mount `accessPoint` and write through it (`s3files:ClientMount` and
   * `s3files:ClientWrite`, only with that access point). `accessPoint` must be one of this
   * file system's.
   */
  grantReadWrite(grantee: iam.IGrantable, accessPoint: s3files.IAccessPointRef): iam.Grant;

  /** Let `grantee` mount `accessPoint` read-only (`s3files:ClientMount`, only with that access point). */
  grantRead(grantee: iam.IGrantable, accessPoint: s3files.IAccessPointRef): iam.Grant;

  /**
   * Name `grantee`'s role in the file system policy's perimeter, so that it is not denied
   * (grants do this; EfsBackedFunction calls it for its role). It gives no permission by
   * itself; roles are spared by name, never by a reference to the role (as `SharedFileSystem`).
   */
  admitPrincipal(grantee: iam.IGrantable): void;

  /**
   * Let EC2 instances, ECS services or anything else with a security group mount the file
   * system (NFS), with the rule in the client's stack.
   */
  allowMountFrom(client: ec2.IConnectable): void;
}

/**
 * Properties of an `S3FilesFileSystem`.
 */
export interface S3FilesFileSystemProps {
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
   * @default - a new security group that allows nothing until clients are let in
   */
  readonly securityGroup?: ec2.ISecurityGroup;

  /**
   * The bucket the file system keeps in sync with. It must be versioned (S3 Files relies on
   * object versions; a bucket of the app without versioning is refused). Its encryption, TLS
   * policy and public access block are its owner's.
   *
   * @default - a new versioned bucket, encrypted (SSE-S3, or SSE-KMS with `kmsKey`), TLS only,
   * public access blocked, kept on update and delete (`removalPolicy`)
   */
  readonly bucket?: s3.IBucket;

  /**
   * A customer-managed KMS key: it encrypts the bucket this construct creates (SSE-KMS) and
   * the file system's own storage. The sync role may use it.
   *
   * @default - SSE-S3 for the bucket, and the file system's default encryption
   */
  readonly kmsKey?: kms.IKey;

  /**
   * What happens to the bucket this construct creates, the file system and its sync role when
   * they leave the stack. The default keeps them on update and delete, but not when their own
   * create rolls back (CloudFormation `RetainExceptOnCreate`).
   *
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Deny every client that mounts without an access point (`s3files:AccessPointArn` absent).
   *
   * @default true
   */
  readonly requireAccessPoint?: boolean;

  /**
   * Deny every principal the stack did not grant (with `grantRead`, `grantReadWrite`, an
   * EfsBackedFunction or `admitPrincipal`), wherever S3 Files provides `aws:PrincipalArn`.
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
}

/**
 * What `S3FilesFileSystem.fromFileSystemAttributes` needs to know of an S3 Files file
 * system made outside this app.
 */
export interface S3FilesFileSystemAttributes {
  /** The id of the file system. */
  readonly fileSystemId: string;

  /** The bucket it is kept in sync with. */
  readonly bucket: s3.IBucket;

  /** The security group of its mount targets: clients are let in there, on NFS. */
  readonly securityGroup: ec2.ISecurityGroup;

  /** The VPC of its mount targets. */
  readonly vpc: ec2.IVpc;

  /**
   * The subnets of its mount targets, one per Availability Zone.
   *
   * @default - one subnet per Availability Zone of the VPC's private subnets (with egress, else isolated, else public)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The ARN of the file system.
   *
   * @default - built from `fileSystemId` with the importing stack's partition, account and region
   */
  readonly fileSystemArn?: string;
}

/**
 * What `S3FilesFileSystem.fromAccessPointAttributes` needs to know of an existing access point.
 */
export interface S3FilesAccessPointAttributes {
  /** The ARN of the access point (`arn:<partition>:s3files:<region>:<account>:file-system/<fs id>/access-point/<id>`). */
  readonly accessPointArn: string;

  /** The file system it belongs to. */
  readonly fileSystem: IS3FilesFileSystem;
}
