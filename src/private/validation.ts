import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { invalidInput } from './errors';

/**
 * Small synth-time checks shared by the constructs.
 *
 * Each throws `invalidInput` at `scope` (the construct the prop was given to), naming the prop,
 * the value received and what is accepted, and skips values that are still tokens (unknown
 * until deploy).
 */

/** Largest POSIX uid/gid EFS accepts (a 32-bit unsigned integer). */
export const MAX_POSIX_ID = 4294967295;

/** Throws unless `value` is a whole number within [min, max]. */
export function checkIntegerInRange(scope: IConstruct | undefined, prop: string, value: number | undefined,
  range: { min: number; max: number }): void {
  const { min, max } = range;
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidInput(scope, prop, `${prop} must be a whole number from ${min} to ${max} (got ${value})`);
  }
}

/** Throws unless `value` is a decimal POSIX id (uid or gid) EFS accepts. */
export function checkPosixId(scope: IConstruct | undefined, prop: string, value: string): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (!/^\d+$/.test(value) || Number(value) > MAX_POSIX_ID) {
    throw invalidInput(scope, prop, `${prop} must be a decimal POSIX id from 0 to ${MAX_POSIX_ID} (got '${value}')`);
  }
}

/** Throws unless `value` is a 3 or 4 digit octal permission string such as `750` or `0750`. */
export function checkOctalPermissions(scope: IConstruct | undefined, prop: string, value: string): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (!/^[0-7]{3,4}$/.test(value)) {
    throw invalidInput(scope, prop, `${prop} must be a 3 or 4 digit octal string such as '750' or '0750' (got '${value}')`);
  }
}

/**
 * The permissions of an access point's root directory, beyond their form: no write for others
 * (every POSIX user of every access point, and any NFS client that reaches the mount targets,
 * could change the files) and no setuid bit (it means nothing on a directory, so it is a typo
 * for something else).
 */
export function checkDirectoryPermissions(scope: IConstruct | undefined, prop: string, value: string): void {
  checkOctalPermissions(scope, prop, value);
  if (Token.isUnresolved(value)) {
    return;
  }
  const digits = value.padStart(4, '0');
  /* eslint-disable no-bitwise */
  if (Number(digits[3]) & 2) {
    throw invalidInput(scope, prop, `${prop} must not let others write (got '${value}'): any POSIX user on the file system could change the files; `
      + "share through a group instead, such as '770' or '2770' (setgid: new files keep the group)");
  }
  if (Number(digits[0]) & 4) {
    throw invalidInput(scope, prop, `${prop} must not set the setuid bit (got '${value}'): it has no effect on a directory; `
      + "use 3 digits such as '750', or '2750' for setgid");
  }
  /* eslint-enable no-bitwise */
}

/** EFS's limit on an access point's secondary group ids (EFS API Reference, PosixUser: SecondaryGids, at most 16 items). */
export const MAX_SECONDARY_GIDS = 16;

/**
 * EFS's identifiers (EFS API Reference, `FileSystemId` and `AccessPointId`): `fs-` or `fsap-`
 * and 8 to 40 lowercase hex digits.
 */
export function checkEfsId(scope: IConstruct | undefined, prop: string, value: string, kind: 'fs' | 'fsap'): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (!new RegExp(`^${kind}-[0-9a-f]{8,40}$`).test(value)) {
    throw invalidInput(scope, prop, `${prop} must be an EFS ${kind === 'fs' ? 'file system' : 'access point'} id, '${kind}-' and 8 to 40 lowercase hex digits `
      + `such as '${kind}-0123456789abcdef0' (got '${value}')`);
  }
}

/**
 * EFS's pattern for an access point's root directory, exactly as the EFS API Reference gives it
 * (RootDirectory, `Path`): `/`, or one to four directories, each `/` followed by a name that does
 * not start with `.` and holds none of ``$#<>;`|&?{}^*``, `/` or a newline. So no trailing or
 * double slash, no `.` or `..` segment, no fifth level. EFS rejects any other path when
 * CloudFormation creates the access point, after the file system and its mount targets exist.
 */
export const ACCESS_POINT_PATH_PATTERN = /^(\/|(\/(?!\.)+[^$#<>;`|&?{}^*/\n]+){1,4})$/;

/** EFS API Reference, RootDirectory: `Path` is 1 to 100 characters long. */
export const MAX_ACCESS_POINT_PATH_LENGTH = 100;

/** Throws unless `value` is a root directory path EFS accepts for an access point. */
export function checkAccessPointPath(scope: IConstruct | undefined, prop: string, value: string): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (!ACCESS_POINT_PATH_PATTERN.test(value)) {
    throw invalidInput(scope, prop, `${prop} must be '/' or one to four directories, each '/' followed by a name that does not start with '.' `
      + 'and has none of $#<>;`|&?{}^* or a newline, with no trailing or double slash, such as \'/ml\' or \'/team/models\' '
      + `(EFS's pattern ${ACCESS_POINT_PATH_PATTERN.source}) (got '${value}')`);
  }
  if (value.length > MAX_ACCESS_POINT_PATH_LENGTH) {
    throw invalidInput(scope, prop, `${prop} must be at most ${MAX_ACCESS_POINT_PATH_LENGTH} characters (got ${value.length})`);
  }
}

/** Lambda's rule for a local mount path: `/mnt/` plus one name of letters, digits, `-`, `_` or `.`. */
const MOUNT_PATH_PATTERN = /^\/mnt\/[a-zA-Z0-9-_.]+$/;
const MAX_MOUNT_PATH_LENGTH = 160;

/** Throws unless `value` is a local mount path Lambda accepts. */
export function checkMountPath(scope: IConstruct | undefined, prop: string, value: string): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (!MOUNT_PATH_PATTERN.test(value)) {
    throw invalidInput(scope, prop, `${prop} must start with /mnt/ followed by one directory name of letters, digits, '-', '_' or '.' (pattern ${MOUNT_PATH_PATTERN.source}) (got '${value}')`);
  }
  if (value.length > MAX_MOUNT_PATH_LENGTH) {
    throw invalidInput(scope, prop, `${prop} must be at most ${MAX_MOUNT_PATH_LENGTH} characters (got ${value.length})`);
  }
}
