import { Duration, Size } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import { ColdStartLoad, ExpectedLoad, ThroughputPlan, ThroughputPlanner } from '../src';

const { BURSTING, PROVISIONED, ELASTIC } = efs.ThroughputMode;

/**
 * A load that leaves the rate rules alone: the cold start runs in the invocation, within
 * Lambda's longest timeout (900 s, the default), so no init limit or caller binds it.
 */
const IN_INVOCATION: Partial<ColdStartLoad> = { loadsAtInit: false };

/** `perDay` cold starts of `gib` GiB on a file system storing `storedGib` GiB, with the given budgets. */
function load(storedGib: number, gib: number, perDay: number, peakPerHour?: number, budgets: Partial<ColdStartLoad> = IN_INVOCATION): ExpectedLoad {
  return {
    storedData: Size.gibibytes(storedGib),
    coldStarts: [{ bytesPerColdStart: Size.gibibytes(gib), coldStartsPerDay: perDay, peakColdStartsPerHour: peakPerHour, ...budgets }],
  };
}

describe('ThroughputPlanner: the reference worked example', () => {
  // 10 GiB stored, 2 GiB of libraries read at each cold start (the 2020 post's rates only).
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
    // 1 GiB within 900 s is 1.1 MiB/s: the busiest hour binds.
    const plan = ThroughputPlanner.plan(load(5, 1, 200, 120));
    expect(plan.requiredPeakMibPerSecond).toBeCloseTo(120 * 1024 / 3600, 10);
    expect(plan.requiredProvisionedMibPerSecond).toBe(35);
    expect(plan.requiredDailyGib).toBe(200);
  });

  test('a cold start that must load within the timeout raises the provisioned rate it needs', () => {
    // 1.7 GiB within 300 s: 1740.8 MiB / 300 s = 5.80 MiB/s, so 6 MiB/s rather than the 5 the busiest hour needs
    // (10 x 1740.8 / 3600 = 4.84 MiB/s); within the default 900 s: 1.93 MiB/s, so the busiest hour's 5.
    const withinLoad = load(1.7, 1.7, 24, 10, { loadsAtInit: false, loadWithin: Duration.minutes(5) });
    expect(ThroughputPlanner.plan(withinLoad).requiredProvisionedMibPerSecond).toBe(6);
    expect(ThroughputPlanner.plan(load(1.7, 1.7, 24, 10)).requiredProvisionedMibPerSecond).toBe(5);
    const atFive = ThroughputPlanner.plan(withinLoad, Size.mebibytes(5)).assessmentOf(PROVISIONED);
    expect(atFive.meetsColdStartBudgets).toBe(false); // 1740.8 / 5 = 348 s > 300 s
    expect(atFive.sustainsLoad).toBe(false);
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

    // 2 GiB x 50 a day = 100 GiB/day: Elastic 100 x 30 x 0.03 = 90 USD. The day needs 1.19 MiB/s, but a
    // cold start of 2 GiB within 900 s needs 2048 / 900 = 2.28 MiB/s: 3 MiB/s provisioned, not 2 (1024 s).
    const moderate = ThroughputPlanner.plan(load(10, 2, 50));
    expect(moderate.requiredProvisionedMibPerSecond).toBe(3);
    expect(moderate.assessmentOf(ELASTIC).monthlyThroughputUsd).toBeCloseTo(90, 10);
    expect(moderate.recommendedMode).toBe(PROVISIONED); // (3 - 0.49) x 6 = 15.07 USD

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
    // Not the declared coldStartsPerDay (50) but what the budget pays for: 3 MiB/s moves 253.125 GiB a day, 126 of 2 GiB.
    expect(plan.assessmentOf(PROVISIONED).affordableColdStartsPerDay).toBe(126);
    expect(plan.formatTable()).toMatch(/^elastic\s+500\s+500\s+scales\s+scales\s/m);
  });

  test('a plan is a ThroughputPlan whose methods answer for it; an unknown mode is an error', () => {
    const plan = ThroughputPlanner.plan(load(10, 2, 50));
    expect(plan).toBeInstanceOf(ThroughputPlan);
    expect(plan.modes.map(m => m.mode)).toEqual([BURSTING, PROVISIONED, ELASTIC]);
    expect(() => plan.assessmentOf('turbo' as efs.ThroughputMode))
      .toThrow(/throughput mode must be one of bursting, provisioned, elastic \(got 'turbo'\)/);
  });

  test('the recommendation prints its figures as the table does (the rule: test/private/format.test.ts)', () => {
    const plan = ThroughputPlanner.plan(load(10, 2, 50));
    // (3 - 0.48828125) x 6 = 15.07; 2048 MiB / 3 MiB/s = 682.7 s
    expect(plan.recommendation).toBe('3 MiB/s provisioned costs about 15.1 USD a month, less than Elastic\'s 90.0 USD; '
      + 'a cold start loads in 683 s, within the function\'s 900 s timeout');
  });

  test('fails when a count is negative', () => {
    expect(() => ThroughputPlanner.plan(load(1, 1, -1)))
      .toThrow(/coldStarts\[0\].coldStartsPerDay must be a number of at least 0 \(got -1\)/);
  });
});

describe('ThroughputPlanner: cold-start budgets', () => {
  // Lambda's defaults: the load runs at init (import) on on-demand environments, so 10 s.
  const AT_INIT: Partial<ColdStartLoad> = {};

  test('the README example at init: 2 GiB within the 10 s on-demand init limit needs 205 MiB/s, so Elastic', () => {
    const plan = ThroughputPlanner.plan(load(10, 2, 50, undefined, AT_INIT));
    // 2048 MiB / 10 s = 204.8 MiB/s from one client, more than the daily 1.19 MiB/s: 205 provisioned.
    expect(plan.coldStartBudget?.toSeconds()).toBe(10);
    expect(plan.coldStartBudgetReason).toBe('Lambda\'s 10 s init limit for on-demand environments');
    expect(plan.requiredColdStartMibPerSecond).toBeCloseTo(204.8, 10);
    expect(plan.requiredProvisionedMibPerSecond).toBe(205);
    // Bursting: 2048 / 100 = 20.48 s at the burst, past 10 s (and 50 a day is more than the 20 the credits pay).
    expect(plan.assessmentOf(BURSTING).coldStartLoadSeconds).toBeCloseTo(20.48, 10);
    expect(plan.assessmentOf(BURSTING).meetsColdStartBudgets).toBe(false);
    // Provisioned at 205: 2048 / 205 = 9.99 s, within; (205 - 0.48828125) x 6 = 1227.07 USD a month.
    expect(plan.assessmentOf(PROVISIONED).coldStartLoadSeconds).toBeCloseTo(2048 / 205, 10);
    expect(plan.assessmentOf(PROVISIONED).sustainsLoad).toBe(true);
    expect(plan.assessmentOf(PROVISIONED).monthlyThroughputUsd).toBeCloseTo((205 - 500 / 1024) * 6, 10);
    // Elastic: 2048 / 500 = 4.096 s; 100 GiB a day x 30 x 0.03 = 90 USD: cheaper.
    expect(plan.assessmentOf(ELASTIC).coldStartLoadSeconds).toBeCloseTo(4.096, 10);
    expect(plan.recommendedMode).toBe(ELASTIC);
    expect(plan.recommendation).toBe('Elastic bills what is read and written, about 90.0 USD a month, less than 205 MiB/s provisioned (1227 USD); '
      + 'a cold start loads in 4.1 s, within Lambda\'s 10 s init limit for on-demand environments');
  });

  test('the old answer to the README example, 2 MiB/s provisioned, loads a cold start in 1024 s and sustains nothing', () => {
    const atTwo = ThroughputPlanner.plan(load(10, 2, 50, undefined, AT_INIT), Size.mebibytes(2)).assessmentOf(PROVISIONED);
    expect(atTwo.coldStartLoadSeconds).toBe(1024); // 2048 MiB / 2 MiB/s
    expect(atTwo.meetsColdStartBudgets).toBe(false);
    expect(atTwo.sustainsLoad).toBe(false);
    expect(ThroughputPlanner.plan(load(10, 2, 50, undefined, AT_INIT), Size.mebibytes(2)).formatTable())
      .toMatch(/^provisioned\s+2\.0\s+2\.0\s+169\s+84\s+1024\s+1024\s+NO\s+NO\s/m);
  });

  test('MLInference behind a 30 s API, loading in the first invocation on demand: 58 MiB/s, so Elastic, 3.5 s', () => {
    const mlInference = load(1.7, 1.7, 24, 10, {
      loadsAtInit: false, loadWithin: Duration.minutes(5), callerTimeout: Duration.seconds(30),
    });
    const plan = ThroughputPlanner.plan(mlInference);
    // min(300 s timeout, 30 s caller) = 30 s; 1740.8 MiB / 30 s = 58.03 MiB/s: 59 MiB/s provisioned.
    expect(plan.coldStartBudget?.toSeconds()).toBe(30);
    expect(plan.coldStartBudgetReason).toBe('the caller\'s 30 s timeout');
    expect(plan.requiredColdStartMibPerSecond).toBeCloseTo(1740.8 / 30, 10);
    expect(plan.requiredProvisionedMibPerSecond).toBe(59);
    // (59 - 1.7 x 50 / 1024) x 6 = 353.5 USD; Elastic: 24 x 1.7 GiB x 30 days x 0.03 = 36.72 USD.
    expect(plan.assessmentOf(PROVISIONED).monthlyThroughputUsd).toBeCloseTo((59 - 1.7 * 50 / 1024) * 6, 10);
    expect(plan.assessmentOf(ELASTIC).monthlyThroughputUsd).toBeCloseTo(36.72, 10);
    expect(plan.recommendedMode).toBe(ELASTIC);
    expect(plan.assessmentOf(ELASTIC).coldStartLoadSeconds).toBeCloseTo(1740.8 / 500, 10); // 3.48 s
    // The README's former plan: 6 MiB/s provisioned, 1740.8 / 6 = 290 s behind a 30 s API.
    const atSix = ThroughputPlanner.plan(mlInference, Size.mebibytes(6)).assessmentOf(PROVISIONED);
    expect(atSix.coldStartLoadSeconds).toBeCloseTo(290.13, 2);
    expect(atSix.sustainsLoad).toBe(false);
    // Loading at init instead (the handler as it was): 10 s, so 1740.8 / 10 = 174.08, 175 MiB/s.
    expect(ThroughputPlanner.plan(load(1.7, 1.7, 24, 10, { callerTimeout: Duration.seconds(30) })).requiredProvisionedMibPerSecond).toBe(175);
  });

  test.each([
    ['at init on demand: the 10 s init limit', {}, 10, 'Lambda\'s 10 s init limit for on-demand environments'],
    ['at init, a caller that waits 5 s', { callerTimeout: Duration.seconds(5) }, 5, 'the caller\'s 5 s timeout'],
    ['in the invocation: the timeout', { loadsAtInit: false, loadWithin: Duration.minutes(5) }, 300, 'the function\'s 300 s timeout'],
    ['in the invocation, no timeout declared: Lambda\'s longest', { loadsAtInit: false }, 900, 'the function\'s 900 s timeout'],
    ['in the invocation behind a 30 s caller', { loadsAtInit: false, loadWithin: Duration.minutes(5), callerTimeout: Duration.seconds(30) }, 30, 'the caller\'s 30 s timeout'],
    ['provisioned environments only, 60 s timeout: 130 s, and no caller waits',
      { onDemandEnvironments: false, loadWithin: Duration.seconds(60), callerTimeout: Duration.seconds(30) }, 130, 'Lambda\'s 130 s init limit for provisioned environments'],
    ['provisioned environments only, 300 s timeout', { onDemandEnvironments: false, loadWithin: Duration.minutes(5) }, 300, 'Lambda\'s 300 s init limit for provisioned environments'],
  ])('the budget %s', (_, budgets: Partial<ColdStartLoad>, seconds, reason) => {
    const plan = ThroughputPlanner.plan(load(10, 1, 1, undefined, budgets));
    expect(plan.coldStartBudget?.toSeconds()).toBe(seconds);
    expect(plan.coldStartBudgetReason).toBe(reason);
    expect(plan.requiredColdStartMibPerSecond).toBeCloseTo(1024 / seconds, 10);
  });

  test('one client reads at most 500 MiB/s, however much is provisioned', () => {
    const plan = ThroughputPlanner.plan(load(10, 10, 1), Size.mebibytes(1024));
    expect(plan.assessmentOf(PROVISIONED).coldStartLoadSeconds).toBeCloseTo(10240 / 500, 10); // 20.48 s, not 10
    expect(plan.peakLoadSeconds(PROVISIONED, Size.gibibytes(10))).toBeCloseTo(20.48, 10);
  });

  test('no mode fits 10 GiB at init within 10 s: no recommended mode, and what would fit', () => {
    const plan = ThroughputPlanner.plan(load(10, 10, 5, undefined, AT_INIT));
    // 10240 MiB / 10 s = 1024 MiB/s from one client, more than 500.
    expect(plan.modes.map(m => m.sustainsLoad)).toEqual([false, false, false]);
    expect(plan.recommendedMode).toBeUndefined();
    expect(plan.recommendation).toMatch(/^no throughput mode loads a cold start of 10\.0 GiB within Lambda's 10 s init limit for on-demand environments: that takes 1024 MiB\/s, more than the 500 MiB\/s one client reads/);
    // 10240 / 500 = 20.5 s fits the 900 s of an invocation, and the 900 s a provisioned init may take.
    expect(plan.recommendation).toMatch(/loading in the first invocation instead of at init \(loadsAtInit: false.*within the function's 900 s timeout/);
    expect(plan.recommendation).toMatch(/provisioned concurrency for every environment the function runs/);
    expect(plan.recommendation).toMatch(/a smaller load, at most 4\.9 GiB within the 10 s/); // 500 x 10 / 1024 = 4.88 GiB
    expect(plan.recommendation).toMatch(/container image/);
    expect(plan.formatTable()).toMatch(/^recommended: none \(no throughput mode loads/m);
  });

  test('does not suggest loading in the invocation when the caller waits less than that takes', () => {
    // 20 GiB: 20480 / 500 = 41 s, more than the caller's 30 s; a provisioned init (900 s) still fits.
    const plan = ThroughputPlanner.plan(load(30, 20, 1, undefined, { callerTimeout: Duration.seconds(30) }));
    expect(plan.recommendedMode).toBeUndefined();
    expect(plan.recommendation).not.toMatch(/first invocation/);
    expect(plan.recommendation).toMatch(/provisioned concurrency for every environment the function runs \(equal to its reserved concurrency\): their inits may take 900 s/);
  });

  test('the recommended mode never breaks a budget', () => {
    const loads = [
      load(10, 2, 50, undefined, AT_INIT), load(10, 2, 10, undefined, AT_INIT),
      load(1.7, 1.7, 24, 10, { loadsAtInit: false, callerTimeout: Duration.seconds(30) }),
      load(5000, 2, 50, undefined, AT_INIT), load(10, 0.5, 10, undefined, AT_INIT), load(10, 2, 500, 500),
    ];
    for (const l of loads) {
      const plan = ThroughputPlanner.plan(l);
      const recommended = plan.recommendedMode && plan.assessmentOf(plan.recommendedMode);
      expect(recommended?.sustainsLoad).toBe(true);
      expect(recommended!.coldStartLoadSeconds).toBeLessThanOrEqual(plan.coldStartBudget!.toSeconds());
    }
  });
});
