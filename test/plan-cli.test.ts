import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Size } from 'aws-cdk-lib';
import { stackWithFileSystem } from './helpers';
import { MlInferenceStack } from '../examples/ml-inference/ml-inference-stack';
import { runPlanCli } from '../scripts/plan';
import { SharedFileSystem, ThroughputPlan } from '../src';

/**
 * The CLI run in this process: each spawn of `npm run plan` loads ts-node and aws-cdk-lib
 * again (about 2 s). One test below runs it as a user does, through npm.
 */
function plan(...args: string[]) {
  return runPlanCli(args);
}

/** `npm run plan -- ...args`, as a user runs it. */
function planThroughNpm(...args: string[]) {
  const result = spawnSync('npm', ['run', '--silent', 'plan', '--', ...args], { cwd: path.join(__dirname, '..'), encoding: 'utf-8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The table's last line, `recommended: <mode> (<why>)`. */
function recommendedLine(text: string): string {
  return text.trim().split('\n').filter(line => line.startsWith('recommended: ')).join('\n');
}

function recommendedLineOf(p: ThroughputPlan): string {
  return recommendedLine(p.formatTable());
}

test('npm run plan prints the reference worked example', () => {
  // The 2020 post's rates: a load in the invocation, within Lambda's longest timeout (900 s).
  const { status, stdout } = planThroughNpm('--stored', '10', '--init', '2', '--per-day', '50', '--provisioned', '10', '--load', 'invocation');
  expect(status).toBe(0);
  expect(stdout).toMatch(/^bursting\s+0\.5\s+100\s+41\.2\s+20\s/m);
  expect(stdout).toMatch(/^provisioned\s+10\.0\s+10\.0\s+844\s+421\s/m);
  // 2048 MiB within 900 s needs 2.28 MiB/s, more than the day's 1.19: 3 MiB/s, (3 - 0.49) x 6 = 15.1 USD.
  expect(stdout).toMatch(/^recommended: provisioned \(3 MiB\/s provisioned costs about 15\.1 USD/m);
}, 60_000);

describe('the README example, `npm run plan -- --stored 10 --init 2 --per-day 50`', () => {
  const cli = plan('--stored', '10', '--init', '2', '--per-day', '50');

  test('no longer recommends 2 MiB/s provisioned (a 1024 s cold start): 2 GiB at init must load within 10 s, so Elastic', () => {
    expect(cli.status).toBe(0);
    // 2048 MiB / 10 s = 204.8 MiB/s: Provisioned would need 205 MiB/s, (205 - 0.49) x 6 = 1227 USD a month;
    // Elastic bills 100 GiB a day x 30 x 0.03 = 90 USD and loads a cold start in 2048 / 500 = 4.1 s.
    expect(cli.stdout).toMatch(/^budget: a cold start of 2\.0 GiB within Lambda's 10 s init limit for on-demand environments needs 205 MiB\/s from one client$/m);
    expect(recommendedLine(cli.stdout)).toBe('recommended: elastic (Elastic bills what is read and written, about 90.0 USD a month, '
      + 'less than 205 MiB/s provisioned (1227 USD); a cold start loads in 4.1 s, within Lambda\'s 10 s init limit for on-demand environments)');
    expect(cli.stdout).toMatch(/^bursting\s+0\.5\s+100\s+41\.2\s+20\s+20\.5\s+2048\s+NO\s+NO\s/m);
  });

  test('gives the same recommendation as the synth checks for the same load (the README\'s construct example)', () => {
    const { shared, addFunction } = stackWithFileSystem({ expectedLoad: { storedData: Size.gibibytes(10) } });
    const classifier = addFunction('Classifier', {
      timeout: Duration.minutes(5),
      reservedConcurrentExecutions: 10,
      coldStartLoad: { bytesPerColdStart: Size.gibibytes(2), coldStartsPerDay: 50 },
    });
    // Behind an HTTP API, as the README declares it: 30 s is looser than the 10 s init limit, the budget stays 10 s.
    classifier.declareCallerTimeout(Duration.seconds(30));
    expect(recommendedLineOf(shared.throughputPlan()!)).toBe(recommendedLine(cli.stdout));
    expect(shared.throughputPlan()!.formatTable()).toBe(cli.stdout.trim());
  });
});

test('the MLInference example: the CLI with the stack\'s figures and the stack\'s own plan agree, Elastic within the API\'s 30 s', () => {
  const cli = plan('--stored', '1.7', '--init', '1.7', '--per-day', '24', '--peak-per-hour', '10', '--timeout', '300',
    '--caller-timeout', '30', '--load', 'invocation', '--provisioned-concurrency', '1', '--reserved', '5');
  expect(cli.status).toBe(0);
  const stack = new MlInferenceStack(new App(), 'MLInference');
  const stackPlan = (stack.node.findChild('Shared') as SharedFileSystem).throughputPlan()!;
  expect(stackPlan.formatTable()).toBe(cli.stdout.trim());
  // min(300 s timeout, 30 s API) = 30 s: 1740.8 MiB / 30 s = 58.0 MiB/s from one client, 59 provisioned
  // for (59 - 0.08) x 6 = 354 USD; Elastic: 40.8 GiB a day x 30 x 0.03 = 36.7 USD, 1740.8 / 500 = 3.5 s.
  expect(cli.stdout).toMatch(/^budget: a cold start of 1\.7 GiB within the caller's 30 s timeout needs 58\.0 MiB\/s from one client$/m);
  expect(recommendedLine(cli.stdout)).toBe('recommended: elastic (Elastic bills what is read and written, about 36.7 USD a month, '
    + 'less than 59 MiB/s provisioned (354 USD); a cold start loads in 3.5 s, within the caller\'s 30 s timeout)');
}, 60_000);

test('npm run plan without --stored plans on what one cold start reads, as synth does without expectedLoad', () => {
  const cli = plan('--init', '2', '--per-day', '50');
  expect(cli.status).toBe(0);
  const { shared, addFunction } = stackWithFileSystem();
  addFunction('Classifier', { timeout: Duration.minutes(15), coldStartLoad: { bytesPerColdStart: Size.gibibytes(2), coldStartsPerDay: 50 } });
  expect(shared.throughputPlan()!.formatTable()).toBe(cli.stdout.trim());
  // 2 GiB stored earns 2 x 50 KiB/s = 100 KiB/s, 8.2 GiB a day.
  expect(cli.stdout).toMatch(/^bursting\s+0\.1\s+100\s+8\.2\s+4\s/m);
}, 60_000);

test('npm run plan rejects bad input with the accepted options', () => {
  const { status, stderr } = plan('--stored', '10', '--gpu', '1');
  expect(status).toBe(2);
  expect(stderr).toMatch(/unknown option '--gpu' \(options: --stored, --init, --per-day, --peak-per-hour, --timeout, --caller-timeout, --provisioned-concurrency, --reserved, --read, --write, --provisioned, --load\)/);
  expect(plan('--stored', '10', '--init', '2', '--load', 'later').stderr).toMatch(/--load needs one of init, invocation \(got 'later'\)/);
  expect(plan('--init', '2', '--read', '3').stderr).toMatch(/--read and --write are part of the declared load: give --stored with them/);
}, 60_000);

test('the plan tables of docs/throughput-and-cost.md are what npm run plan prints for the commands it gives', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'docs', 'throughput-and-cost.md'), 'utf-8');
  const commands = [...readme.matchAll(/`npm run plan -- ([^`]+)`/g)].map(m => m[1]);
  expect(commands).toEqual(expect.arrayContaining(['--stored 10 --init 2 --per-day 50', '--stored 0.01']));
  expect(commands.length).toBeGreaterThanOrEqual(3);
  for (const command of commands) {
    const { status, stdout } = plan(...command.split(/\s+/));
    expect(status).toBe(0);
    expect(readme).toContain('```text\n' + stdout.trim() + '\n```');
  }
}, 120_000);
