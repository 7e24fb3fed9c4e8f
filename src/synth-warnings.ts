/**
 * The ids of the warnings the constructs add at synth, all in one place.
 *
 * The ids are stable across releases. A warning you accept is acknowledged on the construct
 * it is attached to (or a scope above it), with the reason, and then no longer reported:
 *
 * ```ts
 * declare const shared: SharedFileSystem;
 * Validations.of(shared).acknowledge({
 *   id: SynthWarnings.THROUGHPUT_INSUFFICIENT,
 *   reason: 'Credits are topped up by a nightly lull; accepted.',
 * });
 * ```
 */
export class SynthWarnings {
  /**
   * The throughput mode cannot sustain the declared load.
   *
   * The file system's mode falls short of the daily data, the busiest hour or a cold start
   * within its budget (the on-demand init limit, the caller's or the function's timeout);
   * the warning names the recommended mode, or says what would fit when no mode does. One
   * warning per cause: a function's own cold start that misses its budget is reported on the
   * function (`TIMEOUT_BELOW_COLD_START_LOAD`, `INIT_OVER_ON_DEMAND_LIMIT`,
   * `COLD_START_OVER_CALLER_TIMEOUT`, each with the recommended mode), not here again. Attached to the
   * `SharedFileSystem`'s `fileSystem`; acknowledge it with
   * `Validations.of(scope).acknowledge({ id: SynthWarnings.THROUGHPUT_INSUFFICIENT, reason })`.
   */
  public static readonly THROUGHPUT_INSUFFICIENT = 'cdk-lambda-efs:throughputInsufficient';

  /**
   * The provisioned rate is far above what the declared load needs.
   *
   * At least 3 times the need and more than 1 MiB/s over: it bills throughput nothing uses.
   * The warning gives the monthly cost. Attached to the `SharedFileSystem`'s `fileSystem`;
   * acknowledge it with `Validations.of(scope).acknowledge({ id: SynthWarnings.PROVISIONED_OVERSIZED, reason })`.
   */
  public static readonly PROVISIONED_OVERSIZED = 'cdk-lambda-efs:provisionedOversized';

  /**
   * `provisionedThroughputPerSecond` is above 3414 MiB/s, the most EFS accepts without a quota
   * increase in any Region (EFS API Reference, `ProvisionedThroughputInMibps`: "1-3414 MiBps,
   * with the upper limit depending on Region"): the deploy fails unless AWS Support raised it.
   * Warned whether or not a load is declared, with the monthly price of the rate. Attached to
   * `SharedFileSystem`'s `fileSystem`; acknowledge it with
   * `Validations.of(scope).acknowledge({ id: SynthWarnings.PROVISIONED_ABOVE_QUOTA, reason })`.
   */
  public static readonly PROVISIONED_ABOVE_QUOTA = 'cdk-lambda-efs:provisionedAboveQuota';

  /**
   * The reserved concurrency of a file system's functions adds up past the EFS connection limit.
   *
   * Each execution environment holds one NFS connection, and EFS allows
   * `SharedFileSystem.MAX_CLIENT_CONNECTIONS` per file system. Attached to the
   * `SharedFileSystem`'s `fileSystem`; acknowledge it with
   * `Validations.of(scope).acknowledge({ id: SynthWarnings.CLIENT_CONNECTION_LIMIT, reason })`.
   */
  public static readonly CLIENT_CONNECTION_LIMIT = 'cdk-lambda-efs:clientConnectionLimit';

  /**
   * A function that mounts the file system has no reserved concurrency.
   *
   * Without `reservedConcurrentExecutions` nothing bounds an `EfsBackedFunction`'s execution
   * environments, so neither its EFS connections nor the burst credits a cold-start fan-out
   * spends. Attached to the `EfsBackedFunction`; acknowledge it with
   * `Validations.of(scope).acknowledge({ id: SynthWarnings.NO_RESERVED_CONCURRENCY, reason })`.
   */
  public static readonly NO_RESERVED_CONCURRENCY = 'cdk-lambda-efs:noReservedConcurrency';

  /**
   * A function's timeout is shorter than its cold start takes to load.
   *
   * The declared `coldStartLoad` of an `EfsBackedFunction`, read at the worst rate the
   * throughput mode can fall to (Bursting: with no credits left), takes longer than the
   * timeout, so cold starts may time out. Attached to the `EfsBackedFunction`; acknowledge it with
   * `Validations.of(scope).acknowledge({ id: SynthWarnings.TIMEOUT_BELOW_COLD_START_LOAD, reason })`.
   */
  public static readonly TIMEOUT_BELOW_COLD_START_LOAD = 'cdk-lambda-efs:timeoutBelowColdStartLoad';

  /**
   * A cold start loads at init for longer than Lambda allows an on-demand environment.
   *
   * Lambda gives the init phase of an on-demand execution environment 10 s; past it, it
   * stops the init and runs it again inside the first invocation, so the caller loses the
   * 10 s and then waits for the whole load. Raised when the declared `coldStartLoad` loads at
   * init (`loadsAtInit`, the default) and takes longer than 10 s at the throughput mode's peak
   * rate, on a function that runs on-demand environments (provisioned concurrency below its
   * reserved concurrency). Attached to the `EfsBackedFunction`; acknowledge it with
   * `Validations.of(scope).acknowledge({ id: SynthWarnings.INIT_OVER_ON_DEMAND_LIMIT, reason })`.
   */
  public static readonly INIT_OVER_ON_DEMAND_LIMIT = 'cdk-lambda-efs:initOverOnDemandLimit';

  /**
   * A cold start keeps the function's caller waiting longer than the caller waits.
   *
   * The caller (an HTTP API gives up after 30 s), declared with
   * `EfsBackedFunction.declareCallerTimeout` or `coldStartLoad.callerTimeout`, waits for a
   * cold start on an on-demand environment: the load at the throughput mode's peak rate,
   * plus the lost 10 s when an init over the limit is run again. Past the caller's timeout
   * the request fails while the function goes on loading. Attached to the
   * `EfsBackedFunction`; acknowledge it with
   * `Validations.of(scope).acknowledge({ id: SynthWarnings.COLD_START_OVER_CALLER_TIMEOUT, reason })`.
   */
  public static readonly COLD_START_OVER_CALLER_TIMEOUT = 'cdk-lambda-efs:coldStartOverCallerTimeout';

  /**
   * The dependency install has no route to the package indexes.
   *
   * An `EfsDependencyInstaller` installs from the file system's subnets, and they are all
   * isolated (no NAT): pip cannot reach the package indexes and the deployment fails.
   * Attached to the `EfsDependencyInstaller`; acknowledge it (when the indexes are reached
   * another way, a proxy or VPC endpoints) with
   * `Validations.of(scope).acknowledge({ id: SynthWarnings.INSTALLER_WITHOUT_EGRESS, reason })`.
   */
  public static readonly INSTALLER_WITHOUT_EGRESS = 'cdk-lambda-efs:installerWithoutEgress';

  /**
   * The dependency installer takes inputs that are not pinned by hash.
   *
   * Requirements without `--hash` (their dependencies then unpinned too) or model files
   * without a `sha256`: whatever the index or host serves on the day of the deployment is
   * installed. Lock them (`pip-compile --generate-hashes`, each model file's `sha256`), or
   * acknowledge it on the `EfsDependencyInstaller` with
   * `Validations.of(scope).acknowledge({ id: SynthWarnings.INSTALLER_INPUTS_NOT_HASH_LOCKED, reason })`.
   */
  public static readonly INSTALLER_INPUTS_NOT_HASH_LOCKED = 'cdk-lambda-efs:installerInputsNotHashLocked';

  private constructor() {}
}
