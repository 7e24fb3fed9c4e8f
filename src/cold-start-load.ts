import { Duration, Size } from 'aws-cdk-lib';

/**
 * How functions load their libraries and models from the file system, and what each cold
 * start must finish within.
 *
 * A cold start has budgets: on an on-demand execution environment, Lambda's 10 s init limit
 * when the load runs at init, else the function's timeout, and the caller's timeout when a
 * caller waits (an HTTP API gives up at 30 s); on provisioned environments only, the
 * provisioned init limit, the larger of 130 s and the timeout. The plan recommends no
 * throughput mode under which a cold start misses its tightest budget.
 */
export interface ColdStartLoad {
  /** Bytes one cold start reads (its libraries and model, for example). */
  readonly bytesPerColdStart: Size;

  /**
   * Cold starts a day.
   *
   * @default 0
   */
  readonly coldStartsPerDay?: number;

  /**
   * The function's timeout: a load that runs in an invocation (and an init Lambda runs again
   * inside the first invocation) must finish within it. EfsBackedFunction fills it in from
   * its `timeout` and refuses it in its `coldStartLoad`.
   *
   * @default Duration.minutes(15), Lambda's longest timeout
   */
  readonly loadWithin?: Duration;

  /**
   * How long the function's caller waits for an answer: an HTTP API's integration gives up
   * after 30 s. A cold start on an on-demand environment must finish within it, or the
   * request fails while the function goes on loading. EfsBackedFunction fills it in from
   * `declareCallerTimeout` and refuses it in its `coldStartLoad`.
   *
   * @default - no caller waits less than the function runs
   */
  readonly callerTimeout?: Duration;

  /**
   * Whether the function loads in its init phase (at import, the usual way). Set it to
   * false when on-demand environments start the load at init and finish it in the first
   * invocation (a background load the handler waits on): they are then bound by the
   * timeout, not by the 10 s init limit. Provisioned environments are taken to load at init
   * either way.
   *
   * @default true
   */
  readonly loadsAtInit?: boolean;

  /**
   * Whether the function runs on-demand execution environments. False only when
   * provisioned concurrency covers every environment it may run (provisioned concurrency
   * equal to reserved concurrency): then no caller waits for a cold start, and inits may
   * take the larger of 130 s and the timeout. EfsBackedFunction fills it in and refuses it
   * in its `coldStartLoad`.
   *
   * @default true
   */
  readonly onDemandEnvironments?: boolean;

  /**
   * Cold starts in the busiest hour (a deploy or a scale-out fan-out).
   *
   * @default - coldStartsPerDay spread evenly over 24 hours
   */
  readonly peakColdStartsPerHour?: number;
}

/** The load expected on a file system. */
export interface ExpectedLoad {
  /** Data stored on the file system (its Standard storage class). */
  readonly storedData: Size;

  /**
   * Cold-start loads of the functions that use the file system.
   *
   * @default - none
   */
  readonly coldStarts?: ColdStartLoad[];

  /**
   * Steady read rate besides cold starts, per second.
   *
   * @default Size.bytes(0)
   */
  readonly steadyReadPerSecond?: Size;

  /**
   * Steady write rate, per second.
   *
   * @default Size.bytes(0)
   */
  readonly steadyWritePerSecond?: Size;
}
