import { spawnSync } from 'child_process';
import * as path from 'path';

function plan(...args: string[]) {
  const result = spawnSync('npx', ['ts-node', '--transpile-only', '--project', 'tsconfig.dev.json', 'scripts/plan.ts', ...args], {
    cwd: path.join(__dirname, '..'),
    encoding: 'utf-8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('npm run plan prints the reference worked example', () => {
  const { status, stdout } = plan('--stored', '10', '--init', '2', '--per-day', '50', '--provisioned', '10');
  expect(status).toBe(0);
  expect(stdout).toMatch(/^bursting\s+0\.5\s+100\s+41\.2\s+20\s/m);
  expect(stdout).toMatch(/^provisioned\s+10\.0\s+10\.0\s+844\s+421\s/m);
  expect(stdout).toMatch(/^recommended: provisioned \(2 MiB\/s provisioned/m);
}, 60_000);

test('npm run plan rejects bad input with the accepted options', () => {
  const { status, stderr } = plan('--stored', '10', '--gpu', '1');
  expect(status).toBe(2);
  expect(stderr).toMatch(/unknown option '--gpu' \(options: --stored, --init, --per-day, --peak-per-hour, --within, --read, --write, --provisioned\)/);
}, 60_000);
