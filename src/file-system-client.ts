import { Duration } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ColdStartLoad } from './throughput-planner';

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
   * What one cold start reads from the file system, as `EfsBackedFunctionProps.coldStartLoad`.
   *
   * @default - nothing declared
   */
  readonly coldStartLoad?: ColdStartLoad;
}

