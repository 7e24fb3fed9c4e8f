import { Annotations, Duration, Size, SizeRoundingBehavior, Token } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import { IConstruct } from 'constructs';
import { coldStartBudget, knownSeconds, loadsAtInit, onDemand, onDemandWaitSeconds, ON_DEMAND_INIT_LIMIT_SECONDS, PROVISIONED_INIT_LIMIT_SECONDS } from './cold-start-budget';
import { MAX_CLIENT_CONNECTIONS, PROVISIONED_USD_PER_MIB_MONTH } from './efs-limits';
import { inputMessage } from './errors';
import { formatNumber } from './format';
import { ColdStartLoad, ExpectedLoad } from '../cold-start-load';
import { FileSystemClient } from '../file-system-client';
import { SynthWarnings } from '../synth-warnings';
import { ThroughputPlan, ThroughputPlanner } from '../throughput-planner';

/** A client as the planner sees it: a FileSystemClient without the construct its warnings go to (`npm run plan` has none). */
export type ClientLoad = Omit<FileSystemClient, 'scope'>;

/** What a file system's plan is made of: the same for the synth checks and `npm run plan`. */
export interface LoadInput {
  readonly expectedLoad?: ExpectedLoad;
  readonly clients: ClientLoad[];
  readonly provisionedThroughput?: Size;
}

/** Inputs of the checks of one file system. */
export interface CapacityCheckInput extends LoadInput {
  readonly fileSystem: IConstruct;
  readonly throughputMode: efs.ThroughputMode;
  readonly clients: FileSystemClient[];
}

/**
 * A client's cold start with what the client knows filled in: its timeout, the shortest
 * wait of its callers, and whether it runs on-demand environments. What the cold start
 * declares itself wins (the caller's wait: the shorter of the two).
 */
export function coldStartOf(client: ClientLoad): ColdStartLoad | undefined {
  const load = client.coldStartLoad;
  if (!load) {
    return undefined;
  }
  return {
    ...load,
    loadWithin: load.loadWithin ?? client.timeout,
    callerTimeout: shorter(load.callerTimeout, client.callerTimeout),
    onDemandEnvironments: load.onDemandEnvironments ?? runsOnDemand(client),
  };
}

/** The cold starts declared on the file system and by its clients. */
export function allColdStarts(input: LoadInput): ColdStartLoad[] {
  const declared = input.expectedLoad?.coldStarts ?? [];
  return [...declared, ...input.clients.flatMap(c => coldStartOf(c) ?? [])];
}

/**
 * The plan for the declared load plus every client's cold starts. Without a declared load,
 * the clients' cold starts are still planned, on the least the file system must store: what
 * the largest of them reads. Undefined when nothing at all is declared.
 */
export function planFor(input: LoadInput): ThroughputPlan | undefined {
  const coldStarts = allColdStarts(input);
  const storedData = input.expectedLoad?.storedData ?? assumedStoredData(coldStarts);
  if (!storedData) {
    return undefined;
  }
  return ThroughputPlanner.plan({ ...input.expectedLoad, storedData, coldStarts }, input.provisionedThroughput);
}

/** Add the synth-time warnings about throughput, cold-start budgets and connections of one file system. */
export function addCapacityWarnings(input: CapacityCheckInput): void {
  checkConnections(input);
  checkProvisionedQuota(input);
  const plan = planFor(input);
  if (!plan) {
    return;
  }
  const chosen = plan.assessmentOf(input.throughputMode);
  const warn = Annotations.of(input.fileSystem);
  // One warning per cause: a cold start too slow for its function or its callers is reported on
  // the function, with the file system's recommended mode; the file system repeats it only for
  // cold starts no function reported (those declared in expectedLoad).
  const clientWarned = input.clients.map(client => checkTimeout(client, plan, input.throughputMode)
    + checkColdStartBudgets(client, plan, input.throughputMode)).some(count => count > 0);
  const missing = shortfalls(plan, chosen, { coldStart: !clientWarned });
  if (!chosen.sustainsLoad && missing.length > 0) {
    warn.addWarningV2(SynthWarnings.THROUGHPUT_INSUFFICIENT, inputMessage('throughputMode',
      `throughputMode ${input.throughputMode} cannot sustain the declared load: ${missing.join('; ')}. `
      + `${capitalized(recommended(plan))}.${storedDataNote(input)}`));
  }
  if (input.throughputMode === efs.ThroughputMode.PROVISIONED && input.provisionedThroughput
    && plan.isOversized(input.provisionedThroughput)) {
    warn.addWarningV2(SynthWarnings.PROVISIONED_OVERSIZED, inputMessage('provisionedThroughputPerSecond',
      `provisionedThroughputPerSecond ${formatNumber(chosen.sustainedMibPerSecond)} MiB/s is far above the ${plan.requiredProvisionedMibPerSecond} MiB/s `
      + `the declared load needs; it costs about ${formatNumber(chosen.monthlyThroughputUsd)} USD a month. `
      + `${capitalized(recommended(plan))}.`));
  }
}

/** What the chosen mode falls short of: the daily data or the busiest hour, and (unless told not to) a cold start's budget. */
function shortfalls(plan: ThroughputPlan, chosen: ReturnType<ThroughputPlan['assessmentOf']>, include: { coldStart: boolean }): string[] {
  const parts: string[] = [];
  if (chosen.dailyBudgetGib < plan.requiredDailyGib || chosen.peakMibPerSecond < plan.requiredPeakMibPerSecond) {
    parts.push(`it needs ${formatNumber(plan.requiredDailyGib)} GiB a day and ${formatNumber(plan.requiredPeakMibPerSecond)} MiB/s at peak, `
      + `the mode gives ${formatNumber(chosen.dailyBudgetGib)} GiB a day and ${formatNumber(chosen.peakMibPerSecond)} MiB/s`);
  }
  if (include.coldStart && !chosen.meetsColdStartBudgets && plan.coldStartBudget) {
    const budget = plan.coldStartBudget.toSeconds();
    const mib = plan.requiredColdStartMibPerSecond * budget;
    parts.push(`a cold start of ${formatNumber(mib / 1024)} GiB loads in ${formatNumber(plan.peakLoadSeconds(chosen.mode, Size.mebibytes(mib)))} s, `
      + `more than its budget, ${plan.coldStartBudgetReason}`);
  }
  return parts;
}

/** The plan's answer as a clause: `recommended: elastic (why)`, or why no mode fits. */
function recommended(plan: ThroughputPlan): string {
  return plan.recommendedMode ? `recommended: ${plan.recommendedMode} (${plan.recommendation})` : `no throughput mode fits: ${plan.recommendation}`;
}

function storedDataNote(input: CapacityCheckInput): string {
  if (input.expectedLoad) {
    return '';
  }
  return ` No expectedLoad is declared: planned with ${formatNumber(mebibytes(assumedStoredData(allColdStarts(input))!) / 1024)} GiB stored, `
    + 'what the largest cold start reads; declare expectedLoad.storedData for the credits the real size earns.';
}

function checkConnections(input: CapacityCheckInput): void {
  const reserved = input.clients.map(c => c.reservedConcurrentExecutions).filter((n): n is number => n !== undefined && !Token.isUnresolved(n));
  const total = reserved.reduce((a, b) => a + b, 0);
  if (total > MAX_CLIENT_CONNECTIONS) {
    Annotations.of(input.fileSystem).addWarningV2(SynthWarnings.CLIENT_CONNECTION_LIMIT,
      `the functions that mount this file system may run ${total} execution environments together (sum of reserved concurrency), `
      + `more than the ${MAX_CLIENT_CONNECTIONS} client connections EFS allows per file system; lower their reserved concurrency.`);
  }
}

/** Warns when the function's timeout is shorter than its worst-case load; returns the number of warnings added (0 or 1). */
function checkTimeout(client: FileSystemClient, plan: ThroughputPlan, mode: efs.ThroughputMode): number {
  if (!client.coldStartLoad || !client.timeout || Token.isUnresolved(client.timeout.toSeconds())) {
    return 0;
  }
  const loadTime = plan.worstCaseLoadTime(mode, client.coldStartLoad.bytesPerColdStart);
  if (loadTime.toSeconds() > client.timeout.toSeconds()) {
    const when = mode === efs.ThroughputMode.BURSTING ? ' when the burst credits run out' : '';
    Annotations.of(client.scope).addWarningV2(SynthWarnings.TIMEOUT_BELOW_COLD_START_LOAD,
      `timeout ${client.timeout.toSeconds()} s is shorter than the ${loadTime.toSeconds()} s a cold start needs to read `
      + `${formatNumber(mebibytes(client.coldStartLoad.bytesPerColdStart))} MiB under throughputMode ${mode}${when}; `
      + `raise the timeout or the file system's throughput (${recommended(plan)}).`);
    return 1;
  }
  return 0;
}

/**
 * The budgets of a cold start on an on-demand environment, at the rate the chosen mode gives
 * one client at its peak (Bursting: with credits; `checkTimeout` covers the worst case).
 * Returns the number of warnings added.
 */
function checkColdStartBudgets(client: FileSystemClient, plan: ThroughputPlan, mode: efs.ThroughputMode): number {
  const load = coldStartOf(client);
  if (!load || !onDemand(load)) {
    return 0;
  }
  let added = 0;
  const seconds = plan.peakLoadSeconds(mode, load.bytesPerColdStart);
  const reads = `${formatNumber(mebibytes(load.bytesPerColdStart))} MiB under throughputMode ${mode}`;
  const provisionEvery = 'keep every environment provisioned (provisionedConcurrency equal to reservedConcurrentExecutions; '
    + `their inits may take the larger of ${PROVISIONED_INIT_LIMIT_SECONDS} s and the timeout, and no caller waits for them)`;
  const throughput = `raise the file system's throughput (${recommended(plan)})`;
  if (loadsAtInit(load) && seconds > ON_DEMAND_INIT_LIMIT_SECONDS) {
    const inInvocation = coldStartBudget({ ...load, loadsAtInit: false });
    Annotations.of(client.scope).addWarningV2(SynthWarnings.INIT_OVER_ON_DEMAND_LIMIT, inputMessage(
      ['coldStartLoad', 'loadsAtInit', 'provisionedConcurrency', 'reservedConcurrentExecutions'],
      `a cold start loads at init for ${formatNumber(seconds)} s (${reads}), more than the ${ON_DEMAND_INIT_LIMIT_SECONDS} s Lambda allows the init `
      + 'of an on-demand environment: Lambda stops the init and runs it again inside the first invocation, so that caller waits '
      + `${ON_DEMAND_INIT_LIMIT_SECONDS} s more, then the whole load. Load in the first invocation instead (coldStartLoad.loadsAtInit false, `
      + `with a background load the handler waits on; then ${inInvocation.reason} is the budget), ${provisionEvery}, ${throughput}, `
      + 'or ship the libraries in a container image.'));
    added++;
  }
  const caller = knownSeconds(load.callerTimeout);
  const wait = onDemandWaitSeconds(load, seconds);
  if (caller !== undefined && wait > caller) {
    const how = wait > seconds
      ? `the ${ON_DEMAND_INIT_LIMIT_SECONDS} s of an init Lambda stops, then ${formatNumber(seconds)} s to read ${reads}`
      : `${formatNumber(seconds)} s to read ${reads}`;
    Annotations.of(client.scope).addWarningV2(SynthWarnings.COLD_START_OVER_CALLER_TIMEOUT, inputMessage(
      ['provisionedConcurrency', 'reservedConcurrentExecutions'],
      `a cold start on an on-demand environment keeps the caller waiting ${formatNumber(wait)} s (${how}), longer than the caller's `
      + `${caller} s timeout: the request fails while the function goes on loading. ${capitalized(throughput)}, ${provisionEvery}, `
      + 'or make the load smaller.'));
    added++;
  }
  return added;
}

/** On-demand environments run unless provisioned concurrency covers every environment reserved concurrency allows. */
function runsOnDemand(client: ClientLoad): boolean {
  const provisioned = client.provisionedConcurrency;
  const reserved = client.reservedConcurrentExecutions;
  if (provisioned === undefined || reserved === undefined || Token.isUnresolved(provisioned) || Token.isUnresolved(reserved)) {
    return true;
  }
  return provisioned < reserved;
}

/** The shorter of two waits known at synth; a token counts as not declared. */
function shorter(a: Duration | undefined, b: Duration | undefined): Duration | undefined {
  const [sa, sb] = [knownSeconds(a), knownSeconds(b)];
  if (sa === undefined) {
    return sb === undefined ? undefined : b;
  }
  return sb === undefined || sa <= sb ? a : b;
}

function assumedStoredData(coldStarts: ColdStartLoad[]): Size | undefined {
  if (coldStarts.length === 0) {
    return undefined;
  }
  return Size.mebibytes(Math.max(...coldStarts.map(c => mebibytes(c.bytesPerColdStart))));
}

function mebibytes(size: Size): number {
  return size.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** EFS's default upper limit of provisioned throughput, in the Regions where it is highest (EFS API Reference, `ProvisionedThroughputInMibps`). */
export const MAX_DEFAULT_PROVISIONED_MIB_PER_SECOND = 3414;

/** A provisioned rate above the default quota fails at deploy; it is also a large bill, said in figures. */
function checkProvisionedQuota(input: CapacityCheckInput): void {
  const rate = input.provisionedThroughput?.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  if (input.throughputMode !== efs.ThroughputMode.PROVISIONED || rate === undefined || Token.isUnresolved(rate)
    || rate <= MAX_DEFAULT_PROVISIONED_MIB_PER_SECOND) {
    return;
  }
  Annotations.of(input.fileSystem).addWarningV2(SynthWarnings.PROVISIONED_ABOVE_QUOTA, inputMessage('provisionedThroughputPerSecond',
    `provisionedThroughputPerSecond ${formatNumber(rate)} MiB/s is above ${MAX_DEFAULT_PROVISIONED_MIB_PER_SECOND} MiB/s, the most EFS provisions `
    + 'without a quota increase (less in some Regions): the deploy fails unless AWS Support raised it. At list price it costs about '
    + `${formatNumber(rate * PROVISIONED_USD_PER_MIB_MONTH)} USD a month (us-east-1).`));
}
