import * as fs from 'fs';
import * as path from 'path';
import { Duration, Size } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3files from 'aws-cdk-lib/aws-s3files';
import { EfsBackedFunctionProps, IS3FilesFileSystem, ISharedFileSystem, SharedFileSystem, StorageAdvisor, SynthWarnings, ThroughputPlan, ThroughputPlanner } from '../src';
import { lambdaFunctionProps, OWN_PROP_NAMES, OwnProps } from '../src/private/function-props';
import { inPython, pythonName } from '../src/private/validation';

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

describe('validation messages name props for both languages', () => {
  test('the Python spelling is jsii\'s snake case of the prop, the rest of the name kept', () => {
    expect(pythonName('mountPath')).toBe('mount_path');
    expect(pythonName('percentIOLimitThreshold')).toBe('percent_io_limit_threshold');
    expect(pythonName('requiredPeakMibPerSecond')).toBe('required_peak_mib_per_second');
    expect(pythonName('secondaryGids[1]')).toBe('secondary_gids[1]');
    expect(pythonName('mountEnvironment.PYTHONPATH')).toBe('mount_environment.PYTHONPATH');
    expect(pythonName('timeout (minutes)')).toBe('timeout (minutes)');
  });

  test('the note lists only the names that differ, and is empty when none does', () => {
    expect(inPython('mountPath')).toBe(' (in Python: mount_path)');
    expect(inPython('provisionedConcurrency', 'vpc', 'reservedConcurrentExecutions'))
      .toBe(' (in Python: provisioned_concurrency, reserved_concurrent_executions)');
    expect(inPython('runtime', 'timeout (minutes)')).toBe('');
  });
});

describe('EfsBackedFunction passes lambda.Function only lambda.FunctionProps', () => {
  const sentinel = <T>(name: string) => ({ sentinel: name }) as unknown as T;
  // Required<OwnProps>: a prop added to EfsBackedFunctionProps must be added here too.
  const own: Required<OwnProps> = {
    fileSystem: sentinel<ISharedFileSystem>('fileSystem'),
    accessPoint: sentinel<efs.IAccessPoint>('accessPoint'),
    s3FilesFileSystem: sentinel<IS3FilesFileSystem>('s3FilesFileSystem'),
    s3FilesAccessPoint: sentinel<s3files.IAccessPointRef>('s3FilesAccessPoint'),
    directS3Read: true,
    mountPath: '/mnt/inference',
    readOnly: true,
    provisionedConcurrency: 1,
    aliasName: 'live',
    mountEnvironment: { PYTHONPATH: 'lib' },
    coldStartLoad: { bytesPerColdStart: Size.gibibytes(1) },
    logGroupRetention: logs.RetentionDays.ONE_WEEK,
    logEncryptionKey: sentinel<kms.IKey>('logEncryptionKey'),
  };
  const functionProps = {
    runtime: lambda.Runtime.PYTHON_3_13,
    handler: 'index.handler',
    code: lambda.Code.fromInline('def handler(event, context): pass'),
    timeout: Duration.minutes(1),
    memorySize: 512,
    reservedConcurrentExecutions: 2,
  };

  test('every own prop, and allowAllOutbound (applied to the function\'s security group), is stripped; the rest is passed as given', () => {
    const props: EfsBackedFunctionProps = { ...functionProps, ...own, allowAllOutbound: false };
    expect(lambdaFunctionProps(props)).toEqual(functionProps);
  });
});

/**
 * The jsii assembly is what Python and Java see. It exists after `npx projen compile`
 * (`npx projen build` compiles before it tests). These tests are reported as skipped when it
 * is missing, or older than a source file (it would describe an earlier API), unless
 * REQUIRE_JSII_ASSEMBLY is set: `.ci/run` compiles, then runs them with it, so CI never skips them.
 */
const ASSEMBLY_FILE = path.join(__dirname, '..', '.jsii');
const assembly = assemblyIfCurrent(ASSEMBLY_FILE, path.join(__dirname, '..', 'src'));
if (!assembly && process.env.REQUIRE_JSII_ASSEMBLY) {
  throw new Error(`REQUIRE_JSII_ASSEMBLY is set but ${ASSEMBLY_FILE} is missing or older than src/: run \`npx projen compile\` first`);
}
const describeAssembly = assembly ? describe : describe.skip;

function assemblyIfCurrent(file: string, sourceDir: string): any {
  if (!fs.existsSync(file)) {
    return undefined;
  }
  const sources = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
    .flatMap(entry => (entry.isDirectory() ? sources(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
  const newestSource = Math.max(...sources(sourceDir).map(source => fs.statSync(source).mtimeMs));
  return fs.statSync(file).mtimeMs >= newestSource ? JSON.parse(fs.readFileSync(file, 'utf-8')) : undefined;
}

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

  test('EfsBackedFunctionProps declares exactly the props OWN_PROP_NAMES strips (the rest it inherits from lambda.FunctionProps)', () => {
    const props = type('EfsBackedFunctionProps');
    expect(props.interfaces).toEqual(['aws-cdk-lib.aws_lambda.FunctionProps']);
    expect(props.properties.map((p: { name: string }) => p.name).sort()).toEqual(Object.keys(OWN_PROP_NAMES).sort());
  });
});
