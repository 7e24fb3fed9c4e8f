import { awscdk, javascript } from 'projen';

/**
 * The oldest aws-cdk-lib this library accepts as a peer, tested by scripts/test-cdk-floor.sh
 * in CI (the construct tests, against exactly this version).
 *
 * The constructs record, with `Validations.of(scope).acknowledge()`, the few rule findings
 * that are inherent to Lambda-in-a-VPC (ENI permissions IAM only grants on `*`), and users
 * acknowledge our synth warnings by their `SynthWarnings` ids the same way. Three releases
 * decide the floor:
 * - before 2.269.0, `acknowledge()` throws `InvalidValidationId` on a finding-specific id
 *   such as `AwsSolutions::AwsSolutions-IAM5[Resource::*]` (the `::` inside the brackets),
 *   so `new EfsBackedFunction` crashed;
 * - 2.269.0 accepts those ids, but there `acknowledge()` does not reach warnings added with
 *   `addWarningV2` (it acknowledges only `annotation::<id>`), so the documented way to accept
 *   a `SynthWarnings` warning does nothing; 2.270.0 acknowledges both;
 * - 2.270.0 looks for an acknowledgment on the parents of the construct that reports a warning,
 *   not on that construct itself, so a warning of an `EfsBackedFunction` (reported at synth, on
 *   the function) cannot be acknowledged on the function, as SynthWarnings says to; 2.271.0 looks
 *   there too.
 *
 * We raise the floor rather than feature-detect: on older releases the acknowledgment cannot
 * be expressed at all (users hit the same id check), so a fallback would leave every cdk-nag
 * user with a finding nobody can acknowledge, and an accepted warning that will not go away.
 * Moving to 2.271.0 is a minor upgrade within aws-cdk-lib v2 (no breaking changes), which
 * npm's peer check asks for at install time instead of a crash at synth.
 */
const CDK_PEER_FLOOR = '2.271.0';

/**
 * The aws-cdk-lib the library is developed and tested against: the current release,
 * so that its built-in CloudFormation schema validation and cdk-nag v3 run in the tests.
 */
const CDK_DEV_VERSION = '2.276.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-lambda-efs',
  description: 'AWS CDK constructs for Lambda functions on a shared Amazon EFS file system: VPC, EFS, access points, least-privilege IAM and deploy ordering done right.',
  author: 'cdk-lambda-efs maintainers',
  authorAddress: 'maintainers@cdk-lambda-efs.dev',
  repositoryUrl: 'https://github.com/cdk-lambda-efs/cdk-lambda-efs.git',
  keywords: ['cdk', 'aws-cdk', 'lambda', 'efs', 'elastic-file-system', 'vpc', 'serverless', 'machine-learning'],
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  // What CI tests: `npm test` on the machine's Node.js 20, and the jest suite again on 22 and 24
  // (.ci/run, with Node.js from the npm registry). Node 20 left maintenance on 2026-04-30.
  minNodeVersion: '20.0.0',
  maxNodeVersion: '24',

  cdkVersion: CDK_PEER_FLOOR,
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  // The dev dependencies below choose what we build and test with; do not pin them to the floor.
  peerDependencyOptions: { pinnedDevDependency: false },

  // jsii targets. Publishing needs PyPI / Maven Central credentials in the release workflow.
  publishToPypi: {
    distName: 'cdk-lambda-efs',
    module: 'cdk_lambda_efs',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdklambdaefs',
    mavenGroupId: 'io.github.cdklambdaefs',
    mavenArtifactId: 'cdk-lambda-efs',
  },

  // One dev tsconfig at the top level that also type-checks the example apps and benches.
  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    include: ['.projenrc.ts', 'examples/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'integ/**/*.ts'],
    // ts-jest then transpiles each file on its own instead of type-checking every test file again
    // in each jest worker (that took most of the test time); the test task type-checks
    // everything once with tsc instead (see below).
    compilerOptions: { isolatedModules: true },
  },
  eslintOptions: {
    // `npm test` and `npx projen eslint` only check; `npm run lint:fix` rewrites files.
    commandOptions: { fix: false },
    // One typed-lint project for everything: the top-level dev tsconfig includes it all.
    tsconfigPath: './tsconfig.dev.json',
    projectService: false,
    dirs: ['src'],
    devdirs: ['test', 'examples', 'bench', 'scripts', 'integ', 'projenrc', '.projenrc.ts'],
  },


  // Snapshots are part of the reviewed contract: the test command never rewrites them.
  // Run `npx projen test:update` to update them on purpose.
  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      // Coverage doubles the time of every synth (V8 keeps exact counts): `npm run test:coverage` has it.
      collectCoverage: false,
      testPathIgnorePatterns: ['/node_modules/', '/cdk.out/'],
      modulePathIgnorePatterns: ['/cdk.out/'],
    },
  },

  devDeps: [
    `aws-cdk-lib@${CDK_DEV_VERSION}`,
    'constructs@^10.5.1',
    'aws-cdk@^2.1148.1',
    'cdk-nag@^3.0.2',
    '@cdklabs/cdk-validator-cfnguard@^0.0.62',
    // A real IAM policy evaluator: the perimeter tests evaluate the synthesized policies with it.
    '@cloud-copilot/iam-simulate@^0.1.173',
    // Integration tests in the aws-cdk convention (integ/): snapshots checked offline in `npm test`.
    '@aws-cdk/integ-runner@^2.197.10',
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    // The module graph of src/: test/module-graph.test.ts keeps it free of cycles.
    'dependency-cruiser@^17.4.3',
  ],

  sampleCode: false,
  gitignore: ['/.tools', '/node_modules', 'cdk.out/', '.cdk.staging/', '__pycache__/', '*.pyc', '/.jsii-pacmak/', '/dist-pacmak/', '/.message-wall/', '/.jsii.tabl.json', '*.tabl.json'],
  // The package holds the library, its assets and API docs: test/package-contents.test.ts lists it.
  npmIgnoreOptions: {
    ignorePatterns: ['/examples/', '/bench/', '/scripts/', '/integ/', '/.ci/', 'cdk.out/', '/rosetta/', '/assets/**/test_*.py', '__pycache__/',
      '/.message-wall/', '/.tools/', '/dist-pacmak/', '/.jsii-pacmak/', '*.tabl.json', '/.dependency-cruiser.cjs', '/CONTRIBUTING.md', '/bindings-tests/'],
  },
});

// The README's complete example registers the rule packs: rosetta compiles it with them.
project.package.addField('jsiiRosetta', {
  exampleDependencies: { 'cdk-nag': '^3.0.2', '@cdklabs/cdk-validator-cfnguard': '^0.0.62' },
});

// README code blocks must compile: extract them with jsii-rosetta in strict mode after compile.
project.postCompileTask.exec('jsii-rosetta extract --strict --compile');

project.addTask('architecture', {
  description: 'Redraw the architecture picture in each example\'s README from what the app synthesizes (`-- check` only compares)',
  exec: 'ts-node --transpile-only --project tsconfig.dev.json scripts/architecture.ts',
  receiveArgs: true,
});

project.addTask('lint:fix', {
  description: 'Run eslint and let it rewrite what it can fix (npm test only checks)',
  exec: 'npx projen eslint --fix',
});

// `npm test`: type-check once and eslint, then jest beside the Python tests (scripts/test.sh);
// each step prints its time. Arguments go to jest.
project.testTask.reset();
project.testTask.exec('bash scripts/test.sh', { receiveArgs: true });

// The construct tests against the floor aws-cdk-lib (CDK_PEER_FLOOR), in a temporary copy; CI runs it.
project.addTask('test:cdk-floor', {
  description: `Run the construct tests against aws-cdk-lib ${CDK_PEER_FLOOR}, the oldest the package accepts (a few minutes: npm ci in a temporary copy)`,
  exec: 'bash scripts/test-cdk-floor.sh',
  receiveArgs: true,
});

// Integration tests (integ/integ.*.ts, @aws-cdk/integ-tests-alpha). Their snapshots are checked
// offline in `npm test`; scripts/integ.ts says why it, and not integ-runner, runs them for now.
project.addTask('integ:snapshot', {
  description: 'Compare what each integration test app synthesizes with its committed snapshot (offline)',
  exec: 'ts-node --transpile-only --project tsconfig.dev.json scripts/integ.ts snapshot',
});
project.addTask('integ:update', {
  description: 'Rewrite the integration test snapshots from what the apps synthesize now (offline; review the diff)',
  exec: 'ts-node --transpile-only --project tsconfig.dev.json scripts/integ.ts update',
});
project.addTask('integ:deploy', {
  description: 'With AWS credentials: deploy each integration test, run its assertions, destroy it (args: test files, --no-clean)',
  exec: 'ts-node --transpile-only --project tsconfig.dev.json scripts/integ.ts deploy',
  receiveArgs: true,
});

project.addTask('test:coverage', {
  description: 'Run jest with a coverage report (coverage/)',
  exec: 'jest --passWithNoTests --ci --coverage',
  receiveArgs: true,
});

// `npm run synth`: synthesize, check and summarize every example app.
project.addTask('synth', {
  description: 'Synthesize every app under examples/, run the checks and print a summary per stack',
  // Says what it does at once (the type-check is npm test's; here the script starts in a second).
  exec: 'ts-node --transpile-only --project tsconfig.dev.json scripts/synth-examples.ts',
  receiveArgs: true,
});

// `npm run plan -- --stored 10 --init 2 --per-day 50`: the throughput planner's table.
project.addTask('plan', {
  description: 'Print the EFS throughput plan for a declared load (see scripts/plan.ts for the options)',
  exec: 'ts-node --transpile-only --project tsconfig.dev.json scripts/plan.ts',
  receiveArgs: true,
});

// Run the MessageWall handler locally: a directory stands in for the EFS mount.
project.addTask('message-wall:local', {
  description: 'Serve the MessageWall handler on http://127.0.0.1:8080/ with .message-wall/ as the mount',
  exec: 'python3 examples/message-wall/handler/local_server.py',
  receiveArgs: true,
});

project.addTask('bench:message-wall', {
  description: 'Benchmark the MessageWall handler on a local directory (prints figures)',
  exec: 'python3 bench/message-wall/bench.py',
  receiveArgs: true,
});

project.addTask('bench:ml-inference', {
  description: 'Benchmark the inference handler with the small test model (prints figures)',
  exec: '/usr/bin/python3 bench/ml-inference/bench.py',
  receiveArgs: true,
});

project.synth();
