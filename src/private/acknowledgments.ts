import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Records that a rule finding on `scope` is inherent to what the construct builds.
 *
 * `ruleId` is the id a validation plugin reports, such as
 * `AwsSolutions::AwsSolutions-IAM5[Resource::*]`. Only findings that no setting of ours
 * can avoid are acknowledged here, each with the reason a reviewer needs; anything that
 * follows from a user's choice is left for the user to acknowledge.
 */
export function acknowledgeFinding(scope: IConstruct, ruleId: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: ruleId, reason });
}

/**
 * A log group that uses CloudWatch Logs' own encryption at rest, not a customer-managed key:
 * the NIST 800-53 R5 rule and the Control Tower guard rule say the same thing. Called only
 * when the user gave no key; `howToOptIn` names the prop that gives one.
 */
export function acknowledgeServiceEncryptedLogGroup(logGroup: IConstruct, howToOptIn: string): void {
  const reason = `No customer-managed key was given, so CloudWatch Logs encrypts this log data at rest with keys it manages; ${howToOptIn}.`;
  acknowledgeFinding(logGroup, 'NIST.800.53.R5::NIST.800.53.R5-CloudWatchLogGroupEncrypted', reason);
  acknowledgeFinding(logGroup, 'cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check', reason);
}

/**
 * Acknowledge the per-finding ids of one rule (cdk-nag reports wildcard findings as
 * `Rule[Finding]`, and acknowledges only exact ids).
 */
export function acknowledgeFindings(scope: IConstruct, ruleId: string, findings: string[], reason: string): void {
  findings.forEach(finding => acknowledgeFinding(scope, `${ruleId}[${finding}]`, reason));
}
