import { RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeServiceEncryptedLogGroup } from './acknowledgments';

/** `howToOptIn` of the log groups of a construct whose `logEncryptionKey` prop gives them a key. */
export const SET_LOG_ENCRYPTION_KEY = 'set logEncryptionKey to encrypt them with a customer-managed key';

/** How the constructs' own log groups are made. */
export interface RetainedLogGroupOptions {
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly retention?: logs.RetentionDays;
  /** @default - CloudWatch Logs' own encryption, acknowledged with `howToOptIn` */
  readonly encryptionKey?: kms.IKey;
  /** Why service encryption is acceptable here, or how to opt in to a key. */
  readonly howToOptIn: string;
}

/**
 * A log group kept after the stack is gone (logs are evidence) for a year by default; when no
 * customer-managed key is given, the encryption findings are acknowledged with the reason.
 *
 * Kept on update and delete, not when its create rolls back: `Retain` would also keep it after
 * a failed first deploy, an orphan for every attempt (CloudFormation User Guide, "DeletionPolicy
 * attribute", `RetainExceptOnCreate`).
 */
export function retainedLogGroup(scope: Construct, id: string, options: RetainedLogGroupOptions): logs.LogGroup {
  const logGroup = new logs.LogGroup(scope, id, {
    retention: options.retention ?? logs.RetentionDays.ONE_YEAR,
    encryptionKey: options.encryptionKey,
    removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
  });
  if (!options.encryptionKey) {
    acknowledgeServiceEncryptedLogGroup(logGroup, options.howToOptIn);
  }
  return logGroup;
}
