/**
 * The limits and warning ids of the synth-time capacity checks. The ids are stable across
 * releases: acknowledge a warning with `Validations.of(scope).acknowledge({ id, reason })`.
 */
export class CapacityChecks {
  /** EFS allows this many NFS client connections per file system; each Lambda execution environment holds one. */
  public static readonly EFS_CLIENT_CONNECTION_LIMIT = 25_000;

  /** The throughput mode cannot sustain the declared load. */
  public static readonly THROUGHPUT_INSUFFICIENT = 'cdk-lambda-efs:throughputInsufficient';

  /** The provisioned rate is far above what the declared load needs. */
  public static readonly PROVISIONED_OVERSIZED = 'cdk-lambda-efs:provisionedOversized';

  /** The reserved concurrency of the file system's functions adds up to more than the EFS connection limit. */
  public static readonly CLIENT_CONNECTION_LIMIT = 'cdk-lambda-efs:clientConnectionLimit';

  /** A function that mounts the file system has no reserved concurrency. */
  public static readonly NO_RESERVED_CONCURRENCY = 'cdk-lambda-efs:noReservedConcurrency';

  /** A function's timeout is shorter than its cold start's load time under the throughput mode. */
  public static readonly TIMEOUT_BELOW_COLD_START_LOAD = 'cdk-lambda-efs:timeoutBelowColdStartLoad';

  private constructor() {}
}
