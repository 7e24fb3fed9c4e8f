import { Duration } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ColdStartLoad } from './cold-start-load';

/** A client of a shared file system, as its capacity checks see it. */
export interface FileSystemClient {
  /** The construct the client's warnings are attached to. */
  readonly scope: IConstruct;

  /**
   * The most execution environments (so NFS connections) the client may run, as
   * `EfsBackedFunctionProps.reservedConcurrentExecutions`.
   *
   * @default - unbounded
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * How long one invocation may run.
   *
   * @default - no limit to check
   */
  readonly timeout?: Duration;

  /**
   * Execution environments kept initialized, as `EfsBackedFunctionProps.provisionedConcurrency`.
   * When they cover `reservedConcurrentExecutions`, the client runs no on-demand environment.
   *
   * @default - none
   */
  readonly provisionedConcurrency?: number;

  /**
   * How long the client's caller waits for an answer (an HTTP API's 30 s), as
   * `EfsBackedFunction.declareCallerTimeout`: a cold start on an on-demand environment must
   * finish within it. Read at synth.
   *
   * @default - no caller waits less than the client runs
   */
  readonly callerTimeout?: Duration;

  /**
   * What one cold start reads from the file system, as `EfsBackedFunctionProps.coldStartLoad`.
   *
   * @default - nothing declared
   */
  readonly coldStartLoad?: ColdStartLoad;
}

