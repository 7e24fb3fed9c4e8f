import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct, IDependable } from 'constructs';
import { checkAccessPointOf } from './access-point-owner';
import { invalidInput } from './errors';
import { EFS, NfsService, S3_FILES } from './nfs-services';
import { checkS3FilesAccessPointOf } from './s3-files-resources';
import type { EfsBackedFunctionProps } from '../efs-backed-function-props';
import type { IS3FilesFileSystem } from '../s3-files-file-system-props';
import type { ISharedFileSystem } from '../shared-file-system-props';

/** What an EfsBackedFunction needs of the file system it mounts, EFS or S3 Files. */
export interface FunctionMount {
  readonly service: NfsService;
  /** The file system, as given (for messages and environment checks). */
  readonly fileSystem: IConstruct | object;
  readonly fileSystemArn: string;
  readonly accessPointArn: string;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly mountTargetsAvailable: IDependable;
  readonly mountTargetAvailabilityZones: string[];
  /** The EFS file system, for its capacity checks; undefined for S3 Files. */
  readonly efs?: ISharedFileSystem;
  /**
   * The bucket direct reads go to, when `directS3Read` is on (S3 Files only).
   *
   * @default - direct reads off
   */
  readonly directReadBucket?: s3.IBucket;
  admitPrincipal(grantee: iam.IGrantable): void;
}

/**
 * The one file system a function mounts: `fileSystem` with `accessPoint` (EFS), or
 * `s3FilesFileSystem` with `s3FilesAccessPoint` (S3 Files), never both, with the access point
 * checked to be the file system's. Bad props are reported at `scope`, the function.
 */
export function functionMountOf(scope: IConstruct | undefined, props: EfsBackedFunctionProps): FunctionMount {
  const efsGiven = props.fileSystem !== undefined || props.accessPoint !== undefined;
  const s3FilesGiven = props.s3FilesFileSystem !== undefined || props.s3FilesAccessPoint !== undefined;
  if (efsGiven === s3FilesGiven) {
    throw invalidInput(scope, ['fileSystem', 's3FilesFileSystem'], `${efsGiven ? 'both ' : 'neither '}fileSystem and s3FilesFileSystem given: `
      + 'an EfsBackedFunction mounts exactly one file system (Lambda allows one per function), fileSystem with accessPoint (Amazon EFS) '
      + 'or s3FilesFileSystem with s3FilesAccessPoint (Amazon S3 Files)');
  }
  if (props.directS3Read && !s3FilesGiven) {
    throw invalidInput(scope, ['directS3Read', 's3FilesFileSystem'],
      'directS3Read is only for an S3 Files mount (s3FilesFileSystem): an EFS file system has no bucket to read from');
  }
  if (efsGiven) {
    const fileSystem = required(scope, props.fileSystem, ['fileSystem', 'accessPoint']);
    const accessPoint = required(scope, props.accessPoint, ['accessPoint', 'fileSystem']);
    checkAccessPointOf(scope, fileSystem, accessPoint, 'props');
    return { ...mountOn(EFS, fileSystem, accessPoint.accessPointArn), efs: fileSystem };
  }
  const fileSystem = required(scope, props.s3FilesFileSystem, ['s3FilesFileSystem', 's3FilesAccessPoint']);
  const accessPoint = required(scope, props.s3FilesAccessPoint, ['s3FilesAccessPoint', 's3FilesFileSystem']);
  checkS3FilesAccessPointOf(scope, fileSystem, accessPoint, 'props');
  return {
    ...mountOn(S3_FILES, fileSystem, accessPoint.accessPointRef.accessPointArn),
    directReadBucket: props.directS3Read ? fileSystem.bucket : undefined,
  };
}

/** What a mount takes from its file system, whichever the kind: the two interfaces share these members. */
type MountedFileSystem = Pick<ISharedFileSystem & IS3FilesFileSystem,
'fileSystemArn' | 'vpc' | 'vpcSubnets' | 'securityGroup' | 'mountTargetsAvailable' | 'mountTargetAvailabilityZones' | 'admitPrincipal'>;

function mountOn(service: NfsService, fileSystem: MountedFileSystem, accessPointArn: string): FunctionMount {
  return {
    service,
    fileSystem,
    fileSystemArn: fileSystem.fileSystemArn,
    accessPointArn,
    vpc: fileSystem.vpc,
    vpcSubnets: fileSystem.vpcSubnets,
    securityGroup: fileSystem.securityGroup,
    mountTargetsAvailable: fileSystem.mountTargetsAvailable,
    mountTargetAvailabilityZones: fileSystem.mountTargetAvailabilityZones,
    admitPrincipal: grantee => fileSystem.admitPrincipal(grantee),
  };
}

/** `value`, the first of `props`, which the second requires. */
function required<T>(scope: IConstruct | undefined, value: T | undefined, props: [prop: string, withProp: string]): T {
  const [prop, withProp] = props;
  if (value === undefined) {
    throw invalidInput(scope, props, `${prop} is required with ${withProp}: the function mounts an access point of a file system`);
  }
  return value;
}

/**
 * What direct reads need (aws-cdk-lib's `lambda.DirectS3Read.enabled`): `s3:GetObject` and
 * `s3:GetObjectVersion` on the bucket's objects, and `kms:Decrypt` on its customer-managed key
 * when it has one (aws-lambda README, "S3 Files Filesystem"). Lambda falls back to the mount
 * when a direct read fails (same page).
 */
export function directReadStatements(bucket: s3.IBucket): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ sid: 'DirectS3Read', actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [bucket.arnForObjects('*')] }),
    ...(bucket.encryptionKey ? [new iam.PolicyStatement({ sid: 'DirectS3ReadKey', actions: ['kms:Decrypt'], resources: [bucket.encryptionKey.keyArn] })] : []),
  ];
}
