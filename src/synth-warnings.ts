/**
 * The ids of the warnings the constructs add at synth, all in one place.
 *
 * The ids are stable across releases. A warning you accept is acknowledged on the construct
 * it is attached to (or a scope above it), with the reason, and then no longer reported:
 *
 * ```ts
 * Validations.of(fileSystem).acknowledge({ id: SynthWarnings.THROUGHPUT_INSUFFICIENT, reason: '...' });
 * ```
 */
export class SynthWarnings {
  /**
   * The file system's throughput mode cannot sustain the declared load: the daily data,
   * the busiest hour or a cold start within its function's timeout. The warning names the
   * recommended mode. Attached to the `SharedFileSystem`'s `fileSystem`; acknowledge it
   * with `Validations.of(scope).acknowledge({ id: SynthWarnings.THROUGHPUT_INSUFFICIENT, reason })`.
   */
  public static readonly THROUGHPUT_INSUFFICIENT = 'cdk-lambda-efs:throughputInsufficient';

  /**
   * The provisioned rate is at least 3 times what the declared load needs (and more than
   * 1 MiB/s over): it bills throughput nothing uses. The warning gives the monthly cost.
   * Attached to the `SharedFileSystem`'s `fileSystem`; acknowledge it with
   * `Validations.of(scope).acknowledge({ id: SynthWarnings.PROVISIONED_OVERSIZED, reason })`.
   */
  public static readonly PROVISIONED_OVERSIZED = 'cdk-lambda-efs:provisionedOversized';

  /**
   * The reserved concurrency of the functions that mount one file system adds up to more
   * than the NFS client connections EFS allows per file system
   * (`SharedFileSystem.MAX_CLIENT_CONNECTIONS`): each execution environment holds one.
   * Attached to the `SharedFileSystem`'s `fileSystem`; acknowledge it with
   * `Validations.of(scope).acknowledge({ id: SynthWarnings.CLIENT_CONNECTION_LIMIT, reason })`.
   */
  public static readonly CLIENT_CONNECTION_LIMIT = 'cdk-lambda-efs:clientConnectionLimit';

  /**
   * An `EfsBackedFunction` has no `reservedConcurrentExecutions`: nothing bounds its
   * execution environments, so its EFS connections and the burst credits a cold-start
   * fan-out spends. Attached to the `EfsBackedFunction`; acknowledge it with
   * `Validations.of(scope).acknowledge({ id: SynthWarnings.NO_RESERVED_CONCURRENCY, reason })`.
   */
  public static readonly NO_RESERVED_CONCURRENCY = 'cdk-lambda-efs:noReservedConcurrency';

  /**
   * An `EfsBackedFunction`'s timeout is shorter than its declared `coldStartLoad` takes to
   * read at the worst rate the throughput mode can fall to (Bursting: with no credits left),
   * so cold starts may time out. Attached to the `EfsBackedFunction`; acknowledge it with
   * `Validations.of(scope).acknowledge({ id: SynthWarnings.TIMEOUT_BELOW_COLD_START_LOAD, reason })`.
   */
  public static readonly TIMEOUT_BELOW_COLD_START_LOAD = 'cdk-lambda-efs:timeoutBelowColdStartLoad';

  /**
   * An `EfsDependencyInstaller` builds in the file system's subnets, and they are all
   * isolated (no NAT): pip cannot reach the package indexes and the deployment fails.
   * Attached to the `EfsDependencyInstaller`; acknowledge it (when the indexes are reached
   * another way, a proxy or VPC endpoints) with
   * `Validations.of(scope).acknowledge({ id: SynthWarnings.INSTALLER_WITHOUT_EGRESS, reason })`.
   */
  public static readonly INSTALLER_WITHOUT_EGRESS = 'cdk-lambda-efs:installerWithoutEgress';

  /**
   * An `EfsDependencyInstaller`'s inputs are not locked to content hashes: the same
   * requirements may install different files on a later deployment (a package index can
   * serve a new build for a specifier that is not pinned by hash), so a set is not
   * reproducible from its id. Acknowledge it on the `EfsDependencyInstaller` (or a scope
   * above it) with
   * `Validations.of(scope).acknowledge({ id: SynthWarnings.INSTALLER_INPUTS_NOT_HASH_LOCKED, reason })`.
   */
  public static readonly INSTALLER_INPUTS_NOT_HASH_LOCKED = 'cdk-lambda-efs:installerInputsNotHashLocked';

  private constructor() {}
}
