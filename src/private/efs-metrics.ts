import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/**
 * The `AWS/EFS` metrics of a file system by its id, the same for a file system of the app and
 * an imported one (Amazon EFS User Guide, "Amazon CloudWatch metrics for Amazon EFS"), with the
 * statistic and period each is read with.
 */
export function efsMetric(fileSystemId: string, metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: 'AWS/EFS', metricName, dimensionsMap: { FileSystemId: fileSystemId }, ...props });
}

/** Burst credits left, in bytes: minimum over 5 minutes. */
export const burstCreditBalance = (id: string, props: cloudwatch.MetricOptions = {}) =>
  efsMetric(id, 'BurstCreditBalance', { statistic: 'Minimum', period: Duration.minutes(5), ...props });

/** Percent of the I/O limit: maximum over 5 minutes. */
export const percentIOLimit = (id: string, props: cloudwatch.MetricOptions = {}) =>
  efsMetric(id, 'PercentIOLimit', { statistic: 'Maximum', period: Duration.minutes(5), ...props });

/** Connected NFS clients: sum over 1 minute. */
export const clientConnections = (id: string, props: cloudwatch.MetricOptions = {}) =>
  efsMetric(id, 'ClientConnections', { statistic: 'Sum', period: Duration.minutes(1), ...props });

/** Metered I/O bytes: sum over 1 minute. */
export const meteredIOBytes = (id: string, props: cloudwatch.MetricOptions = {}) =>
  efsMetric(id, 'MeteredIOBytes', { statistic: 'Sum', period: Duration.minutes(1), ...props });
