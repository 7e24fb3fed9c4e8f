/**
 * `npm run synth`: synthesize every example app under examples/ with the CDK CLI, the way a
 * user would (`npx cdk synth` in the example's folder), then print per stack its resource
 * count by type and the findings of the checks the app registers (CDK's built-in
 * CloudFormation validation, cdk-nag, cfn-guard): unacknowledged ones fail the run.
 *
 *   npm run synth                 # every example
 *   npm run synth -- message-wall # only the named ones
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ComplianceReport, formatFindings, readValidationReport } from './compliance';

const EXAMPLES_DIR = path.join(__dirname, '..', 'examples');

interface StackSummary {
  readonly name: string;
  readonly resourceTypes: Map<string, number>;
  /** Synth warnings (`Annotations...addWarningV2`), such as the throughput planner's. */
  readonly warnings: string[];
}

function exampleApps(only: string[]): string[] {
  if (!fs.existsSync(EXAMPLES_DIR)) {
    return [];
  }
  const apps = fs.readdirSync(EXAMPLES_DIR)
    .filter(name => fs.existsSync(path.join(EXAMPLES_DIR, name, 'cdk.json')))
    .sort();
  const unknown = only.filter(name => !apps.includes(name));
  if (unknown.length > 0) {
    throw new Error(`no example app named ${unknown.join(', ')} (examples: ${apps.join(', ') || 'none'})`);
  }
  return only.length > 0 ? apps.filter(name => only.includes(name)) : apps;
}

/** `npx cdk synth` in the app's folder, with a line every 10 s while it runs. */
async function synth(app: string, appDir: string, outdir: string): Promise<{ ok: boolean; output: string }> {
  fs.rmSync(outdir, { recursive: true, force: true });
  const started = Date.now();
  const child = spawn('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--no-version-reporting', '--output', outdir], {
    cwd: appDir,
    // Environment-agnostic synth: no account or region lookups, no telemetry.
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
  });
  let output = '';
  child.stdout.on('data', chunk => { output += chunk; });
  child.stderr.on('data', chunk => { output += chunk; });
  const heartbeat = setInterval(() => console.log(`   ${app}: still synthesizing (${Math.round((Date.now() - started) / 1000)} s)`), 10_000);
  const status = await new Promise<number | null>(resolve => child.on('close', resolve));
  clearInterval(heartbeat);
  return { ok: status === 0, output };
}

function summarizeStacks(outdir: string): StackSummary[] {
  const manifestFile = path.join(outdir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) {
    return [];
  }
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf-8'));
  return Object.entries(manifest.artifacts ?? {})
    .filter(([, artifact]) => (artifact as { type: string }).type === 'aws:cloudformation:stack')
    .map(([name, artifact]) => {
      const stack = artifact as { properties: { templateFile: string }; additionalMetadataFile?: string };
      const template = JSON.parse(fs.readFileSync(path.join(outdir, stack.properties.templateFile), 'utf-8'));
      const resourceTypes = new Map<string, number>();
      for (const resource of Object.values(template.Resources ?? {})) {
        const type = (resource as { Type: string }).Type;
        resourceTypes.set(type, (resourceTypes.get(type) ?? 0) + 1);
      }
      return { name, resourceTypes, warnings: readWarnings(outdir, stack.additionalMetadataFile) };
    });
}

function readWarnings(outdir: string, metadataFile: string | undefined): string[] {
  if (!metadataFile) {
    return [];
  }
  type Entry = { type: string; data: unknown };
  const metadata: Record<string, Entry[]> = JSON.parse(fs.readFileSync(path.join(outdir, metadataFile), 'utf-8'));
  return Object.entries(metadata).flatMap(([constructPath, entries]) => entries
    .filter(entry => entry.type === 'aws:cdk:warning')
    .map(entry => `${constructPath}: ${String(entry.data)}`));
}

function countBy<T>(items: T[], key: (item: T) => string): string {
  const counts = new Map<string, number>();
  items.forEach(item => counts.set(key(item), (counts.get(key(item)) ?? 0) + 1));
  return [...counts.entries()].map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
}

function printSummary(app: string, stacks: StackSummary[], report: ComplianceReport): void {
  console.log(`\n== ${app}`);
  for (const stack of stacks) {
    const total = [...stack.resourceTypes.values()].reduce((a, b) => a + b, 0);
    console.log(`  stack ${stack.name}: ${total} resources`);
    const types = [...stack.resourceTypes.entries()].sort(([a], [b]) => a.localeCompare(b));
    for (const [type, n] of types) {
      console.log(`    ${String(n).padStart(3)}  ${type}`);
    }
  }
  for (const stack of stacks) {
    console.log(`  warnings in ${stack.name}: ${stack.warnings.length}`);
    stack.warnings.forEach(warning => console.log(`    WARNING ${warning}`));
  }
  console.log(`  findings: ${report.violations.length} unacknowledged, ${report.acknowledged.length} acknowledged`);
  console.log(`    acknowledged by plugin: ${countBy(report.acknowledged, f => f.plugin)}`);
  if (report.violations.length > 0) {
    console.log(formatFindings(report.violations).replace(/^/gm, '    UNACKNOWLEDGED '));
  }
}

async function main(): Promise<number> {
  const apps = exampleApps(process.argv.slice(2));
  if (apps.length === 0) {
    console.log('no example apps under examples/ (an app is a folder with a cdk.json)');
    return 0;
  }
  console.log(`npm run synth: ${apps.length} example app(s): ${apps.join(', ')}; each is synthesized by the CDK CLI with its checks `
    + '(CloudFormation validation, cdk-nag, cfn-guard), about 30 s each');
  let failed = 0;
  for (const app of apps) {
    const appDir = path.join(EXAMPLES_DIR, app);
    const outdir = path.join(appDir, 'cdk.out');
    const started = Date.now();
    console.log(`\n-- ${app}: npx cdk synth in examples/${app} ...`);
    const { ok, output } = await synth(app, appDir, outdir);
    console.log(`-- ${app}: synthesized in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const report = readValidationReport(outdir);
    printSummary(app, summarizeStacks(outdir), report);
    if (!ok || report.violations.length > 0) {
      failed++;
      if (report.violations.length === 0) {
        console.log(output.replace(/^/gm, '    | '));
      }
      console.log(`  FAILED: ${app}`);
    }
  }
  console.log(`\n${apps.length - failed} of ${apps.length} example apps synthesized with no unacknowledged finding`);
  return failed > 0 ? 1 : 0;
}

void main().then(code => process.exit(code));
