import * as fs from 'fs';
import * as path from 'path';
import { jsiiAssembly } from './helpers';
import { SharedFileSystem, StorageAdvisor, SynthWarnings, ThroughputPlan, ThroughputPlanner } from '../src';

describe('the layout: public files on top of src/, internals in src/private/', () => {
  const srcDir = path.join(__dirname, '..', 'src');
  const indexText = fs.readFileSync(path.join(srcDir, 'index.ts'), 'utf8');
  const exported = [...indexText.matchAll(/^export \* from '\.\/([^']+)';$/gm)].map(m => m[1]).sort();
  const topLevel = fs.readdirSync(srcDir).filter(f => f.endsWith('.ts') && f !== 'index.ts').map(f => f.replace(/\.ts$/, '')).sort();

  test('index.ts re-exports every top-level file and nothing else (no private module, no other statement)', () => {
    expect(exported).toEqual(topLevel);
    const statements = indexText.split('\n').filter(line => line.trim() !== '' && !line.startsWith('//'));
    expect(statements).toHaveLength(exported.length);
  });

  test('each public file that holds a class has its own test file', () => {
    const withClass = topLevel.filter(name => /^export (abstract )?class /m.test(fs.readFileSync(path.join(srcDir, `${name}.ts`), 'utf8')));
    expect(withClass).toContain('shared-file-system');
    const missing = withClass.filter(name => !fs.existsSync(path.join(__dirname, `${name}.test.ts`)));
    expect(missing).toEqual([]);
  });

  test('only test/private/ imports src/private/, and each of its files is named after the private module it tests', () => {
    const testFiles = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => (entry.isDirectory()
      ? (entry.name === '__snapshots__' ? [] : testFiles(path.join(dir, entry.name)))
      : entry.name.endsWith('.ts') ? [path.relative(__dirname, path.join(dir, entry.name))] : []));
    const files = testFiles(__dirname);
    expect(files).toContain(path.join('private', 'validation.test.ts'));
    const importsPrivate = files.filter(file => /from '(\.\.\/)+src\/private\//.test(fs.readFileSync(path.join(__dirname, file), 'utf8')));
    expect(importsPrivate.filter(file => path.dirname(file) !== 'private')).toEqual([]);
    const privateModules = fs.readdirSync(path.join(srcDir, 'private')).map(f => f.replace(/\.ts$/, ''));
    expect(files.filter(file => path.dirname(file) === 'private').map(file => path.basename(file, '.test.ts'))
      .filter(name => !privateModules.includes(name))).toEqual([]);
  });
});

describe('public constants', () => {
  test('EFS figures are constants of SharedFileSystem', () => {
    expect(SharedFileSystem.NFS_PORT).toBe(2049);
    expect(SharedFileSystem.MAX_CLIENT_CONNECTIONS).toBe(25_000);
  });
});

/**
 * Static-only classes and ThroughputPlan have private constructors. A type-level check, and
 * only that: `tsc -p tsconfig.dev.json` (the type-check of `npm test`) fails when one of these
 * constructors compiles, as its `@ts-expect-error` is then unused. Never called (TypeScript allows
 * a private constructor at run time); exported only so that the compiler does not report it
 * unused. Python and Java: the jsii assembly tests below.
 */
export function privateConstructors(): unknown[] {
  return [
    // @ts-expect-error the constructor is private
    new ThroughputPlanner(),
    // @ts-expect-error the constructor is private
    new SynthWarnings(),
    // @ts-expect-error the constructor is private
    new ThroughputPlan(),
    // @ts-expect-error the constructor is private
    new StorageAdvisor(),
  ];
}

/**
 * The jsii assembly is what Python and Java see. It exists after `npx projen compile`
 * (`npx projen build` compiles before it tests). These tests are reported as skipped when it
 * is missing, or older than a source file (it would describe an earlier API), unless
 * REQUIRE_JSII_ASSEMBLY is set (`jsiiAssembly` in test/helpers.ts).
 */
const assembly = jsiiAssembly();
const describeAssembly = assembly ? describe : describe.skip;

describeAssembly('the jsii assembly (.jsii, when `npx projen compile` wrote it after the last source change)', () => {
  const type = (name: string) => assembly.types[`cdk-lambda-efs.${name}`];
  const member = (typeName: string, kind: 'methods' | 'properties', name: string) =>
    (type(typeName)[kind] ?? []).find((m: { name: string }) => m.name === name);

  test.each(['ThroughputPlanner', 'SynthWarnings', 'ThroughputPlan', 'StorageAdvisor'])('%s has no initializer: Python and Java cannot construct it', name => {
    expect(type(name).kind).toBe('class');
    expect(type(name)).not.toHaveProperty('initializer');
  });

  test('ThroughputPlanner.plan returns a ThroughputPlan, whose methods take no plan argument', () => {
    expect(member('ThroughputPlanner', 'methods', 'plan').returns.type).toEqual({ fqn: 'cdk-lambda-efs.ThroughputPlan' });
    expect(member('ThroughputPlan', 'methods', 'formatTable').parameters).toBeUndefined();
    expect(member('ThroughputPlan', 'methods', 'assessmentOf').parameters.map((p: { name: string }) => p.name)).toEqual(['mode']);
    expect(member('ThroughputPlan', 'methods', 'isOversized').parameters.map((p: { name: string }) => p.name)).toEqual(['provisioned']);
    expect(member('ThroughputPlan', 'methods', 'worstCaseLoadTime').parameters.map((p: { name: string }) => p.name)).toEqual(['mode', 'bytes']);
  });

  test('every synth-warning id and the EFS figures are documented constants', () => {
    const ids = type('SynthWarnings').properties;
    expect(ids.map((p: { name: string }) => p.name).sort()).toEqual(Object.keys(SynthWarnings).sort());
    for (const id of ids) {
      expect(id).toMatchObject({ static: true, const: true, immutable: true });
      expect(id.docs?.summary?.length ?? 0).toBeGreaterThan(20);
      expect(id.docs?.remarks ?? id.docs?.summary).toMatch(/Validations\.of\(scope\)\.acknowledge/);
    }
    expect(member('SharedFileSystem', 'properties', 'NFS_PORT')).toMatchObject({ static: true, const: true });
    expect(member('SharedFileSystem', 'properties', 'MAX_CLIENT_CONNECTIONS')).toMatchObject({ static: true, const: true });
  });

  test('no public name spells KiB, MiB or GiB (jsii would make required_peak_mi_bps of them in Python)', () => {
    const names: string[] = Object.values(assembly.types).flatMap((t: any) => [
      ...(t.properties ?? []).map((p: { name: string }) => `${t.name}.${p.name}`),
      ...(t.methods ?? []).map((m: { name: string }) => `${t.name}.${m.name}`),
    ]);
    expect(names.length).toBeGreaterThan(50);
    expect(names.filter(name => /[KMG]iB/.test(name))).toEqual([]);
  });
});
