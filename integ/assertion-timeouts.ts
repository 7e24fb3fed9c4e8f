/**
 * The assertion stack's custom resources (from @aws-cdk/integ-tests-alpha) with a
 * `ServiceTimeout`: without one, CloudFormation waits up to an hour for an answer that a
 * failed handler never sends (CloudFormation User Guide, `AWS::CloudFormation::CustomResource`,
 * ServiceTimeout: 1 to 3600 seconds), and the same wait comes again on rollback.
 *
 * 900 s: the assertion provider's handler stops at 120 s; the longest wait for assertions in
 * these tests (integ.ml-inference) is 10 minutes, and a few minutes more are left for its last try.
 */
import { Aspects, CfnResource, IAspect } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

const ASSERTION_SERVICE_TIMEOUT_SECONDS = 900;

class BoundedAssertionWaits implements IAspect {
  public visit(node: IConstruct): void {
    if (node instanceof CfnResource && node.cfnResourceType.startsWith('Custom::DeployAssert@')) {
      node.addPropertyOverride('ServiceTimeout', String(ASSERTION_SERVICE_TIMEOUT_SECONDS));
    }
  }
}

/** Give every integ-tests-alpha assertion under `scope` a ServiceTimeout. */
export function boundAssertionWaits(scope: IConstruct): void {
  Aspects.of(scope).add(new BoundedAssertionWaits());
}
