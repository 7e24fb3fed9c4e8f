import { Token } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import { Construct, IConstruct } from 'constructs';
import { invalidInput } from './errors';
import type { ISharedFileSystem } from '../shared-file-system-props';

/**
 * Where the file system and the access point were given: as two props of a construct
 * (`fileSystem` and `accessPoint`), or as the file system a grant method is called on and the
 * grant's `accessPoint` argument.
 */
export type AccessPointUse = 'props' | 'grantRead' | 'grantReadWrite';

/**
 * The access point must be one of `fileSystem`'s. A function would be refused by Lambda at
 * deploy; a grant would allow the client actions on one file system through an access point of
 * another, so nothing could be mounted with it. Access points imported by id alone do not say
 * their file system, and are let through. A mismatch is reported at `scope`: the construct
 * given both props, or the file system granted on.
 */
export function checkAccessPointOf(scope: IConstruct | undefined, fileSystem: ISharedFileSystem, accessPoint: efs.IAccessPoint,
  use: AccessPointUse): void {
  let owner: string;
  try {
    owner = accessPoint.fileSystem.fileSystemId;
  } catch {
    return;
  }
  if (owner === fileSystem.fileSystemId) {
    return;
  }
  const shown = (id: string) => (Token.isUnresolved(id) ? 'a file system of the app' : `'${id}'`);
  const name = Construct.isConstruct(fileSystem) ? fileSystem.node.path : shown(fileSystem.fileSystemId);
  const got = `access point ${accessPoint.node.path} of `
    + `${Construct.isConstruct(accessPoint.fileSystem) ? accessPoint.fileSystem.node.path : shown(owner)}`;
  if (use === 'props') {
    throw invalidInput(scope, ['accessPoint', 'fileSystem'], `accessPoint must belong to fileSystem ${name} (got ${got}): `
      + 'use fileSystem.addAccessPoint, or SharedFileSystem.fromAccessPointAttributes with this fileSystem');
  }
  throw invalidInput(scope, 'accessPoint', `${use}: accessPoint must belong to the file system granted on, ${name} (got ${got}): `
    + `call ${use} on the access point's own file system, or pass one of ${name}'s access points`);
}
