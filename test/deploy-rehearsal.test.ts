/**
 * A deploy rehearsal, offline: every custom resource of the example templates, driven through
 * its real handler with the requests CloudFormation sends, answers as CloudFormation needs.
 *
 * The stacks are built in-process as test/examples.test.ts builds them, with each app's cdk.json
 * context, by default and with `-c fullAccount=true`. For each custom resource this file finds, in
 * the synthesized template, the Lambda function behind its ServiceToken, its code (the asset
 * directory of the cloud assembly), handler, runtime, Timeout and environment, and hands them to
 * scripts/rehearse_custom_resources.py, which plays CloudFormation (Create; Update with new inputs;
 * the stack rollback's Update with the old ones back; a later Update; Delete; and a Create that
 * fails, with the rollback's Delete), runs each handler in its own /usr/bin/python3 process, and
 * records every answer PUT on the response URL. The assertions are here.
 *
 * What is substituted, and why (each is named again where it happens):
 * - the EFS mount: the function's mount path, wherever its environment names it, is a local
 *   folder standing for the access point (one per access point and scenario); a function whose
 *   role may mount but not write (ClientMount without ClientWrite, as the installer's warm-up
 *   function) sees it through a read-only bind mount, as EFS gives such a client read-only access;
 * - the install function's code, per deployment: its inputs are in its own code (manifest.json, written
 *   at synth), so a deployment with new inputs deploys a new manifest beside the synthesized code
 *   before the custom resource's request, as CloudFormation updates the function first (and restores
 *   it first in a rollback); the warm-up function has the same code, and gets the same manifest;
 * - the package index and model hosts: every https URL in a deployed manifest becomes
 *   https://127.0.0.1:PORT/HOST/PATH, a local mirror with a self-signed certificate (pip trusts it
 *   through PIP_CERT, urllib through SSL_CERT_FILE), serving tiny valid wheels named exactly as the
 *   real indexes publish them (the packages' code is stand-ins: see STAND_INS), GitHub's archive
 *   and release-asset redirects, and stand-in model files;
 * - the Lambda API, when a function invokes another (the dispatcher the install function, the install
 *   function the warm-up function): a test double of boto3 whose Invoke runs that function's real
 *   handler locally;
 * - intrinsic functions: resolved to plausible values (pseudo parameters of account
 *   123456789012 in eu-west-1, resources' Refs as fake ids).
 * The example's requirements are not hash-locked, so no hash is substituted (see HASHES below).
 */
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { MessageWallStack } from '../examples/message-wall/message-wall-stack';
import { CHECKPOINT_URL, MlInferenceStack } from '../examples/ml-inference/ml-inference-stack';
import { EfsDependencyInstaller, InferenceVpc, SharedFileSystem } from '../src';

const PYTHON = '/usr/bin/python3';
const HARNESS = path.join(__dirname, '..', 'scripts', 'rehearse_custom_resources.py');
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
/** CloudFormation's limit on a custom resource's response body (User Guide, "Custom resource response objects"). */
const MAX_RESPONSE_BYTES = 4096;

jest.setTimeout(120_000);

// ---------------------------------------------------------------- the stacks, as the apps build them

interface Synthesized {
  readonly label: string;
  readonly outdir: string;
  readonly stackName: string;
  readonly template: any;
  /** S3Key of a function's code -> its directory in the cloud assembly. */
  readonly assets: Record<string, string>;
}

function appContext(example: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'examples', example, 'cdk.json'), 'utf-8')).context;
}

function synthesize(label: string, example: string, extraContext: Record<string, string>, build: (app: App) => Stack): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'rehearsal-cdk-'));
  const app = new App({ outdir, context: { ...appContext(example), ...extraContext } });
  const stack = build(app);
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template;
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, `${stack.artifactId}.assets.json`), 'utf-8'));
  const assets: Record<string, string> = {};
  for (const file of Object.values<any>(manifest.files)) {
    for (const destination of Object.values<any>(file.destinations)) {
      assets[destination.objectKey] = path.join(outdir, file.source.path);
    }
  }
  return { label, outdir, stackName: stack.stackName, template, assets };
}

/** As app.ts reads context: `-c fullAccount=true` becomes the fullAccount prop. */
function fullAccountOf(app: App): boolean {
  return String(app.node.tryGetContext('fullAccount')) === 'true';
}

const STACKS: Synthesized[] = [
  synthesize('message-wall (default context)', 'message-wall', {}, app => new MessageWallStack(app, 'MessageWall', { fullAccount: fullAccountOf(app) })),
  synthesize('message-wall (-c fullAccount=true)', 'message-wall', { fullAccount: 'true' }, app => new MessageWallStack(app, 'MessageWall', { fullAccount: fullAccountOf(app) })),
  synthesize('ml-inference (default context)', 'ml-inference', {}, app => new MlInferenceStack(app, 'MLInference', { fullAccount: fullAccountOf(app) })),
  synthesize('ml-inference (-c fullAccount=true)', 'ml-inference', { fullAccount: 'true' }, app => new MlInferenceStack(app, 'MLInference', { fullAccount: fullAccountOf(app) })),
];

// ---------------------------------------------------------------- intrinsic functions, and CloudFormation's strings

function stackIdOf(stackName: string, suffix = '1'): string {
  return `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stackName}/0000000${suffix}-aaaa-bbbb-cccc-ddddeeeeffff`;
}

function fakeHex(seed: string, length: number): string {
  return crypto.createHash('sha256').update(seed).digest('hex').slice(0, length);
}

function functionNameOf(stackName: string, logicalId: string): string {
  return `${stackName}-${logicalId}-${fakeHex(logicalId, 12).toUpperCase()}`.slice(0, 64);
}

/** What `Ref` answers for a resource, plausibly (AWS::EFS::FileSystem: fs-..., AWS::Lambda::Function: its name, ...). */
function refOf(template: any, stackName: string, logicalId: string): string {
  const type: string = template.Resources[logicalId]?.Type;
  const prefixes: Record<string, string> = {
    'AWS::EFS::FileSystem': 'fs-',
    'AWS::EFS::AccessPoint': 'fsap-',
    'AWS::EC2::VPC': 'vpc-',
    'AWS::EC2::Subnet': 'subnet-',
    'AWS::EC2::SecurityGroup': 'sg-',
    'AWS::EC2::RouteTable': 'rtb-',
  };
  if (type === 'AWS::Lambda::Function') {
    return functionNameOf(stackName, logicalId);
  }
  if (type === undefined) {
    throw new Error(`Ref to ${logicalId}, which is not a resource of the template (parameters are not modelled)`);
  }
  return prefixes[type] ? `${prefixes[type]}${fakeHex(logicalId, 17)}` : `${logicalId}-${fakeHex(logicalId, 8)}`;
}

function resolve(value: any, template: any, stackName: string): any {
  if (Array.isArray(value)) {
    return value.map(v => resolve(v, template, stackName));
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
    const [fn, args] = [keys[0], value[keys[0]]];
    const pseudo: Record<string, string> = {
      'AWS::AccountId': ACCOUNT,
      'AWS::Region': REGION,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': stackName,
      'AWS::StackId': stackIdOf(stackName),
    };
    switch (fn) {
      case 'Ref':
        return pseudo[args] ?? refOf(template, stackName, args);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = args as [string, string];
        const type = template.Resources[logicalId]?.Type;
        if (type === 'AWS::Lambda::Function' && attribute === 'Arn') {
          return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionNameOf(stackName, logicalId)}`;
        }
        if (type === 'AWS::EC2::VPC' && attribute === 'DefaultSecurityGroup') {
          return `sg-${fakeHex(`${logicalId}.default`, 17)}`;
        }
        if (attribute === 'Arn') {
          return `arn:aws:fake:${REGION}:${ACCOUNT}:${logicalId}`;
        }
        return `${logicalId}.${attribute}-${fakeHex(`${logicalId}.${attribute}`, 8)}`;
      }
      case 'Fn::Join':
        return resolve(args[1], template, stackName).join(args[0]);
      case 'Fn::Select':
        return resolve(args[1], template, stackName)[Number(resolve(args[0], template, stackName))];
      case 'Fn::GetAZs':
        return [`${REGION}a`, `${REGION}b`, `${REGION}c`];
      case 'Fn::Sub':
        return (args as string).replace(/\$\{([^}]+)\}/g, (_m: string, name: string) => String(resolve(
          name.includes('.') ? { 'Fn::GetAtt': name.split('.') } : { Ref: name }, template, stackName)));
      default:
        throw new Error(`the rehearsal does not resolve ${fn}: ${JSON.stringify(value)}`);
    }
  }
  return Object.fromEntries(keys.map(k => [k, resolve(value[k], template, stackName)]));
}

/**
 * ResourceProperties as CloudFormation hands them to a custom resource: every scalar a string
 * (booleans "true"/"false", numbers in decimal), lists and objects kept with their scalars
 * stringified (CloudFormation User Guide, "Custom resource request objects").
 */
function asCloudFormationSends(value: any): any {
  if (Array.isArray(value)) {
    return value.map(asCloudFormationSends);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asCloudFormationSends(v)]));
  }
  if (typeof value === 'boolean') {
    return value ? 'true' : 'false';
  }
  if (typeof value === 'number') {
    return String(value);
  }
  return value;
}

// ---------------------------------------------------------------- what the template says about each custom resource

interface FunctionSpec {
  logicalId: string;
  name: string;
  arn: string;
  assetDir: string;
  handler: string;
  runtime: string;
  timeout: number;
  memorySize: number;
  environment: Record<string, string>;
  mountPath?: string;
  accessPoint?: string;
  /** Its environment names another function of the stack: it calls the Lambda API (a dispatcher). */
  callsLambda: boolean;
  /** It mounts an access point and its role may mount but not write (ClientMount, no ClientWrite): EFS gives it read-only access. */
  readOnlyMount: boolean;
}

/** The EFS client actions the policies attached to `roleLogicalId` allow. */
function efsActionsOf(stack: Synthesized, roleLogicalId: string | undefined): string[] {
  return Object.values<any>(stack.template.Resources)
    .filter(r => (r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy')
      && (r.Properties.Roles ?? []).some((role: any) => role?.Ref === roleLogicalId))
    .flatMap(r => r.Properties.PolicyDocument.Statement)
    .filter((statement: any) => statement.Effect === 'Allow')
    .flatMap((statement: any) => [statement.Action].flat())
    .filter((action: string) => action.startsWith('elasticfilesystem:'));
}

function functionSpec(stack: Synthesized, logicalId: string): FunctionSpec {
  const resource = stack.template.Resources[logicalId];
  expect(resource?.Type).toBe('AWS::Lambda::Function');
  const props = resource.Properties;
  const assetDir = stack.assets[props.Code.S3Key];
  if (!assetDir) {
    throw new Error(`${logicalId}: its code (${JSON.stringify(props.Code)}) is not an asset of the cloud assembly`);
  }
  const rawEnvironment = props.Environment?.Variables ?? {};
  const environment = asCloudFormationSends(resolve(rawEnvironment, stack.template, stack.stackName));
  const callsLambda = Object.values<any>(rawEnvironment).some(v => JSON.stringify(v).match(/"(Ref|Fn::GetAtt)":\s*\[?"([^"]+)"/)
    && stack.template.Resources[JSON.stringify(v).match(/"(?:Ref|Fn::GetAtt)":\s*\[?"([^"]+)"/)![1]]?.Type === 'AWS::Lambda::Function');
  const mount = props.FileSystemConfigs?.[0];
  const accessPointRef = mount ? JSON.stringify(mount.Arn).match(/"Ref":"([^"]+)"/)?.[1] : undefined;
  const efsActions = efsActionsOf(stack, props.Role?.['Fn::GetAtt']?.[0]);
  return {
    logicalId,
    name: functionNameOf(stack.stackName, logicalId),
    arn: resolve({ 'Fn::GetAtt': [logicalId, 'Arn'] }, stack.template, stack.stackName),
    assetDir,
    handler: props.Handler,
    runtime: props.Runtime,
    // Lambda's defaults when the template leaves them out: 3 s, 128 MB.
    timeout: props.Timeout ?? 3,
    memorySize: props.MemorySize ?? 128,
    environment,
    mountPath: mount?.LocalMountPath,
    accessPoint: accessPointRef,
    callsLambda,
    readOnlyMount: mount !== undefined && efsActions.includes('elasticfilesystem:ClientMount') && !efsActions.includes('elasticfilesystem:ClientWrite'),
  };
}

function serviceTokenFunction(resource: any): string {
  const token = resource.Properties.ServiceToken;
  const logicalId = token?.['Fn::GetAtt']?.[0] ?? token?.Ref;
  if (!logicalId) {
    throw new Error(`ServiceToken ${JSON.stringify(token)} does not name a function of the stack`);
  }
  return logicalId;
}

function customResources(stack: Synthesized): Array<[string, any]> {
  return Object.entries<any>(stack.template.Resources)
    .filter(([, r]) => r.Type.startsWith('Custom::') || r.Type === 'AWS::CloudFormation::CustomResource');
}

/** The attributes of `logicalId` that the template reads with Fn::GetAtt (they must be keys of the answer's Data). */
function attributesRead(template: any, logicalId: string): string[] {
  const found = new Set<string>();
  const walk = (value: any): void => {
    if (Array.isArray(value)) {
      value.forEach(walk);
    } else if (value && typeof value === 'object') {
      const getAtt = value['Fn::GetAtt'];
      if (Array.isArray(getAtt) && getAtt[0] === logicalId) {
        found.add(getAtt[1]);
      } else if (typeof getAtt === 'string' && getAtt.startsWith(`${logicalId}.`)) {
        found.add(getAtt.slice(logicalId.length + 1));
      }
      Object.values(value).forEach(walk);
    }
  };
  walk({ Resources: template.Resources, Outputs: template.Outputs });
  return [...found].sort();
}

/** The custom resources of aws-cdk-lib itself whose handlers are Node.js and call EC2: not emulated here. */
const AWS_CDK_LIB_RESOURCE_TYPES = ['Custom::VpcRestrictDefaultSG'];

// ---------------------------------------------------------------- the local mirror: wheels named as the indexes publish them

/**
 * The filename each pinned requirement of the ml-inference example has on its index, per machine,
 * for CPython 3.13. torch and torchvision: PyTorch's CPU index (x86_64 `linux_x86_64`, aarch64
 * `manylinux_2_28_aarch64`). Pillow: PyPI's name (the compressed tag set; confirmed against PyPI by
 * the last test of this file). The example installs from PyTorch's index alone, so the rehearsal
 * serves Pillow there under PyPI's filename: that PyTorch's index mirrors Pillow 11.1.0 for cp313
 * is assumed here, not verified (download.pytorch.org is not reachable from this machine).
 */
const PUBLISHED_WHEELS: Record<string, Record<'x86_64' | 'aarch64', string>> = {
  'torch==2.6.0+cpu': { x86_64: 'torch-2.6.0+cpu-cp313-cp313-linux_x86_64.whl', aarch64: 'torch-2.6.0+cpu-cp313-cp313-manylinux_2_28_aarch64.whl' },
  'torchvision==0.21.0+cpu': {
    x86_64: 'torchvision-0.21.0+cpu-cp313-cp313-linux_x86_64.whl', aarch64: 'torchvision-0.21.0+cpu-cp313-cp313-manylinux_2_28_aarch64.whl',
  },
  'Pillow==11.1.0': {
    x86_64: 'pillow-11.1.0-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
    aarch64: 'pillow-11.1.0-cp313-cp313-manylinux_2_17_aarch64.manylinux2014_aarch64.whl',
  },
  // The Update's new input (a new deployment that moves Pillow back a release).
  'Pillow==11.0.0': {
    x86_64: 'pillow-11.0.0-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
    aarch64: 'pillow-11.0.0-cp313-cp313-manylinux_2_17_aarch64.manylinux2014_aarch64.whl',
  },
};
/** The requirements PyPI serves (the others are PyTorch's own builds). */
const FROM_PYPI = ['Pillow==11.1.0', 'Pillow==11.0.0'];
const UPDATED_REQUIREMENT: [string, string] = ['Pillow==11.1.0', 'Pillow==11.0.0'];
/** Not on any index: the deliberately failing Create. */
const MISSING_REQUIREMENT = 'rehearsal-no-such-package==1.0.0';

/**
 * Stand-ins for the packages' code (the wheels' names and tags are the real ones; their content is
 * not): enough of torch for the example's warm-up to run as it is, so the rehearsal checks that the
 * warm-up finds the hub repository and the checkpoint at the paths the model files put them, loads
 * the checkpoint with weights_only=True, and downloads nothing. The hub repository's hubconf.py is a
 * stand-in too: it asks torch.hub.load_state_dict_from_url for the checkpoint URL of the example
 * (CHECKPOINT_URL), as the pinned commit's hubconf.py does.
 */
const STAND_INS = {
  torch: {
    'torch/__init__.py': [
      '"""Rehearsal stand-in for torch: load() reads a file, hub.load() runs a local hubconf.py."""',
      'from . import hub',
      'def load(f, map_location=None, weights_only=None, **kwargs):',
      '    if weights_only is not True:',
      '        raise RuntimeError("rehearsal: torch.load without weights_only=True")',
      '    with open(f, "rb") as handle:',
      '        return {"bytes": len(handle.read())}',
      '',
    ].join('\n'),
    'torch/hub.py': [
      'import importlib.util, os, sys',
      'def load_state_dict_from_url(url, *args, **kwargs):',
      '    raise RuntimeError("rehearsal: the warm-up must not download " + url)',
      'def load(repo_or_dir, model, *args, source="github", **kwargs):',
      '    if source != "local":',
      '        raise RuntimeError("rehearsal: torch.hub.load would download (source=%r)" % source)',
      '    spec = importlib.util.spec_from_file_location("hubconf", os.path.join(repo_or_dir, "hubconf.py"))',
      '    module = importlib.util.module_from_spec(spec)',
      '    sys.path.insert(0, repo_or_dir)',
      '    spec.loader.exec_module(module)',
      '    return getattr(module, model)(*args, **kwargs)',
      '',
    ].join('\n'),
  },
  torchvision: { 'torchvision/__init__.py': '"""Rehearsal stand-in for torchvision."""\n' },
  pillow: { 'PIL/__init__.py': '"""Rehearsal stand-in for Pillow."""\n' },
  hubconf: [
    '"""Rehearsal stand-in for the pinned ntsnet-cub200 hubconf.py."""',
    'import torch',
    `cub_200_2011_state_dict_url = ${JSON.stringify(CHECKPOINT_URL)}`,
    'def ntsnet(pretrained=False, **kwargs):',
    '    if pretrained:',
    '        from torch.hub import load_state_dict_from_url',
    '        state = load_state_dict_from_url(cub_200_2011_state_dict_url, progress=True)',
    '        assert state["bytes"] > 0, state',
    '        print("rehearsal: warm-up loaded the checkpoint from the set, %d bytes" % state["bytes"])',
    '    return {"model": "ntsnet", **kwargs}',
    '',
  ].join('\n'),
};

function hostPath(url: string): string {
  expect(url).toMatch(/^https:\/\//);
  return url.slice('https://'.length);
}

/** The mirror of the indexes and hosts the installers' manifests name. */
function mirrorFor(installers: Array<{ manifest: any }>): object {
  const simpleIndexes: Record<string, object[]> = {};
  const files: Record<string, object> = {};
  const redirects: Record<string, string> = {};
  for (const { manifest } of installers) {
    const options: string[] = manifest.contents.pipOptions;
    const index = hostPath(options[options.indexOf('--index-url') + 1]);
    const wheels = Object.entries(PUBLISHED_WHEELS).flatMap(([requirement, byMachine]) => Object.values(byMachine).map(filename => {
      const project = filename.split('-')[0];
      const modules = project === 'torch' ? STAND_INS.torch : project === 'torchvision' ? STAND_INS.torchvision : STAND_INS.pillow;
      return { filename, modules, requirement };
    }));
    simpleIndexes[index] = wheels;
    for (const file of manifest.contents.modelFiles as any[]) {
      const where = hostPath(file.url);
      // GitHub answers archive and release-asset URLs with a redirect to another host (https): the installer follows it.
      const archive = /^github\.com\/([^/]+)\/([^/]+)\/archive\/([0-9a-f]{40})\.zip$/.exec(where);
      const release = /^github\.com\/([^/]+)\/([^/]+)\/releases\/download\/(.+)$/.exec(where);
      if (archive) {
        const target = `codeload.github.com/${archive[1]}/${archive[2]}/zip/${archive[3]}`;
        redirects[where] = target;
        files[target] = { zip: { [`${archive[2]}-${archive[3]}/hubconf.py`]: STAND_INS.hubconf } };
      } else if (release) {
        const target = `objects.githubusercontent.com/github-production-release-asset/${fakeHex(where, 12)}`;
        redirects[where] = target;
        files[target] = { text: `rehearsal stand-in for ${file.url}\n` };
      } else {
        files[where] = { text: `rehearsal stand-in for ${file.url}\n` };
      }
    }
  }
  return { simpleIndexes, files, redirects };
}

// ---------------------------------------------------------------- the plan and the run

interface Rehearsed {
  stack: Synthesized;
  logicalId: string;
  label: string;
  props: any;
  tokenFunction: FunctionSpec;
  /** The plan's key of the install function (handler installer.handler) of the stack. */
  installKey: string;
  /** The plan's key of the warm-up function (handler installer.warm_up_handler), which has the install function's code. */
  warmUpKey?: string;
  /** Its synthesized manifest.json: the deployment's inputs. */
  manifest: any;
}

const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-rehearsal-'));
const rehearsed: Rehearsed[] = [];
const nodeHandlers: Array<{ stack: Synthesized; logicalId: string; resource: any }> = [];
const functions: Record<string, FunctionSpec> = {};

for (const stack of STACKS) {
  for (const [logicalId, resource] of customResources(stack)) {
    const tokenLogicalId = serviceTokenFunction(resource);
    const runtime: string = stack.template.Resources[tokenLogicalId].Properties.Runtime;
    if (runtime.startsWith('nodejs')) {
      nodeHandlers.push({ stack, logicalId, resource });
      continue;
    }
    const key = `${stack.label}:${tokenLogicalId}`;
    const spec = functionSpec(stack, tokenLogicalId);
    functions[key] = { ...spec, logicalId: key, accessPoint: spec.accessPoint && `${stack.label}:${spec.accessPoint}` };
    // Every other Python function of the stack, so that a dispatcher's Invoke finds the one it names.
    for (const [otherId, other] of Object.entries<any>(stack.template.Resources)) {
      if (other.Type === 'AWS::Lambda::Function' && other.Properties.Runtime?.startsWith('python') && otherId !== tokenLogicalId) {
        const otherSpec = functionSpec(stack, otherId);
        functions[`${stack.label}:${otherId}`] = {
          ...otherSpec,
          logicalId: `${stack.label}:${otherId}`,
          accessPoint: otherSpec.accessPoint && `${stack.label}:${otherSpec.accessPoint}`,
        };
      }
    }
    const props = asCloudFormationSends(resolve(resource.Properties, stack.template, stack.stackName));
    const installKey = Object.keys(functions).find(k => k.startsWith(`${stack.label}:`) && functions[k].handler === 'installer.handler')!;
    const warmUpKey = Object.keys(functions).find(k => k.startsWith(`${stack.label}:`) && functions[k].handler === 'installer.warm_up_handler');
    const manifest = JSON.parse(fs.readFileSync(path.join(functions[installKey].assetDir, 'manifest.json'), 'utf-8'));
    rehearsed.push({
      stack, logicalId, label: `${stack.label} ${logicalId} (${resource.Type})`, props, tokenFunction: functions[key], installKey, warmUpKey, manifest,
    });
  }
}

/** A deployment: the install function's manifest and the custom resource's properties (the set id). */
interface Deployed {
  props: any;
  manifest: any;
}

/** A new deployment's inputs: its requirements, and the new set id the construct's hash of the inputs would give. */
function deploymentWith(item: Rehearsed, requirements: string[]): Deployed {
  expect(requirements).not.toEqual(item.manifest.contents.requirements);
  const contents = { ...item.manifest.contents, requirements };
  const setId = fakeHex(JSON.stringify(contents), 16);
  return { props: { ...item.props, SetId: setId }, manifest: { ...item.manifest, setId, contents } };
}

function changedInputs(item: Rehearsed): Deployed {
  const [from, to] = UPDATED_REQUIREMENT;
  return deploymentWith(item, (item.manifest.contents.requirements as string[]).map(r => (r === from ? to : r)));
}

function scenariosFor(item: Rehearsed): object[] {
  const { stack, label } = item;
  const accessPoint = label;
  const props = item.props;
  // The warm-up function's code is the install function's: a deployment gives both the same manifest.
  const code = (manifest: any) => ({ [item.installKey]: manifest, ...(item.warmUpKey ? { [item.warmUpKey]: manifest } : {}) });
  const original = code(item.manifest);
  const { props: changed, manifest: changedManifest } = changedInputs(item);
  const { props: failing, manifest: failingManifest } = deploymentWith(item, [...item.manifest.contents.requirements, MISSING_REQUIREMENT]);
  return [
    {
      name: 'lifecycle',
      stackId: stackIdOf(stack.stackName),
      accessPoint,
      deployments: [
        { name: 'Create', kind: 'create', properties: props, code: original, stackStatus: 'CREATE_IN_PROGRESS' },
        // The new inputs install; another resource of the update then fails (no cleanup phase: the stack rolls back).
        { name: 'Update (new inputs)', kind: 'update', properties: changed, code: code(changedManifest), stackStatus: 'UPDATE_IN_PROGRESS' },
        {
          // CloudFormation restores the install function's previous code (and manifest) before the custom resource's rollback Update.
          name: 'Update (the stack rollback: old inputs back)',
          kind: 'update',
          properties: props,
          code: original,
          stackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS',
          cleanupStatus: 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
        },
        // The same new inputs again, this time the update succeeds and CloudFormation cleans up.
        {
          name: 'Update (new inputs, the update completes)',
          kind: 'update',
          properties: changed,
          code: code(changedManifest),
          stackStatus: 'UPDATE_IN_PROGRESS',
          cleanupStatus: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
        },
        { name: 'Delete (the stack is deleted)', kind: 'delete', stackStatus: 'DELETE_IN_PROGRESS' },
      ],
    },
    {
      name: 'failing Create (a requirement no index has) and its rollback',
      stackId: stackIdOf(stack.stackName, '2'),
      accessPoint: `${accessPoint}:fresh`,
      deployments: [{ name: 'Create (fails)', kind: 'create', properties: failing, code: code(failingManifest), stackStatus: 'CREATE_IN_PROGRESS' }],
    },
    ...(item.tokenFunction.callsLambda ? [
      {
        // The Lambda API's answer when the install function cannot mount the access point (Lambda API Reference, Invoke, Errors).
        name: 'the install function cannot run: Create and its rollback',
        stackId: stackIdOf(stack.stackName, '3'),
        accessPoint: `${accessPoint}:unmountable`,
        deployments: [{
          name: 'Create (Invoke: EFSMountFailureException)',
          kind: 'create',
          properties: props,
          code: original,
          stackStatus: 'CREATE_IN_PROGRESS',
          invokeError: 'EFSMountFailureException',
        }],
      },
      {
        name: 'the install function cannot run: a stack rollback and the stack\'s Delete',
        stackId: stackIdOf(stack.stackName, '4'),
        accessPoint: `${accessPoint}:unmountable-later`,
        deployments: [
          { name: 'Create', kind: 'create', properties: props, code: original, stackStatus: 'CREATE_IN_PROGRESS' },
          { name: 'Update (new inputs)', kind: 'update', properties: changed, code: code(changedManifest), stackStatus: 'UPDATE_IN_PROGRESS' },
          {
            name: 'Update (the stack rollback; Invoke: EFSMountFailureException)',
            kind: 'update',
            properties: props,
            code: original,
            stackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS',
            cleanupStatus: 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
            invokeError: 'EFSMountFailureException',
          },
          { name: 'Delete (Invoke: EFSMountFailureException)', kind: 'delete', stackStatus: 'DELETE_IN_PROGRESS', invokeError: 'EFSMountFailureException' },
        ],
      },
    ] : []),
  ];
}

/** The installer's own files beside the sets (README, "Sets, rollbacks and cleanup"): its lock, its history and its trash. */
const INSTALLER_FILES = ['.lock', 'history.json', '.trash'];

let report: any;
let harnessSeconds = 0;

beforeAll(() => {
  if (rehearsed.length === 0) {
    return;
  }
  const accessPoints = rehearsed.flatMap(item => scenariosFor(item).map((s: any) => s.accessPoint));
  const plan = {
    work: WORK,
    functions: Object.fromEntries(Object.entries(functions).map(([key, spec]) => [key, spec])),
    mirror: mirrorFor(rehearsed),
    resources: rehearsed.map(item => ({
      label: item.label,
      logicalId: item.logicalId,
      resourceType: item.stack.template.Resources[item.logicalId].Type,
      serviceTokenFunction: item.tokenFunction.logicalId,
      scenarios: scenariosFor(item),
    })),
    accessPoints,
  };
  const planPath = path.join(WORK, 'plan.json');
  const reportPath = path.join(WORK, 'report.json');
  fs.writeFileSync(planPath, JSON.stringify(plan, null, 1));
  const started = Date.now();
  const run = spawnSync(PYTHON, [HARNESS, planPath, reportPath], { encoding: 'utf-8', timeout: 110_000 });
  harnessSeconds = (Date.now() - started) / 1000;
  if (run.status !== 0) {
    throw new Error(`the rehearsal harness failed (${run.status ?? run.signal}):\n${run.stdout}\n${run.stderr}`);
  }
  report = JSON.parse(fs.readFileSync(reportPath, 'utf-8'));
});

// KEEP_REHEARSAL=1 keeps the plan, the report, every invocation's log and the access points' folders for a look.
afterAll(() => {
  if (process.env.KEEP_REHEARSAL === undefined) {
    fs.rmSync(WORK, { recursive: true, force: true });
    STACKS.forEach(stack => fs.rmSync(stack.outdir, { recursive: true, force: true }));
  }
});

function stepsOf(label: string, scenario: string): any[] {
  const result = report.results.find((r: any) => r.resource === label && r.scenario === scenario);
  expect(result).toBeDefined();
  return result.steps;
}

/** Everything CloudFormation needs of one answer: one PUT, JSON, at most 4096 bytes, the request's ids echoed, in time. */
function expectAnswered(step: any, status: 'SUCCESS' | 'FAILED'): any {
  const where = `${step.step} (${step.event.RequestType})`;
  const invocation = step.invocation;
  const context = `${where}: handler log:\n${invocation.log}\nPUTs: ${JSON.stringify(step.puts)}`;
  if (step.puts.length !== 1) {
    throw new Error(`${where}: CloudFormation needs exactly one answer PUT on the ResponseURL, got ${step.puts.length}; `
      + `the handler returned ${JSON.stringify(invocation.result)} (an invocation's return value goes nowhere: CloudFormation invokes `
      + `the ServiceToken asynchronously and waits for the PUT until the ServiceTimeout)\n${context}`);
  }
  const put = step.puts[0];
  expect({ where, bytes: put.bytes, fits: put.bytes <= MAX_RESPONSE_BYTES }).toEqual({ where, bytes: put.bytes, fits: true });
  const answer = JSON.parse(put.body);
  expect({ where, status: answer.Status, reason: answer.Reason }).toEqual({ where, status, reason: answer.Reason });
  expect(answer).toMatchObject({
    StackId: step.event.StackId,
    RequestId: step.event.RequestId,
    LogicalResourceId: step.event.LogicalResourceId,
    PhysicalResourceId: expect.any(String),
  });
  expect(answer.PhysicalResourceId.length).toBeGreaterThan(0);
  // The physical id is limited to 1 KB (CloudFormation User Guide, custom resource response objects).
  expect(Buffer.byteLength(answer.PhysicalResourceId)).toBeLessThanOrEqual(1024);
  if (status === 'FAILED') {
    expect(typeof answer.Reason).toBe('string');
  }
  if (answer.Data !== undefined) {
    expect(typeof answer.Data).toBe('object');
  }
  // Within the function's Timeout (Lambda kills it there and nothing answers).
  expect({ where, timedOut: invocation.timedOut, within: invocation.seconds < invocation.timeout }).toEqual({ where, timedOut: false, within: true });
  for (const call of step.sdkCalls.filter((c: any) => c.api === 'Lambda.Invoke' && c.outcome)) {
    expect({ where, nestedTimedOut: call.outcome.timedOut, within: call.outcome.seconds < call.outcome.timeout })
      .toEqual({ where, nestedTimedOut: false, within: true });
  }
  return answer;
}

// ---------------------------------------------------------------- the tests

describe('deploy rehearsal: every custom resource of the example templates, through its real handler', () => {
  test('the examples have the custom resources this file knows how to rehearse', () => {
    const found = STACKS.map(stack => [stack.label, customResources(stack).map(([, r]) => r.Type).sort()]);
    expect(found).toEqual([
      ['message-wall (default context)', ['Custom::VpcRestrictDefaultSG']],
      ['message-wall (-c fullAccount=true)', ['Custom::VpcRestrictDefaultSG']],
      ['ml-inference (default context)', ['Custom::EfsDependencySet', 'Custom::VpcRestrictDefaultSG']],
      ['ml-inference (-c fullAccount=true)', ['Custom::EfsDependencySet', 'Custom::VpcRestrictDefaultSG']],
    ]);
  });

  // aws-cdk-lib's own Node.js handler (it revokes the default security group's rules through EC2)
  // is not emulated: there is no EC2 here, and its code is aws-cdk-lib's. What the stack decides
  // about it is asserted from the template instead: a ServiceTimeout (1 to 3600 s), so a handler
  // that never answers fails the deploy or rollback then rather than after CloudFormation's hour,
  // and no EFS mount (it must answer even when the file system cannot be mounted).
  test('aws-cdk-lib\'s own custom resources: a ServiceTimeout within 1..3600 s and no EFS mount (not emulated)', () => {
    expect(nodeHandlers.length).toBe(4);
    for (const { stack, logicalId, resource } of nodeHandlers) {
      expect({ logicalId, type: AWS_CDK_LIB_RESOURCE_TYPES.includes(resource.Type) }).toEqual({ logicalId, type: true });
      const timeout = Number(resource.Properties.ServiceTimeout);
      expect({ logicalId, timeout, inRange: timeout >= 1 && timeout <= 3600 }).toEqual({ logicalId, timeout, inRange: true });
      const fn = stack.template.Resources[serviceTokenFunction(resource)].Properties;
      expect(fn.FileSystemConfigs).toBeUndefined();
      // The handler's Timeout is within the ServiceTimeout: it answers (or fails) before CloudFormation gives up.
      expect(fn.Timeout ?? 3).toBeLessThanOrEqual(timeout);
    }
  });

  test('the rehearsed handlers are found in the template: code asset, handler, runtime, Timeout, environment with the mount path', () => {
    expect(rehearsed.map(item => item.label)).toEqual([
      'ml-inference (default context) DependenciesInstall5F34F523 (Custom::EfsDependencySet)',
      'ml-inference (-c fullAccount=true) DependenciesInstall5F34F523 (Custom::EfsDependencySet)',
    ]);
    for (const item of rehearsed) {
      const fn = item.tokenFunction;
      expect(fs.existsSync(path.join(fn.assetDir, `${fn.handler.split('.')[0]}.py`))).toBe(true);
      expect(fn.runtime).toMatch(/^python3\.\d+$/);
      // CloudFormation's ServiceTimeout (a property, as CloudFormation reads it) covers the handler's Timeout.
      expect(Number(item.props.ServiceTimeout)).toBeGreaterThanOrEqual(fn.timeout);
      expect(Number(item.props.ServiceTimeout)).toBeLessThanOrEqual(3600);
      // Every property is a string, or a list or object of strings: CloudFormation's form.
      expect(JSON.stringify(item.props, (_k, v) => (typeof v === 'number' || typeof v === 'boolean' ? `NOT A STRING: ${v}` : v)))
        .not.toContain('NOT A STRING');
    }
  });

  test('the handlers run with the access point standing in for the EFS mount, through an environment variable they read', () => {
    for (const result of report.results) {
      for (const step of result.steps) {
        const invocations = [step.invocation, ...step.sdkCalls.filter((c: any) => c.api === 'Lambda.Invoke' && c.outcome).map((c: any) => c.outcome)];
        for (const invocation of invocations) {
          const fn = Object.values(functions).find(f => f.name === invocation.function)!;
          if (fn.mountPath) {
            // Without one, the rehearsal could not point the handler at a local folder: the installer would lack a mount-path option.
            expect({ fn: fn.name, variables: invocation.mountVariables.length > 0 }).toEqual({ fn: fn.name, variables: true });
          }
        }
      }
    }
  });

  describe.each(rehearsed.map(item => [item.label, item]))('%s', (_label, item) => {
    const setsOf = (step: any) => step.setsAfter;

    test('lifecycle: Create, Update, the rollback\'s Update, a completed Update with its cleanup, Delete: all SUCCESS as CloudFormation needs', () => {
      const steps = stepsOf(item.label, 'lifecycle');
      const names = steps.map((s: any) => `${s.step} [${s.event.RequestType}]`);
      const created = expectAnswered(steps[0], 'SUCCESS');
      const updated = expectAnswered(steps[1], 'SUCCESS');
      const rolledBack = expectAnswered(steps[2], 'SUCCESS');

      // Data: every attribute the template reads with Fn::GetAtt is a key of the answer's Data.
      for (const answer of [created, updated, rolledBack]) {
        for (const attribute of attributesRead(item.stack.template, item.logicalId)) {
          expect(Object.keys(answer.Data ?? {})).toContain(attribute);
        }
      }
      // The Update and the rollback's Update carry what CloudFormation sends: the physical id in place, the old properties.
      expect(steps[1].event.PhysicalResourceId).toBe(created.PhysicalResourceId);
      expect(steps[1].event.OldResourceProperties).toEqual(steps[0].event.ResourceProperties);
      expect(steps[2].event.OldResourceProperties).toEqual(steps[1].event.ResourceProperties);
      expect(steps[2].event.PhysicalResourceId).toBe(updated.PhysicalResourceId);

      // The rollback's Update answers the physical id the stack had before the update: CloudFormation's record is back where it was.
      expect(rolledBack.PhysicalResourceId).toBe(created.PhysicalResourceId);
      // The rollback installs nothing and downloads nothing (README: "No install and no download"): the old set is still complete.
      expect(steps[2].mirrorRequests ?? []).toEqual([]);
      expect(setsOf(steps[0]).complete).toEqual([item.props.SetId]);
      expect(setsOf(steps[1]).complete).toEqual([item.props.SetId, changedInputs(item).props.SetId].sort());
      expect(setsOf(steps[2]).complete).toContain(item.props.SetId);

      // The physical id is stable per installer: a new set is an Update in place, so CloudFormation sends no cleanup Delete
      // (CloudFormation User Guide, Update request type: only a new physical id is a replacement).
      expect(names).toEqual([
        'Create [Create]', 'Update (new inputs) [Update]', 'Update (the stack rollback: old inputs back) [Update]',
        'Update (new inputs, the update completes) [Update]', 'Delete (the stack is deleted) [Delete]',
      ]);
      const again = expectAnswered(steps[3], 'SUCCESS');
      expect(again.PhysicalResourceId).toBe(created.PhysicalResourceId);
      expect(setsOf(steps[3]).complete).toEqual([item.props.SetId, changedInputs(item).props.SetId].sort());

      // The stack's Delete: CloudFormation confirms it (DescribeStackResource: DELETE_IN_PROGRESS under this physical id), so the
      // installer drops its history, and its sets, which no installer names any more, are collected.
      const deleted = expectAnswered(steps[4], 'SUCCESS');
      expect(deleted.PhysicalResourceId).toBe(steps[4].event.PhysicalResourceId);
      expect(steps[4].sdkCalls.filter((c: any) => c.api === 'CloudFormation.DescribeStackResource').map((c: any) => c.answer.ResourceStatus))
        .toEqual(['DELETE_IN_PROGRESS']);
      expect(setsOf(steps[4]).complete).toEqual([]);
    });

    // CloudFormation reads a changed PhysicalResourceId in an Update's answer as a replacement, and sends a Delete of the
    // other id in the cleanup phase. The installer's id is `<file system>:<access point>:<logical id>`: one per installer, so a
    // new set is no replacement, and the only Delete it gets is its own removal.
    test('PhysicalResourceId: one per installer, whatever the set; no cleanup Delete follows a new set', () => {
      const steps = stepsOf(item.label, 'lifecycle');
      const physicals = new Set(steps.filter((s: any) => s.event.RequestType !== 'Delete').map((s: any) => s.answer?.PhysicalResourceId));
      expect([...physicals]).toEqual([expect.stringMatching(new RegExp(`^fs-\\w+:fsap-\\w+:${item.logicalId}$`))]);
      expect(steps.filter((s: any) => s.step.includes('cleanup Delete'))).toEqual([]);
    });

    test('the install function refuses an event for a set its deployed manifest does not name', () => {
      // The lifecycle's rollback Update ran with the previous code restored: its manifest names the old set, as the event does.
      const steps = stepsOf(item.label, 'lifecycle');
      for (const step of steps.filter((s: any) => s.event.RequestType !== 'Delete')) {
        expect(step.answer.Reason).not.toContain('refused');
      }
    });

    test('the warm-up ran from the new set and found the model files where they were put', () => {
      const create = stepsOf(item.label, 'lifecycle')[0];
      const logs = [create.invocation.log, ...create.sdkCalls.map((c: any) => c.outcome?.log ?? '')].join('\n');
      expect(logs).toContain('rehearsal: warm-up loaded the checkpoint from the set');
    });

    test('the install function has the warm-up function run the warm-up, synchronously, with the set id only, on a read-only mount', () => {
      expect(item.warmUpKey).toBeDefined();
      const warmUp = functions[item.warmUpKey!];
      const install = functions[item.installKey];
      expect({ warmUp: warmUp.readOnlyMount, install: install.readOnlyMount }).toEqual({ warmUp: true, install: false });
      const steps = stepsOf(item.label, 'lifecycle');
      const warmUpsOf = (step: any) => step.sdkCalls.filter((c: any) => c.api === 'Lambda.Invoke' && c.FunctionName === warmUp.name);
      // Create and the new inputs install; the rollback's Update and the completed Update find their sets complete, the Delete installs nothing.
      const installing = [steps[0], steps[1]];
      for (const step of installing) {
        const [call, ...more] = warmUpsOf(step);
        expect(more).toEqual([]);
        expect(call).toMatchObject({ InvocationType: 'RequestResponse', event: { SetId: step.event.ResourceProperties.SetId }, retries: { total_max_attempts: 1 } });
        expect(Object.keys(call.event)).toEqual(['SetId']);
        expect(call.outcome).toMatchObject({ readOnlyMount: true, timedOut: false, result: { ok: true, value: { Status: 'SUCCESS' } } });
        // It waits no longer than the install's own work: the warm-up's invocation ends inside the install function's.
        expect(call.readTimeout).toBeLessThanOrEqual(install.timeout);
        expect(call.outcome.timeout + Number(install.environment.INSTALL_TIMEOUT_SECONDS) - Number(install.environment.WARM_UP_TIMEOUT_SECONDS))
          .toBeLessThanOrEqual(install.timeout);
      }
      for (const step of [steps[2], steps[3], steps[4]]) {
        expect(warmUpsOf(step)).toEqual([]);
      }
      // A Create whose pip fails never reaches the warm-up.
      expect(warmUpsOf(stepsOf(item.label, 'failing Create (a requirement no index has) and its rollback')[0])).toEqual([]);
    });

    if (item.tokenFunction.callsLambda) {
      test('the dispatcher invokes the install function synchronously with CloudFormation\'s request minus the ResponseURL, never retried', () => {
        for (const step of stepsOf(item.label, 'lifecycle')) {
          const invokes = step.sdkCalls.filter((c: any) => c.api === 'Lambda.Invoke'
            && c.FunctionName === functionNameOf(item.stack.stackName, 'DependenciesFunctionB9685793'));
          expect(invokes.length).toBe(1);
          const { ResponseURL: _url, ...withoutUrl } = step.event;
          expect(invokes[0]).toMatchObject({ InvocationType: 'RequestResponse', FunctionName: functionNameOf(item.stack.stackName, 'DependenciesFunctionB9685793') });
          expect(invokes[0].event).toEqual(withoutUrl);
          // The SDK's read timeout outlasts the install function's Timeout, and the SDK does not retry the Invoke.
          expect(invokes[0].readTimeout).toBeGreaterThan(invokes[0].outcome.timeout);
          expect(invokes[0].retries).toEqual({ total_max_attempts: 1 });
        }
      });

      test('the install function cannot run (Invoke: EFSMountFailureException): Create FAILED naming it, its rollback Delete SUCCESS', () => {
        const steps = stepsOf(item.label, 'the install function cannot run: Create and its rollback');
        expect(steps.map((s: any) => s.event.RequestType)).toEqual(['Create', 'Delete']);
        expect(expectAnswered(steps[0], 'FAILED').Reason).toContain('EFSMountFailureException');
        expectAnswered(steps[1], 'SUCCESS');
      });

      test('the install function cannot run during a stack rollback or the stack\'s Delete: SUCCESS, so nothing ends *_FAILED', () => {
        const steps = stepsOf(item.label, 'the install function cannot run: a stack rollback and the stack\'s Delete');
        expect(steps.map((s: any) => `${s.event.RequestType} ${s.invokeError ?? ''}`.trim())).toEqual([
          'Create', 'Update', 'Update EFSMountFailureException', 'Delete EFSMountFailureException',
        ]);
        const created = expectAnswered(steps[0], 'SUCCESS');
        const updated = expectAnswered(steps[1], 'SUCCESS');
        const rolledBack = expectAnswered(steps[2], 'SUCCESS');
        // The rollback could not confirm the old set: the dispatcher keeps the physical id in place (no replacement, no cleanup Delete).
        expect(rolledBack.PhysicalResourceId).toBe(updated.PhysicalResourceId);
        expect(created.PhysicalResourceId).toBe(updated.PhysicalResourceId);
        expect(rolledBack.Reason).toContain('EFSMountFailureException');
        expect(steps[2].sdkCalls.map((c: any) => c.api)).toEqual(['Lambda.Invoke', 'CloudFormation.DescribeStacks']);
        expect(setsOf(steps[2]).complete).toContain(item.props.SetId);
        expectAnswered(steps[3], 'SUCCESS');
      });
    }

    test('a Create that fails (a requirement no index has) answers FAILED with the reason; the rollback\'s Delete answers SUCCESS', () => {
      const steps = stepsOf(item.label, 'failing Create (a requirement no index has) and its rollback');
      expect(steps.map((s: any) => s.event.RequestType)).toEqual(['Create', 'Delete']);
      const failed = expectAnswered(steps[0], 'FAILED');
      expect(failed.Reason).toContain(MISSING_REQUIREMENT.split('==')[0]);
      expect(failed.Data ?? {}).toEqual({});
      // CloudFormation's rollback deletes the physical id the FAILED answer named.
      expect(steps[1].event.PhysicalResourceId).toBe(failed.PhysicalResourceId);
      expect(steps[1].event.OldResourceProperties).toBeUndefined();
      expectAnswered(steps[1], 'SUCCESS');
      // Nothing is left behind on the access point: no set, no partial one (the installer's lock file aside).
      expect(setsOf(steps[0]).complete).toEqual([]);
      expect(setsOf(steps[0]).other.filter((name: string) => !INSTALLER_FILES.includes(name))).toEqual([]);
    });

    test('what the local mirror served stands for the real hosts: only rewritten https URLs, wheels under their published names', () => {
      const result = report.results.find((r: any) => r.resource === item.label && r.scenario === 'lifecycle');
      // The substitution, named: each https URL of the properties, to the mirror with host and path kept.
      for (const [real, local] of Object.entries<string>(result.rewrites)) {
        expect(local).toBe(`${report.mirrorBase}/${real.slice('https://'.length)}`);
      }
      expect(Object.keys(result.rewrites).sort()).toEqual([
        ...item.manifest.contents.modelFiles.map((f: any) => f.url),
        item.manifest.contents.pipOptions[item.manifest.contents.pipOptions.indexOf('--index-url') + 1],
      ].sort());
      // Every pinned requirement of the example has its published filename in the mirror.
      for (const requirement of item.manifest.contents.requirements as string[]) {
        expect(Object.keys(PUBLISHED_WHEELS)).toContain(requirement);
      }
      // The example is not hash-locked, so the rehearsal substitutes no hash: the event's requirements are the template's.
      expect((item.manifest.contents.requirements as string[]).some(r => r.includes('--hash'))).toBe(false);
      // The event carries the set id only: the inputs are in the deployed code.
      expect(Object.keys(stepsOf(item.label, 'lifecycle')[0].event.ResourceProperties).sort())
        .toEqual(['AccessPointId', 'FileSystemId', 'ServiceTimeout', 'ServiceToken', 'SetId']);
    });
  });

  test('the whole rehearsal runs in reasonable time', () => {
    // eslint-disable-next-line no-console
    console.log(`deploy rehearsal: harness ${harnessSeconds.toFixed(1)} s (handlers ${report.seconds} s), ${report.python.split(' ')[0]}`);
    expect(harnessSeconds).toBeLessThan(90);
  });
});

// ---------------------------------------------------------------- PyPI itself, with the installer's own pip options

function pypiReachable(): boolean {
  const probe = spawnSync(PYTHON, ['-c', 'import urllib.request; urllib.request.urlopen("https://pypi.org/simple/pillow/", timeout=10).read(1)'],
    { timeout: 20_000 });
  return probe.status === 0;
}

const PYPI_REACHABLE = rehearsed.length > 0 && pypiReachable();
const pypiTest = PYPI_REACHABLE ? test : test.skip;
if (!PYPI_REACHABLE) {
  // eslint-disable-next-line no-console
  console.warn('deploy rehearsal: PyPI (https://pypi.org/simple) is unreachable from here: the check of PyPI\'s own filenames is skipped');
}

const platformTags = new Map<string, string[]>();

/**
 * The `--platform` tags EfsDependencyInstaller writes into its manifest for a function on the
 * example's runtime (Python 3.13) and `architecture`, from an installer of its own (the example
 * stacks build for x86_64 only).
 */
function platformTagsOf(architecture: lambda.Architecture): string[] {
  const known = platformTags.get(architecture.name);
  if (known) {
    return known;
  }
  const synthesized = synthesize(`an installer on ${architecture.name}`, 'ml-inference', {}, app => {
    const stack = new Stack(app, 'Platforms');
    const network = new InferenceVpc(stack, 'Network');
    const shared = new SharedFileSystem(stack, 'Shared', { vpc: network.vpc });
    const accessPoint = shared.addAccessPoint('Deps', { path: '/deps', uid: '1001', gid: '1001' });
    new EfsDependencyInstaller(stack, 'Deps', { fileSystem: shared, accessPoint, runtime: lambda.Runtime.PYTHON_3_13, architecture, packages: FROM_PYPI.slice(0, 1) });
    return stack;
  });
  try {
    const install = Object.values<any>(synthesized.template.Resources)
      .find(r => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'installer.handler');
    const manifest = JSON.parse(fs.readFileSync(path.join(synthesized.assets[install.Properties.Code.S3Key], 'manifest.json'), 'utf-8'));
    const options: string[] = manifest.contents.pipOptions;
    const tags = options.filter((_o, i) => options[i - 1] === '--platform');
    platformTags.set(architecture.name, tags);
    return tags;
  } finally {
    fs.rmSync(synthesized.outdir, { recursive: true, force: true });
  }
}

describe('PyPI serves the pinned requirements under the filenames the rehearsal uses, for the installer\'s own pip options', () => {
  pypiTest.each(['x86_64', 'aarch64'] as const)('%s', machine => {
    const item = rehearsed[0];
    const options: string[] = [...item.manifest.contents.pipOptions];
    // The options as the construct builds them for this machine: the template's for x86_64 (an installer of its own on x86_64
    // writes the same platforms), an installer of its own on arm64 for aarch64.
    const platforms = platformTagsOf(machine === 'x86_64' ? lambda.Architecture.X86_64 : lambda.Architecture.ARM_64);
    expect(options.filter((_o, i) => options[i - 1] === '--platform')).toEqual(platformTagsOf(lambda.Architecture.X86_64));
    const pipOptions = options.flatMap((o, i) => (options[i - 1] === '--platform' || o === '--platform' ? [] : [o]));
    const indexAt = pipOptions.indexOf('--index-url');
    pipOptions.splice(indexAt, 2, '--index-url', 'https://pypi.org/simple');
    const command = [...pipOptions, ...platforms.flatMap(t => ['--platform', t])];
    const dest = fs.mkdtempSync(path.join(WORK, `pypi-${machine}-`));
    for (const requirement of FROM_PYPI) {
      const run = spawnSync(PYTHON, ['-m', 'pip', 'download', '--disable-pip-version-check', '--no-input', ...command, '--no-deps', '-d', dest, requirement],
        { encoding: 'utf-8', timeout: 60_000, env: { ...process.env, PIP_CONFIG_FILE: os.devNull } });
      expect({ requirement, status: run.status, output: run.status === 0 ? '' : `${run.stdout}\n${run.stderr}` })
        .toEqual({ requirement, status: 0, output: '' });
    }
    expect(fs.readdirSync(dest).sort()).toEqual(FROM_PYPI.map(r => PUBLISHED_WHEELS[r][machine]).sort());
  });
});
