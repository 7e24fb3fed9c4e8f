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
