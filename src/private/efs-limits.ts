/**
 * EFS figures the constructs share. The public names are `SharedFileSystem.NFS_PORT` and
 * `SharedFileSystem.MAX_CLIENT_CONNECTIONS`; these module constants exist so that internal
 * code does not import the construct's module for a number.
 */

/** NFS, the only port EFS mount targets listen on. */
export const NFS_PORT = 2049;

/** NFS client connections EFS allows per file system; each Lambda execution environment holds one. */
export const MAX_CLIENT_CONNECTIONS = 25_000;
