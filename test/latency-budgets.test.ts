import { App, Duration, Lazy, Size, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as efs from 'aws-cdk-lib/aws-efs';
import { sharedFixture, stackWithFileSystem } from './helpers';
import { MessageWallStack } from '../examples/message-wall/message-wall-stack';
import { MlInferenceStack } from '../examples/ml-inference/ml-inference-stack';
import { HTTP_API_INTEGRATION_TIMEOUT } from '../examples/shared/throttled-http-api';
import { ColdStartLoad, SharedFileSystem, SynthWarnings } from '../src';

const { BURSTING, PROVISIONED, ELASTIC } = efs.ThroughputMode;

/** 2 GiB read at each cold start, 10 a day, loaded at init (the default). */
const TWO_GIB: ColdStartLoad = { bytesPerColdStart: Size.gibibytes(2), coldStartsPerDay: 10 };

/** A file system at 50 MiB/s provisioned: 2048 MiB take 2048 / 50 = 40.96 s, past both 10 s and 30 s. */
const FIFTY_MIB = {
  throughputMode: PROVISIONED,
  provisionedThroughputPerSecond: Size.mebibytes(50),
  expectedLoad: { storedData: Size.gibibytes(10) },
};

/** The warnings with id `id`, of a stack (synthesized for them) or of its annotations (one synth for several questions). */
function warnings(of: Stack | Annotations, id: string) {
  const annotations = Stack.isStack(of) ? Annotations.fromStack(of) : of;
  return annotations.findWarning('*', Match.stringLikeRegexp(id.replace(/[:]/g, '.')));
}

describe('SynthWarnings.INIT_OVER_ON_DEMAND_LIMIT: a load at init past Lambda\'s 10 s', () => {
  test('warns on the function, with the load time, what Lambda does and what to change', () => {
    const { stack, addFunction } = stackWithFileSystem(FIFTY_MIB);
    addFunction('Classifier', { coldStartLoad: TWO_GIB });
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Default/Classifier', Match.stringLikeRegexp(
      'a cold start loads at init for 41.0 s \\(2048 MiB under throughputMode provisioned\\), more than the 10 s Lambda allows the init '
      + 'of an on-demand environment: Lambda stops the init and runs it again inside the first invocation'));
    annotations.hasWarning('/Default/Classifier', Match.stringLikeRegexp(
      'coldStartLoad.loadsAtInit false.*then the function\'s 300 s timeout is the budget.*provisionedConcurrency equal to reservedConcurrentExecutions.*'
      + 'recommended: elastic.*container image.*\\(in Python: cold_start_load, loads_at_init, provisioned_concurrency, reserved_concurrent_executions\\)'));
    expect(warnings(annotations, SynthWarnings.INIT_OVER_ON_DEMAND_LIMIT)).toHaveLength(1);
  });

  test('under bursting the burst rate counts: 2048 / 100 = 20.5 s', () => {
    const { stack, addFunction } = stackWithFileSystem({ throughputMode: BURSTING, expectedLoad: { storedData: Size.gibibytes(10) } });
    addFunction('Classifier', { coldStartLoad: TWO_GIB });
    Annotations.fromStack(stack).hasWarning('/Default/Classifier', Match.stringLikeRegexp('loads at init for 20.5 s \\(2048 MiB under throughputMode bursting\\)'));
  });

  test.each([
    ['the load runs in the first invocation', FIFTY_MIB, { coldStartLoad: { ...TWO_GIB, loadsAtInit: false } }],
    ['provisioned concurrency covers every environment (10 of 10)', FIFTY_MIB, { coldStartLoad: TWO_GIB, provisionedConcurrency: 10, reservedConcurrentExecutions: 10 }],
    ['Elastic loads it in 2048 / 500 = 4.1 s', { expectedLoad: { storedData: Size.gibibytes(10) } }, { coldStartLoad: TWO_GIB }],
  ])('no warning when %s', (_, fsProps, fnProps) => {
    const { stack, addFunction } = stackWithFileSystem(fsProps);
    addFunction('Classifier', fnProps);
    expect(warnings(stack, SynthWarnings.INIT_OVER_ON_DEMAND_LIMIT)).toHaveLength(0);
  });

  test('provisioned concurrency below reserved concurrency leaves on-demand environments: 5 of 10 still warns', () => {
    const { stack, addFunction } = stackWithFileSystem(FIFTY_MIB);
    addFunction('Classifier', { coldStartLoad: TWO_GIB, provisionedConcurrency: 5, reservedConcurrentExecutions: 10 });
    expect(warnings(stack, SynthWarnings.INIT_OVER_ON_DEMAND_LIMIT)).toHaveLength(1);
  });

  test('acknowledged by its id on the function', () => {
    const { stack, addFunction } = stackWithFileSystem(FIFTY_MIB);
    const fn = addFunction('Classifier', { coldStartLoad: TWO_GIB });
    Validations.of(fn).acknowledge({ id: SynthWarnings.INIT_OVER_ON_DEMAND_LIMIT, reason: 'Invoked asynchronously; the restarted init is accepted.' });
    expect(warnings(stack, SynthWarnings.INIT_OVER_ON_DEMAND_LIMIT)).toHaveLength(0);
  });
});

describe('SynthWarnings.COLD_START_OVER_CALLER_TIMEOUT: a cold start the caller gives up on', () => {
  test('warns when a load in the invocation takes longer than the declared caller waits: 41.0 s against 30 s', () => {
    const { stack, addFunction } = stackWithFileSystem(FIFTY_MIB);
    const fn = addFunction('Classifier', { coldStartLoad: { ...TWO_GIB, loadsAtInit: false } });
    fn.declareCallerTimeout(Duration.seconds(30));
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Default/Classifier', Match.stringLikeRegexp(
      'a cold start on an on-demand environment keeps the caller waiting 41.0 s \\(41.0 s to read 2048 MiB under throughputMode provisioned\\), '
      + 'longer than the caller\'s 30 s timeout: the request fails while the function goes on loading. Raise the file system\'s throughput '
      // Bursting would do: 10 GiB stored earns 41.2 GiB a day, more than 10 x 2 GiB, and 2048 / 100 = 20.5 s at the burst.
      + '\\(recommended: bursting \\(the credits earned by the data stored pay for the load, at no throughput charge; a cold start loads in 20.5 s'));
    expect(warnings(annotations, SynthWarnings.COLD_START_OVER_CALLER_TIMEOUT)).toHaveLength(1);
    expect(warnings(annotations, SynthWarnings.INIT_OVER_ON_DEMAND_LIMIT)).toHaveLength(0);
  });

  test('a load at init past 10 s costs the caller the lost 10 s too: 10 + 41.0 = 51.0 s', () => {
    const { stack, addFunction } = stackWithFileSystem(FIFTY_MIB);
    const fn = addFunction('Classifier', { coldStartLoad: TWO_GIB });
    fn.declareCallerTimeout(Duration.seconds(30));
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Default/Classifier', Match.stringLikeRegexp(
      'keeps the caller waiting 51.0 s \\(the 10 s of an init Lambda stops, then 41.0 s to read 2048 MiB'));
    expect(warnings(annotations, SynthWarnings.INIT_OVER_ON_DEMAND_LIMIT)).toHaveLength(1);
  });

  test('a load at init within 10 s still counts against a shorter caller: 400 MiB / 50 = 8 s against 5 s', () => {
    const { stack, addFunction } = stackWithFileSystem(FIFTY_MIB);
    addFunction('Classifier', { coldStartLoad: { bytesPerColdStart: Size.mebibytes(400) } }).declareCallerTimeout(Duration.seconds(5));
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Default/Classifier', Match.stringLikeRegexp('keeps the caller waiting 8.0 s \\(8.0 s to read 400 MiB'));
    expect(warnings(annotations, SynthWarnings.INIT_OVER_ON_DEMAND_LIMIT)).toHaveLength(0);
  });

  test.each([
    ['no caller is declared', undefined],
    ['the caller waits 60 s', Duration.seconds(60)],
    ['the caller\'s wait is a token, unknown at synth', Duration.seconds(Lazy.number({ produce: () => 30 }))],
  ])('no warning when %s', (_, callerTimeout) => {
    const { stack, addFunction } = stackWithFileSystem(FIFTY_MIB);
    const fn = addFunction('Classifier', { coldStartLoad: { ...TWO_GIB, loadsAtInit: false } });
    if (callerTimeout) {
      fn.declareCallerTimeout(callerTimeout);
    }
    expect(warnings(stack, SynthWarnings.COLD_START_OVER_CALLER_TIMEOUT)).toHaveLength(0);
  });

  test('no caller waits for a provisioned init: no warning when provisioned concurrency covers every environment', () => {
    const { stack, addFunction } = stackWithFileSystem(FIFTY_MIB);
    const fn = addFunction('Classifier', { coldStartLoad: TWO_GIB, provisionedConcurrency: 10, reservedConcurrentExecutions: 10 });
    fn.declareCallerTimeout(Duration.seconds(30));
    expect(warnings(stack, SynthWarnings.COLD_START_OVER_CALLER_TIMEOUT)).toHaveLength(0);
  });

  test('the shortest declared wait counts, whichever is declared first', () => {
    const { stack, addFunction } = stackWithFileSystem(FIFTY_MIB);
    const fn = addFunction('Classifier', { coldStartLoad: { ...TWO_GIB, loadsAtInit: false } });
    fn.declareCallerTimeout(Duration.seconds(120));
    fn.declareCallerTimeout(Duration.seconds(60));
    fn.declareCallerTimeout(Duration.seconds(30));
    expect(fn.callerTimeout?.toSeconds()).toBe(30);
    Annotations.fromStack(stack).hasWarning('/Default/Classifier', Match.stringLikeRegexp('longer than the caller\'s 30 s timeout'));
  });

  test('fails when the declared wait is not positive', () => {
    const { addFunction } = stackWithFileSystem();
    const fn = addFunction('Classifier');
    expect(() => fn.declareCallerTimeout(Duration.seconds(0))).toThrow(/timeout must be a positive duration \(got 0 seconds\)/);
  });
});

describe('the file system\'s plan counts the budgets', () => {
  test('throughputInsufficient names a cold start declared on the file system past its budget, and the mode that meets it', () => {
    // 10 GiB stored pays 20 cold starts of 2 GiB a day, but one takes 2048 / 100 = 20.5 s at the burst rate.
    // Elastic: 20 GiB a day x 30 x 0.03 = 18 USD, less than 205 MiB/s provisioned.
    const { stack } = stackWithFileSystem({ throughputMode: BURSTING, expectedLoad: { storedData: Size.gibibytes(10), coldStarts: [TWO_GIB] } });
    Annotations.fromStack(stack).hasWarning('/Default/Shared/FileSystem', Match.stringLikeRegexp(
      'throughputMode bursting cannot sustain the declared load: a cold start of 2.0 GiB loads in 20.5 s, more than its budget, '
      + 'Lambda\'s 10 s init limit for on-demand environments. Recommended: elastic \\(Elastic bills what is read and written, about 18.0 USD a month'));
  });

  test('the README\'s former MLInference plan, 6 MiB/s provisioned behind the 30 s API, warns: 1740.8 / 6 = 290 s', () => {
    const { stack, addFunction } = stackWithFileSystem({
      throughputMode: PROVISIONED, provisionedThroughputPerSecond: Size.mebibytes(6), expectedLoad: { storedData: Size.gibibytes(1.7) },
    });
    const fn = addFunction('Classifier', {
      timeout: Duration.minutes(5),
      reservedConcurrentExecutions: 5,
      provisionedConcurrency: 1,
      coldStartLoad: { bytesPerColdStart: Size.gibibytes(1.7), coldStartsPerDay: 24, peakColdStartsPerHour: 10, loadsAtInit: false },
    });
    fn.declareCallerTimeout(HTTP_API_INTEGRATION_TIMEOUT);
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Default/Classifier', Match.stringLikeRegexp(
      'keeps the caller waiting 290 s \\(290 s to read 1741 MiB under throughputMode provisioned\\), longer than the caller\'s 30 s timeout'));
    // One cause, one warning: the file system does not repeat the function's.
    expect(warnings(stack, SynthWarnings.THROUGHPUT_INSUFFICIENT)).toEqual([]);
  });

  test('when no mode fits, the warning says so and what would: 10 GiB at init needs 1024 MiB/s from one client', () => {
    const tenGib = { bytesPerColdStart: Size.gibibytes(10), coldStartsPerDay: 5 };
    const declared = stackWithFileSystem({ expectedLoad: { storedData: Size.gibibytes(20), coldStarts: [tenGib] } });
    Annotations.fromStack(declared.stack).hasWarning('/Default/Shared/FileSystem', Match.stringLikeRegexp(
      'throughputMode elastic cannot sustain the declared load: a cold start of 10.0 GiB loads in 20.5 s.*No throughput mode fits: '
      + 'no throughput mode loads a cold start of 10.0 GiB.*What would fit: loading in the first invocation.*container image'));
    const { stack, addFunction } = stackWithFileSystem({ expectedLoad: { storedData: Size.gibibytes(20) } });
    addFunction('Classifier', { coldStartLoad: tenGib });
    Annotations.fromStack(stack).hasWarning('/Default/Classifier', Match.stringLikeRegexp('loads at init for 20.5 s.*no throughput mode fits'));
    expect(warnings(stack, SynthWarnings.THROUGHPUT_INSUFFICIENT)).toEqual([]);
  });
});

describe('cold starts without a declared expectedLoad are planned', () => {
  test('on the least the file system stores, what the largest cold start reads, and the warning says so', () => {
    const { stack, shared, addFunction } = stackWithFileSystem({ throughputMode: BURSTING });
    addFunction('Classifier', { coldStartLoad: { ...TWO_GIB, coldStartsPerDay: 50, loadsAtInit: false } });
    const plan = shared.throughputPlan()!;
    expect(plan.requiredDailyGib).toBe(100);
    // 2 GiB x 50 KiB/s per GiB = 100 KiB/s = 0.098 MiB/s: 8.2 GiB a day, for 100 GiB of cold starts.
    expect(plan.assessmentOf(BURSTING).sustainedMibPerSecond).toBeCloseTo(100 / 1024, 10);
    Annotations.fromStack(stack).hasWarning('/Default/Shared/FileSystem', Match.stringLikeRegexp(
      'throughputMode bursting cannot sustain the declared load: it needs 100 GiB a day.*No expectedLoad is declared: planned with 2.0 GiB stored, '
      + 'what the largest cold start reads; declare expectedLoad.storedData'));
  });

  test('nothing to plan without a load or a cold start', () => {
    const { shared, addFunction } = stackWithFileSystem({ throughputMode: BURSTING });
    addFunction('Classifier');
    expect(shared.throughputPlan()).toBeUndefined();
  });
});

describe('the examples\' callers', () => {
  /** The MLInference app as it is by default, built once for the tests that only read it. */
  const mlInference = sharedFixture(() => new MlInferenceStack(new App(), 'MLInference'));

  test('the HTTP API helper declares its 30 s on the function it fronts, in both examples', () => {
    expect(mlInference().classifier.callerTimeout?.toSeconds()).toBe(30);
    expect(new MessageWallStack(new App(), 'MessageWall').wall.callerTimeout?.toSeconds()).toBe(30);
  });

  test('MLInference: Elastic loads 1.7 GiB in 3.5 s, within the API\'s 30 s; no budget warning', () => {
    const stack = mlInference();
    const annotations = Annotations.fromStack(stack);
    for (const id of [SynthWarnings.INIT_OVER_ON_DEMAND_LIMIT, SynthWarnings.COLD_START_OVER_CALLER_TIMEOUT, SynthWarnings.THROUGHPUT_INSUFFICIENT]) {
      expect(warnings(annotations, id)).toEqual([]);
    }
    expect((stack.node.findChild('Shared') as SharedFileSystem).throughputPlan()?.recommendedMode).toBe(ELASTIC);
  });
});

describe('one warning per cause: a cold start too slow for its function', () => {
  test('is reported on the function, not again on the file system (before: the same 20.5 s load on both)', () => {
    const { stack, addFunction } = stackWithFileSystem({ throughputMode: BURSTING, expectedLoad: { storedData: Size.gibibytes(10) } });
    addFunction('Classifier', { coldStartLoad: TWO_GIB });
    expect(warnings(stack, SynthWarnings.INIT_OVER_ON_DEMAND_LIMIT)).toHaveLength(1);
    expect(warnings(stack, SynthWarnings.THROUGHPUT_INSUFFICIENT)).toEqual([]);
  });

  test('the file system still reports a cold start declared on it alone, and a daily load it cannot carry', () => {
    const coldStartOnly = stackWithFileSystem({
      throughputMode: BURSTING,
      expectedLoad: { storedData: Size.gibibytes(10), coldStarts: [TWO_GIB] },
    });
    expect(JSON.stringify(warnings(coldStartOnly.stack, SynthWarnings.THROUGHPUT_INSUFFICIENT))).toContain('a cold start of 2.0 GiB loads in 20.5 s');
    const daily = stackWithFileSystem({
      throughputMode: BURSTING,
      expectedLoad: { storedData: Size.gibibytes(1), steadyReadPerSecond: Size.mebibytes(50) },
    });
    daily.addFunction('Classifier', { coldStartLoad: TWO_GIB });
    const reported = JSON.stringify(warnings(daily.stack, SynthWarnings.THROUGHPUT_INSUFFICIENT));
    expect(reported).toContain('GiB a day');
    expect(reported).not.toContain('a cold start of');
  });
});
