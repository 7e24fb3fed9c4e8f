import { Lazy, Names, Size, SizeRoundingBehavior, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as efs from 'aws-cdk-lib/aws-efs';
import { Construct } from 'constructs';
import { alarmNotifying } from './alarms';
import { MAX_CLIENT_CONNECTIONS } from './efs-limits';
import type { FileSystemAlarmOptions } from '../shared-file-system-props';

/** What the alarms of a shared file system (created in the stack or imported) are made from. */
export interface AlarmedFileSystem {
  /** The file system construct: alarms go under it, unless the topic is in another stack. */
  readonly scope: Construct;
  /** @default - unknown: no burst-credit or provisioned-throughput alarm */
  readonly throughputMode?: efs.ThroughputMode;
  metricBurstCreditBalance(): cloudwatch.IMetric;
  metricPercentIOLimit(): cloudwatch.IMetric;
  metricClientConnections(): cloudwatch.IMetric;
  metricProvisionedThroughputUtilization(): cloudwatch.IMetric;
  /** Read at synth, once every client is known. */
  defaultBurstCreditThreshold(): Size;
}

/**
 * The file system alarms. With a topic from another stack they go into the topic's stack:
 * an alarm names its topic, so alarms in the file system's stack would make it depend on
 * the topic's (a monitoring stack that already reads the file system's metrics: a cycle),
 * while the alarms' metrics only name the file system id, which the topic's stack may import.
 * The default burst-credit threshold is computed at synth, from every client added by then,
 * so alarms added before the functions get the same threshold as after.
 */
export function addFileSystemAlarms(fileSystem: AlarmedFileSystem, options: FileSystemAlarmOptions): cloudwatch.Alarm[] {
  const topic = options.alarmTopic;
  const scope = topic && Stack.of(topic) !== Stack.of(fileSystem.scope)
    ? alarmsScopeIn(Stack.of(topic), fileSystem.scope)
    : fileSystem.scope;
  const alarms: cloudwatch.Alarm[] = [];
  const add = (id: string, props: cloudwatch.AlarmProps) => alarms.push(alarmNotifying(scope, id, props, topic));
  if (fileSystem.throughputMode === efs.ThroughputMode.BURSTING) {
    const given = options.burstCreditBalanceThreshold;
    const threshold = () => given ?? fileSystem.defaultBurstCreditThreshold();
    const gib = () => threshold().toGibibytes({ rounding: SizeRoundingBehavior.NONE });
    add('BurstCreditBalanceAlarm', {
      metric: fileSystem.metricBurstCreditBalance(),
      threshold: given ? given.toBytes() : Lazy.number({ produce: () => threshold().toBytes() }),
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      alarmDescription: Lazy.string({
        produce: () => `Burst credits below ${gib()} GiB: cold starts will soon load at the baseline rate and may time out.`,
      }),
    });
  }
  add('PercentIOLimitAlarm', {
    metric: fileSystem.metricPercentIOLimit(),
    threshold: options.percentIOLimitThreshold ?? 90,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 3,
    alarmDescription: 'The file system is near its I/O limit.',
  });
  const connections = options.clientConnectionsThreshold ?? Math.floor(0.8 * MAX_CLIENT_CONNECTIONS);
  add('ClientConnectionsAlarm', {
    metric: fileSystem.metricClientConnections(),
    threshold: connections,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 5,
    alarmDescription: `${connections} or more NFS clients: near the EFS limit of ${MAX_CLIENT_CONNECTIONS} connections.`,
  });
  if (fileSystem.throughputMode === efs.ThroughputMode.PROVISIONED) {
    add('ProvisionedThroughputAlarm', {
      metric: fileSystem.metricProvisionedThroughputUtilization(),
      threshold: options.provisionedThroughputUtilizationThreshold ?? 80,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 5,
      alarmDescription: 'Metered throughput is near the provisioned rate.',
    });
  }
  return alarms;
}

/** One construct per file system in the topic's stack, named after the file system's path. */
function alarmsScopeIn(stack: Stack, fileSystem: Construct): Construct {
  const id = `AlarmsOf${Names.uniqueId(fileSystem)}`;
  return (stack.node.tryFindChild(id) as Construct | undefined) ?? new Construct(stack, id);
}
