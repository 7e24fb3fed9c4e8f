import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3files from 'aws-cdk-lib/aws-s3files';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct, IConstruct } from 'constructs';
import { addComplianceChecks, ComplianceOptions, ComplianceReport, formatFindings, synthWithChecks, VALIDATE_AGAINST_DEFAULT_RULES } from '../scripts/compliance';
import {
  EfsBackedFunction, EfsBackedFunctionProps, InferenceVpc, InferenceVpcProps, IS3FilesFileSystem, S3FilesFileSystem, S3FilesFileSystemProps,
  SharedFileSystem, SharedFileSystemProps,
} from '../src';

/**
 * A fixture built the first time a test asks for it, then shared by the tests of a file that
 * only read it. Each synthesis of a checked app runs the rule packs (cdk-nag, and cfn-guard when
 * asked): a test that needs its own props builds its own stack; tests that read the same
 * template read one. Lazy, so that `jest -t` builds only what the chosen tests use.
 */
export function sharedFixture<T>(build: () => T): () => T {
  let built: { readonly value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}

/**
 * EFS API Reference, RootDirectory: `Path`, as the page gives it. The service rules check every
 * synthesized access point against it (test/service-rules.test.ts), and the construct's own
 * pattern is compared with it character for character (test/private/validation.test.ts).
 */
export const EFS_ROOT_DIRECTORY_PATTERN = '^(\\/|(\\/(?!\\.)+[^$#<>;`|&?{}^*/\\n]+){1,4})$';

/**
 * The jsii assembly (`.jsii`, what Python and Java see) when `npx projen compile` wrote it
 * after the last change under src/; undefined otherwise, and the tests that read it are then
 * reported as skipped, unless REQUIRE_JSII_ASSEMBLY is set: `.ci/run` compiles, then runs those
 * test files with it (test/public-api.test.ts, test/private/function-props.test.ts), so CI never
 * skips them.
 */
export function jsiiAssembly(): any {
  const file = path.join(__dirname, '..', '.jsii');
  const assembly = assemblyIfCurrent(file, path.join(__dirname, '..', 'src'));
  if (!assembly && process.env.REQUIRE_JSII_ASSEMBLY) {
    throw new Error(`REQUIRE_JSII_ASSEMBLY is set but ${file} is missing or older than src/: run \`npx projen compile\` first`);
  }
  return assembly;
}

/** Every file below `dir` (folders named in `skip` left out) whose name ends with one of `endings`, or every file. */
export function filesUnder(dir: string, options: { endings?: string[]; skip?: string[] } = {}): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return options.skip?.includes(entry.name) ? [] : filesUnder(full, options);
    }
    return !options.endings || options.endings.some(ending => entry.name.endsWith(ending)) ? [full] : [];
  });
}

function assemblyIfCurrent(file: string, sourceDir: string): any {
  if (!fs.existsSync(file)) {
    return undefined;
  }
  const newestSource = Math.max(...filesUnder(sourceDir).map(source => fs.statSync(source).mtimeMs));
  return fs.statSync(file).mtimeMs >= newestSource ? JSON.parse(fs.readFileSync(file, 'utf-8')) : undefined;
}

/** An App with its own output directory and the rule packs registered. */
export function checkedApp(options: ComplianceOptions = {}): App {
  const app = new App({
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-lambda-efs-test-')),
    // The built-in CloudFormation validation reports errors, not console warnings. No stack
    // traces in construct metadata: no test reads them, and capturing them shows in profiles.
    context: { [VALIDATE_AGAINST_DEFAULT_RULES]: true, [cxapi.DISABLE_METADATA_STACK_TRACE]: true },
  });
  addComplianceChecks(app, options);
  return app;
}


/**
 * Synthesize the app of `stack` and fail with the findings when any rule finding is left
 * unacknowledged, or acknowledged without a reason.
 */
export function expectCompliant(stack: Stack): ComplianceReport {
  const { report } = synthWithChecks(stack.node.root as App);
  if (report.violations.length > 0) {
    throw new Error(`unacknowledged findings:\n${formatFindings(report.violations)}`);
  }
  for (const finding of report.acknowledged) {
    expect(finding.reason?.length ?? 0).toBeGreaterThan(20);
  }
  return report;
}

/**
 * The newest Python runtime of the installed aws-cdk-lib. cdk-nag's AwsSolutions-L1 reads
 * `Runtime.ALL` the same way, so functions on it pass the rule packs with every aws-cdk-lib
 * the package supports (scripts/test-cdk-floor.sh runs these tests against the oldest).
 */
export const LATEST_PYTHON: lambda.Runtime = lambda.Runtime.ALL
  .filter(runtime => /^python3\.\d+$/.test(runtime.name))
  .reduce((a, b) => (Number(b.name.split('.')[1]) > Number(a.name.split('.')[1]) ? b : a));

/**
 * Whether aws-cdk-lib lists a Python newer than the newest generally available one
 * (python3.14): then the library's own functions, on python3.14, get cdk-nag's AwsSolutions-L1
 * and acknowledge it; at older aws-cdk-lib releases they do not get it.
 */
export const NEWER_PYTHON_THAN_GA_LISTED = LATEST_PYTHON.name !== lambda.Runtime.PYTHON_3_14.name;

/** Inline handler code: the constructs under test do not care what the function runs. */
export const INLINE_CODE = lambda.Code.fromInline('def handler(event, context):\n    return None\n');

/**
 * The template with asset hashes replaced by placeholders, so that a snapshot changes when
 * the resources do, not when handler code changes (asset hashes, the code hash that
 * Lambda's `currentVersion` puts in its logical id, and dependency set ids).
 */
export function stableTemplate(template: object): object {
  return JSON.parse(JSON.stringify(template)
    .replace(/[0-9a-f]{64}(\.zip|\.json)?/g, 'ASSET_HASH$1')
    .replace(/(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}/g, '$1CODE_HASH')
    // A dependency set's id hashes the installer's code too: a snapshot shows where it is used, not its value.
    .replace(/sets\/[0-9a-f]{16}\//g, 'sets/SET_ID/')
    .replace(/"SetId":"[0-9a-f]{16}"/g, '"SetId":"SET_ID"'));
}

/** The NFS ingress rule into the file system's security group from the group whose id matches `source`. */
export function nfsIngressFrom(source: string): object {
  return {
    IpProtocol: 'tcp',
    FromPort: 2049,
    ToPort: 2049,
    GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('SharedSecurityGroup'), 'GroupId'] },
    SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp(source), 'GroupId'] },
  };
}

/** The environment variables of the template's (first) CodeBuild project, by name. */
export function buildEnvironment(template: Template): Record<string, string | object> {
  const project = Object.values(template.findResources('AWS::CodeBuild::Project'))[0];
  const variables: Array<{ Name: string; Value: string }> = project.Properties.Environment.EnvironmentVariables;
  return Object.fromEntries(variables.map(v => [v.Name, v.Value]));
}

/** Every statement of every managed and inline IAM policy, with the roles it is attached to. */
export function policyStatements(template: Template): Array<{ roles: string; statement: Record<string, unknown> }> {
  const policies = [...Object.values(template.findResources('AWS::IAM::ManagedPolicy')), ...Object.values(template.findResources('AWS::IAM::Policy'))];
  return policies.flatMap(policy => policy.Properties.PolicyDocument.Statement.map((statement: Record<string, unknown>) => ({
    roles: JSON.stringify(policy.Properties.Roles),
    statement,
  })));
}

/**
 * The stack every test builds in: environment-agnostic, named `Default` like `new Stack()`
 * unless told, in an App that runs the rule packs, so that every template a test reads has
 * passed them.
 */
export function testStack(id = 'Default', options: ComplianceOptions = {}): Stack {
  return new Stack(checkedApp(options), id);
}

/** The network, file system and access point most tests build on. */
export interface Fixture {
  readonly network: InferenceVpc;
  readonly shared: SharedFileSystem;
  readonly accessPoint: efs.AccessPoint;
}

/**
 * An `InferenceVpc` ('Network'), a `SharedFileSystem` ('Shared') in it and its access point
 * 'Ml' at /ml as 1001:1001: the construct ids every test file and snapshot uses.
 */
export function fixture(scope: Construct, options: { network?: InferenceVpcProps; fileSystem?: Partial<SharedFileSystemProps> } = {}): Fixture {
  const network = new InferenceVpc(scope, 'Network', options.network);
  const shared = new SharedFileSystem(scope, 'Shared', { vpc: network.vpc, ...options.fileSystem });
  const accessPoint = shared.addAccessPoint('Ml', { path: '/ml', uid: '1001', gid: '1001' });
  return { network, shared, accessPoint };
}

/** A user's choice, acknowledged as a user would: test functions are only invoked synchronously. */
export function acknowledgeSynchronousOnly(scope: IConstruct): void {
  Validations.of(scope).acknowledge({
    id: 'NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ',
    reason: 'Invoked only synchronously; a dead-letter queue applies to asynchronous invocations.',
  });
}

/** An alarm topic that itself passes the rule packs: TLS-only publishing, encrypted with the AWS managed key for SNS. */
export function alarmTopic(scope: Construct): sns.Topic {
  return new sns.Topic(scope, 'Pager', {
    enforceSSL: true,
    masterKey: kms.Alias.fromAliasName(scope, 'SnsManagedKey', 'alias/aws/sns'),
  });
}

/** Props of a function on the fixture's access point; `overrides` win. */
export function functionProps(f: Fixture, overrides: Partial<EfsBackedFunctionProps> = {}): EfsBackedFunctionProps {
  return {
    fileSystem: f.shared,
    accessPoint: f.accessPoint,
    mountPath: '/mnt/inference',
    ...FUNCTION_DEFAULTS,
    ...overrides,
  };
}

/** What the test functions run, whichever file system they mount. */
const FUNCTION_DEFAULTS = {
  runtime: LATEST_PYTHON,
  handler: 'index.handler',
  code: INLINE_CODE,
  timeout: Duration.seconds(30),
  reservedConcurrentExecutions: 5,
};

/** An S3 Files file system made outside the app ('Models', `fs-0123456789abcdef0` on the bucket `models-bucket`), in an isolated VPC. */
export function importedS3FilesFileSystem(stack: Stack): IS3FilesFileSystem {
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  return S3FilesFileSystem.fromFileSystemAttributes(stack, 'Models', {
    fileSystemId: 'fs-0123456789abcdef0',
    bucket: s3.Bucket.fromBucketName(stack, 'Bucket', 'models-bucket'),
    securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0123456789abcdef0'),
    vpc,
  });
}

/** An InferenceVpc ('Network'), an S3FilesFileSystem ('Models', `props` win) and its access point 'Ml' at /ml as 1001:1001. */
export function s3FilesFixture(stack: Stack, props: Partial<S3FilesFileSystemProps> = {}) {
  const network = new InferenceVpc(stack, 'Network');
  const models = new S3FilesFileSystem(stack, 'Models', { vpc: network.vpc, ...props });
  const accessPoint = models.addAccessPoint('Ml', { path: '/ml', uid: '1001', gid: '1001' });
  return { network, models, accessPoint };
}

/** Props of a function on an S3 Files access point (the fixture's unless given); `overrides` win. */
export function s3FilesFunctionProps(f: { models: IS3FilesFileSystem; accessPoint: s3files.IAccessPointRef },
  overrides: Partial<EfsBackedFunctionProps> = {}): EfsBackedFunctionProps {
  return {
    s3FilesFileSystem: f.models,
    s3FilesAccessPoint: f.accessPoint,
    mountPath: '/mnt/models',
    ...FUNCTION_DEFAULTS,
    ...overrides,
  };
}

/** A function of the fixture, acknowledged as only synchronously invoked (a user's choice). */
export function newFunction(scope: Construct, id: string, f: Fixture, overrides: Partial<EfsBackedFunctionProps> = {}): EfsBackedFunction {
  const fn = new EfsBackedFunction(scope, id, functionProps(f, overrides));
  acknowledgeSynchronousOnly(fn);
  return fn;
}

/**
 * A test stack with the fixture and a factory for its functions (5 minute timeout, 10 reserved
 * environments unless overridden): the shape the capacity, alarm and dashboard tests share.
 */
export function stackWithFileSystem(fsProps: Partial<SharedFileSystemProps> = {}) {
  const stack = testStack();
  const f = fixture(stack, { fileSystem: fsProps });
  const addFunction = (id: string, props: Partial<EfsBackedFunctionProps> = {}) =>
    newFunction(stack, id, f, { timeout: Duration.minutes(5), reservedConcurrentExecutions: 10, ...props });
  return { stack, shared: f.shared, addFunction };
}

/** A VPC with two isolated subnets in each of its two zones: a selection that puts two mount targets in one zone. */
export function twoIsolatedSubnetsPerZone(scope: Construct): ec2.Vpc {
  return new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [
      { name: 'A', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      { name: 'B', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
}

/** The logical ids a template value references: `Ref`, `Fn::GetAtt`, `${Id}` / `${Id.Attr}` in `Fn::Sub` (not pseudo parameters). */
function referencedIds(value: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(value)) {
    value.forEach(v => referencedIds(v, into));
  } else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') {
        into.add(inner);
      } else if (key === 'Fn::GetAtt') {
        into.add(Array.isArray(inner) ? inner[0] : String(inner).split('.')[0]);
      } else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? inner[0] : inner;
        for (const [, id] of String(text).matchAll(/\$\{([A-Za-z0-9]+)(\.[^}]*)?\}/g)) {
          into.add(id);
        }
        referencedIds(Array.isArray(inner) ? inner[1] : undefined, into);
      } else {
        referencedIds(inner, into);
      }
    }
  }
  return into;
}

/**
 * Every dependency cycle among a template's resources (references and `DependsOn`), each as
 * the list of logical ids around it: CloudFormation rejects such a template.
 */
export function templateCycles(template: { Resources?: Record<string, any> }): string[][] {
  const resources = template.Resources ?? {};
  const edges = new Map<string, string[]>();
  for (const [id, resource] of Object.entries(resources)) {
    const targets = referencedIds({ Properties: resource.Properties, Metadata: undefined }, new Set());
    for (const dependsOn of [resource.DependsOn ?? []].flat()) {
      targets.add(dependsOn);
    }
    edges.set(id, [...targets].filter(target => target in resources).sort());
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string) => {
    state.set(id, 'open');
    stack.push(id);
    for (const next of edges.get(id) ?? []) {
      if (state.get(next) === 'open') {
        cycles.push([...stack.slice(stack.indexOf(next)), next]);
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of [...edges.keys()].sort()) {
    if (!state.has(id)) {
      visit(id);
    }
  }
  return cycles;
}

export function formatCycle(cycle: string[]): string {
  return cycle.join(' -> ');
}

/** What `build` threw; fails the test when it threw nothing. */
export function thrownBy(build: () => unknown): Error & { constructPath?: string } {
  try {
    build();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, but nothing was thrown');
}
