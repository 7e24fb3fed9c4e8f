import { Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { checkedApp } from './helpers';
import { synthWithChecks } from '../scripts/compliance';

/** A queue that breaks rules (no TLS policy, no DLQ): findings to compare. */
function findingsOf(stackName: string, withDeadLetterQueue: boolean) {
  const app = checkedApp();
  const stack = new Stack(app, stackName);
  const queue = new sqs.Queue(stack, 'Queue');
  if (withDeadLetterQueue) {
    new sqs.Queue(stack, 'Dlq').node.addDependency(queue);
  }
  return synthWithChecks(app).report.violations.map(f => `${f.plugin} ${f.rule} ${f.constructPath}`).sort();
}

describe('rule packs run once per distinct set of templates', () => {
  test('the same templates give the same findings, a second synth of them included', () => {
    const first = findingsOf('Same', false);
    expect(first).toContain('AwsSolutions AwsSolutions-SQS3 Same/Queue/Resource');
    expect(findingsOf('Same', false)).toEqual(first);
  });

  test('a change in the templates (another stack name, another resource) is checked anew', () => {
    expect(findingsOf('Other', false)).toContain('AwsSolutions AwsSolutions-SQS3 Other/Queue/Resource');
    expect(findingsOf('Same', true)).toContain('AwsSolutions AwsSolutions-SQS3 Same/Dlq/Resource');
  });
});
