import { Duration, Size } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import { ThroughputPlan, ThroughputPlanner } from '../src';
import { formatNumber } from '../src/private/format';

const { BURSTING, PROVISIONED, ELASTIC } = efs.ThroughputMode;

/** `perDay` cold starts of `gib` GiB on a file system storing `storedGib` GiB. */
function load(storedGib: number, gib: number, perDay: number, peakPerHour?: number) {
  return {
    storedData: Size.gibibytes(storedGib),
    coldStarts: [{ bytesPerColdStart: Size.gibibytes(gib), coldStartsPerDay: perDay, peakColdStartsPerHour: peakPerHour }],
  };
}

describe('ThroughputPlanner: the reference worked example', () => {
  // 10 GiB stored, 2 GiB of libraries read at each cold start.
  const reference = load(10, 2, 50);

  test('bursting: 10 GiB stored earns 500 KiB/s, about 41 GiB a day, about 20 cold starts of 2 GiB', () => {
    const bursting = ThroughputPlanner.plan(reference).assessmentOf(BURSTING);
    // 10 GiB x 50 KiB/s = 500 KiB/s = 0.48828125 MiB/s
    expect(bursting.sustainedMibPerSecond).toBeCloseTo(500 / 1024, 10);
    // 500 KiB/s x 86,400 s = 43,200,000 KiB (the post's "43.2 GiB") = 41.2 GiB
    expect(bursting.dailyBudgetGib).toBeCloseTo(43_200_000 / 1024 / 1024, 10);
    // 41.2 / 2 = 20.6: "about 20 initialisations a day"
    expect(bursting.affordableColdStartsPerDay).toBe(20);
    expect(bursting.peakMibPerSecond).toBe(100);
    // 2 GiB at the 100 MiB/s burst: 20.48 s
    expect(bursting.coldStartLoadSeconds).toBeCloseTo(20.48, 10);
    expect(bursting.sustainsLoad).toBe(false); // 50 a day is more than 20
  });

  test('provisioned 10 MiB/s: 864,000 MiB (the post\'s "864 GiB") a day, about 400 cold starts', () => {
    const provisioned = ThroughputPlanner.plan(reference, Size.mebibytes(10)).assessmentOf(PROVISIONED);
    expect(provisioned.dailyBudgetGib).toBeCloseTo(864_000 / 1024, 10); // 843.75 GiB
    expect(provisioned.affordableColdStartsPerDay).toBe(421); // 843.75 / 2
    expect(provisioned.coldStartLoadSeconds).toBeCloseTo(204.8, 10);
    expect(provisioned.sustainsLoad).toBe(true);
    // Billed above the 0.488 MiB/s the storage would earn, at 6 USD per MiB/s-month.
    expect(provisioned.monthlyThroughputUsd).toBeCloseTo((10 - 500 / 1024) * 6, 10);
  });
});

describe('ThroughputPlanner: rules', () => {
  test('the 1 MiB/s floor: a small file system with no credits still loads at 1 MiB/s, not at its baseline', () => {
    const plan = ThroughputPlanner.plan(load(1, 100 / 1024, 1));
    const bursting = plan.assessmentOf(BURSTING);
    expect(bursting.sustainedMibPerSecond).toBeCloseTo(50 / 1024, 10); // 1 GiB earns 50 KiB/s
    expect(bursting.worstCaseMibPerSecond).toBe(1);
    expect(bursting.worstCaseLoadSeconds).toBeCloseTo(100, 10); // 100 MiB at 1 MiB/s
    expect(plan.worstCaseLoadTime(BURSTING, Size.mebibytes(100)).toSeconds()).toBe(100);
  });

  test('above 1 TiB the burst rate grows by 100 MiB/s per TiB and the baseline passes the floor', () => {
    expect(ThroughputPlanner.burstingBurstMibPerSecond(Size.tebibytes(3))).toBe(300);
    expect(ThroughputPlanner.burstingBurstMibPerSecond(Size.gibibytes(512))).toBe(100);
    expect(ThroughputPlanner.burstingNoCreditMibPerSecond(Size.tebibytes(1))).toBe(50);
    expect(ThroughputPlanner.burstingNoCreditMibPerSecond(Size.gibibytes(10))).toBe(1);
  });

  test('peak: 120 cold starts of 1 GiB in the busiest hour need 34.1 MiB/s, rounded up to 35 provisioned', () => {
    const plan = ThroughputPlanner.plan(load(5, 1, 200, 120));
    expect(plan.requiredPeakMibPerSecond).toBeCloseTo(120 * 1024 / 3600, 10);
    expect(plan.requiredProvisionedMibPerSecond).toBe(35);
    expect(plan.requiredDailyGib).toBe(200);
  });

  test('a cold start that must load within the timeout raises the provisioned rate it needs', () => {
    // 1.7 GiB within 300 s: 1740.8 MiB / 300 s = 5.80 MiB/s, so 6 MiB/s rather than the 5 the daily load needs.
    const within = { ...load(1.7, 1.7, 24, 10).coldStarts[0], loadWithin: Duration.minutes(5) };
    const withinLoad = { storedData: Size.gibibytes(1.7), coldStarts: [within] };
    expect(ThroughputPlanner.plan(withinLoad).requiredProvisionedMibPerSecond).toBe(6);
    expect(ThroughputPlanner.plan(load(1.7, 1.7, 24, 10)).requiredProvisionedMibPerSecond).toBe(5);
    const atFive = ThroughputPlanner.plan(withinLoad, Size.mebibytes(5));
    expect(atFive.assessmentOf(PROVISIONED).sustainsLoad).toBe(false);
  });

  test('steady reads and writes add to the daily need', () => {
    const plan = ThroughputPlanner.plan({
      storedData: Size.gibibytes(100),
      steadyReadPerSecond: Size.kibibytes(512),
      steadyWritePerSecond: Size.kibibytes(512),
    });
    expect(plan.requiredDailyGib).toBeCloseTo(86_400 / 1024, 10); // 1 MiB/s all day
    expect(plan.recommendedMode).toBe(BURSTING); // 100 GiB earns ~4.9 MiB/s
  });

  test('recommendation: bursting when the credits pay; else the cheaper of provisioned and elastic', () => {
    const light = ThroughputPlanner.plan(load(10, 2, 10));
    expect(light.recommendedMode).toBe(BURSTING);

    // 2 GiB x 50 a day = 100 GiB/day: Elastic 100 x 30 x 0.03 = 90 USD; 1.19 MiB/s needs 2 MiB/s provisioned
    const moderate = ThroughputPlanner.plan(load(10, 2, 50));
    expect(moderate.requiredProvisionedMibPerSecond).toBe(2);
    expect(moderate.assessmentOf(ELASTIC).monthlyThroughputUsd).toBeCloseTo(90, 10);
    expect(moderate.recommendedMode).toBe(PROVISIONED); // (2 - 0.49) x 6 = 9.07 USD

    // A rare but violent fan-out: 500 cold starts of 2 GiB in one hour, 500 a day.
    const spiky = ThroughputPlanner.plan(load(10, 2, 500, 500));
    expect(spiky.requiredProvisionedMibPerSecond).toBe(285); // 500 x 2048 / 3600 = 284.4
    expect(spiky.recommendedMode).toBe(ELASTIC); // 1000 GiB x 30 x 0.03 = 900 USD < 284.5 x 6 = 1707 USD
  });

  test('oversized provisioned rates are recognized', () => {
    const plan = ThroughputPlanner.plan(load(10, 2, 50));
    expect(plan.isOversized(Size.mebibytes(100))).toBe(true);
    expect(plan.isOversized(Size.mebibytes(4))).toBe(false);
  });

  test('the table lists every mode and the recommendation', () => {
    const table = ThroughputPlanner.plan(load(10, 2, 50), Size.mebibytes(10)).formatTable();
    expect(table.split('\n')[0]).toMatch(/^mode\s+sustained MiB\/s\s+peak MiB\/s\s+GiB\/day\s+cold starts\/day/);
    expect(table).toMatch(/^bursting\s+0\.5\s+100\s+41\.2\s+20\s/m);
    expect(table).toMatch(/^provisioned\s+10\.0\s+10\.0\s+844\s+421\s/m);
    expect(table).toMatch(/^elastic\s+500\s+500\s+scales\s+scales\s/m);
    expect(table).toMatch(/recommended: /);
  });

  test('elastic has no daily budget: the cold starts it affords are undefined, shown as "scales"', () => {
    const plan = ThroughputPlanner.plan(load(10, 2, 50));
    expect(plan.assessmentOf(ELASTIC).affordableColdStartsPerDay).toBeUndefined();
    expect(plan.assessmentOf(BURSTING).affordableColdStartsPerDay).toBe(20);
    // Not the declared coldStartsPerDay (50) but what the budget pays for: 2 MiB/s moves 168.75 GiB a day, 84 of 2 GiB.
    expect(plan.assessmentOf(PROVISIONED).affordableColdStartsPerDay).toBe(84);
    expect(plan.formatTable()).toMatch(/^elastic\s+500\s+500\s+scales\s+scales\s/m);
  });

  test('a plan is a ThroughputPlan whose methods answer for it; an unknown mode is an error', () => {
    const plan = ThroughputPlanner.plan(load(10, 2, 50));
    expect(plan).toBeInstanceOf(ThroughputPlan);
    expect(plan.modes.map(m => m.mode)).toEqual([BURSTING, PROVISIONED, ELASTIC]);
    expect(() => plan.assessmentOf('turbo' as efs.ThroughputMode))
      .toThrow(/throughput mode must be one of bursting, provisioned, elastic \(got 'turbo'\)/);
  });

  test('one number format for the table, the recommendation and the synth warnings', () => {
    expect([0.48828125, 1.185, 41.2, 99.94, 100, 843.75, Infinity].map(formatNumber))
      .toEqual(['0.5', '1.2', '41.2', '99.9', '100', '844', 'inf']);
    const plan = ThroughputPlanner.plan(load(10, 2, 50));
    expect(plan.recommendation).toBe('2 MiB/s provisioned costs about 9.1 USD a month, less than Elastic\'s 90.0');
  });

  test('fails when a count is negative', () => {
    expect(() => ThroughputPlanner.plan(load(1, 1, -1)))
      .toThrow(/coldStarts\[0\].coldStartsPerDay must be a number of at least 0 \(got -1\)/);
  });
});
