import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { checkedApp, fixture, LATEST_PYTHON, NEWER_PYTHON_THAN_GA_LISTED, newFunction } from './helpers';
import { ComplianceReport, formatFindings, synthWithChecks } from '../scripts/compliance';
import { EfsDependencyInstaller } from '../src';

/**
 * Every acknowledgment the library makes must stand for a finding that really occurs, on the
 * construct it is attached to (or a resource inside it). A rule pack reports an acknowledged
 * finding as suppressed, so each acknowledgment must match an entry of `report.acknowledged`;
 * one that matches none acknowledges nothing real (a stale rule id, a wrong construct, a
 * finding an option already avoids).
 */

/** The rule packs whose findings the library acknowledges (not aws-cdk-lib's own template checks). */
const RULE_PACKS = ['AwsSolutions', 'NIST.800.53.R5', 'cdk-validator-cfnguard'];

interface Acknowledgment {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** The acknowledgments recorded on `app`'s constructs, as `Validations.acknowledge` stores them. */
function acknowledgmentsOf(app: App): Acknowledgment[] {
  return app.node.findAll().flatMap(construct => construct.node.metadata
    .filter(entry => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap(entry => Object.entries(entry.data as Record<string, string>)
      .map(([id, reason]) => ({ path: construct.node.path, id, reason }))))
    .filter(ack => RULE_PACKS.some(pack => ack.id.startsWith(`${pack}::`)));
}

function findingsFor(report: ComplianceReport, ack: Acknowledgment) {
  return report.acknowledged.filter(finding => `${finding.plugin}::${finding.rule}` === ack.id
    && (finding.constructPath === ack.path || finding.constructPath.startsWith(`${ack.path}/`)));
}

/**
 * A user's key as Control Tower wants it (CT.KMS.PR.3, in the cfn-guard pack), as the README
 * shows it: grants only for AWS services. Without the statement the key's own finding fails the
 * synth these tests read.
 */
function compliantKey(scope: Stack): kms.Key {
  const key = new kms.Key(scope, 'LogKey', { enableKeyRotation: true });
  key.addToResourcePolicy(new iam.PolicyStatement({
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  }));
  return key;
}

/** Every library construct, in the configuration that makes each of its acknowledgments. */
function everyConstruct(options: { keys?: boolean } = {}) {
  const app = checkedApp({ cfnGuard: true });
  const stack = new Stack(app, 'Library');
  const key = options.keys ? compliantKey(stack) : undefined;
  const f = fixture(stack, { network: { flowLogEncryptionKey: key } });
  const fn = newFunction(stack, 'Fn', f, { logEncryptionKey: key });
  const modelAccessPoint = f.shared.addAccessPoint('Deps', { path: '/deps', uid: '1001', gid: '1001' });
  new EfsDependencyInstaller(stack, 'Deps', {
    fileSystem: f.shared,
    accessPoint: modelAccessPoint,
    runtime: LATEST_PYTHON,
    packages: ['Pillow==11.0.0'],
    warmUpCode: 'import PIL',
    logEncryptionKey: key,
  });
  const { report, error } = synthWithChecks(app);
  // The test's own acknowledgment (newFunction: invoked only synchronously) is a user's, not the library's.
  const library = acknowledgmentsOf(app).filter(ack => ack.path !== fn.node.path);
  return { report, library, error };
}

describe('acknowledgments', () => {
  const { report, library } = everyConstruct();

  test('the library makes the acknowledgments this file checks (a new one is added here)', () => {
    expect(library.map(ack => `${ack.path.replace(/^Library\//, '')} ${ack.id}`).sort()).toEqual([
      'Custom::VpcRestrictDefaultSGCustomResourceProvider cdk-validator-cfnguard::lambda_inside_vpc_check',
      'Deps/Dispatcher NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ',
      ...(NEWER_PYTHON_THAN_GA_LISTED ? ['Deps/Dispatcher/Resource AwsSolutions::AwsSolutions-L1'] : []),
      'Deps/Dispatcher/Resource NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency',
      'Deps/DispatcherLogs NIST.800.53.R5::NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'Deps/DispatcherLogs cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check',
      'Deps/DispatcherPolicy AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'Deps/Function/ExecutionPolicy AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'Deps/Function/Function/Resource NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency',
      'Deps/Function/Function/Resource NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ',
      'Deps/Logs NIST.800.53.R5::NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'Deps/Logs cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check',
      'Deps/WarmUp/ExecutionPolicy AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'Deps/WarmUp/Function/Resource NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency',
      'Deps/WarmUp/Function/Resource NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ',
      'Deps/WarmUpLogs NIST.800.53.R5::NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'Deps/WarmUpLogs cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check',
      'Fn/ExecutionPolicy AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'Fn/LogGroup NIST.800.53.R5::NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'Fn/LogGroup cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check',
      'Network/FlowLogGroup NIST.800.53.R5::NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'Network/FlowLogGroup cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check',
      'Network/Vpc/PublicSubnet1/DefaultRoute NIST.800.53.R5::NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
      'Network/Vpc/PublicSubnet2/DefaultRoute NIST.800.53.R5::NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
      'Shared/FileSystem NIST.800.53.R5::NIST.800.53.R5-EFSInBackupPlan',
    ]);
  });

  test.each(library.map(ack => [`${ack.path} ${ack.id}`, ack]))('%s: the acknowledged finding occurs on that construct', (_name, ack) => {
    expect(findingsFor(report, ack as Acknowledgment)).not.toHaveLength(0);
  });

  test('each log-group encryption acknowledgment names the prop that avoids the finding', () => {
    const logGroupAcks = library.filter(ack => /LogGroupEncrypted|log_group_encrypted/.test(ack.id));
    expect(logGroupAcks).not.toHaveLength(0);
    for (const ack of logGroupAcks) {
      expect(ack.reason).toMatch(/^No customer-managed key was given.*(logEncryptionKey|flowLogEncryptionKey)/);
    }
  });

  test('with customer-managed keys given, no log group is acknowledged and none is found unencrypted', () => {
    const withKeys = everyConstruct({ keys: true });
    expect(formatFindings(withKeys.report.violations)).toBe('');
    expect(withKeys.error).toBeUndefined();
    expect(withKeys.library.filter(ack => /LogGroupEncrypted|log_group_encrypted/.test(ack.id))).toEqual([]);
    expect([...withKeys.report.violations, ...withKeys.report.acknowledged]
      .filter(finding => /LogGroupEncrypted|log_group_encrypted/.test(finding.rule))).toEqual([]);
  });

  test('a library acknowledgment is on the resource with the finding, never on a whole construct that holds others', () => {
    for (const ack of library) {
      const findings = findingsFor(report, ack);
      const paths = new Set(findings.map(finding => finding.constructPath));
      // One resource per acknowledgment: the construct itself or its CloudFormation resource.
      expect([...paths].every(p => p === ack.path || p === `${ack.path}/Resource` || p === `${ack.path}/Handler`)).toBe(true);
    }
  });
});
