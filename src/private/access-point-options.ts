import { Token } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as s3files from 'aws-cdk-lib/aws-s3files';
import { checkAccessPointPath, checkDirectoryPermissions, checkPosixId, inPython, MAX_SECONDARY_GIDS } from './validation';
import type { PosixAccessPointOptions } from '../shared-file-system-props';

/**
 * The checked options of an access point, the same for a file system of the stack and an
 * imported one (`addAccessPoint` of either).
 */
export function posixAccessPointOptions(options: PosixAccessPointOptions): efs.AccessPointOptions {
  if (!options.allowRoot) {
    checkNotRoot(options);
  }
  checkAccessPointPath('path', options.path);
  checkPosixId('uid', options.uid);
  checkPosixId('gid', options.gid);
  const secondaryGids = options.secondaryGids ?? [];
  if (!Token.isUnresolved(secondaryGids) && secondaryGids.length > MAX_SECONDARY_GIDS) {
    throw new Error(`secondaryGids must hold at most ${MAX_SECONDARY_GIDS} group ids, EFS's limit (got ${secondaryGids.length})${inPython('secondaryGids')}`);
  }
  secondaryGids.forEach((gid, i) => checkPosixId(`secondaryGids[${i}]`, gid));
  const ownerUid = options.ownerUid ?? options.uid;
  const ownerGid = options.ownerGid ?? options.gid;
  checkPosixId('ownerUid', ownerUid);
  checkPosixId('ownerGid', ownerGid);
  const permissions = options.permissions ?? '750';
  checkDirectoryPermissions('permissions', permissions);
  return {
    path: options.path,
    posixUser: { uid: options.uid, gid: options.gid, secondaryGids: options.secondaryGids },
    createAcl: { ownerUid, ownerGid, permissions },
  };
}

/**
 * The same checked options as the properties of an S3 Files access point, whose POSIX user
 * and root directory have EFS's shape (aws-cdk-lib's `CfnAccessPoint`: `posixUser`,
 * `rootDirectory.creationPermissions`). EFS's path rules are applied: S3 Files documents
 * none of its own here (docs/assumptions.md).
 */
export function s3FilesAccessPointProps(fileSystemId: string, options: PosixAccessPointOptions): s3files.CfnAccessPointProps {
  const checked = posixAccessPointOptions(options);
  return {
    fileSystemId,
    posixUser: { uid: checked.posixUser!.uid, gid: checked.posixUser!.gid, secondaryGids: checked.posixUser!.secondaryGids },
    rootDirectory: {
      path: checked.path,
      creationPermissions: {
        ownerUid: checked.createAcl!.ownerUid,
        ownerGid: checked.createAcl!.ownerGid,
        permissions: checked.createAcl!.permissions,
      },
    },
  };
}

/** An access point as root, or on the whole file system, reaches every client's files. */
function checkNotRoot(options: PosixAccessPointOptions): void {
  const ids: Array<[string, string]> = [['uid', options.uid], ['gid', options.gid],
    ...(options.secondaryGids ?? []).map((gid, i): [string, string] => [`secondaryGids[${i}]`, gid])];
  for (const [prop, value] of ids) {
    if (!Token.isUnresolved(value) && /^0+$/.test(value)) {
      throw new Error(`${prop} must not be 0 (root) (got '${value}'): use an unprivileged id from 1 to 4294967295, `
        + `or pass allowRoot: true to accept root${inPython(prop, 'allowRoot')}`);
    }
  }
  if (!Token.isUnresolved(options.path) && /^\/+$/.test(options.path)) {
    throw new Error(`path must not be '/' (the whole file system) (got '${options.path}'): use a directory such as '/ml', `
      + `or pass allowRoot: true to accept it${inPython('allowRoot')}`);
  }
}
