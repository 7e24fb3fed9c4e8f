import { Annotations, Size, SizeRoundingBehavior, Token } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import { IConstruct } from 'constructs';
import { CapacityChecks } from '../capacity-checks';
import { FileSystemClient } from '../file-system-client';
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
  const clients = input.clients.flatMap(c => (c.coldStart ? [{ ...c.coldStart, loadWithin: c.coldStart.loadWithin ?? c.timeout }] : []));
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
  const chosen = ThroughputPlanner.assessmentOf(plan, input.throughputMode);
  const warn = Annotations.of(input.fileSystem);
  if (!chosen.sustainsLoad) {
    warn.addWarningV2(CapacityChecks.THROUGHPUT_INSUFFICIENT,
      `throughputMode ${input.throughputMode} cannot sustain the declared load: it needs ${round(plan.requiredDailyGiB)} GiB a day `
      + `and ${round(plan.requiredPeakMiBps)} MiB/s at peak, the mode gives ${round(chosen.dailyBudgetGiB)} GiB a day and `
      + `${round(chosen.peakMiBps)} MiB/s. Recommended: ${plan.recommendedMode} (${plan.recommendation}).`);
  }
  if (input.throughputMode === efs.ThroughputMode.PROVISIONED && input.provisionedThroughput
    && ThroughputPlanner.isOversized(plan, input.provisionedThroughput)) {
    warn.addWarningV2(CapacityChecks.PROVISIONED_OVERSIZED,
      `provisionedThroughputPerSecond ${round(chosen.sustainedMiBps)} MiB/s is far above the ${plan.requiredProvisionedMiBps} MiB/s `
      + `the declared load needs; it costs about ${round(chosen.monthlyThroughputUsd)} USD a month. Recommended: ${plan.recommendedMode} (${plan.recommendation}).`);
  }
  for (const client of input.clients) {
    checkTimeout(client, plan, input.throughputMode);
  }
}

function checkConnections(input: CapacityCheckInput): void {
  const reserved = input.clients.map(c => c.reservedConcurrency).filter((n): n is number => n !== undefined && !Token.isUnresolved(n));
  const total = reserved.reduce((a, b) => a + b, 0);
  if (total > CapacityChecks.EFS_CLIENT_CONNECTION_LIMIT) {
    Annotations.of(input.fileSystem).addWarningV2(CapacityChecks.CLIENT_CONNECTION_LIMIT,
      `the functions that mount this file system may run ${total} execution environments together (sum of reserved concurrency), `
      + `more than the ${CapacityChecks.EFS_CLIENT_CONNECTION_LIMIT} client connections EFS allows per file system; lower their reserved concurrency.`);
  }
}

function checkTimeout(client: FileSystemClient, plan: ThroughputPlan, mode: efs.ThroughputMode): void {
  if (!client.coldStart || !client.timeout || Token.isUnresolved(client.timeout.toSeconds())) {
    return;
  }
  const loadTime = ThroughputPlanner.worstCaseLoadTime(plan, mode, client.coldStart.bytesPerColdStart);
  if (loadTime.toSeconds() > client.timeout.toSeconds()) {
    const when = mode === efs.ThroughputMode.BURSTING ? ' when the burst credits run out' : '';
    Annotations.of(client.scope).addWarningV2(CapacityChecks.TIMEOUT_BELOW_COLD_START_LOAD,
      `timeout ${client.timeout.toSeconds()} s is shorter than the ${loadTime.toSeconds()} s a cold start needs to read `
      + `${round(client.coldStart.bytesPerColdStart.toMebibytes({ rounding: SizeRoundingBehavior.NONE }))} MiB under throughputMode ${mode}${when}; `
      + `raise the timeout or the file system's throughput (recommended: ${plan.recommendedMode}).`);
  }
}

function round(value: number): string {
  return value >= 10 ? value.toFixed(0) : value.toFixed(2);
}
