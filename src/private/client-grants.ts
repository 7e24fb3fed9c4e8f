import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { checkAccessPointOf } from './access-point-owner';
import { accessPointConditions, clientActions } from './file-system-policy';
import { EFS, NfsService } from './nfs-services';
import type { ISharedFileSystem } from '../shared-file-system-props';

/** Who may mount which access point, and whether read-only. */
export interface ClientGrant {
  readonly grantee: iam.IGrantable;
  readonly accessPoint: efs.IAccessPoint;
  readonly readOnly: boolean;
}

/** A file system that grants go to: its ARN, and how it lets a grantee through its perimeter. */
export interface GrantTarget {
  readonly fileSystemArn: string;
  admitPrincipal(grantee: iam.IGrantable): void;
}

/** What one grant gives. */
export interface NfsClientGrant {
  readonly service: NfsService;
  readonly grantee: iam.IGrantable;
  readonly accessPointArn: string;
  readonly readOnly: boolean;
  /**
   * More resources the statement names besides the file system.
   *
   * @default - the file system only
   */
  readonly extraResourceArns?: string[];
}

/**
 * Grant `grantee` the NFS client actions of `service` on `fileSystem`, through one access
 * point only (an identity policy on the grantee), and let it through the file system's
 * perimeter. The one grant of EFS and S3 Files file systems, made here or imported.
 */
export function grantNfsClient(fileSystem: GrantTarget, grant: NfsClientGrant): iam.Grant {
  fileSystem.admitPrincipal(grant.grantee);
  return iam.Grant.addToPrincipal({
    grantee: grant.grantee,
    actions: clientActions({ readOnly: grant.readOnly, service: grant.service }),
    resourceArns: [fileSystem.fileSystemArn, ...(grant.extraResourceArns ?? [])],
    conditions: accessPointConditions(grant.accessPointArn, grant.service),
  });
}

/**
 * Grant `grantee` the EFS client actions on `fileSystem`, through `accessPoint` only, after
 * checking that the access point is one of the file system's.
 */
export function grantClient(fileSystem: ISharedFileSystem & IConstruct, grant: ClientGrant): iam.Grant {
  const { grantee, accessPoint, readOnly } = grant;
  checkAccessPointOf(fileSystem, fileSystem, accessPoint, readOnly ? 'grantRead' : 'grantReadWrite');
  return grantNfsClient(fileSystem, { service: EFS, grantee, accessPointArn: accessPoint.accessPointArn, readOnly });
}
