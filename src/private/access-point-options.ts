import { Token } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as s3files from 'aws-cdk-lib/aws-s3files';
import { IConstruct } from 'constructs';
import { invalidInput } from './errors';
import { checkAccessPointPath, checkDirectoryPermissions, checkPosixId, MAX_SECONDARY_GIDS } from './validation';
import type { PosixAccessPointOptions } from '../shared-file-system-props';

/**
 * The checked options of an access point, the same for a file system of the stack and an
 * imported one (`addAccessPoint` of either). Bad options are reported at `scope`, the file
 * system whose `addAccessPoint` was called.
 */
export function posixAccessPointOptions(scope: IConstruct | undefined, options: PosixAccessPointOptions): efs.AccessPointOptions {
  if (!options.allowRoot) {
    checkNotRoot(scope, options);
  }
  checkAccessPointPath(scope, 'path', options.path);
  checkPosixId(scope, 'uid', options.uid);
  checkPosixId(scope, 'gid', options.gid);
  const secondaryGids = options.secondaryGids ?? [];
  if (!Token.isUnresolved(secondaryGids) && secondaryGids.length > MAX_SECONDARY_GIDS) {
    throw invalidInput(scope, 'secondaryGids', `secondaryGids must hold at most ${MAX_SECONDARY_GIDS} group ids, EFS's limit (got ${secondaryGids.length})`);
  }
  secondaryGids.forEach((gid, i) => checkPosixId(scope, `secondaryGids[${i}]`, gid));
  const ownerUid = options.ownerUid ?? options.uid;
  const ownerGid = options.ownerGid ?? options.gid;
  checkPosixId(scope, 'ownerUid', ownerUid);
  checkPosixId(scope, 'ownerGid', ownerGid);
  const permissions = options.permissions ?? '750';
  checkDirectoryPermissions(scope, 'permissions', permissions);
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
export function s3FilesAccessPointProps(scope: IConstruct | undefined, fileSystemId: string,
  options: PosixAccessPointOptions): s3files.CfnAccessPointProps {
  const checked = posixAccessPointOptions(scope, options);
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
function checkNotRoot(scope: IConstruct | undefined, options: PosixAccessPointOptions): void {
  const ids: Array<[string, string]> = [['uid', options.uid], ['gid', options.gid],
    ...(options.secondaryGids ?? []).map((gid, i): [string, string] => [`secondaryGids[${i}]`, gid])];
  for (const [prop, value] of ids) {
    if (!Token.isUnresolved(value) && /^0+$/.test(value)) {
      throw invalidInput(scope, [prop, 'allowRoot'], `${prop} must not be 0 (root) (got '${value}'): use an unprivileged id from 1 to 4294967295, `
        + 'or pass allowRoot: true to accept root');
    }
  }
  if (!Token.isUnresolved(options.path) && /^\/+$/.test(options.path)) {
    throw invalidInput(scope, ['path', 'allowRoot'], `path must not be '/' (the whole file system) (got '${options.path}'): use a directory such as '/ml', `
      + 'or pass allowRoot: true to accept it');
  }
}
