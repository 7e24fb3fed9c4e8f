import { Duration } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3files from 'aws-cdk-lib/aws-s3files';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ColdStartLoad } from './cold-start-load';
import { IS3FilesFileSystem } from './s3-files-file-system-props';
import { ISharedFileSystem } from './shared-file-system-props';

/**
 * Properties of an `EfsBackedFunction`: the usual Lambda function properties, and
 * the access point to mount: of an EFS file system (`fileSystem`, `accessPoint`) or of an
 * S3 Files file system (`s3FilesFileSystem`, `s3FilesAccessPoint`), one of the two.
 */
export interface EfsBackedFunctionProps extends lambda.FunctionProps {
  /**
   * The EFS file system to mount.
   *
   * @default - none: give `s3FilesFileSystem` instead
   */
  readonly fileSystem?: ISharedFileSystem;

  /**
   * The access point of `fileSystem` to mount; it fixes the POSIX user and the root directory.
   *
   * @default - none: required with `fileSystem`
   */
  readonly accessPoint?: efs.IAccessPoint;

  /**
   * The Amazon S3 Files file system to mount, instead of `fileSystem`.
   *
   * @default - none: give `fileSystem` instead
   */
  readonly s3FilesFileSystem?: IS3FilesFileSystem;

  /**
   * The access point of `s3FilesFileSystem` to mount; it fixes the POSIX user and the root directory.
   *
   * @default - none: required with `s3FilesFileSystem`
   */
  readonly s3FilesAccessPoint?: s3files.IAccessPointRef;

  /**
   * Let Lambda read files straight from the S3 Files file system's bucket, bypassing the
   * mount, for throughput on large files (Lambda `S3FilesConfig.DirectS3Read` `ENABLED`), and
   * grant the function `s3:GetObject` and `s3:GetObjectVersion` on the bucket's objects (and
   * `kms:Decrypt` on its key). Direct reads are not confined to the access point's directory:
   * the grant covers the bucket. Off, every read goes through the mount (`DISABLED`), and no
   * bucket permission is granted. Only with `s3FilesFileSystem`.
   *
   * @default false
   */
  readonly directS3Read?: boolean;

  /** Where the function sees the access point: `/mnt/` and one directory name. */
  readonly mountPath: string;

  /**
   * Mount read-only: only `elasticfilesystem:ClientMount` (EFS) or `s3files:ClientMount` (S3 Files) is granted.
   *
   * @default false
   */
  readonly readOnly?: boolean;

  /**
   * Execution environments to keep initialized, through an alias (`aliasName`).
   * At most `reservedConcurrentExecutions` when that is set.
   *
   * @default - no provisioned concurrency and no alias
   */
  readonly provisionedConcurrency?: number;

  /**
   * The name of the alias that carries the provisioned concurrency.
   *
   * @default 'live'
   */
  readonly aliasName?: string;

  /**
   * Environment variables whose values are paths under the mount, given relative to it:
   * `{ PYTHONPATH: 'lib' }` sets `PYTHONPATH=/mnt/<name>/lib`. An empty string is the
   * mount path itself.
   *
   * @default - none
   */
  readonly mountEnvironment?: { [name: string]: string };

  /**
   * What one cold start of this function reads from the file system (its libraries and
   * model), how often it happens, and whether it loads at init. The file system's throughput
   * plan counts it within its budgets (the 10 s on-demand init limit, the timeout, the
   * callers declared with `declareCallerTimeout`), and synth warns when the throughput mode
   * breaks one.
   *
   * @default - not declared
   */
  readonly coldStartLoad?: ColdStartLoad;

  /**
   * How long the function's logs are kept, when this construct creates the log group
   * (that is, when `logGroup` is not given).
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logGroupRetention?: logs.RetentionDays;

  /**
   * A customer-managed KMS key for the log group this construct creates (when `logGroup` is
   * not given). Its key policy must let CloudWatch Logs (`logs.<region>.amazonaws.com`) use it.
   *
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * Options of `EfsBackedFunction.addAlarms`.
 */
export interface FunctionAlarmOptions {
  /**
   * Notify this topic when an alarm fires.
   *
   * @default - no action
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Alarm at this many errors in 5 minutes.
   *
   * @default 1
   */
  readonly errorsThreshold?: number;

  /**
   * Alarm at this many throttles in 5 minutes.
   *
   * @default 1
   */
  readonly throttlesThreshold?: number;

  /**
   * Alarm when p99 duration reaches this fraction of the timeout.
   *
   * @default 0.8
   */
  readonly durationTimeoutRatio?: number;

  /**
   * Alarm when a cold start's init phase takes this long.
   *
   * @default Duration.seconds(10)
   */
  readonly initDurationThreshold?: Duration;
}
