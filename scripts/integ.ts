/**
 * The integration tests under integ/ (`integ.*.ts`, written with @aws-cdk/integ-tests-alpha in
 * the aws-cdk convention, snapshots in `integ.*.ts.snapshot/`).
 *
 *   integ.ts snapshot   synthesize each test app and compare its templates with the committed
 *                       snapshot, offline (part of `npm test`)
 *   integ.ts update     rewrite the snapshots from what the apps synthesize now, offline
 *   integ.ts deploy [FILE...]
 *                       with AWS credentials: deploy each test (its stack and its assertion
 *                       stack), fail unless every assertion succeeded, then destroy both
 *                       (`--no-clean` keeps them)
 *
 * Why not integ-runner itself: the newest @aws-cdk/integ-runner (2.197.10) reads cloud
 * assemblies up to schema 53, and aws-cdk-lib 2.276 writes schema 55, so it stops with
 * "Cloud assembly schema version mismatch" before comparing anything. This script does what
 * its snapshot check and its deploy step do, on the same files; once an integ-runner that
 * reads schema 55 is released, `npx integ-runner --directory integ --language typescript`
 * runs the same tests and snapshots.
 *
 * As in integ-runner, asset hashes are not compared (they change whenever handler code does);
 * nor are the other ids derived from code: a Lambda version's logical id and a dependency
 * set's id (the same rules as the jest snapshots' `stableTemplate`), nor the assertions' `salt`
 * (the synth time).
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const INTEG_DIR = path.join(ROOT, 'integ');
/** How integ-runner's `typescript` preset runs a test app, without type-checking (tsc does that in `npm test`). */
const APP = ['-r', 'ts-node/register/transpile-only'];
/** The files of a synthesized assembly that a snapshot keeps (not the asset directories). */
const KEPT = /^(manifest\.json|integ\.json|cdk\.out|.*\.template\.json|.*\.assets\.json)$/;

function testFiles(): string[] {
  return fs.readdirSync(INTEG_DIR).filter(f => /^integ\..*(?<!\.d)\.ts$/.test(f)).sort();
}

function snapshotDir(file: string): string {
  return path.join(INTEG_DIR, `${file}.snapshot`);
}

/** Synthesizes the test app `file` into a new temporary directory. */
function synth(file: string): Promise<string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...APP, path.join(INTEG_DIR, file)], {
      cwd: ROOT,
      // Without aws-cdk-lib's built-in CloudFormation validation, which takes most of a synth
      // and does not change the templates (the example tests and `cdk deploy` run it).
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_VALIDATION: 'false', TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.dev.json') },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', code => (code === 0 ? resolve(outdir) : reject(new Error(`${file}: the app exited with ${code}`))));
  });
}

/** The template as compared: ids and hashes derived from code or asset contents replaced. */
function canonical(templateFile: string): unknown {
  return JSON.parse(fs.readFileSync(templateFile, 'utf8')
    .replace(/[0-9a-f]{64}/g, 'ASSET_HASH')
    .replace(/(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}/g, '$1CODE_HASH')
    .replace(/sets\/[0-9a-f]{16}\//g, 'sets/SET_ID/')
    .replace(/"SetId":\s*"[0-9a-f]{16}"/g, '"SetId":"SET_ID"')
    // integ-tests-alpha salts each assertion with the synth time, so that every deploy runs it again.
    .replace(/"salt":\s*"\d+"/g, '"salt":"SALT"'));
}

/** Where `a` and `b` differ, as JSON paths (at most `limit`). */
function differences(a: unknown, b: unknown, at = '', limit = 20, found: string[] = []): string[] {
  if (found.length >= limit || JSON.stringify(a) === JSON.stringify(b)) {
    return found;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${at}/${key}`, limit, found);
    }
    return found;
  }
  found.push(`${at || '/'}: snapshot ${JSON.stringify(a)?.slice(0, 120)}, now ${JSON.stringify(b)?.slice(0, 120)}`);
  return found;
}

/** The problems of one test's snapshot against `outdir`, empty when it matches. */
function compare(file: string, outdir: string): string[] {
  const snapshot = snapshotDir(file);
  if (!fs.existsSync(snapshot)) {
    return [`no snapshot (${path.relative(ROOT, snapshot)}): run 'npx projen integ:update'`];
  }
  const templates = (dir: string) => fs.readdirSync(dir).filter(f => f.endsWith('.template.json')).sort();
  const problems: string[] = [];
  const expected = templates(snapshot);
  const actual = templates(outdir);
  expected.filter(t => !actual.includes(t)).forEach(t => problems.push(`${t} is in the snapshot, but the app no longer makes it`));
  actual.filter(t => !expected.includes(t)).forEach(t => problems.push(`${t} is made by the app, but not in the snapshot`));
  for (const template of actual.filter(t => expected.includes(t))) {
    differences(canonical(path.join(snapshot, template)), canonical(path.join(outdir, template)))
      .forEach(d => problems.push(`${template}${d}`));
  }
  const testCases = (dir: string) => JSON.stringify(JSON.parse(fs.readFileSync(path.join(dir, 'integ.json'), 'utf8')).testCases);
  if (testCases(snapshot) !== testCases(outdir)) {
    problems.push('integ.json: the test cases changed');
  }
  return problems;
}

async function snapshotCheck(): Promise<void> {
  const files = testFiles();
  // Side by side: each app is a separate process, and most of its time is startup.
  const outdirs = await Promise.all(files.map(synth));
  let failed = 0;
  files.forEach((file, i) => {
    const problems = compare(file, outdirs[i]);
    fs.rmSync(outdirs[i], { recursive: true, force: true });
    if (problems.length === 0) {
      console.log(`  UNCHANGED  ${file}`);
      return;
    }
    failed++;
    console.log(`  CHANGED    ${file}\n${problems.map(p => `      ${p}`).join('\n')}`);
  });
  if (failed > 0) {
    console.error(`\n${failed} of ${files.length} integration test snapshots changed. If the change is meant, run 'npx projen integ:update', `
      + 'review the diff of integ/*.snapshot and commit it; deploy it with an AWS account (npx projen integ:deploy) when you can.');
    process.exit(1);
  }
  console.log(`${files.length} integration test snapshots unchanged`);
}

async function update(): Promise<void> {
  const files = testFiles();
  const outdirs = await Promise.all(files.map(synth));
  files.forEach((file, i) => {
    const snapshot = snapshotDir(file);
    fs.rmSync(snapshot, { recursive: true, force: true });
    fs.mkdirSync(snapshot);
    for (const entry of fs.readdirSync(outdirs[i]).filter(f => KEPT.test(f))) {
      fs.copyFileSync(path.join(outdirs[i], entry), path.join(snapshot, entry));
    }
    fs.rmSync(outdirs[i], { recursive: true, force: true });
    console.log(`  UPDATED    ${path.relative(ROOT, snapshot)}`);
  });
}

function deploy(args: string[]): void {
  const clean = !args.includes('--no-clean');
  const files = args.filter(a => !a.startsWith('--'));
  for (const file of files.length > 0 ? files.map(f => path.basename(f)) : testFiles()) {
    const app = `"${process.execPath}" ${APP.join(' ')} "${path.join(INTEG_DIR, file)}"`;
    const outputs = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'integ-')), 'outputs.json');
    const cdk = (...cdkArgs: string[]) => execFileSync('npx', ['cdk', ...cdkArgs, '--app', app], { cwd: ROOT, stdio: 'inherit' });
    console.log(`== ${file}: deploy`);
    try {
      cdk('deploy', '--all', '--require-approval', 'never', '--outputs-file', outputs);
      const results = Object.values(JSON.parse(fs.readFileSync(outputs, 'utf8')) as Record<string, Record<string, string>>)
        .flatMap(stackOutputs => Object.entries(stackOutputs).filter(([name]) => name.startsWith('AssertionResults')));
      const failures = results.filter(([, value]) => JSON.parse(value).status !== 'success');
      failures.forEach(([name, value]) => console.error(`  FAILED  ${name}: ${value}`));
      if (results.length === 0 || failures.length > 0) {
        throw new Error(`${file}: ${failures.length} of ${results.length} assertions failed`);
      }
      console.log(`  PASSED  ${file}: ${results.length} assertions`);
    } finally {
      if (clean) {
        console.log(`== ${file}: destroy`);
        cdk('destroy', '--all', '--force');
      }
    }
  }
}

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, () => void | Promise<void>> = { snapshot: snapshotCheck, update, deploy: () => deploy(rest) };
if (!command || !commands[command]) {
  console.error('usage: integ.ts snapshot | update | deploy [integ.FILE.ts...] [--no-clean]');
  process.exit(2);
}
Promise.resolve(commands[command]()).catch(error => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
