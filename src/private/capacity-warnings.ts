import { Annotations, Size, SizeRoundingBehavior, Token } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import { IConstruct } from 'constructs';
import { MAX_CLIENT_CONNECTIONS } from './efs-limits';
import { formatNumber } from './format';
import { inPython } from './validation';
import { FileSystemClient } from '../file-system-client';
import { SynthWarnings } from '../synth-warnings';
import { ColdStartLoad, ExpectedLoad, ThroughputPlan, ThroughputPlanner } from '../throughput-planner';

/** Inputs of the checks of one file system. */
export interface CapacityCheckInput {
  readonly fileSystem: IConstruct;
  readonly throughputMode: efs.ThroughputMode;
  readonly provisionedThroughput?: Size;
  readonly expectedLoad?: ExpectedLoad;
  readonly clients: FileSystemClient[];
}

/** The cold starts declared on the file system and by its clients. */
export function allColdStarts(input: CapacityCheckInput): ColdStartLoad[] {
  const declared = input.expectedLoad?.coldStarts ?? [];
  // A client's cold start must load within its timeout unless it says otherwise.
  const clients = input.clients.flatMap(c => (c.coldStartLoad ? [{ ...c.coldStartLoad, loadWithin: c.coldStartLoad.loadWithin ?? c.timeout }] : []));
  return [...declared, ...clients];
}

/** The plan for the declared load plus every client's cold starts, when a load is declared. */
export function planFor(input: CapacityCheckInput): ThroughputPlan | undefined {
  if (!input.expectedLoad) {
    return undefined;
  }
  return ThroughputPlanner.plan({ ...input.expectedLoad, coldStarts: allColdStarts(input) }, input.provisionedThroughput);
}

/** Add the synth-time warnings about throughput and connections of one file system. */
export function addCapacityWarnings(input: CapacityCheckInput): void {
  checkConnections(input);
  const plan = planFor(input);
  if (!plan) {
    return;
  }
  const chosen = plan.assessmentOf(input.throughputMode);
  const warn = Annotations.of(input.fileSystem);
  if (!chosen.sustainsLoad) {
    warn.addWarningV2(SynthWarnings.THROUGHPUT_INSUFFICIENT,
      `throughputMode ${input.throughputMode} cannot sustain the declared load: it needs ${formatNumber(plan.requiredDailyGib)} GiB a day `
      + `and ${formatNumber(plan.requiredPeakMibPerSecond)} MiB/s at peak, the mode gives ${formatNumber(chosen.dailyBudgetGib)} GiB a day and `
      + `${formatNumber(chosen.peakMibPerSecond)} MiB/s. Recommended: ${plan.recommendedMode} (${plan.recommendation}).${inPython('throughputMode')}`);
  }
  if (input.throughputMode === efs.ThroughputMode.PROVISIONED && input.provisionedThroughput
    && plan.isOversized(input.provisionedThroughput)) {
    warn.addWarningV2(SynthWarnings.PROVISIONED_OVERSIZED,
      `provisionedThroughputPerSecond ${formatNumber(chosen.sustainedMibPerSecond)} MiB/s is far above the ${plan.requiredProvisionedMibPerSecond} MiB/s `
      + `the declared load needs; it costs about ${formatNumber(chosen.monthlyThroughputUsd)} USD a month. `
      + `Recommended: ${plan.recommendedMode} (${plan.recommendation}).${inPython('provisionedThroughputPerSecond')}`);
  }
  for (const client of input.clients) {
    checkTimeout(client, plan, input.throughputMode);
  }
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

function checkTimeout(client: FileSystemClient, plan: ThroughputPlan, mode: efs.ThroughputMode): void {
  if (!client.coldStartLoad || !client.timeout || Token.isUnresolved(client.timeout.toSeconds())) {
    return;
  }
  const loadTime = plan.worstCaseLoadTime(mode, client.coldStartLoad.bytesPerColdStart);
  if (loadTime.toSeconds() > client.timeout.toSeconds()) {
    const when = mode === efs.ThroughputMode.BURSTING ? ' when the burst credits run out' : '';
    Annotations.of(client.scope).addWarningV2(SynthWarnings.TIMEOUT_BELOW_COLD_START_LOAD,
      `timeout ${client.timeout.toSeconds()} s is shorter than the ${loadTime.toSeconds()} s a cold start needs to read `
      + `${formatNumber(client.coldStartLoad.bytesPerColdStart.toMebibytes({ rounding: SizeRoundingBehavior.NONE }))} MiB under throughputMode ${mode}${when}; `
      + `raise the timeout or the file system's throughput (recommended: ${plan.recommendedMode}).`);
  }
}
