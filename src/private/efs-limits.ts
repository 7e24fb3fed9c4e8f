import { EFS_ELASTIC_READ, EFS_ELASTIC_WRITE } from './published-prices';

/**
 * EFS figures the constructs share. The public names are `SharedFileSystem.NFS_PORT` and
 * `SharedFileSystem.MAX_CLIENT_CONNECTIONS`; these module constants exist so that internal
 * code does not import the construct's module for a number.
 */

/** NFS, the only port EFS mount targets listen on. */
export const NFS_PORT = 2049;

/** NFS client connections EFS allows per file system; each Lambda execution environment holds one. */
export const MAX_CLIENT_CONNECTIONS = 25_000;

/**
 * us-east-1 list prices (Amazon EFS pricing page), for comparing modes and sizing warnings
 * only: USD per MiB/s-month provisioned, per GiB read and written with Elastic throughput.
 */
export const PROVISIONED_USD_PER_MIB_MONTH = 6.0;
export const ELASTIC_READ_USD_PER_GIB = EFS_ELASTIC_READ.usd;
export const ELASTIC_WRITE_USD_PER_GIB = EFS_ELASTIC_WRITE.usd;
