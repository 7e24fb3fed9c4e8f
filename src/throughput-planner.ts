import { Duration, Size, SizeRoundingBehavior } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';

/**
 * EFS throughput rules the planner applies (see the AWS EFS documentation and the 2020
 * launch post for EFS on Lambda, whose worked figures the tests reproduce).
 */
const KIB_PER_MIB = 1024;
const MIB_PER_GIB = 1024;
const SECONDS_PER_DAY = 86_400;
const DAYS_PER_MONTH = 30;
/** Bursting: credits accrue at 50 KiB/s per GiB stored. */
const BURSTING_BASELINE_KIB_PER_GIB = 50;
/** Bursting: the rate a file system gets with no credits left, whatever its size (since July 2020). */
const BURSTING_FLOOR_MIB = 1;
/** Bursting: every file system can burst to 100 MiB/s; above 1 TiB, 100 MiB/s per TiB. */
const BURSTING_BURST_MIB = 100;
const BURSTING_BURST_MIB_PER_TIB = 100;
/**
 * Elastic: the read throughput one client can count on. EFS allows more per file system;
 * this conservative per-client figure is what a single function's cold start gets.
 */
const ELASTIC_PER_CLIENT_MIB = 500;
/** us-east-1 list prices, for comparing modes only: USD per MiB/s-month provisioned, per GiB read and written with Elastic. */
const PROVISIONED_USD_PER_MIB_MONTH = 6.0;
const ELASTIC_READ_USD_PER_GIB = 0.03;
const ELASTIC_WRITE_USD_PER_GIB = 0.06;
/** A provisioned rate this many times what the load needs is flagged as oversized. */
const OVERSIZED_FACTOR = 3;

/** How functions load their libraries and models from the file system. */
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
   * The time one cold start must finish loading in: the function's timeout (EfsBackedFunction
   * fills it in). Provisioned throughput must be at least the rate that achieves it.
   *
   * @default - no limit
   */
  readonly loadWithin?: Duration;

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

/** What one throughput mode gives for an expected load. */
export interface ThroughputModeAssessment {
  /** The mode. */
  readonly mode: efs.ThroughputMode;

  /** The rate the mode sustains all day, in MiB/s (for Elastic: the per-client figure). */
  readonly sustainedMiBps: number;

  /** The rate available for a burst of cold starts, in MiB/s. */
  readonly peakMiBps: number;

  /** The lowest rate the mode can fall to, in MiB/s (Bursting with no credits left). */
  readonly worstCaseMiBps: number;

  /** The data the mode moves in a day at its sustained rate, in GiB. */
  readonly dailyBudgetGiB: number;

  /** Cold starts of the largest declared size the daily budget pays for (after steady traffic); -1 when unbounded. */
  readonly coldStartsPerDay: number;

  /** Seconds one cold start of the largest declared size takes to load at the peak rate. */
  readonly coldStartLoadSeconds: number;

  /** Seconds the same load takes at the worst the mode can fall to (Bursting with no credits left). */
  readonly worstCaseLoadSeconds: number;

  /** Whether the mode sustains the declared load. */
  readonly sustainsLoad: boolean;

  /** Approximate monthly throughput cost in USD (storage excluded), us-east-1 list prices. */
  readonly monthlyThroughputUsd: number;
}

/** The planner's answer for an expected load. */
export interface ThroughputPlan {
  /** Data read and written per day by the declared load, in GiB. */
  readonly requiredDailyGiB: number;

  /** The rate the busiest hour needs, in MiB/s. */
  readonly requiredPeakMiBps: number;

  /** The provisioned rate that would sustain the load and load each cold start within its `loadWithin`, in whole MiB/s (at least 1). */
  readonly requiredProvisionedMiBps: number;

  /** Bursting, Provisioned (at the rate given to `plan`, else requiredProvisionedMiBps) and Elastic, in that order. */
  readonly modes: ThroughputModeAssessment[];

  /** The cheapest mode that sustains the load. */
  readonly recommendedMode: efs.ThroughputMode;

  /** Why, in one sentence. */
  readonly recommendation: string;
}

/**
 * Plans EFS throughput for Lambda functions that load libraries and models at cold start.
 *
 * Static methods only, so that the same arithmetic serves the constructs' synth-time checks,
 * the `npm run plan` table and users' own scripts.
 */
export class ThroughputPlanner {
  /** Credits accrue at 50 KiB/s per GiB stored; this is that rate in MiB/s. */
  public static burstingBaselineMiBps(storedData: Size): number {
    return gib(storedData) * BURSTING_BASELINE_KIB_PER_GIB / KIB_PER_MIB;
  }

  /** The burst rate: 100 MiB/s, or 100 MiB/s per TiB stored above 1 TiB. */
  public static burstingBurstMiBps(storedData: Size): number {
    return Math.max(BURSTING_BURST_MIB, gib(storedData) / MIB_PER_GIB * BURSTING_BURST_MIB_PER_TIB);
  }

  /** The rate with no credits left: the baseline, but never below the 1 MiB/s floor. */
  public static burstingNoCreditMiBps(storedData: Size): number {
    return Math.max(ThroughputPlanner.burstingBaselineMiBps(storedData), BURSTING_FLOOR_MIB);
  }

  /** Assess every mode for `load`; `provisioned` is the rate to assess Provisioned at. */
  public static plan(load: ExpectedLoad, provisioned?: Size): ThroughputPlan {
    checkLoad(load);
    const coldStarts = load.coldStarts ?? [];
    const steadyReadMiBps = mib(load.steadyReadPerSecond);
    const steadyWriteMiBps = mib(load.steadyWritePerSecond);
    const coldStartDailyGiB = sum(coldStarts.map(c => gib(c.bytesPerColdStart) * (c.coldStartsPerDay ?? 0)));
    const steadyDailyGiB = (steadyReadMiBps + steadyWriteMiBps) * SECONDS_PER_DAY / MIB_PER_GIB;
    const requiredDailyGiB = coldStartDailyGiB + steadyDailyGiB;
    const peakColdStartMiBps = sum(coldStarts.map(c => mib(c.bytesPerColdStart) * peakPerHour(c) / 3600));
    const requiredPeakMiBps = peakColdStartMiBps + steadyReadMiBps + steadyWriteMiBps;
    const averageMiBps = requiredDailyGiB * MIB_PER_GIB / SECONDS_PER_DAY;
    // The rate at which the slowest-allowed cold start still loads in time.
    const loadInTimeMiBps = Math.max(0, ...coldStarts.map(c => (c.loadWithin ? mib(c.bytesPerColdStart) / c.loadWithin.toSeconds() : 0)));
    const requiredProvisionedMiBps = Math.max(1, Math.ceil(Math.max(averageMiBps, requiredPeakMiBps, loadInTimeMiBps)));
    const largestColdStartGiB = Math.max(0, ...coldStarts.map(c => gib(c.bytesPerColdStart)));

    const assess = (mode: efs.ThroughputMode, sustainedMiBps: number, peakMiBps: number, worstMiBps: number,
      sustainsLoad: boolean, monthlyThroughputUsd: number, unbounded = false): ThroughputModeAssessment => {
      const dailyBudgetGiB = sustainedMiBps * SECONDS_PER_DAY / MIB_PER_GIB;
      return {
        mode,
        sustainedMiBps,
        peakMiBps,
        worstCaseMiBps: worstMiBps,
        dailyBudgetGiB,
        coldStartsPerDay: unbounded ? -1 : coldStartsPaidFor(dailyBudgetGiB - steadyDailyGiB, largestColdStartGiB),
        coldStartLoadSeconds: largestColdStartGiB * MIB_PER_GIB / peakMiBps,
        worstCaseLoadSeconds: largestColdStartGiB * MIB_PER_GIB / worstMiBps,
        sustainsLoad,
        monthlyThroughputUsd,
      };
    };

    const baseline = ThroughputPlanner.burstingBaselineMiBps(load.storedData);
    const burst = ThroughputPlanner.burstingBurstMiBps(load.storedData);
    // At the 1 MiB/s floor a file system stays reachable, but a cold start of libraries takes
    // far longer than any Lambda timeout: only credit-earned throughput counts toward the budget.
    const bursting = assess(efs.ThroughputMode.BURSTING, baseline, burst, ThroughputPlanner.burstingNoCreditMiBps(load.storedData),
      requiredDailyGiB <= baseline * SECONDS_PER_DAY / MIB_PER_GIB && Math.max(requiredPeakMiBps, loadInTimeMiBps) <= burst, 0);

    const provisionedMiBps = provisioned ? mib(provisioned) : requiredProvisionedMiBps;
    const provisionedRate = Math.max(provisionedMiBps, baseline);
    const provisionedMode = assess(efs.ThroughputMode.PROVISIONED, provisionedRate, provisionedRate, provisionedRate,
      Math.max(requiredPeakMiBps, averageMiBps, loadInTimeMiBps) <= provisionedRate,
      Math.max(0, provisionedMiBps - baseline) * PROVISIONED_USD_PER_MIB_MONTH);

    const monthlyElastic = DAYS_PER_MONTH * (
      (coldStartDailyGiB + steadyReadMiBps * SECONDS_PER_DAY / MIB_PER_GIB) * ELASTIC_READ_USD_PER_GIB
      + steadyWriteMiBps * SECONDS_PER_DAY / MIB_PER_GIB * ELASTIC_WRITE_USD_PER_GIB);
    const elastic = assess(efs.ThroughputMode.ELASTIC, ELASTIC_PER_CLIENT_MIB, ELASTIC_PER_CLIENT_MIB, ELASTIC_PER_CLIENT_MIB,
      true, monthlyElastic, true);

    const modes = [bursting, provisionedMode, elastic];
    // Recommend on what the load needs, not on the rate the caller happens to provision.
    const requiredProvisionedUsd = Math.max(0, requiredProvisionedMiBps - baseline) * PROVISIONED_USD_PER_MIB_MONTH;
    const { recommendedMode, recommendation } = recommend(bursting.sustainsLoad, requiredProvisionedMiBps, requiredProvisionedUsd, monthlyElastic);
    return { requiredDailyGiB, requiredPeakMiBps, requiredProvisionedMiBps, modes, recommendedMode, recommendation };
  }

  /** The assessment of `mode` in `plan`. */
  public static assessmentOf(plan: ThroughputPlan, mode: efs.ThroughputMode): ThroughputModeAssessment {
    const found = plan.modes.find(m => m.mode === mode);
    if (!found) {
      throw new Error(`throughput mode must be one of ${plan.modes.map(m => m.mode).join(', ')} (got '${mode}')`);
    }
    return found;
  }

  /** Whether a provisioned rate is far above what the load needs (at least 3 times, and more than 1 MiB/s over). */
  public static isOversized(plan: ThroughputPlan, provisioned: Size): boolean {
    const rate = mib(provisioned);
    return rate >= OVERSIZED_FACTOR * plan.requiredProvisionedMiBps && rate - plan.requiredProvisionedMiBps > 1;
  }

  /** How long a cold start of `bytes` takes at the worst rate `mode` can fall to. */
  public static worstCaseLoadTime(plan: ThroughputPlan, mode: efs.ThroughputMode, bytes: Size): Duration {
    const assessment = ThroughputPlanner.assessmentOf(plan, mode);
    return Duration.seconds(Math.ceil(mib(bytes) / assessment.worstCaseMiBps));
  }

  /** The plan as a fixed-width table, one row per mode. */
  public static formatTable(plan: ThroughputPlan): string {
    const header = ['mode', 'sustained MiB/s', 'peak MiB/s', 'GiB/day', 'cold starts/day', 'load s (peak)', 'load s (worst)', 'sustains', 'USD/month'];
    const rows = plan.modes.map(m => [
      m.mode,
      fixed(m.sustainedMiBps),
      fixed(m.peakMiBps),
      // Elastic has no daily budget: it scales with the load (the rates shown are per client).
      m.coldStartsPerDay < 0 ? 'scales' : fixed(m.dailyBudgetGiB),
      m.coldStartsPerDay < 0 ? 'scales' : String(m.coldStartsPerDay),
      fixed(m.coldStartLoadSeconds),
      fixed(m.worstCaseLoadSeconds),
      m.sustainsLoad ? 'yes' : 'NO',
      fixed(m.monthlyThroughputUsd),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    return [
      line(header),
      ...rows.map(line),
      '',
      `load: ${fixed(plan.requiredDailyGiB)} GiB/day, peak ${fixed(plan.requiredPeakMiBps)} MiB/s; provisioned would need ${plan.requiredProvisionedMiBps} MiB/s`,
      `recommended: ${plan.recommendedMode} (${plan.recommendation})`,
    ].join('\n');
  }
}

function recommend(burstingSustains: boolean, provisionedMiBps: number, provisionedUsd: number, elasticUsd: number):
{ recommendedMode: efs.ThroughputMode; recommendation: string } {
  if (burstingSustains) {
    const recommendation = 'the credits earned by the data stored pay for the load, at no throughput charge';
    return { recommendedMode: efs.ThroughputMode.BURSTING, recommendation };
  }
  if (provisionedUsd < elasticUsd) {
    return {
      recommendedMode: efs.ThroughputMode.PROVISIONED,
      recommendation: `${provisionedMiBps} MiB/s provisioned costs about ${fixed(provisionedUsd)} USD a month, less than Elastic's ${fixed(elasticUsd)}`,
    };
  }
  return {
    recommendedMode: efs.ThroughputMode.ELASTIC,
    recommendation: `Elastic bills what is read and written, about ${fixed(elasticUsd)} USD a month, less than ${provisionedMiBps} MiB/s provisioned (${fixed(provisionedUsd)})`,
  };
}

/** Whole cold starts of `coldStartGiB` that `budgetGiB` pays for. */
function coldStartsPaidFor(budgetGiB: number, coldStartGiB: number): number {
  return coldStartGiB > 0 ? Math.floor(Math.max(0, budgetGiB) / coldStartGiB) : 0;
}

function checkLoad(load: ExpectedLoad): void {
  const nonNegative = (name: string, value: number | undefined) => {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      throw new Error(`${name} must be a number of at least 0 (got ${value})`);
    }
  };
  nonNegative('storedData', gib(load.storedData));
  (load.coldStarts ?? []).forEach((c, i) => {
    nonNegative(`coldStarts[${i}].coldStartsPerDay`, c.coldStartsPerDay);
    nonNegative(`coldStarts[${i}].peakColdStartsPerHour`, c.peakColdStartsPerHour);
  });
}

function peakPerHour(load: ColdStartLoad): number {
  return load.peakColdStartsPerHour ?? (load.coldStartsPerDay ?? 0) / 24;
}

function gib(size: Size): number {
  return size.toGibibytes({ rounding: SizeRoundingBehavior.NONE });
}

function mib(size: Size | undefined): number {
  return size ? size.toMebibytes({ rounding: SizeRoundingBehavior.NONE }) : 0;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function fixed(value: number): string {
  if (!Number.isFinite(value)) {
    return 'inf';
  }
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}
