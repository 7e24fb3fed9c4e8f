import { Duration, Size, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as efs from 'aws-cdk-lib/aws-efs';
import { Construct } from 'constructs';
import { stackWithFileSystem } from './helpers';
import { SynthWarnings } from '../src';

const REFERENCE_LOAD = { storedData: Size.gibibytes(10) };
// Loaded in the first invocation, so the function's timeout is its budget, not the 10 s init limit
// (those budgets are tested in latency-budgets.test.ts).
const TWO_GIB_FIFTY_A_DAY = { bytesPerColdStart: Size.gibibytes(2), coldStartsPerDay: 50, loadsAtInit: false };

/** The warnings with id `id`, of a stack (synthesized for them) or of its annotations (one synth for several questions). */
function warnings(of: Stack | Annotations, id: string) {
  const annotations = Stack.isStack(of) ? Annotations.fromStack(of) : of;
  return annotations.findWarning('*', Match.stringLikeRegexp(id.replace(/[:]/g, '.')));
}

describe('SynthWarnings: the ids', () => {
  test('lists every warning id; the ids of earlier releases keep their values', () => {
    expect({ ...SynthWarnings }).toEqual({
      THROUGHPUT_INSUFFICIENT: 'cdk-lambda-efs:throughputInsufficient',
      PROVISIONED_OVERSIZED: 'cdk-lambda-efs:provisionedOversized',
      PROVISIONED_ABOVE_QUOTA: 'cdk-lambda-efs:provisionedAboveQuota',
      CLIENT_CONNECTION_LIMIT: 'cdk-lambda-efs:clientConnectionLimit',
      NO_RESERVED_CONCURRENCY: 'cdk-lambda-efs:noReservedConcurrency',
      TIMEOUT_BELOW_COLD_START_LOAD: 'cdk-lambda-efs:timeoutBelowColdStartLoad',
      INIT_OVER_ON_DEMAND_LIMIT: 'cdk-lambda-efs:initOverOnDemandLimit',
      COLD_START_OVER_CALLER_TIMEOUT: 'cdk-lambda-efs:coldStartOverCallerTimeout',
      INSTALLER_WITHOUT_EGRESS: 'cdk-lambda-efs:installerWithoutEgress',
      INSTALLER_INPUTS_NOT_HASH_LOCKED: 'cdk-lambda-efs:installerInputsNotHashLocked',
    });
  });
});

describe('capacity checks at synth', () => {
  test('warns when bursting cannot sustain the declared cold starts, with the recommendation', () => {
    const { stack, addFunction } = stackWithFileSystem({ throughputMode: efs.ThroughputMode.BURSTING, expectedLoad: REFERENCE_LOAD });
    addFunction('Classifier', { coldStartLoad: TWO_GIB_FIFTY_A_DAY, timeout: Duration.minutes(15) });
    // 2 GiB within the 900 s timeout needs 2.3 MiB/s, more than the 1.19 MiB/s of the daily load: 3 MiB/s.
    // The figures are printed as in the planner's table (whole from 100, else one decimal).
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Default/Shared/FileSystem', Match.stringLikeRegexp(
      'throughputMode bursting cannot sustain the declared load: it needs 100 GiB a day and 1.2 MiB/s at peak, the mode gives 41.2 GiB a day and 100 MiB/s. Recommended: provisioned \\(3 MiB/s provisioned costs about 15.1 USD a month'));
    annotations.hasWarning('/Default/Shared/FileSystem', Match.stringLikeRegexp('USD a month.*\\)\\. \\(in Python: throughput_mode\\)'));
    expect(warnings(annotations, SynthWarnings.THROUGHPUT_INSUFFICIENT)).toHaveLength(1);
    expect(JSON.stringify(warnings(annotations, SynthWarnings.THROUGHPUT_INSUFFICIENT))).toContain('cdk-lambda-efs:throughputInsufficient');
  });

  test('a warning the user accepts is acknowledged by its id, as the README says', () => {
    const { stack, shared, addFunction } = stackWithFileSystem({ throughputMode: efs.ThroughputMode.BURSTING, expectedLoad: REFERENCE_LOAD });
    addFunction('Classifier', { coldStartLoad: TWO_GIB_FIFTY_A_DAY, timeout: Duration.minutes(15) });
    Validations.of(shared).acknowledge({ id: SynthWarnings.THROUGHPUT_INSUFFICIENT, reason: 'Credits are topped up by a nightly lull; accepted.' });
    expect(warnings(stack, SynthWarnings.THROUGHPUT_INSUFFICIENT)).toHaveLength(0);
  });

  test('no throughput warning when the load fits', () => {
    // Without a declared load the functions' cold starts are still planned: latency-budgets.test.ts.
    const fits = stackWithFileSystem({ throughputMode: efs.ThroughputMode.BURSTING, expectedLoad: REFERENCE_LOAD });
    fits.addFunction('Classifier', { coldStartLoad: { ...TWO_GIB_FIFTY_A_DAY, coldStartsPerDay: 10 }, timeout: Duration.minutes(15) });
    expect(warnings(fits.stack, SynthWarnings.THROUGHPUT_INSUFFICIENT)).toHaveLength(0);
  });

  test('warns when the provisioned rate is far above the need, with its monthly cost', () => {
    const { stack, addFunction } = stackWithFileSystem({
      throughputMode: efs.ThroughputMode.PROVISIONED,
      provisionedThroughputPerSecond: Size.mebibytes(100),
      expectedLoad: REFERENCE_LOAD,
    });
    addFunction('Classifier', { coldStartLoad: TWO_GIB_FIFTY_A_DAY });
    // 2 GiB within the 300 s timeout: 6.8 MiB/s, so 7 MiB/s would do; 100 costs (100 - 0.49) x 6 USD.
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Default/Shared/FileSystem', Match.stringLikeRegexp(
      'provisionedThroughputPerSecond 100 MiB/s is far above the 7 MiB/s the declared load needs; it costs about 597 USD a month. Recommended: provisioned \\(7 MiB/s'));
    annotations.hasWarning('/Default/Shared/FileSystem', Match.stringLikeRegexp('\\(in Python: provisioned_throughput_per_second\\)'));
    expect(warnings(annotations, SynthWarnings.PROVISIONED_OVERSIZED)).toHaveLength(1);
  });

  test('warns about a provisioned rate above EFS\'s default quota, with its price, even with no load declared', () => {
    const { stack } = stackWithFileSystem({ throughputMode: efs.ThroughputMode.PROVISIONED, provisionedThroughputPerSecond: Size.mebibytes(100000) });
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Default/Shared/FileSystem', Match.stringLikeRegexp(
      '^provisionedThroughputPerSecond 100000 MiB/s is above 3414 MiB/s, the most EFS provisions without a quota increase .*about 600000 USD a month'));
    expect(warnings(annotations, SynthWarnings.PROVISIONED_ABOVE_QUOTA)).toHaveLength(1);
    const { stack: within } = stackWithFileSystem({
      throughputMode: efs.ThroughputMode.PROVISIONED,
      provisionedThroughputPerSecond: Size.mebibytes(3414),
    });
    expect(warnings(within, SynthWarnings.PROVISIONED_ABOVE_QUOTA)).toHaveLength(0);
  });

  test('warns when the timeout is shorter than a cold start takes with no burst credits (the 1 MiB/s floor)', () => {
    const { stack, addFunction } = stackWithFileSystem({ throughputMode: efs.ThroughputMode.BURSTING, expectedLoad: REFERENCE_LOAD });
    addFunction('Classifier', { coldStartLoad: { bytesPerColdStart: Size.mebibytes(600), coldStartsPerDay: 5 }, timeout: Duration.minutes(5) });
    // 600 MiB at max(10 GiB x 50 KiB/s, 1 MiB/s) = 1 MiB/s: 600 s > 300 s
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Default/Classifier', Match.stringLikeRegexp(
      'timeout 300 s is shorter than the 600 s a cold start needs to read 600 MiB under throughputMode bursting when the burst credits run out'));
    expect(warnings(annotations, SynthWarnings.TIMEOUT_BELOW_COLD_START_LOAD)).toHaveLength(1);
  });

  test('no timeout warning under elastic throughput for the same function', () => {
    const { stack, addFunction } = stackWithFileSystem({ expectedLoad: REFERENCE_LOAD });
    addFunction('Classifier', { coldStartLoad: { bytesPerColdStart: Size.mebibytes(600), coldStartsPerDay: 5 }, timeout: Duration.minutes(5) });
    expect(warnings(stack, SynthWarnings.TIMEOUT_BELOW_COLD_START_LOAD)).toHaveLength(0);
  });

  test('warns when reserved concurrency adds up past 25,000 connections, and when a function has none', () => {
    const { stack, addFunction } = stackWithFileSystem();
    addFunction('A', { reservedConcurrentExecutions: 20_000 });
    addFunction('B', { reservedConcurrentExecutions: 6_000 });
    const unbounded = addFunction('C', { reservedConcurrentExecutions: undefined });
    Validations.of(unbounded).acknowledge({
      id: 'NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency',
      reason: 'This test leaves the function unbounded on purpose, to see the warning.',
    });
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Default/Shared/FileSystem', Match.stringLikeRegexp(
      'may run 26000 execution environments together .* more than the 25000 client connections EFS allows'));
    annotations.hasWarning('/Default/C', Match.stringLikeRegexp('reservedConcurrentExecutions is not set.*set a cap. \\(in Python: reserved_concurrent_executions\\)'));
    expect(warnings(annotations, SynthWarnings.CLIENT_CONNECTION_LIMIT)).toHaveLength(1);
    expect(warnings(annotations, SynthWarnings.NO_RESERVED_CONCURRENCY)).toHaveLength(1);
  });

  test('the plan of a file system includes its functions\' cold starts', () => {
    const { shared, addFunction } = stackWithFileSystem({ throughputMode: efs.ThroughputMode.BURSTING, expectedLoad: REFERENCE_LOAD });
    addFunction('Classifier', { coldStartLoad: TWO_GIB_FIFTY_A_DAY });
    expect(shared.throughputPlan()?.requiredDailyGib).toBe(100);
  });

  test('a client registered by hand counts like a function: its reserved concurrency and its cold start', () => {
    const { stack, shared, addFunction } = stackWithFileSystem({ throughputMode: efs.ThroughputMode.BURSTING, expectedLoad: REFERENCE_LOAD });
    addFunction('A', { reservedConcurrentExecutions: 20_000 });
    // An ECS service, say, that mounts the file system: the same field names as EfsBackedFunctionProps.
    const service = new Construct(stack, 'Service');
    shared.registerClient({
      scope: service,
      reservedConcurrentExecutions: 6_000,
      timeout: Duration.minutes(5),
      coldStartLoad: { bytesPerColdStart: Size.mebibytes(600), coldStartsPerDay: 5 },
    });
    const annotations = Annotations.fromStack(stack);
    expect(warnings(annotations, SynthWarnings.CLIENT_CONNECTION_LIMIT)).toHaveLength(1);
    annotations.hasWarning('/Default/Service', Match.stringLikeRegexp('timeout 300 s is shorter than the 600 s'));
    expect(shared.throughputPlan()?.requiredDailyGib).toBeCloseTo(600 * 5 / 1024, 10);
  });
});
