import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { checkAccessPointOf } from './access-point-owner';
import { accessPointConditions, clientActions } from './file-system-policy';
import type { ISharedFileSystem } from '../shared-file-system-props';

/** Who may mount which access point, and whether read-only. */
export interface ClientGrant {
  readonly grantee: iam.IGrantable;
  readonly accessPoint: efs.IAccessPoint;
  readonly readOnly: boolean;
}

/**
 * Grant `grantee` the NFS client actions on `fileSystem`, through `accessPoint` only (an
 * identity policy on the grantee), and let it through the file system's perimeter. The one
 * grant of both a file system of the app and an imported one (whose perimeter is its owner's).
 */
export function grantClient(fileSystem: ISharedFileSystem, grant: ClientGrant): iam.Grant {
  const { grantee, accessPoint, readOnly } = grant;
  checkAccessPointOf(fileSystem, accessPoint, readOnly ? 'grantRead' : 'grantReadWrite');
  fileSystem.admitPrincipal(grantee);
  return iam.Grant.addToPrincipal({
    grantee,
    actions: clientActions({ readOnly }),
    resourceArns: [fileSystem.fileSystemArn],
    conditions: accessPointConditions(accessPoint.accessPointArn),
  });
}
