import { Duration, Token } from 'aws-cdk-lib';
import type { ColdStartLoad } from '../cold-start-load';

/**
 * Lambda stops the init of an on-demand environment after 10 s and runs it again inside the
 * first invocation, bounded by the function's timeout (AWS Lambda Developer Guide, "Init phase").
 */
export const ON_DEMAND_INIT_LIMIT_SECONDS = 10;

/** Inits with provisioned concurrency (or SnapStart) may run up to the larger of 130 s and the timeout. */
export const PROVISIONED_INIT_LIMIT_SECONDS = 130;

/** Lambda's longest function timeout: assumed when none is declared. */
export const MAX_FUNCTION_TIMEOUT_SECONDS = 900;

/** Which limit sets a cold start's budget. */
export enum BudgetLimit {
  ON_DEMAND_INIT = 'on-demand init',
  CALLER = 'caller',
  FUNCTION_TIMEOUT = 'function timeout',
  PROVISIONED_INIT = 'provisioned init',
}

/** The time one cold start must finish loading in, and what sets it. */
export interface ColdStartBudget {
  readonly seconds: number;
  readonly limit: BudgetLimit;
  /** The limit in words, for the plan's table and the warnings. */
  readonly reason: string;
}

/** The seconds of a duration known at synth; undefined for none, or for a token. */
export function knownSeconds(duration: Duration | undefined): number | undefined {
  if (duration === undefined || duration.isUnresolved()) {
    return undefined;
  }
  const seconds = duration.toSeconds();
  return Token.isUnresolved(seconds) ? undefined : seconds;
}

/** Whether the cold start happens, at least sometimes, on an on-demand environment. */
export function onDemand(load: ColdStartLoad): boolean {
  return load.onDemandEnvironments ?? true;
}

/** Whether the load runs in the init phase of on-demand environments. */
export function loadsAtInit(load: ColdStartLoad): boolean {
  return load.loadsAtInit ?? true;
}

/**
 * The tightest budget of a cold start. With on-demand environments: the 10 s init limit
 * when the load runs at init, else the function's timeout, and the caller's timeout. The
 * provisioned init limit, max(130 s, timeout), is never tighter than those, so it counts
 * only when every environment is provisioned; then no caller waits for an init either.
 */
export function coldStartBudget(load: ColdStartLoad): ColdStartBudget {
  const timeout = knownSeconds(load.loadWithin) ?? MAX_FUNCTION_TIMEOUT_SECONDS;
  if (!onDemand(load)) {
    const seconds = Math.max(PROVISIONED_INIT_LIMIT_SECONDS, timeout);
    return { seconds, limit: BudgetLimit.PROVISIONED_INIT, reason: `Lambda's ${seconds} s init limit for provisioned environments` };
  }
  const budgets: ColdStartBudget[] = [loadsAtInit(load)
    ? { seconds: ON_DEMAND_INIT_LIMIT_SECONDS, limit: BudgetLimit.ON_DEMAND_INIT, reason: `Lambda's ${ON_DEMAND_INIT_LIMIT_SECONDS} s init limit for on-demand environments` }
    : { seconds: timeout, limit: BudgetLimit.FUNCTION_TIMEOUT, reason: `the function's ${timeout} s timeout` }];
  const caller = knownSeconds(load.callerTimeout);
  if (caller !== undefined) {
    budgets.push({ seconds: caller, limit: BudgetLimit.CALLER, reason: `the caller's ${caller} s timeout` });
  }
  // On a tie the first one is named: the init limit is what the user can change in the handler.
  return budgets.reduce((tightest, b) => (b.seconds < tightest.seconds ? b : tightest));
}

/**
 * How long the caller of an on-demand environment waits for a cold start that loads in
 * `loadSeconds`: an init over the limit is stopped and run again, so the caller waits the
 * lost 10 s too.
 */
export function onDemandWaitSeconds(load: ColdStartLoad, loadSeconds: number): number {
  return loadsAtInit(load) && loadSeconds > ON_DEMAND_INIT_LIMIT_SECONDS ? ON_DEMAND_INIT_LIMIT_SECONDS + loadSeconds : loadSeconds;
}
