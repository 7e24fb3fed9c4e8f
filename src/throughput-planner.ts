import { Duration, Size, SizeRoundingBehavior } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import { formatNumber } from './private/format';

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
  readonly sustainedMibPerSecond: number;

  /** The rate available for a burst of cold starts, in MiB/s. */
  readonly peakMibPerSecond: number;

  /** The lowest rate the mode can fall to, in MiB/s (Bursting with no credits left). */
  readonly worstCaseMibPerSecond: number;

  /** The data the mode moves in a day at its sustained rate, in GiB. */
  readonly dailyBudgetGib: number;

  /**
   * How many cold starts of the largest declared size the mode's daily budget pays for,
   * after the steady traffic: what the mode can afford, not the `coldStartsPerDay` the load
   * declares.
   *
   * @default - undefined when the mode has no daily budget: Elastic scales with the load
   */
  readonly affordableColdStartsPerDay?: number;

  /** Seconds one cold start of the largest declared size takes to load at the peak rate. */
  readonly coldStartLoadSeconds: number;

  /** Seconds the same load takes at the worst the mode can fall to (Bursting with no credits left). */
  readonly worstCaseLoadSeconds: number;

  /** Whether the mode sustains the declared load. */
  readonly sustainsLoad: boolean;

  /** Approximate monthly throughput cost in USD (storage excluded), us-east-1 list prices. */
  readonly monthlyThroughputUsd: number;
}

/** The figures of a plan, as `ThroughputPlanner.plan` computes them. */
interface ThroughputPlanFigures {
  readonly requiredDailyGib: number;
  readonly requiredPeakMibPerSecond: number;
  readonly requiredProvisionedMibPerSecond: number;
  readonly modes: ThroughputModeAssessment[];
  readonly recommendedMode: efs.ThroughputMode;
  readonly recommendation: string;
}

/**
 * The planner's answer for an expected load: what the load needs, what each throughput
 * mode gives, and the recommended mode. Returned by `ThroughputPlanner.plan` and
 * `SharedFileSystem.throughputPlan`.
 */
export class ThroughputPlan {
  /** @internal */
  public static _of(figures: ThroughputPlanFigures): ThroughputPlan {
    return new ThroughputPlan(figures);
  }

  /** Data read and written per day by the declared load, in GiB. */
  public readonly requiredDailyGib: number;

  /** The rate the busiest hour needs, in MiB/s. */
  public readonly requiredPeakMibPerSecond: number;

  /**
   * The provisioned rate that would sustain the load and load each cold start within its
   * `loadWithin`, in whole MiB/s (at least 1).
   */
  public readonly requiredProvisionedMibPerSecond: number;

  /** Bursting, Provisioned (at the rate given to `plan`, else `requiredProvisionedMibPerSecond`) and Elastic, in that order. */
  public readonly modes: ThroughputModeAssessment[];

  /** The cheapest mode that sustains the load. */
  public readonly recommendedMode: efs.ThroughputMode;

  /** Why, in one sentence. */
  public readonly recommendation: string;

  private constructor(figures: ThroughputPlanFigures) {
    this.requiredDailyGib = figures.requiredDailyGib;
    this.requiredPeakMibPerSecond = figures.requiredPeakMibPerSecond;
    this.requiredProvisionedMibPerSecond = figures.requiredProvisionedMibPerSecond;
    this.modes = figures.modes;
    this.recommendedMode = figures.recommendedMode;
    this.recommendation = figures.recommendation;
  }

  /** The assessment of `mode`. */
  public assessmentOf(mode: efs.ThroughputMode): ThroughputModeAssessment {
    const found = this.modes.find(m => m.mode === mode);
    if (!found) {
      throw new Error(`throughput mode must be one of ${this.modes.map(m => m.mode).join(', ')} (got '${mode}')`);
    }
    return found;
  }

  /** Whether a provisioned rate is far above what the load needs (at least 3 times, and more than 1 MiB/s over). */
  public isOversized(provisioned: Size): boolean {
    const rate = mib(provisioned);
    return rate >= OVERSIZED_FACTOR * this.requiredProvisionedMibPerSecond && rate - this.requiredProvisionedMibPerSecond > 1;
  }

  /** How long a cold start of `bytes` takes at the worst rate `mode` can fall to. */
  public worstCaseLoadTime(mode: efs.ThroughputMode, bytes: Size): Duration {
    return Duration.seconds(Math.ceil(mib(bytes) / this.assessmentOf(mode).worstCaseMibPerSecond));
  }

  /** The plan as a fixed-width table, one row per mode, then the load and the recommendation. */
  public formatTable(): string {
    const header = ['mode', 'sustained MiB/s', 'peak MiB/s', 'GiB/day', 'cold starts/day', 'load s (peak)', 'load s (worst)', 'sustains', 'USD/month'];
    const rows = this.modes.map(m => [
      m.mode,
      formatNumber(m.sustainedMibPerSecond),
      formatNumber(m.peakMibPerSecond),
      // Elastic has no daily budget: it scales with the load (the rates shown are per client).
      m.affordableColdStartsPerDay === undefined ? 'scales' : formatNumber(m.dailyBudgetGib),
      m.affordableColdStartsPerDay === undefined ? 'scales' : String(m.affordableColdStartsPerDay),
      formatNumber(m.coldStartLoadSeconds),
      formatNumber(m.worstCaseLoadSeconds),
      m.sustainsLoad ? 'yes' : 'NO',
      formatNumber(m.monthlyThroughputUsd),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    return [
      line(header),
      ...rows.map(line),
      '',
      `load: ${formatNumber(this.requiredDailyGib)} GiB/day, peak ${formatNumber(this.requiredPeakMibPerSecond)} MiB/s; `
      + `provisioned would need ${this.requiredProvisionedMibPerSecond} MiB/s`,
      `recommended: ${this.recommendedMode} (${this.recommendation})`,
    ].join('\n');
  }
}

/**
 * Plans EFS throughput for Lambda functions that load libraries and models at cold start.
 *
 * The same arithmetic serves the constructs' synth-time checks, the `npm run plan` table
 * and users' own scripts: `ThroughputPlanner.plan(load)` returns a `ThroughputPlan`.
 */
export class ThroughputPlanner {
  /** Credits accrue at 50 KiB/s per GiB stored; this is that rate in MiB/s. */
  public static burstingBaselineMibPerSecond(storedData: Size): number {
    return gib(storedData) * BURSTING_BASELINE_KIB_PER_GIB / KIB_PER_MIB;
  }

  /** The burst rate: 100 MiB/s, or 100 MiB/s per TiB stored above 1 TiB. */
  public static burstingBurstMibPerSecond(storedData: Size): number {
    return Math.max(BURSTING_BURST_MIB, gib(storedData) / MIB_PER_GIB * BURSTING_BURST_MIB_PER_TIB);
  }

  /** The rate with no credits left: the baseline, but never below the 1 MiB/s floor. */
  public static burstingNoCreditMibPerSecond(storedData: Size): number {
    return Math.max(ThroughputPlanner.burstingBaselineMibPerSecond(storedData), BURSTING_FLOOR_MIB);
  }

  /**
   * Assess every throughput mode for `load`.
   *
   * @param load the expected load
   * @param provisioned the rate to assess Provisioned at (default: the rate the load needs)
   */
  public static plan(load: ExpectedLoad, provisioned?: Size): ThroughputPlan {
    checkLoad(load);
    const figures = loadFigures(load);
    const bursting = assessBursting(figures);
    const elastic = assessElastic(figures);
    const provisionedMode = assessProvisioned(figures, provisioned ? mib(provisioned) : figures.requiredProvisionedMibPerSecond);
    return ThroughputPlan._of({
      requiredDailyGib: figures.requiredDailyGib,
      requiredPeakMibPerSecond: figures.requiredPeakMibPerSecond,
      requiredProvisionedMibPerSecond: figures.requiredProvisionedMibPerSecond,
      modes: [bursting, provisionedMode, elastic],
      ...recommend(figures, bursting, elastic),
    });
  }

  private constructor() {}
}

/** What the planner derives from an expected load, before it looks at any mode. */
interface LoadFigures {
  readonly storedData: Size;
  readonly steadyReadMibPerSecond: number;
  readonly steadyWriteMibPerSecond: number;
  /** GiB a day the declared cold starts read. */
  readonly coldStartDailyGib: number;
  /** GiB a day the steady reads and writes move. */
  readonly steadyDailyGib: number;
  readonly requiredDailyGib: number;
  /** The daily need spread evenly over the day. */
  readonly averageMibPerSecond: number;
  /** The busiest hour's cold starts plus the steady rates. */
  readonly requiredPeakMibPerSecond: number;
  /** The rate at which the slowest-allowed cold start still loads within its `loadWithin`. */
  readonly loadInTimeMibPerSecond: number;
  readonly requiredProvisionedMibPerSecond: number;
  readonly largestColdStartGib: number;
}

function loadFigures(load: ExpectedLoad): LoadFigures {
  const coldStarts = load.coldStarts ?? [];
  const steadyReadMibPerSecond = mib(load.steadyReadPerSecond);
  const steadyWriteMibPerSecond = mib(load.steadyWritePerSecond);
  const coldStartDailyGib = sum(coldStarts.map(c => gib(c.bytesPerColdStart) * (c.coldStartsPerDay ?? 0)));
  const steadyDailyGib = dailyGib(steadyReadMibPerSecond + steadyWriteMibPerSecond);
  const requiredDailyGib = coldStartDailyGib + steadyDailyGib;
  const averageMibPerSecond = requiredDailyGib * MIB_PER_GIB / SECONDS_PER_DAY;
  const peakColdStartMibPerSecond = sum(coldStarts.map(c => mib(c.bytesPerColdStart) * peakPerHour(c) / 3600));
  const requiredPeakMibPerSecond = peakColdStartMibPerSecond + steadyReadMibPerSecond + steadyWriteMibPerSecond;
  const loadInTimeMibPerSecond = Math.max(0, ...coldStarts.map(c => (c.loadWithin ? mib(c.bytesPerColdStart) / c.loadWithin.toSeconds() : 0)));
  return {
    storedData: load.storedData,
    steadyReadMibPerSecond,
    steadyWriteMibPerSecond,
    coldStartDailyGib,
    steadyDailyGib,
    requiredDailyGib,
    averageMibPerSecond,
    requiredPeakMibPerSecond,
    loadInTimeMibPerSecond,
    requiredProvisionedMibPerSecond: Math.max(1, Math.ceil(Math.max(averageMibPerSecond, requiredPeakMibPerSecond, loadInTimeMibPerSecond))),
    largestColdStartGib: Math.max(0, ...coldStarts.map(c => gib(c.bytesPerColdStart))),
  };
}

/**
 * Bursting: the credits the data stored earns pay for the day, bursts go up to the burst
 * rate. At the 1 MiB/s floor a file system stays reachable, but a cold start of libraries
 * takes far longer than any Lambda timeout: only credit-earned throughput counts toward
 * the budget.
 */
function assessBursting(load: LoadFigures): ThroughputModeAssessment {
  const baseline = ThroughputPlanner.burstingBaselineMibPerSecond(load.storedData);
  const burst = ThroughputPlanner.burstingBurstMibPerSecond(load.storedData);
  return assessment(load, {
    mode: efs.ThroughputMode.BURSTING,
    sustained: baseline,
    peak: burst,
    worstCase: ThroughputPlanner.burstingNoCreditMibPerSecond(load.storedData),
    sustainsLoad: load.requiredDailyGib <= dailyGib(baseline) && Math.max(load.requiredPeakMibPerSecond, load.loadInTimeMibPerSecond) <= burst,
    monthlyThroughputUsd: 0,
  });
}

/**
 * Provisioned at `provisionedMibPerSecond`: never below what the data stored would earn
 * with Bursting, and billed only above that.
 */
function assessProvisioned(load: LoadFigures, provisionedMibPerSecond: number): ThroughputModeAssessment {
  const rate = Math.max(provisionedMibPerSecond, ThroughputPlanner.burstingBaselineMibPerSecond(load.storedData));
  return assessment(load, {
    mode: efs.ThroughputMode.PROVISIONED,
    sustained: rate,
    peak: rate,
    worstCase: rate,
    sustainsLoad: Math.max(load.requiredPeakMibPerSecond, load.averageMibPerSecond, load.loadInTimeMibPerSecond) <= rate,
    monthlyThroughputUsd: provisionedMonthlyUsd(load, provisionedMibPerSecond),
  });
}

/** Elastic: scales with the load (the rates are what one client can count on) and bills per GiB moved. */
function assessElastic(load: LoadFigures): ThroughputModeAssessment {
  return assessment(load, {
    mode: efs.ThroughputMode.ELASTIC,
    sustained: ELASTIC_PER_CLIENT_MIB,
    peak: ELASTIC_PER_CLIENT_MIB,
    worstCase: ELASTIC_PER_CLIENT_MIB,
    sustainsLoad: true,
    monthlyThroughputUsd: DAYS_PER_MONTH * (
      (load.coldStartDailyGib + dailyGib(load.steadyReadMibPerSecond)) * ELASTIC_READ_USD_PER_GIB
      + dailyGib(load.steadyWriteMibPerSecond) * ELASTIC_WRITE_USD_PER_GIB),
    scalesWithLoad: true,
  });
}

/** The rates of one mode, in MiB/s, and what the mode-specific rules decided. */
interface ModeRates {
  readonly mode: efs.ThroughputMode;
  readonly sustained: number;
  readonly peak: number;
  readonly worstCase: number;
  readonly sustainsLoad: boolean;
  readonly monthlyThroughputUsd: number;
  /** The mode has no daily budget (Elastic). */
  readonly scalesWithLoad?: boolean;
}

/** The parts of an assessment that every mode derives the same way from its rates. */
function assessment(load: LoadFigures, rates: ModeRates): ThroughputModeAssessment {
  const dailyBudgetGib = dailyGib(rates.sustained);
  return {
    mode: rates.mode,
    sustainedMibPerSecond: rates.sustained,
    peakMibPerSecond: rates.peak,
    worstCaseMibPerSecond: rates.worstCase,
    dailyBudgetGib,
    affordableColdStartsPerDay: rates.scalesWithLoad ? undefined : coldStartsPaidFor(dailyBudgetGib - load.steadyDailyGib, load.largestColdStartGib),
    coldStartLoadSeconds: load.largestColdStartGib * MIB_PER_GIB / rates.peak,
    worstCaseLoadSeconds: load.largestColdStartGib * MIB_PER_GIB / rates.worstCase,
    sustainsLoad: rates.sustainsLoad,
    monthlyThroughputUsd: rates.monthlyThroughputUsd,
  };
}

/** Provisioned throughput bills the rate above what the data stored would earn with Bursting. */
function provisionedMonthlyUsd(load: LoadFigures, provisionedMibPerSecond: number): number {
  return Math.max(0, provisionedMibPerSecond - ThroughputPlanner.burstingBaselineMibPerSecond(load.storedData)) * PROVISIONED_USD_PER_MIB_MONTH;
}

/**
 * Bursting when the credits pay, else the cheaper of Provisioned and Elastic. Provisioned is
 * priced at what the load needs, not at the rate the caller happens to assess.
 */
function recommend(load: LoadFigures, bursting: ThroughputModeAssessment, elastic: ThroughputModeAssessment):
{ recommendedMode: efs.ThroughputMode; recommendation: string } {
  if (bursting.sustainsLoad) {
    const recommendation = 'the credits earned by the data stored pay for the load, at no throughput charge';
    return { recommendedMode: efs.ThroughputMode.BURSTING, recommendation };
  }
  const provisionedRate = load.requiredProvisionedMibPerSecond;
  const provisionedUsd = provisionedMonthlyUsd(load, provisionedRate);
  const elasticUsd = elastic.monthlyThroughputUsd;
  if (provisionedUsd < elasticUsd) {
    return {
      recommendedMode: efs.ThroughputMode.PROVISIONED,
      recommendation: `${provisionedRate} MiB/s provisioned costs about ${formatNumber(provisionedUsd)} USD a month, less than Elastic's ${formatNumber(elasticUsd)}`,
    };
  }
  return {
    recommendedMode: efs.ThroughputMode.ELASTIC,
    recommendation: `Elastic bills what is read and written, about ${formatNumber(elasticUsd)} USD a month, less than ${provisionedRate} MiB/s provisioned (${formatNumber(provisionedUsd)})`,
  };
}

/** Whole cold starts of `coldStartGib` that `budgetGib` pays for. */
function coldStartsPaidFor(budgetGib: number, coldStartGib: number): number {
  return coldStartGib > 0 ? Math.floor(Math.max(0, budgetGib) / coldStartGib) : 0;
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

/** GiB a day at `mibPerSecond`. */
function dailyGib(mibPerSecond: number): number {
  return mibPerSecond * SECONDS_PER_DAY / MIB_PER_GIB;
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
