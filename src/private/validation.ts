import { Token } from 'aws-cdk-lib';

/**
 * Small synth-time checks shared by the constructs.
 *
 * Each throws an Error that names the prop, the value received and what is accepted,
 * and skips values that are still tokens (unknown until deploy).
 */

/** Largest POSIX uid/gid EFS accepts (a 32-bit unsigned integer). */
export const MAX_POSIX_ID = 4294967295;

/** Throws unless `value` is a whole number within [min, max]. */
export function checkIntegerInRange(prop: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${prop} must be a whole number from ${min} to ${max} (got ${value})`);
  }
}

/** Throws unless `value` is a decimal POSIX id (uid or gid) EFS accepts. */
export function checkPosixId(prop: string, value: string): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (!/^\d+$/.test(value) || Number(value) > MAX_POSIX_ID) {
    throw new Error(`${prop} must be a decimal POSIX id from 0 to ${MAX_POSIX_ID} (got '${value}')`);
  }
}

/** Throws unless `value` is a 3 or 4 digit octal permission string such as `750` or `0750`. */
export function checkOctalPermissions(prop: string, value: string): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (!/^[0-7]{3,4}$/.test(value)) {
    throw new Error(`${prop} must be a 3 or 4 digit octal string such as '750' or '0750' (got '${value}')`);
  }
}

/** Throws unless `value` is an absolute path without `..` segments, as EFS access points need. */
export function checkAccessPointPath(prop: string, value: string): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (!value.startsWith('/')) {
    throw new Error(`${prop} must be an absolute path starting with '/' (got '${value}')`);
  }
  if (value.split('/').some(segment => segment === '..' || segment === '.')) {
    throw new Error(`${prop} must not contain '.' or '..' segments (got '${value}')`);
  }
  if (value.length > 100) {
    throw new Error(`${prop} must be at most 100 characters (got ${value.length})`);
  }
}

/** Lambda's rule for a local mount path: `/mnt/` plus one name of letters, digits, `-`, `_` or `.`. */
const MOUNT_PATH_PATTERN = /^\/mnt\/[a-zA-Z0-9-_.]+$/;
const MAX_MOUNT_PATH_LENGTH = 160;

/** Throws unless `value` is a local mount path Lambda accepts. */
export function checkMountPath(prop: string, value: string): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (!MOUNT_PATH_PATTERN.test(value)) {
    throw new Error(`${prop} must start with /mnt/ followed by one directory name of letters, digits, '-', '_' or '.' (pattern ${MOUNT_PATH_PATTERN.source}) (got '${value}')`);
  }
  if (value.length > MAX_MOUNT_PATH_LENGTH) {
    throw new Error(`${prop} must be at most ${MAX_MOUNT_PATH_LENGTH} characters (got ${value.length})`);
  }
}
