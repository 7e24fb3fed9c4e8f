import { Duration, Size, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledgeSynchronousOnly, alarmTopic, fixture, INLINE_CODE, testStack } from './helpers';
import { EfsBackedFunction, EfsBackedFunctionProps, FileSystemDashboard, SharedFileSystemProps, SynthWarnings } from '../src';

function setup(fsProps: Partial<SharedFileSystemProps> = {}) {
  const stack = testStack();
  const { shared, accessPoint } = fixture(stack, { fileSystem: fsProps });
  const addFunction = (id: string, props: Partial<EfsBackedFunctionProps> = {}) => {
    const fn = new EfsBackedFunction(stack, id, {
      fileSystem: shared,
      accessPoint,
      mountPath: '/mnt/inference',
      runtime: lambda.Runtime.PYTHON_3_15,
      handler: 'index.handler',
      code: INLINE_CODE,
      timeout: Duration.minutes(5),
      reservedConcurrentExecutions: 10,
      ...props,
    });
    acknowledgeSynchronousOnly(fn);
    return fn;
  };
  return { stack, shared, addFunction };
}

const REFERENCE_LOAD = { storedData: Size.gibibytes(10) };
const TWO_GIB_FIFTY_A_DAY = { bytesPerColdStart: Size.gibibytes(2), coldStartsPerDay: 50 };

function warnings(stack: Stack, id: string) {
  return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(id.replace(/[:]/g, '.')));
}

describe('capacity checks at synth', () => {
  test('warns when bursting cannot sustain the declared cold starts, with the recommendation', () => {
    const { stack, addFunction } = setup({ throughputMode: efs.ThroughputMode.BURSTING, expectedLoad: REFERENCE_LOAD });
    addFunction('Classifier', { coldStartLoad: TWO_GIB_FIFTY_A_DAY, timeout: Duration.minutes(15) });
    // 2 GiB within the 900 s timeout needs 2.3 MiB/s, more than the 1.19 MiB/s of the daily load: 3 MiB/s.
    // The figures are printed as in the planner's table (whole from 100, else one decimal).
    Annotations.fromStack(stack).hasWarning('/Default/Shared/FileSystem', Match.stringLikeRegexp(
      'throughputMode bursting cannot sustain the declared load: it needs 100 GiB a day and 1.2 MiB/s at peak, the mode gives 41.2 GiB a day and 100 MiB/s. Recommended: provisioned \\(3 MiB/s provisioned costs about 15.1 USD a month'));
    Annotations.fromStack(stack).hasWarning('/Default/Shared/FileSystem', Match.stringLikeRegexp('USD a month.*\\)\\. \\(in Python: throughput_mode\\)'));
    expect(warnings(stack, SynthWarnings.THROUGHPUT_INSUFFICIENT)).toHaveLength(1);
    expect(JSON.stringify(warnings(stack, SynthWarnings.THROUGHPUT_INSUFFICIENT))).toContain('cdk-lambda-efs:throughputInsufficient');
  });

  test('a warning the user accepts is acknowledged by its id, as the README says', () => {
    const { stack, shared, addFunction } = setup({ throughputMode: efs.ThroughputMode.BURSTING, expectedLoad: REFERENCE_LOAD });
    addFunction('Classifier', { coldStartLoad: TWO_GIB_FIFTY_A_DAY, timeout: Duration.minutes(15) });
    Validations.of(shared).acknowledge({ id: SynthWarnings.THROUGHPUT_INSUFFICIENT, reason: 'Credits are topped up by a nightly lull; accepted.' });
    expect(warnings(stack, SynthWarnings.THROUGHPUT_INSUFFICIENT)).toHaveLength(0);
  });

  test('no throughput warning when the load fits, and none without a declared load', () => {
    const fits = setup({ throughputMode: efs.ThroughputMode.BURSTING, expectedLoad: REFERENCE_LOAD });
    fits.addFunction('Classifier', { coldStartLoad: { bytesPerColdStart: Size.gibibytes(2), coldStartsPerDay: 10 }, timeout: Duration.minutes(15) });
    expect(warnings(fits.stack, SynthWarnings.THROUGHPUT_INSUFFICIENT)).toHaveLength(0);

    const undeclared = setup({ throughputMode: efs.ThroughputMode.BURSTING });
    undeclared.addFunction('Classifier', { coldStartLoad: TWO_GIB_FIFTY_A_DAY });
    expect(warnings(undeclared.stack, SynthWarnings.THROUGHPUT_INSUFFICIENT)).toHaveLength(0);
  });

  test('warns when the provisioned rate is far above the need, with its monthly cost', () => {
    const { stack, addFunction } = setup({
      throughputMode: efs.ThroughputMode.PROVISIONED,
      provisionedThroughputPerSecond: Size.mebibytes(100),
      expectedLoad: REFERENCE_LOAD,
    });
    addFunction('Classifier', { coldStartLoad: TWO_GIB_FIFTY_A_DAY });
    // 2 GiB within the 300 s timeout: 6.8 MiB/s, so 7 MiB/s would do; 100 costs (100 - 0.49) x 6 USD.
    Annotations.fromStack(stack).hasWarning('/Default/Shared/FileSystem', Match.stringLikeRegexp(
      'provisionedThroughputPerSecond 100 MiB/s is far above the 7 MiB/s the declared load needs; it costs about 597 USD a month. Recommended: provisioned \\(7 MiB/s'));
    Annotations.fromStack(stack).hasWarning('/Default/Shared/FileSystem', Match.stringLikeRegexp('\\(in Python: provisioned_throughput_per_second\\)'));
    expect(warnings(stack, SynthWarnings.PROVISIONED_OVERSIZED)).toHaveLength(1);
  });

  test('warns when the timeout is shorter than a cold start takes with no burst credits (the 1 MiB/s floor)', () => {
    const { stack, addFunction } = setup({ throughputMode: efs.ThroughputMode.BURSTING, expectedLoad: REFERENCE_LOAD });
    addFunction('Classifier', { coldStartLoad: { bytesPerColdStart: Size.mebibytes(600), coldStartsPerDay: 5 }, timeout: Duration.minutes(5) });
    // 600 MiB at max(10 GiB x 50 KiB/s, 1 MiB/s) = 1 MiB/s: 600 s > 300 s
    Annotations.fromStack(stack).hasWarning('/Default/Classifier', Match.stringLikeRegexp(
      'timeout 300 s is shorter than the 600 s a cold start needs to read 600 MiB under throughputMode bursting when the burst credits run out'));
    expect(warnings(stack, SynthWarnings.TIMEOUT_BELOW_COLD_START_LOAD)).toHaveLength(1);
  });

  test('no timeout warning under elastic throughput for the same function', () => {
    const { stack, addFunction } = setup({ expectedLoad: REFERENCE_LOAD });
    addFunction('Classifier', { coldStartLoad: { bytesPerColdStart: Size.mebibytes(600), coldStartsPerDay: 5 }, timeout: Duration.minutes(5) });
    expect(warnings(stack, SynthWarnings.TIMEOUT_BELOW_COLD_START_LOAD)).toHaveLength(0);
  });

  test('warns when reserved concurrency adds up past 25,000 connections, and when a function has none', () => {
    const { stack, addFunction } = setup();
    addFunction('A', { reservedConcurrentExecutions: 20_000 });
    addFunction('B', { reservedConcurrentExecutions: 6_000 });
    const unbounded = addFunction('C', { reservedConcurrentExecutions: undefined });
    Validations.of(unbounded).acknowledge({
      id: 'NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency',
      reason: 'This test leaves the function unbounded on purpose, to see the warning.',
    });
    Annotations.fromStack(stack).hasWarning('/Default/Shared/FileSystem', Match.stringLikeRegexp(
      'may run 26000 execution environments together .* more than the 25000 client connections EFS allows'));
    Annotations.fromStack(stack).hasWarning('/Default/C', Match.stringLikeRegexp('reservedConcurrentExecutions is not set.*set a cap. \\(in Python: reserved_concurrent_executions\\)'));
    expect(warnings(stack, SynthWarnings.CLIENT_CONNECTION_LIMIT)).toHaveLength(1);
    expect(warnings(stack, SynthWarnings.NO_RESERVED_CONCURRENCY)).toHaveLength(1);
  });

  test('the plan of a file system includes its functions\' cold starts', () => {
    const { shared, addFunction } = setup({ throughputMode: efs.ThroughputMode.BURSTING, expectedLoad: REFERENCE_LOAD });
    addFunction('Classifier', { coldStartLoad: TWO_GIB_FIFTY_A_DAY });
    expect(shared.throughputPlan()?.requiredDailyGib).toBe(100);
  });

  test('a client registered by hand counts like a function: its reserved concurrency and its cold start', () => {
    const { stack, shared, addFunction } = setup({ throughputMode: efs.ThroughputMode.BURSTING, expectedLoad: REFERENCE_LOAD });
    addFunction('A', { reservedConcurrentExecutions: 20_000 });
    // An ECS service, say, that mounts the file system: the same field names as EfsBackedFunctionProps.
    const service = new Construct(stack, 'Service');
    shared.registerClient({
      scope: service,
      reservedConcurrentExecutions: 6_000,
      timeout: Duration.minutes(5),
      coldStartLoad: { bytesPerColdStart: Size.mebibytes(600), coldStartsPerDay: 5 },
    });
    expect(warnings(stack, SynthWarnings.CLIENT_CONNECTION_LIMIT)).toHaveLength(1);
    Annotations.fromStack(stack).hasWarning('/Default/Service', Match.stringLikeRegexp('timeout 300 s is shorter than the 600 s'));
    expect(shared.throughputPlan()?.requiredDailyGib).toBeCloseTo(600 * 5 / 1024, 10);
  });
});

describe('alarms', () => {
  test('bursting file system: burst credits, I/O limit and connections, to the topic', () => {
    const { stack, shared, addFunction } = setup({ throughputMode: efs.ThroughputMode.BURSTING, expectedLoad: REFERENCE_LOAD });
    addFunction('Classifier', { coldStartLoad: TWO_GIB_FIFTY_A_DAY });
    const topic = alarmTopic(stack);
    expect(shared.addAlarms({ alarmTopic: topic })).toHaveLength(3);
    const template = Template.fromStack(stack);
    const efsMetric = (name: string, statistic: string, period: number, threshold: number, operator: string) =>
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/EFS',
        MetricName: name,
        Statistic: statistic,
        Period: period,
        Threshold: threshold,
        ComparisonOperator: operator,
        Dimensions: [{ Name: 'FileSystemId', Value: { Ref: Match.stringLikeRegexp('SharedFileSystem') } }],
        AlarmActions: [{ Ref: Match.stringLikeRegexp('Pager') }],
      });
    // Ten cold starts of 2 GiB: 20 GiB of credits.
    efsMetric('BurstCreditBalance', 'Minimum', 300, 20 * 1024 ** 3, 'LessThanThreshold');
    efsMetric('PercentIOLimit', 'Maximum', 300, 90, 'GreaterThanOrEqualToThreshold');
    efsMetric('ClientConnections', 'Sum', 60, 20_000, 'GreaterThanOrEqualToThreshold');
  });

  test('provisioned file system: throughput near the provisioned rate', () => {
    const { stack, shared } = setup({ throughputMode: efs.ThroughputMode.PROVISIONED, provisionedThroughputPerSecond: Size.mebibytes(10) });
    expect(shared.addAlarms({ alarmTopic: alarmTopic(stack) })).toHaveLength(3);
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 80,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: '100 * (bytes / PERIOD(bytes)) / 1048576 / 10' }),
        Match.objectLike({ Id: 'bytes', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'MeteredIOBytes' }), Period: 60, Stat: 'Sum' }) }),
      ]),
    });
  });

  test('elastic file system: no credit or provisioned alarms', () => {
    const { stack, shared } = setup();
    expect(shared.addAlarms({ alarmTopic: alarmTopic(stack) })).toHaveLength(2);
    Template.fromStack(stack).resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'BurstCreditBalance' }, 0);
  });

  test('function: errors, throttles, duration near the timeout, init duration from the REPORT lines', () => {
    const { stack, addFunction } = setup();
    const fn = addFunction('Classifier', { timeout: Duration.minutes(5) });
    const topic = alarmTopic(stack);
    expect(fn.addAlarms({ alarmTopic: topic })).toHaveLength(4);
    const template = Template.fromStack(stack);
    const alarm = (metricName: string, statistic: Record<string, string>, threshold: number) =>
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metricName,
        Period: 300,
        Threshold: threshold,
        ...statistic,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('Pager') }],
      });
    alarm('Errors', { Statistic: 'Sum' }, 1);
    alarm('Throttles', { Statistic: 'Sum' }, 1);
    alarm('Duration', { ExtendedStatistic: 'p99' }, 240_000);
    alarm(Match.stringLikeRegexp('^InitDuration-') as unknown as string, { Statistic: 'Maximum', Namespace: 'cdk-lambda-efs' }, 10_000);
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: Match.stringLikeRegexp('^\\[report = "REPORT", requestIdLabel, .*initLabel = "Init", initDurationLabel, initDuration, initUnit\\]$'),
      MetricTransformations: [Match.objectLike({ MetricValue: '$initDuration', MetricNamespace: 'cdk-lambda-efs', Unit: 'Milliseconds' })],
    });
  });

  test('fails when the duration alarm ratio is not a fraction of the timeout', () => {
    const { addFunction } = setup();
    const fn = addFunction('Classifier');
    expect(() => fn.addAlarms({ durationTimeoutRatio: 1.5 })).toThrow(/durationTimeoutRatio must be more than 0 and at most 1 \(got 1.5\) \(in Python: duration_timeout_ratio\)$/);
  });

  test('the emergency throttle command sets reserved concurrency 0 on the function', () => {
    const { stack, addFunction } = setup();
    const fn = addFunction('Classifier');
    const [, parts] = stack.resolve(fn.emergencyThrottleCommand())['Fn::Join'];
    expect(parts[0]).toBe('aws lambda put-function-concurrency --function-name ');
    expect(parts[1].Ref).toMatch(/^ClassifierFunction/);
    expect(parts[2]).toBe(' --reserved-concurrent-executions 0');
  });

  test('the emergency throttle command as a stack output, added once', () => {
    const { stack, addFunction } = setup();
    const fn = addFunction('Classifier');
    const output = fn.addEmergencyThrottleOutput();
    expect(fn.addEmergencyThrottleOutput()).toBe(output);
    const outputs = Template.fromStack(stack).findOutputs('*');
    expect(Object.keys(outputs)).toEqual([stack.resolve(output.logicalId)]);
    const [, parts] = Object.values(outputs)[0].Value['Fn::Join'];
    expect(parts[0]).toBe('aws lambda put-function-concurrency --function-name ');
    expect(parts[1].Ref).toMatch(/^ClassifierFunction/);
    expect(Object.values(outputs)[0].Description).toMatch(/^Stops every invocation of Default\/Classifier \(reserved concurrency 0\)/);
  });

  test('a dashboard for the file system and its functions', () => {
    const { stack, shared, addFunction } = setup({ throughputMode: efs.ThroughputMode.BURSTING });
    const fn = addFunction('Classifier');
    new FileSystemDashboard(stack, 'Dashboard', { fileSystem: shared, functions: [fn], dashboardName: 'inference-efs' });
    const body = JSON.stringify(stack.resolve(Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody));
    for (const title of ['Burst credit balance (bytes)', 'Client connections', 'Metered I/O bytes', 'Default/Classifier: errors', 'Default/Classifier: init duration (ms)']) {
      expect(body).toContain(title);
    }
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'inference-efs' });
  });
});
