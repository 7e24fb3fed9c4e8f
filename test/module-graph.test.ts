import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * The module graph of src/ has no cycle, type-only imports included (.dependency-cruiser.cjs):
 * contracts (interfaces and props) live in their own files, and private helpers import those,
 * never the classes that implement them.
 */
const ROOT = path.join(__dirname, '..');

function cruise(dir: string): { status: number | null; output: string } {
  const run = spawnSync('npx', ['depcruise', '--config', path.join(ROOT, '.dependency-cruiser.cjs'), '--ts-config', path.join(ROOT, 'tsconfig.json'),
    '--output-type', 'err', dir], { cwd: ROOT, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

test('src/ has no import cycle', () => {
  const { status, output } = cruise('src');
  expect(output).toMatch(/no dependency violations found/);
  expect(status).toBe(0);
});

test('a type-only import back from a private helper is a cycle the check reports', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'module-graph-'));
  fs.mkdirSync(path.join(dir, 'private'));
  fs.writeFileSync(path.join(dir, 'construct.ts'), "import { helper } from './private/helper';\nexport interface Props { readonly a: string }\nexport const x = helper;\n");
  fs.writeFileSync(path.join(dir, 'private', 'helper.ts'), "import type { Props } from '../construct';\nexport function helper(p: Props): string { return p.a; }\n");
  const { status, output } = cruise(path.relative(ROOT, dir));
  expect(output).toMatch(/no-circular/);
  expect(status).not.toBe(0);
});
