import { Duration, Size, SizeRoundingBehavior } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import { ColdStartLoad, ExpectedLoad } from './cold-start-load';
import { BudgetLimit, ColdStartBudget, coldStartBudget, PROVISIONED_INIT_LIMIT_SECONDS } from './private/cold-start-budget';
import { ELASTIC_READ_USD_PER_GIB, ELASTIC_WRITE_USD_PER_GIB, PROVISIONED_USD_PER_MIB_MONTH } from './private/efs-limits';
import { invalidInput } from './private/errors';
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
 * The read rate one NFS client (one execution environment) can count on, in any mode. EFS
 * allows more per file system; this conservative per-client figure is what a single cold
 * start gets, however much is provisioned or Elastic could give.
 */
const PER_CLIENT_MIB = 500;
/** A provisioned rate this many times what the load needs is flagged as oversized. */
const OVERSIZED_FACTOR = 3;

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

  /**
   * Seconds one cold start of the largest declared size takes to load at the peak rate, as
   * one client reads it (at most 500 MiB/s).
   */
  readonly coldStartLoadSeconds: number;

  /** Seconds the same load takes at the worst the mode can fall to (Bursting with no credits left). */
  readonly worstCaseLoadSeconds: number;

  /** Whether every declared cold start loads within its budget at the mode's peak rate. */
  readonly meetsColdStartBudgets: boolean;

  /** Whether the mode sustains the declared load (the daily data and the busiest hour) and meets every cold start's budget. */
  readonly sustainsLoad: boolean;

  /** Approximate monthly throughput cost in USD (storage excluded), us-east-1 list prices. */
  readonly monthlyThroughputUsd: number;
}

/** The figures of a plan, as `ThroughputPlanner.plan` computes them. */
interface ThroughputPlanFigures {
  readonly requiredDailyGib: number;
  readonly requiredPeakMibPerSecond: number;
  readonly requiredProvisionedMibPerSecond: number;
  readonly requiredColdStartMibPerSecond: number;
  readonly coldStartBudget?: Duration;
  readonly coldStartBudgetReason?: string;
  /** MiB the cold start with that budget reads. */
  readonly bindingColdStartMib?: number;
  readonly modes: ThroughputModeAssessment[];
  readonly recommendedMode?: efs.ThroughputMode;
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
   * budget, in whole MiB/s (at least 1). Above 500 MiB/s no client reads that fast: no
   * provisioned rate meets the budget.
   */
  public readonly requiredProvisionedMibPerSecond: number;

  /** The rate one client must read at for every cold start to load within its budget, in MiB/s (0 without cold starts). */
  public readonly requiredColdStartMibPerSecond: number;

  /**
   * The budget of the cold start that needs the highest rate.
   *
   * @default - undefined without cold starts
   */
  public readonly coldStartBudget?: Duration;

  /**
   * What sets that budget (Lambda's init limit for on-demand environments, the caller's
   * timeout, the function's timeout or the provisioned init limit).
   *
   * @default - undefined without cold starts
   */
  public readonly coldStartBudgetReason?: string;

  /** Bursting, Provisioned (at the rate given to `plan`, else `requiredProvisionedMibPerSecond`) and Elastic, in that order. */
  public readonly modes: ThroughputModeAssessment[];

  /**
   * The cheapest mode that sustains the load and meets every cold start's budget.
   *
   * @default - undefined when no mode meets the budgets; `recommendation` then says what would
   */
  public readonly recommendedMode?: efs.ThroughputMode;

  /** Why, in one sentence; when no mode fits, what would (provisioned concurrency, a smaller load, a container image). */
  public readonly recommendation: string;

  private readonly bindingColdStartMib?: number;

  private constructor(figures: ThroughputPlanFigures) {
    this.bindingColdStartMib = figures.bindingColdStartMib;
    this.requiredDailyGib = figures.requiredDailyGib;
    this.requiredPeakMibPerSecond = figures.requiredPeakMibPerSecond;
    this.requiredProvisionedMibPerSecond = figures.requiredProvisionedMibPerSecond;
    this.requiredColdStartMibPerSecond = figures.requiredColdStartMibPerSecond;
    this.coldStartBudget = figures.coldStartBudget;
    this.coldStartBudgetReason = figures.coldStartBudgetReason;
    this.modes = figures.modes;
    this.recommendedMode = figures.recommendedMode;
    this.recommendation = figures.recommendation;
  }

  /** The assessment of `mode`. */
  public assessmentOf(mode: efs.ThroughputMode): ThroughputModeAssessment {
    const found = this.modes.find(m => m.mode === mode);
    if (!found) {
      throw invalidInput(undefined, 'mode', `throughput mode must be one of ${this.modes.map(m => m.mode).join(', ')} (got '${mode}')`);
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
    return Duration.seconds(Math.ceil(mib(bytes) / clientRate(this.assessmentOf(mode).worstCaseMibPerSecond)));
  }

  /** Seconds a cold start of `bytes` takes at the peak rate of `mode`, as one client reads it (at most 500 MiB/s). */
  public peakLoadSeconds(mode: efs.ThroughputMode, bytes: Size): number {
    return mib(bytes) / clientRate(this.assessmentOf(mode).peakMibPerSecond);
  }

  /** The plan as a fixed-width table, one row per mode, then the load, the cold-start budget and the recommendation. */
  public formatTable(): string {
    const header = ['mode', 'sustained MiB/s', 'peak MiB/s', 'GiB/day', 'cold starts/day', 'load s (peak)', 'load s (worst)', 'in budget', 'sustains', 'USD/month'];
    const rows = this.modes.map(m => [
      m.mode,
      formatNumber(m.sustainedMibPerSecond),
      formatNumber(m.peakMibPerSecond),
      // Elastic has no daily budget: it scales with the load (the rates shown are per client).
      m.affordableColdStartsPerDay === undefined ? 'scales' : formatNumber(m.dailyBudgetGib),
      m.affordableColdStartsPerDay === undefined ? 'scales' : String(m.affordableColdStartsPerDay),
      formatNumber(m.coldStartLoadSeconds),
      formatNumber(m.worstCaseLoadSeconds),
      m.meetsColdStartBudgets ? 'yes' : 'NO',
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
      ...(this.coldStartBudget ? [`budget: a cold start of ${formatNumber(this.bindingColdStartMib! / MIB_PER_GIB)} GiB within `
        + `${this.coldStartBudgetReason} needs ${formatNumber(this.requiredColdStartMibPerSecond)} MiB/s from one client`] : []),
      `recommended: ${this.recommendedMode ?? 'none'} (${this.recommendation})`,
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
    // Recommended at the rate the load needs, not at the rate the caller happens to assess.
    const provisionedAtNeed = provisioned ? assessProvisioned(figures, figures.requiredProvisionedMibPerSecond) : provisionedMode;
    return ThroughputPlan._of({
      requiredDailyGib: figures.requiredDailyGib,
      requiredPeakMibPerSecond: figures.requiredPeakMibPerSecond,
      requiredProvisionedMibPerSecond: figures.requiredProvisionedMibPerSecond,
      requiredColdStartMibPerSecond: figures.loadInTimeMibPerSecond,
      coldStartBudget: figures.binding ? Duration.seconds(figures.binding.budget.seconds) : undefined,
      coldStartBudgetReason: figures.binding?.budget.reason,
      bindingColdStartMib: figures.binding?.mib,
      modes: [bursting, provisionedMode, elastic],
      ...recommend(figures, bursting, provisionedAtNeed, elastic),
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
  /** The rate one client must read at for every cold start to load within its budget. */
  readonly loadInTimeMibPerSecond: number;
  /** The cold start that needs that rate, with its budget. */
  readonly binding?: BindingColdStart;
  readonly requiredProvisionedMibPerSecond: number;
  readonly largestColdStartGib: number;
}

/** A cold start, its budget, and the rate one client needs to load it within the budget. */
interface BindingColdStart {
  readonly load: ColdStartLoad;
  readonly budget: ColdStartBudget;
  readonly mib: number;
  readonly rate: number;
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
  const binding = coldStarts
    .map((c): BindingColdStart => {
      const budget = coldStartBudget(c);
      return { load: c, budget, mib: mib(c.bytesPerColdStart), rate: mib(c.bytesPerColdStart) / budget.seconds };
    })
    .reduce<BindingColdStart | undefined>((worst, c) => (worst === undefined || c.rate > worst.rate ? c : worst), undefined);
  const loadInTimeMibPerSecond = binding?.rate ?? 0;
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
    binding,
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
    sustainsRates: load.requiredDailyGib <= dailyGib(baseline) && load.requiredPeakMibPerSecond <= burst,
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
    sustainsRates: Math.max(load.requiredPeakMibPerSecond, load.averageMibPerSecond) <= rate,
    monthlyThroughputUsd: provisionedMonthlyUsd(load, provisionedMibPerSecond),
  });
}

/** Elastic: scales with the load (the rates are what one client can count on) and bills per GiB moved. */
function assessElastic(load: LoadFigures): ThroughputModeAssessment {
  return assessment(load, {
    mode: efs.ThroughputMode.ELASTIC,
    sustained: PER_CLIENT_MIB,
    peak: PER_CLIENT_MIB,
    worstCase: PER_CLIENT_MIB,
    sustainsRates: true,
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
  /** Whether the mode covers the daily data and the busiest hour (the cold-start budgets are checked apart). */
  readonly sustainsRates: boolean;
  readonly monthlyThroughputUsd: number;
  /** The mode has no daily budget (Elastic). */
  readonly scalesWithLoad?: boolean;
}

/** The parts of an assessment that every mode derives the same way from its rates. */
function assessment(load: LoadFigures, rates: ModeRates): ThroughputModeAssessment {
  const dailyBudgetGib = dailyGib(rates.sustained);
  // A cold start is one client's read: it gets the mode's peak rate, at most what one client reads.
  const meetsColdStartBudgets = load.loadInTimeMibPerSecond <= clientRate(rates.peak);
  return {
    mode: rates.mode,
    sustainedMibPerSecond: rates.sustained,
    peakMibPerSecond: rates.peak,
    worstCaseMibPerSecond: rates.worstCase,
    dailyBudgetGib,
    affordableColdStartsPerDay: rates.scalesWithLoad ? undefined : coldStartsPaidFor(dailyBudgetGib - load.steadyDailyGib, load.largestColdStartGib),
    coldStartLoadSeconds: load.largestColdStartGib * MIB_PER_GIB / clientRate(rates.peak),
    worstCaseLoadSeconds: load.largestColdStartGib * MIB_PER_GIB / clientRate(rates.worstCase),
    meetsColdStartBudgets,
    sustainsLoad: rates.sustainsRates && meetsColdStartBudgets,
    monthlyThroughputUsd: rates.monthlyThroughputUsd,
  };
}

/** Provisioned throughput bills the rate above what the data stored would earn with Bursting. */
function provisionedMonthlyUsd(load: LoadFigures, provisionedMibPerSecond: number): number {
  return Math.max(0, provisionedMibPerSecond - ThroughputPlanner.burstingBaselineMibPerSecond(load.storedData)) * PROVISIONED_USD_PER_MIB_MONTH;
}

interface Recommendation {
  readonly recommendedMode?: efs.ThroughputMode;
  readonly recommendation: string;
}

/**
 * Bursting when the credits pay and the burst meets the budgets, else the cheaper of
 * Provisioned (at the rate the load needs) and Elastic among those that meet them; none
 * when no mode does, with what would.
 */
function recommend(load: LoadFigures, bursting: ThroughputModeAssessment, provisioned: ThroughputModeAssessment,
  elastic: ThroughputModeAssessment): Recommendation {
  const within = (mode: ThroughputModeAssessment) => (load.binding
    ? `; a cold start loads in ${formatNumber(load.binding.mib / clientRate(mode.peakMibPerSecond))} s, within ${load.binding.budget.reason}`
    : '');
  if (bursting.sustainsLoad) {
    return {
      recommendedMode: efs.ThroughputMode.BURSTING,
      recommendation: `the credits earned by the data stored pay for the load, at no throughput charge${within(bursting)}`,
    };
  }
  const provisionedRate = load.requiredProvisionedMibPerSecond;
  const provisionedUsd = provisioned.monthlyThroughputUsd;
  const elasticUsd = elastic.monthlyThroughputUsd;
  const provisionedFirst = provisioned.sustainsLoad && (!elastic.sustainsLoad || provisionedUsd < elasticUsd);
  if (provisionedFirst) {
    const than = elastic.sustainsLoad ? `, less than Elastic's ${formatNumber(elasticUsd)} USD` : '';
    return {
      recommendedMode: efs.ThroughputMode.PROVISIONED,
      recommendation: `${provisionedRate} MiB/s provisioned costs about ${formatNumber(provisionedUsd)} USD a month${than}${within(provisioned)}`,
    };
  }
  if (elastic.sustainsLoad) {
    const than = provisioned.sustainsLoad ? `, less than ${provisionedRate} MiB/s provisioned (${formatNumber(provisionedUsd)} USD)` : '';
    return {
      recommendedMode: efs.ThroughputMode.ELASTIC,
      recommendation: `Elastic bills what is read and written, about ${formatNumber(elasticUsd)} USD a month${than}${within(elastic)}`,
    };
  }
  return { recommendation: whatWouldFit(load) };
}

/** Elastic sustains any daily load, so no mode fits only when a cold start needs more than one client reads. */
function whatWouldFit(load: LoadFigures): string {
  const binding = load.binding;
  if (!binding) {
    return 'no throughput mode sustains the load';
  }
  const seconds = binding.mib / PER_CLIENT_MIB;
  const options: string[] = [];
  if (binding.budget.limit === BudgetLimit.ON_DEMAND_INIT) {
    const inInvocation = coldStartBudget({ ...binding.load, loadsAtInit: false });
    if (seconds <= inInvocation.seconds) {
      options.push(`loading in the first invocation instead of at init (loadsAtInit: false, a background load the handler waits on), within ${inInvocation.reason}`);
    }
  }
  if (binding.budget.limit !== BudgetLimit.PROVISIONED_INIT) {
    const provisionedOnly = coldStartBudget({ ...binding.load, onDemandEnvironments: false });
    if (seconds <= provisionedOnly.seconds) {
      options.push('provisioned concurrency for every environment the function runs (equal to its reserved concurrency): '
        + `their inits may take ${provisionedOnly.seconds} s (the larger of ${PROVISIONED_INIT_LIMIT_SECONDS} s and the timeout) and no caller waits for them`);
    }
  }
  options.push(`a smaller load, at most ${formatNumber(PER_CLIENT_MIB * binding.budget.seconds / MIB_PER_GIB)} GiB within the ${binding.budget.seconds} s`);
  options.push('or the libraries and model in a container image (up to 10 GB), which Lambda loads from its own storage, not from EFS');
  return `no throughput mode loads a cold start of ${formatNumber(binding.mib / MIB_PER_GIB)} GiB within ${binding.budget.reason}: `
    + `that takes ${formatNumber(binding.rate)} MiB/s, more than the ${PER_CLIENT_MIB} MiB/s one client reads. What would fit: ${options.join('; ')}`;
}

/** Whole cold starts of `coldStartGib` that `budgetGib` pays for. */
function coldStartsPaidFor(budgetGib: number, coldStartGib: number): number {
  return coldStartGib > 0 ? Math.floor(Math.max(0, budgetGib) / coldStartGib) : 0;
}

function checkLoad(load: ExpectedLoad): void {
  const nonNegative = (name: string, value: number | undefined) => {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      throw invalidInput(undefined, name, `${name} must be a number of at least 0 (got ${value})`);
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

/** The rate one client reads at under a mode that gives `modeMibPerSecond`. */
function clientRate(modeMibPerSecond: number): number {
  return Math.min(modeMibPerSecond, PER_CLIENT_MIB);
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
