import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { expectCompliant, fixture, LATEST_PYTHON, NEWER_PYTHON_THAN_GA_LISTED, nfsIngressFrom, policyStatements, testStack } from './helpers';
import { EfsDependencyInstaller, EfsDependencyInstallerProps, SynthWarnings } from '../src';

const HASH = 'a'.repeat(64);

/** The ARN of the fixture's access point, as CloudFormation builds it. */
const accessPointArn = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':elasticfilesystem:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' },
    ':access-point/', { Ref: expect.stringMatching(/^SharedFileSystemMl/) }]],
};

function installerIn(scope: Construct, props: Partial<EfsDependencyInstallerProps> = {}, internetAccess = true) {
  const { network, shared, accessPoint } = fixture(scope, { network: { internetAccess } });
  const installer = new EfsDependencyInstaller(scope, 'Deps', {
    fileSystem: shared,
    accessPoint,
    runtime: LATEST_PYTHON,
    packages: ['torch==2.6.0+cpu', 'Pillow>=11'],
    indexUrl: 'https://download.pytorch.org/whl/cpu',
    warmUpCode: 'import torch',
    ...props,
  });
  return { network, shared, accessPoint, installer };
}

/** The one deadline margin, as installer.py and dispatcher.py read it. */
const MARGIN = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'assets', 'installer', 'deadline-margin.json'), 'utf-8')).marginSeconds;

/** A function's code directory in the cloud assembly (the template's S3Key names its staged asset). */
function codeDirOf(stack: Stack, fn: Record<string, any>): string {
  const key: string = fn.Properties.Code.S3Key;
  return path.join(Stage.of(stack)!.outdir, `asset.${key.replace(/\.zip$/, '')}`);
}

/** The install function's code directory in the cloud assembly. */
function installCodeDir(stack: Stack): string {
  return codeDirOf(stack, installFunction(Template.fromStack(stack)));
}

/** The manifest synthesized into the install function's code: the deployment's inputs. */
function manifestOf(stack: Stack): any {
  return JSON.parse(fs.readFileSync(path.join(installCodeDir(stack), 'manifest.json'), 'utf-8'));
}

/** The install custom resource's properties. */
function installProperties(template: Template): Record<string, any> {
  return Object.values(template.findResources('Custom::EfsDependencySet'))[0].Properties;
}

function functionWithHandler(template: Template, handler: string): Record<string, any> {
  const functions = template.findResources('AWS::Lambda::Function', { Properties: { Handler: handler } });
  expect(Object.keys(functions)).toHaveLength(1);
  return Object.values(functions)[0];
}

function installFunction(template: Template): Record<string, any> {
  return functionWithHandler(template, 'installer.handler');
}

/** The function that runs the warm-up code on a read-only mount (only with warmUpCode). */
function warmUpFunction(template: Template): Record<string, any> {
  return functionWithHandler(template, 'installer.warm_up_handler');
}

/** The custom resource's service token: the function CloudFormation invokes. */
function dispatchFunction(template: Template): Record<string, any> {
  return functionWithHandler(template, 'dispatcher.handler');
}

function logicalIdOf(template: Template, resource: Record<string, any>): string {
  const resources = template.toJSON().Resources as Record<string, unknown>;
  return Object.keys(resources).find(id => resources[id] === resource)!;
}

/** The install function's code and its Python tests. */
const INSTALLER_DIR = path.join(__dirname, '..', 'assets', 'installer');

/** Run Python code beside installer.py (with `input` on stdin) and parse what it prints as JSON. */
function python(code: string, input = ''): any {
  const interpreter = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const result = spawnSync(interpreter, ['-c', code], { cwd: INSTALLER_DIR, input, encoding: 'utf-8' });
  if (result.status !== 0) {
    throw new Error(`python exited ${result.status}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout);
}

/**
 * A synthesized value as CloudFormation hands it to the custom resource's handler: every scalar
 * a string (CloudFormation User Guide, custom resource request objects), references resolved.
 */
function asCloudFormationSends(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(asCloudFormationSends);
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1 && (entries[0][0] === 'Ref' || entries[0][0].startsWith('Fn::'))) {
      return `resolved-${JSON.stringify(entries[0][1]).replace(/\W+/g, '-')}`;
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, asCloudFormationSends(v)]));
  }
  return String(value);
}

/** `run()`'s result while assets/installer/`file` reads as `edit` makes it (the file itself is left alone). */
function withEdited<T>(file: string, edit: (text: string) => string, run: () => T): T {
  // The module itself: `import * as fs` gives a copy of its bindings (esModuleInterop), which src reads through.
  const nodeFs: typeof fs = jest.requireActual('fs');
  const read = nodeFs.readFileSync;
  const target = path.join(INSTALLER_DIR, file);
  const spy = jest.spyOn(nodeFs, 'readFileSync').mockImplementation(((name: fs.PathOrFileDescriptor, options?: any) => {
    const content = read(name, options);
    if (typeof name !== 'string' || path.resolve(name) !== target) {
      return content;
    }
    return typeof content === 'string' ? edit(content) : Buffer.from(edit(content.toString('utf-8')));
  }) as typeof fs.readFileSync);
  try {
    return run();
  } finally {
    spy.mockRestore();
  }
}

/** Building the construct is enough for the synth-time errors: no synth needed. */
function fails(props: Partial<EfsDependencyInstallerProps>): () => void {
  return () => installerIn(new Stack(), props);
}

describe('EfsDependencyInstaller: the default install (one synth, rule packs included)', () => {
  const stack = testStack();
  const { installer } = installerIn(stack);
  const report = expectCompliant(stack);
  const template = Template.fromStack(stack);

  test('no container, nothing privileged: a Lambda function on the functions\' runtime mounts the access point', () => {
    template.resourceCountIs('AWS::CodeBuild::Project', 0);
    template.resourceCountIs('AWS::ECS::TaskDefinition', 0);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/Privileged/i);
    const fn = installFunction(template);
    expect(fn.Properties).toMatchObject({
      Runtime: LATEST_PYTHON.name,
      Architectures: ['x86_64'],
      Timeout: 600 + MARGIN, // 10 minutes of install, one margin to clean up and answer the dispatcher
      MemorySize: 3008,
      EphemeralStorage: { Size: 10240 },
      FileSystemConfigs: [{ LocalMountPath: '/mnt/install', Arn: accessPointArn }],
      Environment: { Variables: { MOUNT_PATH: '/mnt/install', INSTALL_TIMEOUT_SECONDS: '600' } },
    });
    // Who the installer is comes from the deployment: its history key and its stable physical id.
    expect(fn.Properties.Environment.Variables).toMatchObject({
      STACK_ID: { Ref: 'AWS::StackId' },
      RESOURCE_LOGICAL_ID: Object.keys(template.findResources('Custom::EfsDependencySet'))[0],
      FILE_SYSTEM_ID: { Ref: expect.stringMatching(/^SharedFileSystem/) },
      ACCESS_POINT_ID: { Ref: expect.stringMatching(/^SharedFileSystemMl/) },
    });
  });

  test('CloudFormation invokes only the dispatcher, which mounts nothing, reaches only HTTPS, and invokes the install function synchronously', () => {
    const dispatcher = dispatchFunction(template);
    const install = installFunction(template);
    const [dispatcherId, installId] = [logicalIdOf(template, dispatcher), logicalIdOf(template, install)];
    expect(installProperties(template).ServiceToken).toEqual({ 'Fn::GetAtt': [dispatcherId, 'Arn'] });
    expect(dispatcher.Properties.FileSystemConfigs).toBeUndefined();
    expect(dispatcher.Properties).toMatchObject({
      Environment: { Variables: { INSTALL_FUNCTION_NAME: { Ref: installId } } },
      Timeout: 600 + 2 * MARGIN, // the install function's timeout and one margin to answer CloudFormation
      VpcConfig: { SubnetIds: install.Properties.VpcConfig.SubnetIds },
    });
    // In the VPC (the rule packs' lambda-inside-VPC checks), with HTTPS out only: the Lambda and CloudFormation APIs, the response URL.
    const [securityGroup] = dispatcher.Properties.VpcConfig.SecurityGroupIds;
    const groups = template.findResources('AWS::EC2::SecurityGroup');
    expect(groups[securityGroup['Fn::GetAtt'][0]].Properties.SecurityGroupEgress).toEqual([
      { CidrIp: '0.0.0.0/0', Description: expect.any(String), FromPort: 443, IpProtocol: 'tcp', ToPort: 443 },
    ]);
    expect(dispatcher.Properties.VpcConfig.SecurityGroupIds).toHaveLength(1);
    // Nobody but the dispatcher's role may invoke the install function: no resource policy, one identity statement.
    expect(Object.values(template.findResources('AWS::Lambda::Permission'))
      .filter(permission => JSON.stringify(permission.Properties.FunctionName).includes(installId))).toEqual([]);
    const invokers = policyStatements(template).filter(({ statement }) => JSON.stringify(statement.Resource).includes(installId)
      && JSON.stringify(statement.Action).includes('lambda:'));
    expect(invokers).toHaveLength(1);
    expect(invokers[0].roles).toMatch(/DepsDispatcherRole/);
    expect(invokers[0].statement).toMatchObject({
      Action: ['lambda:GetFunctionConfiguration', 'lambda:InvokeFunction'],
      Resource: { 'Fn::GetAtt': [installId, 'Arn'] },
    });
    const dispatcherStatements = policyStatements(template).filter(({ roles }) => /DepsDispatcherRole/.test(roles)).map(({ statement }) => statement);
    expect(JSON.stringify(dispatcherStatements)).not.toContain('elasticfilesystem');
    expect(dispatcherStatements).toContainEqual(expect.objectContaining({ Action: 'cloudformation:DescribeStacks', Resource: { Ref: 'AWS::StackId' } }));
    // Invoked synchronously: no event-invoke configuration (retries of asynchronous invocations) for the install function.
    expect(Object.values(template.findResources('AWS::Lambda::EventInvokeConfig'))
      .filter(config => JSON.stringify(config.Properties.FunctionName).includes(installId))).toEqual([]);
  });

  test('the install function may mount and write only through the access point, and reaches only NFS and HTTPS', () => {
    const efsStatements = policyStatements(template)
      .filter(({ statement }) => JSON.stringify(statement.Action).includes('elasticfilesystem'))
      .filter(({ roles }) => !/DepsWarmUp/.test(roles));
    expect(efsStatements).toHaveLength(1);
    expect(efsStatements[0].roles).toMatch(/DepsFunctionServiceRole/);
    expect(efsStatements[0].statement).toMatchObject({
      Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
      Condition: {
        StringEquals: { 'elasticfilesystem:AccessPointArn': accessPointArn },
        Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' },
      },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', nfsIngressFrom('DepsFunctionSecurityGroup'));
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Lambda function that mounts EFS at /mnt/install',
      SecurityGroupEgress: Match.arrayWith([
        Match.objectLike({ FromPort: 2049, ToPort: 2049, DestinationSecurityGroupId: Match.anyValue() }),
        Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
      ]),
    });
  });

  test('the event names the set; the inputs are in the install function\'s own code (manifest.json), keep count included', () => {
    const properties = installProperties(template);
    expect(properties).toEqual({
      SetId: installer.dependencySetId,
      FileSystemId: { Ref: expect.stringMatching(/^SharedFileSystem/) },
      AccessPointId: { Ref: expect.stringMatching(/^SharedFileSystemMl/) },
      ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^DepsDispatcher/), 'Arn'] },
      ServiceTimeout: String(600 + 3 * MARGIN), // the dispatcher's timeout and one margin
    });
    const manifest = manifestOf(stack);
    expect(manifest).toMatchObject({
      setId: installer.dependencySetId,
      keepPreviousSets: 1,
      contents: { requirements: ['torch==2.6.0+cpu', 'Pillow>=11'], warmUpCode: 'import torch', modelFiles: [] },
    });
    expect(manifest.contents.pipOptions.slice(0, 5)).toEqual(['--only-binary=:all:', '--implementation', 'cp', '--python-version', LATEST_PYTHON.name.replace('python', '')]);
    expect(manifest.contents.pipOptions.slice(-2)).toEqual(['--index-url', 'https://download.pytorch.org/whl/cpu']);
    expect(installer.dependencySetId).toMatch(/^[0-9a-f]{16}$/);
    // The install function's code holds the installer, the module it shares with the dispatcher, the margin and the manifest;
    // the dispatcher's holds neither manifest nor installer (nor the Python tests, nor caches).
    expect(fs.readdirSync(installCodeDir(stack)).sort()).toEqual(['deadline-margin.json', 'installer.py', 'lambda_calls.py', 'manifest.json']);
    expect(fs.readdirSync(codeDirOf(stack, dispatchFunction(template))).sort()).toEqual(['deadline-margin.json', 'dispatcher.py', 'lambda_calls.py']);
  });

  test('each function\'s code, alone as Lambda unpacks it, imports its handler', () => {
    // Isolated (-I): no PYTHONPATH, no user site, no working directory on sys.path; the code directory alone, as Lambda's task root.
    const interpreter = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    for (const fn of [installFunction(template), warmUpFunction(template), dispatchFunction(template)]) {
      const [module, handler] = fn.Properties.Handler.split('.');
      const code = `import sys; sys.path.insert(0, sys.argv[1]); import ${module}; assert callable(${module}.${handler}); print(${module}.__file__)`;
      const result = spawnSync(interpreter, ['-I', '-c', code, codeDirOf(stack, fn)], { cwd: os.tmpdir(), encoding: 'utf-8' });
      expect({ handler: fn.Properties.Handler, status: result.status, stderr: result.stderr }).toEqual({ handler: fn.Properties.Handler, status: 0, stderr: '' });
      expect(result.stdout.trim()).toBe(path.join(codeDirOf(stack, fn), `${module}.py`));
    }
  });

  test('the install function may read its own stack resource, to confirm a Delete, and nothing else of CloudFormation', () => {
    const statements = policyStatements(template).filter(({ statement }) => JSON.stringify(statement.Action).includes('cloudformation:'));
    const own = statements.filter(({ roles }) => /DepsFunctionServiceRole/.test(roles));
    expect(own.map(({ statement }) => statement)).toEqual([expect.objectContaining({
      Action: 'cloudformation:DescribeStackResource', Effect: 'Allow', Resource: { Ref: 'AWS::StackId' },
    })]);
  });

  test('the warm-up function mounts the access point read-only: its role has ClientMount and no ClientWrite, and nothing else on EFS', () => {
    const warmUpRole = JSON.stringify(warmUpFunction(template).Properties.Role);
    const roleId = JSON.parse(warmUpRole)['Fn::GetAtt'][0];
    const own = policyStatements(template).filter(({ roles }) => roles.includes(roleId)).map(({ statement }) => statement);
    const efsStatements = own.filter(statement => JSON.stringify(statement).includes('elasticfilesystem'));
    // EFS User Guide, "Using IAM to control access to file systems": without ClientWrite a client has read-only access.
    expect(efsStatements).toEqual([expect.objectContaining({
      Effect: 'Allow',
      Action: 'elasticfilesystem:ClientMount',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SharedFileSystem/), 'Arn'] },
      Condition: {
        StringEquals: { 'elasticfilesystem:AccessPointArn': accessPointArn },
        Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' },
      },
    })]);
    expect(JSON.stringify(own)).not.toContain('ClientWrite');
    expect(JSON.stringify(own)).not.toContain('ClientRootAccess');
    // Logs, its network interfaces, the mount: nothing of Lambda, CloudFormation or any other API.
    expect(own.flatMap(statement => [statement.Action].flat() as string[]).map(action => action.split(':')[0]).sort())
      .toEqual(['ec2', 'ec2', 'ec2', 'ec2', 'ec2', 'ec2', 'elasticfilesystem', 'logs', 'logs']);
  });

  test('the warm-up function: the install function\'s runtime, architecture, memory and code, NFS out only, its timeout inside the install\'s', () => {
    const warmUp = warmUpFunction(template);
    const install = installFunction(template);
    expect(warmUp.Properties).toMatchObject({
      Runtime: install.Properties.Runtime,
      Architectures: install.Properties.Architectures,
      MemorySize: install.Properties.MemorySize,
      Code: install.Properties.Code,
      FileSystemConfigs: [{ LocalMountPath: '/mnt/warm-up', Arn: accessPointArn }],
      Environment: { Variables: { MOUNT_PATH: '/mnt/warm-up' } },
      // A quarter of the 10-minute install by default.
      Timeout: 150,
    });
    expect(Object.keys(warmUp.Properties.Environment.Variables)).toEqual(['MOUNT_PATH']);
    // The install (10 minutes) keeps the warm-up's timeout and one margin for it, then its own margin to clean up and answer.
    expect(install.Properties.Environment.Variables).toMatchObject({
      WARM_UP_FUNCTION_NAME: { Ref: logicalIdOf(template, warmUp) },
      WARM_UP_TIMEOUT_SECONDS: '150',
    });
    expect(warmUp.Properties.Timeout + MARGIN).toBeLessThanOrEqual(install.Properties.Timeout - MARGIN);
    // NFS to the mount targets and nothing else: it calls no AWS API and downloads nothing.
    const [groupRef] = warmUp.Properties.VpcConfig.SecurityGroupIds;
    const group = template.toJSON().Resources[groupRef['Fn::GetAtt'][0]];
    expect(group.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 2049, ToPort: 2049, DestinationSecurityGroupId: expect.anything() }),
    ]);
    expect(warmUp.Properties.VpcConfig.SecurityGroupIds).toHaveLength(1);
  });

  test('only the install function may invoke the warm-up function, and the install function may invoke nothing else', () => {
    const warmUpId = logicalIdOf(template, warmUpFunction(template));
    expect(Object.values(template.findResources('AWS::Lambda::Permission'))
      .filter(permission => JSON.stringify(permission.Properties.FunctionName).includes(warmUpId))).toEqual([]);
    const onWarmUp = policyStatements(template).filter(({ statement }) => JSON.stringify(statement.Resource).includes(warmUpId));
    expect(onWarmUp).toHaveLength(1);
    expect(onWarmUp[0].roles).toMatch(/DepsFunctionServiceRole/);
    expect(onWarmUp[0].statement).toMatchObject({
      Effect: 'Allow',
      Action: ['lambda:GetFunctionConfiguration', 'lambda:InvokeFunction'],
      Resource: { 'Fn::GetAtt': [warmUpId, 'Arn'] },
    });
    const installLambda = policyStatements(template)
      .filter(({ roles, statement }) => /DepsFunctionServiceRole/.test(roles) && JSON.stringify(statement.Action).includes('lambda:'));
    expect(installLambda.map(({ statement }) => statement.Resource)).toEqual([{ 'Fn::GetAtt': [warmUpId, 'Arn'] }]);
    // Invoked synchronously only: no event-invoke configuration.
    expect(Object.values(template.findResources('AWS::Lambda::EventInvokeConfig'))
      .filter(config => JSON.stringify(config.Properties.FunctionName).includes(warmUpId))).toEqual([]);
  });

  test('the handler reads the synthesized manifest and environment, and installs only the set they name', () => {
    const withFiles = testStack();
    const { installer: other } = installerIn(withFiles, {
      keepPreviousSets: 2,
      modelFiles: [
        { url: 'https://example.org/m.pt', sha256: HASH, path: 'hub/checkpoints/m.pt' },
        { url: 'https://example.org/repo.zip', sha256: HASH, path: 'hub/repo', extract: true },
      ],
    });
    const variables = asCloudFormationSends(installFunction(Template.fromStack(withFiles)).Properties.Environment.Variables);
    const parsed = python([
      'import json, sys, installer',
      `d = installer.load_deployment(${JSON.stringify(path.join(installCodeDir(withFiles), 'manifest.json'))}, json.load(sys.stdin))`,
      'print(json.dumps(d))',
    ].join('\n'), JSON.stringify(variables));
    expect(parsed.setId).toBe(other.dependencySetId);
    expect(parsed.keep).toBe(2);
    expect(parsed.modelFiles.map((f: any) => f.Extract)).toEqual([false, true]);
    expect(parsed.requirements).toEqual(['torch==2.6.0+cpu', 'Pillow>=11']);
    expect(parsed.physicalId).toMatch(/^resolved-.*:resolved-.*:DepsInstall/);
  });

  test('functions import the set they were deployed with, never a moving link', () => {
    const id = installer.dependencySetId;
    expect(installer.mountEnvironment).toEqual({ PYTHONPATH: `sets/${id}/lib`, TORCH_HOME: `sets/${id}/model` });
    expect([installer.libPath, installer.modelPath]).toEqual([`sets/${id}/lib`, `sets/${id}/model`]);
    expect(JSON.stringify(installer.mountEnvironment)).not.toContain('current');
  });

  test('the install starts after the function, its policy, the mount targets and the private subnets\' routes out', () => {
    const install = Object.values(template.findResources('Custom::EfsDependencySet'))[0];
    const fn = installFunction(template);
    expect(install.DependsOn).toEqual(expect.arrayContaining([
      expect.stringMatching(/^NetworkVpcPrivateSubnet1DefaultRoute/), expect.stringMatching(/^NetworkVpcPrivateSubnet2DefaultRoute/),
    ]));
    expect(fn.DependsOn).toEqual(expect.arrayContaining([
      expect.stringMatching(/^DepsFunctionExecutionPolicy/), expect.stringMatching(/^SharedFileSystemEfsMountTarget1/), expect.stringMatching(/^DepsFunctionNfsIngress/),
    ]));
  });

  test('the only acknowledgments on the installer are true of it: ENI statements, log keys, DLQs of functions that answer every request, '
    + 'no reservations, the dispatcher\'s runtime', () => {
    const ownFindings = report.acknowledged.filter(f => f.constructPath.startsWith('Default/Deps/'))
      .map(f => `${f.constructPath.replace(/^Default\/Deps\//, '')} ${f.rule}`).sort();
    expect(ownFindings).toEqual([
      'Dispatcher/Resource NIST.800.53.R5-LambdaDLQ',
      'Dispatcher/Resource NIST.800.53.R5-LambdaConcurrency',
      'Function/Function/Resource NIST.800.53.R5-LambdaConcurrency',
      // Python 3.14 is acknowledged only while aws-cdk-lib lists a newer one (AwsSolutions-L1 asks for the newest).
      ...(NEWER_PYTHON_THAN_GA_LISTED ? ['Dispatcher/Resource AwsSolutions-L1'] : []),
      'DispatcherLogs/Resource NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'DispatcherPolicy/Resource AwsSolutions-IAM5[Resource::*]',
      'Function/ExecutionPolicy/Resource AwsSolutions-IAM5[Resource::*]',
      'Function/Function/Resource NIST.800.53.R5-LambdaDLQ',
      'Logs/Resource NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'WarmUp/ExecutionPolicy/Resource AwsSolutions-IAM5[Resource::*]',
      'WarmUp/Function/Resource NIST.800.53.R5-LambdaConcurrency',
      'WarmUp/Function/Resource NIST.800.53.R5-LambdaDLQ',
      'WarmUpLogs/Resource NIST.800.53.R5-CloudWatchLogGroupEncrypted',
    ].sort());
  });

  test('warns that the inputs are not hash-locked, and not about egress with NAT', () => {
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Default/Deps', Match.stringLikeRegexp('not pinned by hash: requirements without --hash.*pip-compile --generate-hashes'));
    expect(annotations.findWarning('*', Match.stringLikeRegexp(SynthWarnings.INSTALLER_WITHOUT_EGRESS))).toEqual([]);
  });
});

describe('EfsDependencyInstaller: pinned inputs', () => {
  test('hash-locked requirements (pip-compile output) are accepted, installed with --require-hashes, and need no warning', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'req-')), 'requirements.txt');
    fs.writeFileSync(file, [
      '# pip-compile --generate-hashes',
      'pillow==11.1.0 \\',
      `    --hash=sha256:${HASH} \\`,
      `    --hash=sha256:${'b'.repeat(64)}`,
      '    # via torchvision',
      `torch==2.6.0+cpu --hash=sha256:${'c'.repeat(64)}`,
      '',
    ].join('\n'));
    const stack = testStack();
    const { installer } = installerIn(stack, {
      packages: [],
      requirementsFile: file,
      extraIndexUrls: ['https://pypi.org/simple'],
      modelFiles: [{ url: 'https://example.org/m.pt', sha256: HASH.toUpperCase(), path: 'hub/checkpoints/m.pt' }],
    });
    const { contents } = manifestOf(stack);
    expect(contents.requirements).toEqual([
      `pillow==11.1.0 --hash=sha256:${HASH} --hash=sha256:${'b'.repeat(64)}`,
      `torch==2.6.0+cpu --hash=sha256:${'c'.repeat(64)}`,
    ]);
    expect(contents.pipOptions.slice(-5)).toEqual(['--index-url', 'https://download.pytorch.org/whl/cpu', '--extra-index-url', 'https://pypi.org/simple', '--require-hashes']);
    expect(contents.modelFiles).toEqual([{ url: 'https://example.org/m.pt', sha256: HASH, path: 'hub/checkpoints/m.pt', extract: false }]);
    expect(installer.inputsHashLocked).toBe(true);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(SynthWarnings.INSTALLER_INPUTS_NOT_HASH_LOCKED))).toEqual([]);
  });

  test('a model file without sha256 is named in the warning', () => {
    const stack = testStack();
    installerIn(stack, { packages: [`torch==2.6.0 --hash=sha256:${HASH}`], modelFiles: [{ url: 'https://example.org/m.pt', path: 'm.pt' }] });
    Annotations.fromStack(stack).hasWarning('/Default/Deps', Match.stringLikeRegexp('not pinned by hash: model file m.pt without sha256'));
  });

  test.each([
    [{ packages: ['--index-url https://evil.example/simple'] }, /each requirement must be a package specifier/],
    [{ packages: ['-e git+https://example.com/x.git'] }, /VCS references .* are not accepted/],
    [{ packages: ['torch --hash=sha256:00'] }, /optionally followed by --hash=sha256:<64 hex digits> \(got 'torch --hash=sha256:00'\)/],
    [{ packages: ['torch --extra-index-url https://x.example'] }, /other pip options are not accepted/],
    [{ packages: ['mypkg @ http://files.example/mypkg-1.0-py3-none-any.whl'] }, /the URL in requirement .* must be an https URL/],
    [{ packages: [`torch==2.6.0 --hash=sha256:${HASH}`, 'Pillow'] }, /requirements must all carry --hash or none .*without a hash: Pillow/],
    [{ packages: ['# nothing', '  '] }, /packages or requirementsFile must name at least one requirement \(got none\)/],
    [{ indexUrl: 'http://mirror.example/simple' }, /indexUrl must be an https URL without spaces or quotes \(got 'http:\/\/mirror.example\/simple'\)/],
    [{ indexUrl: 'https://user:s3cret@mirror.example/simple' }, /indexUrl must not carry credentials \(user:token@\).*got 'https:\/\/\*\*\*@mirror.example\/simple'/],
    [{ extraIndexUrls: ['https://pypi.org/simple'] }, /extraIndexUrls needs every requirement hash-locked.*\(in Python: extra_index_urls, index_url\)/],
    [{ extraIndexUrls: ['http://mirror.example/simple'] }, /extraIndexUrls\[0\] must be an https URL.*\(in Python: extra_index_urls\[0\]\)/],
    [{ modelFiles: [{ url: 'http://example.org/m.pt', path: 'm.pt' }] }, /modelFiles\[0\].url must be an https URL/],
    [{ modelFiles: [{ url: 'https://example.org/m.pt', path: '../lib/x.py' }] }, /modelFiles\[0\].path must be a relative path inside the model directory/],
    [{ modelFiles: [{ url: 'https://example.org/m.pt', path: 'm.pt', sha256: 'abc' }] }, /modelFiles\[0\].sha256 must be 64 hex digits \(got 'abc'\)/],
    [{ requirementsFile: '/no/such/requirements.txt' }, /requirementsFile cannot be read \(got '\/no\/such\/requirements.txt': ENOENT\)/],
  ])('refuses %j', (props, message) => {
    expect(fails(props as Partial<EfsDependencyInstallerProps>)).toThrow(message);
  });
});

describe('EfsDependencyInstaller: one rule for every URL form pip accepts in a requirement line (https, no credentials, no VCS)', () => {
  test.each([
    ['a bare http URL line', 'http://203.0.113.7/x.whl', /must be an https URL/],
    ['a bare file URL line', 'file:///tmp/x.whl', /must be an https URL/],
    ['a bare file URL without slashes', 'file:x.whl', /must be an https URL/],
    ['a direct reference over http', 'x @ http://files.example/x-1.0-py3-none-any.whl', /must be an https URL/],
    ['a direct reference without spaces', 'x@http://files.example/x-1.0-py3-none-any.whl', /must be an https URL/],
    ['a direct reference with credentials', 'x @ https://user:token@files.example/x.whl', /must not carry credentials/],
    ['a bare https URL with credentials', 'https://token@files.example/x.whl', /must not carry credentials/],
    ['a VCS reference', 'git+https://github.com/o/r.git@v1#egg=r', /VCS references .* are not accepted/],
    ['a VCS direct reference', 'r @ git+https://github.com/o/r.git@v1', /VCS references .* are not accepted/],
    ['an editable VCS line', '-e git+https://github.com/o/r.git#egg=r', /VCS references .* are not accepted/],
    ['a find-links line over http', '--find-links http://files.example/', /must be an https URL/],
    ['a short find-links line over https', '-f https://files.example/', /other pip options are not accepted/],
    ['a find-links option after a requirement', 'x==1 --find-links=http://files.example/', /must be an https URL/],
    ['plain http on port 443', 'x @ http://files.example:443/x-1.0-py3-none-any.whl', /must be an https URL/],
    ['an index option over https', '--index-url https://evil.example/simple', /other pip options are not accepted/],
    ['a local path', './wheels/x-1.0-py3-none-any.whl', /a package specifier .* or an https URL/],
    ['an absolute path', '/opt/x-1.0-py3-none-any.whl', /a package specifier .* or an https URL/],
  ])('refuses %s', (_form, line, message) => {
    expect(fails({ packages: [line] })).toThrow(message);
  });

  test.each([
    ['a specifier', 'torch==2.6.0'],
    ['a bare https URL', 'https://files.example/x-1.0-py3-none-any.whl'],
    ['a direct reference over https', 'x @ https://files.example/x-1.0-py3-none-any.whl'],
    ['an https URL on port 443', 'x @ https://files.example:443/x-1.0-py3-none-any.whl'],
    ['extras and markers', 'x[cpu]>=1; python_version >= "3.12"'],
  ])('accepts %s', (_form, line) => {
    expect(fails({ packages: [line] })).not.toThrow();
  });
});

describe('EfsDependencyInstaller: fits CloudFormation and Lambda', () => {
  test.each([1, 10, 14])('an install of %d minutes: install function < dispatcher <= 900 s (Lambda\'s limit) < ServiceTimeout', minutes => {
    const stack = new Stack();
    installerIn(stack, { timeout: Duration.minutes(minutes) });
    const template = Template.fromStack(stack);
    const install = installFunction(template).Properties.Timeout;
    const dispatcher = dispatchFunction(template).Properties.Timeout;
    // One margin at each step, the same number installer.py and dispatcher.py read (deadline-margin.json).
    expect(install).toBe(minutes * 60 + MARGIN);
    expect(dispatcher).toBe(install + MARGIN);
    expect(dispatcher).toBeLessThanOrEqual(900);
    expect(Number(installProperties(template).ServiceTimeout)).toBe(dispatcher + MARGIN);
  });

  test.each([
    [Duration.minutes(15), /timeout must be from 1 to 14 minutes \(got 15 minutes\)/],
    [Duration.minutes(60), /timeout must be from 1 to 14 minutes \(got 1 hour\)/],
    [Duration.seconds(30), /timeout must be from 1 to 14 minutes \(got 30 seconds\)/],
  ])('refuses a timeout of %s', (timeout, message) => {
    expect(fails({ timeout })).toThrow(message);
  });

  test('refuses requirements whose known wheel sizes cannot be installed within the timeout, saying how to tell for others', () => {
    const torch = {
      runtime: lambda.Runtime.PYTHON_3_13, packages: ['torch==2.6.0', 'pillow==11.1.0'], indexUrl: 'https://pypi.org/simple', warmUpCode: undefined,
    };
    // torch 2.6.0 for cp313 x86_64 on PyPI: 766,626,191 bytes (PyPI's simple API, PEP 700 size); 77 s at the assumed 10 MB/s.
    expect(fails({ ...torch, timeout: Duration.minutes(1) })).toThrow(
      /timeout is too short for the requirements \(got 1 minute\): the wheels whose size is known \(771 MB.*raise timeout to at least 2 minutes.*pip download/);
    expect(fails({ ...torch, timeout: Duration.minutes(2) })).not.toThrow();
    // aarch64's torch is 96 MB: it fits one minute.
    expect(fails({ ...torch, timeout: Duration.minutes(1), architecture: lambda.Architecture.ARM_64 })).not.toThrow();
    // Sizes not known here (PyTorch's own index, unpinned requirements) refuse nothing.
    expect(fails({ runtime: lambda.Runtime.PYTHON_3_13, packages: ['torch==2.6.0+cpu', 'numpy'], timeout: Duration.minutes(1) })).not.toThrow();
  });

  test('with a warm-up, the packages get the timeout less the warm-up\'s timeout and one margin to invoke it', () => {
    const torch = { runtime: lambda.Runtime.PYTHON_3_13, packages: ['torch==2.6.0', 'pillow==11.1.0'], indexUrl: 'https://pypi.org/simple' };
    // 77 s of known wheels: 2 minutes less the default warm-up (a quarter, 30 s) and a margin leave 70 s; 3 minutes leave 115 s.
    expect(fails({ ...torch, timeout: Duration.minutes(2) })).toThrow(
      /timeout is too short for the requirements \(got 2 minutes\).*the warm-up keeps 50 s of it.*raise timeout to at least 3 minutes/);
    expect(fails({ ...torch, timeout: Duration.minutes(3) })).not.toThrow();
    expect(fails({ ...torch, timeout: Duration.minutes(3), warmUpTimeout: Duration.seconds(100) })).toThrow(/raise timeout to at least 4 minutes/);
  });

  test('no warm-up function without warmUpCode, and the install function may invoke no function', () => {
    const stack = new Stack();
    installerIn(stack, { warmUpCode: undefined });
    const template = Template.fromStack(stack);
    expect(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'installer.warm_up_handler' } })).toEqual({});
    expect(Object.keys(installFunction(template).Properties.Environment.Variables)).not.toContain('WARM_UP_FUNCTION_NAME');
    expect(policyStatements(template).filter(({ roles, statement }) => /DepsFunctionServiceRole/.test(roles)
      && JSON.stringify(statement.Action).includes('lambda:'))).toEqual([]);
    expect(fails({ warmUpCode: undefined, warmUpTimeout: Duration.minutes(1) })).toThrow(/warmUpTimeout is only used with warmUpCode/);
  });

  test('warmUpTimeout: from one margin to the timeout less two margins, in whole seconds', () => {
    const stack = new Stack();
    installerIn(stack, { warmUpTimeout: Duration.minutes(3) });
    expect(warmUpFunction(Template.fromStack(stack)).Properties.Timeout).toBe(180);
    expect(fails({ warmUpTimeout: Duration.seconds(MARGIN - 1) })).toThrow(
      new RegExp(`warmUpTimeout must be from ${MARGIN} to ${600 - 2 * MARGIN} seconds \\(got ${MARGIN - 1} seconds\\)`));
    expect(fails({ warmUpTimeout: Duration.seconds(600 - 2 * MARGIN + 1) })).toThrow(/warmUpTimeout must be from/);
    expect(fails({ warmUpTimeout: Duration.millis(30_500) })).toThrow(/warmUpTimeout must be from .*whole number of seconds/);
    // A one-minute install still gets a warm-up of one margin by default.
    const short = new Stack();
    installerIn(short, { timeout: Duration.minutes(1) });
    expect(warmUpFunction(Template.fromStack(short)).Properties.Timeout).toBe(MARGIN);
  });

  test('keeps 1 to 5 previous sets: never fewer than the one a rollback needs', () => {
    expect(fails({ keepPreviousSets: 0 })).toThrow(/keepPreviousSets must be a whole number from 1 to 5 \(got 0\)/);
    expect(fails({ keepPreviousSets: 6 })).toThrow(/keepPreviousSets must be a whole number from 1 to 5 \(got 6\)/);
  });

  test('logEncryptionKey encrypts the install function\'s logs', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'LogKey', { enableKeyRotation: true });
    installerIn(stack, { logEncryptionKey: key });
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LogKey'), 'Arn'] } });
  });
});

describe('EfsDependencyInstaller: wheels the runtime can load', () => {
  function platformsOf(runtime: lambda.Runtime, architecture = lambda.Architecture.X86_64): string[] {
    const stack = new Stack();
    installerIn(stack, { runtime, architecture });
    const options: string[] = manifestOf(stack).contents.pipOptions;
    return options.flatMap((option, i) => (option === '--platform' ? [options[i + 1]] : []));
  }

  test('Amazon Linux 2 runtimes (Python 3.10, 3.11, glibc 2.26) get no manylinux_2_28 or newer wheels', () => {
    const tags = platformsOf(lambda.Runtime.PYTHON_3_11);
    expect(tags[0]).toBe('manylinux_2_17_x86_64');
    expect(tags.filter(tag => tag.startsWith('manylinux_')).pop()).toBe('manylinux_2_26_x86_64');
    expect(tags).not.toContain('manylinux_2_28_x86_64');
  });

  test('Amazon Linux 2023 runtimes (Python 3.12 and later, glibc 2.34) get up to manylinux_2_34, arm64 aarch64 ones', () => {
    expect(platformsOf(lambda.Runtime.PYTHON_3_13)).toEqual(expect.arrayContaining(['manylinux_2_28_x86_64', 'manylinux_2_34_x86_64']));
    expect(platformsOf(lambda.Runtime.PYTHON_3_13, lambda.Architecture.ARM_64)).toEqual(expect.arrayContaining(['manylinux_2_17_aarch64', 'manylinux_2_34_aarch64']));
    expect(platformsOf(lambda.Runtime.PYTHON_3_13).some(tag => /2_35/.test(tag))).toBe(false);
  });

  test('PyTorch\'s CPU wheels, tagged linux_x86_64, are accepted besides manylinux ones, and the tags end with it', () => {
    expect(platformsOf(lambda.Runtime.PYTHON_3_12).slice(-2)).toEqual(['manylinux_2_34_x86_64', 'linux_x86_64']);
    expect(platformsOf(lambda.Runtime.PYTHON_3_11, lambda.Architecture.ARM_64).slice(-2)).toEqual(['manylinux_2_26_aarch64', 'linux_aarch64']);
  });

  test('the pip options are the ones the installer\'s tests resolve PyTorch\'s and PyPI\'s wheel names with (test_installer.py)', () => {
    const tested: Record<string, string[]> = python('import json, test_installer; print(json.dumps(test_installer.PIP_OPTIONS))');
    for (const architecture of [lambda.Architecture.X86_64, lambda.Architecture.ARM_64]) {
      const stack = new Stack();
      installerIn(stack, { runtime: lambda.Runtime.PYTHON_3_12, architecture });
      const options: string[] = manifestOf(stack).contents.pipOptions;
      expect(options.slice(0, options.indexOf('--index-url'))).toEqual(tested[architecture.name]);
    }
  });

  test.each([lambda.Runtime.NODEJS_22_X, lambda.Runtime.PYTHON_3_9])('refuses %s, naming it', runtime => {
    expect(fails({ runtime })).toThrow(new RegExp(`runtime must be a Lambda Python runtime the installer knows the glibc of .*\\(got ${runtime.name.replace('.', '\\.')}\\)`));
  });
});

describe('EfsDependencyInstaller: one writer per access point', () => {
  test('a second installer on the same access point is a synth error naming the first, whatever order they are made in', () => {
    const stack = new Stack();
    const { shared, accessPoint } = installerIn(stack);
    new EfsDependencyInstaller(stack, 'Again', { fileSystem: shared, accessPoint, runtime: lambda.Runtime.PYTHON_3_13, packages: ['x'] });
    // 'Again' sorts before 'Deps': the error names the first by path, on the other.
    expect(() => App.of(stack)!.synth()).toThrow(/accessPoint already has an EfsDependencyInstaller \(Default\/Again\); one installer per access point: give Default\/Deps its own/);
    const apart = new Stack();
    const f = installerIn(apart);
    const other = f.shared.addAccessPoint('Other', { path: '/other', uid: '1002', gid: '1002' });
    new EfsDependencyInstaller(apart, 'Own', { fileSystem: f.shared, accessPoint: other, runtime: lambda.Runtime.PYTHON_3_13, packages: ['x'] });
    expect(() => App.of(apart)!.synth()).not.toThrow();
  });

  test('the set id changes with every input but not with where it is installed', () => {
    const id = (props: Partial<EfsDependencyInstallerProps>) => installerIn(new Stack(), props).installer.dependencySetId;
    const base = id({});
    expect(id({})).toBe(base);
    const changed = [
      id({ packages: ['torch==2.7.0+cpu', 'Pillow>=11'] }),
      id({ architecture: lambda.Architecture.ARM_64 }),
      id({ warmUpCode: '' }),
      id({ runtime: lambda.Runtime.PYTHON_3_13 }),
      id({ modelFiles: [{ url: 'https://example.org/m.pt', path: 'm.pt', sha256: HASH }] }),
    ];
    expect(new Set([base, ...changed]).size).toBe(6);
    // The install function's code is in the set id (a fixed installer reinstalls), its deadline margin is not (it changes when an
    // install stops, not what a set holds).
    expect(withEdited('installer.py', text => `${text}\n# fixed\n`, () => id({}))).not.toBe(base);
    expect(withEdited('lambda_calls.py', text => `${text}\n# fixed\n`, () => id({}))).not.toBe(base);
    const otherMargin = withEdited('deadline-margin.json', text => text.replace(/"marginSeconds": \d+/, `"marginSeconds": ${MARGIN + 10}`), () => {
      const stack = new Stack();
      const { installer } = installerIn(stack);
      return { setId: installer.dependencySetId, timeout: installFunction(Template.fromStack(stack)).Properties.Timeout };
    });
    expect(otherMargin).toEqual({ setId: base, timeout: 600 + MARGIN + 10 });
    // The keep count is outside the set id: changing it installs nothing (the next install or confirmed Delete applies it).
    expect(id({ keepPreviousSets: 3 })).toBe(base);
  });

  test('installers with different inputs get different install function code; the dispatcher\'s code is shared', () => {
    const stack = new Stack();
    const { shared } = installerIn(stack);
    const other = shared.addAccessPoint('Other', { path: '/other', uid: '1002', gid: '1002' });
    new EfsDependencyInstaller(stack, 'Other', { fileSystem: shared, accessPoint: other, runtime: LATEST_PYTHON, packages: ['x==1'] });
    const template = Template.fromStack(stack);
    const keys = (handler: string) => Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: handler } }))
      .map(f => f.Properties.Code.S3Key);
    expect(new Set(keys('installer.handler')).size).toBe(2);
    expect(new Set(keys('dispatcher.handler')).size).toBe(1);
  });

  test('warns when the file system\'s subnets cannot reach the package indexes', () => {
    const isolated = new Stack();
    installerIn(isolated, {}, false);
    Annotations.fromStack(isolated).hasWarning('/Default/Deps', Match.stringLikeRegexp(
      "the file system's subnets are isolated: the install function runs there and cannot reach the package indexes.*installerWithoutEgress"));
  });
});
