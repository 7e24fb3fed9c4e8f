/**
 * Integration test: deploys the MessageWall example and replays the reference deployment's
 * published transcript over HTTP at the reference URL (`https://<api>/default/MessageWall`),
 * then checks that a role the stack did not grant cannot mount its file system.
 *
 * Offline, `npx projen integ:snapshot` (part of `npm test`) compares what this app synthesizes
 * with the committed snapshot (integ.message-wall.ts.snapshot/). With an AWS account,
 * `npx projen integ:deploy` deploys it, runs the assertions and destroys it (see README).
 */
import { ExpectedResult, IApiCall, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, RemovalPolicies } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import { MessageWallStack } from '../examples/message-wall/message-wall-stack';
import { SharedFileSystem } from '../src';
import { boundAssertionWaits } from './assertion-timeouts';
import { assertUngrantedRoleCannotMount } from './perimeter-probe';

/**
 * The reference transcript: each request and the whole answer it gets. The wall is new, as in
 * the reference; a POST answers the whole wall, one line per message.
 */
export const TRANSCRIPT: ReadonlyArray<{ method: string; body?: string; answer: string }> = [
  { method: 'GET', answer: 'No message yet.' },
  { method: 'POST', body: 'Hello from EFS!', answer: 'Hello from EFS!\n' },
  { method: 'POST', body: 'Hello again :)', answer: 'Hello from EFS!\nHello again :)\n' },
  { method: 'GET', answer: 'Hello from EFS!\nHello again :)\n' },
  { method: 'DELETE', answer: 'Messages deleted.' },
  { method: 'GET', answer: 'No message yet.' },
];

const app = new App();
const stack = new MessageWallStack(app, 'cdk-lambda-efs-integ-message-wall');
// The example keeps its file system and log groups when the stack is deleted (they hold data);
// a test leaves nothing behind.
RemovalPolicies.of(stack).destroy();

const integ = new IntegTest(app, 'MessageWall', {
  testCases: [stack],
  // Deploy this version only: the update workflow would first deploy the committed snapshot.
  stackUpdateWorkflow: false,
});
// No assertion can keep CloudFormation waiting for an hour.
boundAssertionWaits(app);

const url = `${stack.api.apiEndpoint}/default/MessageWall`;
let previous: IApiCall | undefined;
for (const step of TRANSCRIPT) {
  const call = integ.assertions.httpApiCall(url, { method: step.method, body: step.body });
  call.expect(ExpectedResult.objectLike({ status: 200, body: step.answer }));
  // One request after the other, in the transcript's order.
  previous?.next(call);
  previous = call;
}

// The perimeter keeps out a same-account role that the stack did not grant (an assumption
// no offline test can settle: docs/assumptions.md).
const shared = stack.node.findChild('Shared') as SharedFileSystem;
assertUngrantedRoleCannotMount(integ, stack, shared, shared.fileSystem.node.findChild('Messages') as efs.IAccessPoint);
