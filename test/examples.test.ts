import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { checkedApp, expectCompliant, policyStatements, sharedFixture, stableTemplate } from './helpers';
import { MESSAGE_WALL_MAX_WALL_BYTES, MESSAGE_WALL_REQUESTS_PER_SECOND, MessageWallStack } from '../examples/message-wall/message-wall-stack';
import {
  CHECKPOINT_URL, IMAGE_FETCH_PORTS, MAX_IMAGE_BYTES, ML_INFERENCE_REQUESTS_PER_SECOND, MlInferenceStack, MlInferenceStackProps, MODEL_REPO_COMMIT,
} from '../examples/ml-inference/ml-inference-stack';
import { dailyCost, EFS_ELASTIC_READ_PRICE, NAT_GATEWAY_PROCESSING_PRICE } from '../examples/shared/open-endpoint-cost';
import { OPEN_ENDPOINT_WARNING } from '../examples/shared/throttled-http-api';
import { SynthWarnings } from '../src';

/** What the VPC lookup answers for a default VPC: one public subnet in each of two zones. */
function defaultVpcLookup(): object {
  return {
    vpcId: 'vpc-0123456789abcdef0',
    vpcCidrBlock: '172.31.0.0/16',
    ownerAccountId: '123456789012',
    availabilityZones: [],
    subnetGroups: [{
      name: 'Public',
      type: 'Public',
      subnets: [
        { subnetId: 'subnet-0aaaaaaaaaaaaaaa1', cidr: '172.31.0.0/20', availabilityZone: 'eu-west-1a', routeTableId: 'rtb-0aaaaaaaaaaaaaaa1' },
        { subnetId: 'subnet-0bbbbbbbbbbbbbbb2', cidr: '172.31.16.0/20', availabilityZone: 'eu-west-1b', routeTableId: 'rtb-0bbbbbbbbbbbbbbb2' },
      ],
    }],
  };
}

describe('examples/message-wall', () => {
  function messageWall(props = {}): MessageWallStack {
    return new MessageWallStack(checkedApp({ cfnGuard: true }), 'MessageWall', props);
  }
  // The default app, synthesized once with every rule pack; the tests read the same template.
  const defaultStack = messageWall();
  const report = expectCompliant(defaultStack);
  const template = Template.fromStack(defaultStack);
  /** Its warnings, from one more synth, for the tests that read them. */
  const annotations = sharedFixture(() => Annotations.fromStack(defaultStack));
  const iamAuthStack = messageWall({ iamAuth: true });

  test('access point /message as 1001:1001, created 1001/1001/750', () => {
    template.hasResourceProperties('AWS::EFS::AccessPoint', {
      PosixUser: { Uid: '1001', Gid: '1001' },
      RootDirectory: { Path: '/message', CreationInfo: { OwnerUid: '1001', OwnerGid: '1001', Permissions: '750' } },
    });
  });

  test('a generally available Python runtime mounted at /mnt/msg, in a VPC without NAT, each wall capped at 1 MiB', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      // Python 3.14, generally available (AWS Compute blog); 3.15 was a public preview.
      Runtime: 'python3.14',
      Handler: 'message_wall.handler',
      FileSystemConfigs: [{ LocalMountPath: '/mnt/msg', Arn: Match.anyValue() }],
      Environment: { Variables: { MOUNT_PATH: '/mnt/msg', MAX_BODY_BYTES: '65536', MAX_WALL_BYTES: '1048576' } },
    });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
  });

  test('deploys on a new account by default: no reserved concurrency; -c fullAccount=true reserves the reference\'s 10', () => {
    // Reserving needs 100 unreserved left after it; new accounts start at 10 or 50 (Lambda quotas).
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'message_wall.handler', ReservedConcurrentExecutions: Match.absent() });
    const full = Template.fromStack(new MessageWallStack(new App(), 'MessageWall', { fullAccount: true }));
    full.hasResourceProperties('AWS::Lambda::Function', { Handler: 'message_wall.handler', ReservedConcurrentExecutions: 10 });
  });

  test('access logs: JSON of HTTP API variables only, in a log group under /aws/vendedlogs/ kept except when its create rolls back', () => {
    const stages = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    expect(stages).toHaveLength(2);
    for (const stage of stages) {
      const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
      // jsonWithStandardFields() is a REST API format: $context.resourcePath is not an HTTP API variable.
      expect(JSON.stringify(format)).not.toContain('resourcePath');
      expect(format).toMatchObject({ requestId: '$context.requestId', routeKey: '$context.routeKey', status: '$context.status' });
    }
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: { 'Fn::Join': ['', ['/aws/vendedlogs/apigateway/MessageWall/', { Ref: Match.stringLikeRegexp('^Api') }]] } },
      DeletionPolicy: 'RetainExceptOnCreate',
    });
  });

  test('an HTTP API whose default route integrates the function, throttled and access-logged, on $default and the reference\'s stage', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: '$default',
      AuthorizationType: 'NONE',
      Target: { 'Fn::Join': ['', ['integrations/', { Ref: Match.stringLikeRegexp('ApiDefaultRouteTarget') }]] },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [Match.stringLikeRegexp('WallFunction'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      // 20 requests/s for the API: each stage counts its own, so each gets half.
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AccessLogs'), 'Arn'] }, Format: Match.stringLikeRegexp('requestId') },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    template.hasOutput('Endpoint', {});
    template.hasOutput('ReferenceUrl', { Value: { 'Fn::Join': ['', Match.arrayWith(['/default/MessageWall'])] } });
  });

  test('-c fullAccount=true passes the rule packs too', () => {
    expectCompliant(messageWall({ fullAccount: true }));
  });

  test('the open endpoint is said out loud: a synth warning names what is exposed and the flag that closes it', () => {
    annotations().hasWarning('/MessageWall/Api', Match.stringLikeRegexp(
      'the API is open: anyone on the internet can call the function \\(read, append to and delete every wall.*at up to 20 requests/s in all \\(10 on each of its 2 stages\\).*-c iamAuth=true.*openEndpoint'));
    expect(Annotations.fromStack(iamAuthStack).findWarning('*', Match.stringLikeRegexp(OPEN_ENDPOINT_WARNING))).toEqual([]);
  });

  test('the open-endpoint warning states what a day at the throttle rate can make the wall read from EFS, and what it costs', () => {
    // 20 requests/s, each reading a full 1 MiB wall: 20 x 86,400 x 1,048,576 bytes, at 0.03 USD per GB (10^9 bytes).
    expect(MESSAGE_WALL_REQUESTS_PER_SECOND).toBe(20);
    expect(MESSAGE_WALL_MAX_WALL_BYTES).toBe(1024 * 1024);
    const bytes = 20 * 86_400 * 1_048_576;
    const usd = bytes / 1e9 * 0.03;
    expect(EFS_ELASTIC_READ_PRICE.usdPerGb).toBe(0.03);
    expect(dailyCost(20, { bytesPerRequest: MESSAGE_WALL_MAX_WALL_BYTES, what: 'read', price: EFS_ELASTIC_READ_PRICE })).toEqual({ bytesPerDay: bytes, gbPerDay: bytes / 1e9, usdPerDay: usd });
    // The warning states the figure, 54.36 USD (the README too: below).
    annotations().hasWarning('/MessageWall/Api', Match.stringLikeRegexp(
      '1 MiB read from EFS per request, 1,812 GB \\(1.65 TiB\\) a day: about 54.36 USD a day at 0.03 USD/GB \\(EFS Elastic throughput reads, us-east-1, '
      + 'published price as of \\d{4}-\\d{2}, https://aws.amazon.com/efs/pricing/\\)'));
    // The figure follows the rate the stack is given.
    const slower = new MessageWallStack(new App(), 'MessageWall', { requestsPerSecond: 2 });
    Annotations.fromStack(slower).hasWarning('/MessageWall/Api', Match.stringLikeRegexp(`about ${(usd / 10).toFixed(2)} USD a day`));
  });

  test('an existing VPC (the default one, or by id) is looked up instead of creating one', () => {
    const env = { account: '123456789012', region: 'eu-west-1' };
    const cases: Array<[object, object]> = [
      [{ useDefaultVpc: true }, { isDefault: 'true' }],
      [{ vpcId: 'vpc-0123456789abcdef0' }, { 'vpc-id': 'vpc-0123456789abcdef0' }],
    ];
    for (const [props, filter] of cases) {
      // Without the answer in context, synth asks the CLI to look the VPC up (with credentials).
      const asking = new App();
      new MessageWallStack(asking, 'MessageWall', { env, ...props });
      // Until the lookup is answered CDK uses a placeholder VPC with made-up ids, which the
      // CloudFormation validation flags (as warnings: this App does not make them errors).
      const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      const missing = asking.synth().manifest.missing ?? [];
      expect(consoleError.mock.calls.flat().join('\n')).toMatch(/SubnetId: 'p-12345' does not match/);
      consoleError.mockRestore();
      expect(missing).toEqual([expect.objectContaining({ provider: 'vpc-provider', props: expect.objectContaining({ filter }) })]);

      // With the answer (as the CLI stores it in cdk.context.json): a default VPC, public subnets only.
      const answered = checkedApp({ cfnGuard: true });
      answered.node.setContext(missing[0].key, defaultVpcLookup());
      const stack = new MessageWallStack(answered, 'MessageWall', { env, ...props });
      const lookedUp = Template.fromStack(stack);
      lookedUp.resourceCountIs('AWS::EC2::VPC', 0);
      lookedUp.hasResourceProperties('AWS::EFS::MountTarget', { SubnetId: 'subnet-0aaaaaaaaaaaaaaa1' });
      lookedUp.hasResourceProperties('AWS::Lambda::Function', {
        Handler: 'message_wall.handler',
        VpcConfig: Match.objectLike({ SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'] }),
      });
    }
    expect(() => new MessageWallStack(new App(), 'MessageWall', { env, useDefaultVpc: true, vpcId: 'vpc-1' }))
      .toThrow(/useDefaultVpc and vpcId name two VPCs: give one \(got vpcId 'vpc-1'\)/);
  });

  test('iamAuth turns on IAM authorization', () => {
    Template.fromStack(iamAuthStack).hasResourceProperties('AWS::ApiGatewayV2::Route', { AuthorizationType: 'AWS_IAM' });
  });

  test('IAM: the function may write to EFS only through its access point, and nothing else in the stack may', () => {
    const efsStatements = policyStatements(template).filter(({ statement }) => JSON.stringify(statement.Action).includes('elasticfilesystem'));
    expect(efsStatements).toHaveLength(1);
    expect(efsStatements[0].statement).toMatchObject({
      Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
      Condition: { StringEquals: { 'elasticfilesystem:AccessPointArn': { 'Fn::Join': ['', expect.arrayContaining([{ Ref: expect.stringMatching(/^SharedFileSystemMessages/) }])] } } },
    });
  });

  test('the function has no egress but NFS to the mount targets', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Lambda function that mounts EFS at /mnt/msg',
      SecurityGroupEgress: [Match.objectLike({ FromPort: 2049, ToPort: 2049 })],
    });
  });

  test('passes CDK validation, cdk-nag AwsSolutions and NIST 800-53 R5, and the cfn-guard Control Tower rules', () => {
    expect(new Set(report.acknowledged.map(f => f.plugin))).toEqual(new Set(['AwsSolutions', 'NIST.800.53.R5', 'cdk-validator-cfnguard']));
  });

  test('snapshot', () => {
    const stack = new MessageWallStack(new App(), 'MessageWall');
    expect(stableTemplate(Template.fromStack(stack).toJSON())).toMatchSnapshot();
  });
});

/* eslint-disable @typescript-eslint/no-explicit-any */
/** The installer's inputs, as synthesized into its install function's code (manifest.json beside installer.py). */
function installManifest(stack: Stack): any {
  const template = Template.fromStack(stack);
  const outdir = Stage.of(stack)!.outdir;
  for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
    const key = fn.Properties.Code?.S3Key;
    const file = typeof key === 'string' ? path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'manifest.json') : undefined;
    if (file && fs.existsSync(file)) {
      return JSON.parse(fs.readFileSync(file, 'utf-8'));
    }
  }
  throw new Error(`no install function with a manifest.json in ${stack.stackName}`);
}

describe('examples/ml-inference', () => {
  function mlInference(props: MlInferenceStackProps = {}): MlInferenceStack {
    return new MlInferenceStack(checkedApp({ cfnGuard: true }), 'MLInference', props);
  }
  // The default app, synthesized once with every rule pack; the tests read the same template.
  const defaultStack = mlInference();
  const report = expectCompliant(defaultStack);
  const template = Template.fromStack(defaultStack);
  /** Its warnings, from one more synth, for the tests that read them. */
  const annotations = sharedFixture(() => Annotations.fromStack(defaultStack));

  function classifierFunction(of: Template) {
    return Object.entries(of.findResources('AWS::Lambda::Function', { Properties: { Handler: 'inference.handler' } }))[0];
  }

  test('3008 MB, 5 minutes, Python 3.13, mounted read-only at /mnt/inference with PYTHONPATH and TORCH_HOME in its own set', () => {
    const [, fn] = classifierFunction(template);
    const setId = defaultStack.installer.dependencySetId;
    expect(fn.Properties).toMatchObject({
      MemorySize: 3008,
      Timeout: 300,
      Runtime: 'python3.13',
      Architectures: ['x86_64'],
      FileSystemConfigs: [expect.objectContaining({ LocalMountPath: '/mnt/inference' })],
      Environment: { Variables: { PYTHONPATH: `/mnt/inference/sets/${setId}/lib`, TORCH_HOME: `/mnt/inference/sets/${setId}/model`, MODEL_REPO: 'nicolalandro/ntsnet-cub200' } },
    });
    expect(JSON.stringify(fn.Properties.Environment)).not.toContain('current');
  });

  test('access point /ml as 1001:1001 on a VPC with NAT', () => {
    template.hasResourceProperties('AWS::EFS::AccessPoint', {
      PosixUser: { Uid: '1001', Gid: '1001' },
      RootDirectory: { Path: '/ml', CreationInfo: { OwnerUid: '1001', OwnerGid: '1001', Permissions: '750' } },
    });
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  test('deploys on a new account by default: memory within 3008 MB, no reserved or provisioned concurrency', () => {
    // New accounts: memory up to 3008 MB, concurrency quota 10 or 50, and reserved or
    // provisioned concurrency must leave 100 unreserved (Lambda quotas).
    const [, fn] = classifierFunction(template);
    expect(fn.Properties.MemorySize).toBeLessThanOrEqual(3008);
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    template.resourcePropertiesCountIs('AWS::Lambda::Alias', { ProvisionedConcurrencyConfig: Match.anyValue() }, 0);
  });

  test('-c fullAccount=true: the reference figures, 3 GB, reserved 5 and provisioned concurrency 1 behind the alias the API invokes; both configurable', () => {
    const full = Template.fromStack(new MlInferenceStack(new App(), 'MLInference', { fullAccount: true }));
    expect(classifierFunction(full)[1].Properties).toMatchObject({ MemorySize: 3072, ReservedConcurrentExecutions: 5 });
    full.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live', ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 } });
    full.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationUri: { Ref: Match.stringLikeRegexp('ClassifierAlias') } });
    const configured = new MlInferenceStack(new App(), 'MLInference', { provisionedConcurrency: 2, reservedConcurrency: 4 });
    Template.fromStack(configured).hasResourceProperties('AWS::Lambda::Alias', { Name: 'live', ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 } });
    expect(() => new MlInferenceStack(new App(), 'MLInference', { fullAccount: true, provisionedConcurrency: 6 }))
      .toThrow(/provisionedConcurrency \(6\) must not exceed reservedConcurrentExecutions \(5\)/);
  });

  test('-c fullAccount=true passes the rule packs too', () => {
    expectCompliant(mlInference({ fullAccount: true }));
  });

  test('torch, torchvision, Pillow from one index, the hub repository at a pinned commit and the checkpoint, installed before the function deploys', () => {
    const install = Object.values(template.findResources('Custom::EfsDependencySet'))[0];
    expect(install.Properties).toMatchObject({
      SetId: defaultStack.installer.dependencySetId,
      FileSystemId: { Ref: expect.stringMatching(/^SharedFileSystem/) },
      AccessPointId: { Ref: expect.stringMatching(/^SharedFileSystemMl/) },
    });
    const contents = installManifest(defaultStack).contents;
    expect(contents).toMatchObject({
      requirements: ['torch==2.6.0+cpu', 'torchvision==0.21.0+cpu', 'Pillow==11.1.0'],
      modelFiles: [
        { url: `https://github.com/nicolalandro/ntsnet-cub200/archive/${MODEL_REPO_COMMIT}.zip`, path: 'hub/nicolalandro_ntsnet-cub200_master', extract: true, sha256: '' },
        { url: CHECKPOINT_URL, path: 'hub/checkpoints/nts_net_cub200.pt', extract: false, sha256: '' },
      ],
    });
    expect(MODEL_REPO_COMMIT).toMatch(/^[0-9a-f]{40}$/);
    expect(contents.pipOptions).toEqual(expect.arrayContaining(['--index-url', 'https://download.pytorch.org/whl/cpu', '--python-version', '3.13']));
    expect(contents.pipOptions).not.toContain('--extra-index-url');
    expect(contents.warmUpCode).toContain("torch.hub.load(hub, 'ntsnet', source='local', pretrained=True, topN=6, device='cpu', num_classes=200)");
    expect(JSON.stringify(contents)).not.toMatch(/trust_repo/);
    const [, fn] = classifierFunction(template);
    const installLogicalId = Object.keys(template.findResources('Custom::EfsDependencySet'))[0];
    expect(fn.DependsOn).toContain(installLogicalId);
    expect(install.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^NetworkVpcPrivateSubnet1DefaultRoute/)]));
  });

  test('a checkpoint SHA-256 given as context pins it, and the not-hash-locked warning says what is left', () => {
    annotations().hasWarning('/MLInference/Dependencies', Match.stringLikeRegexp(
      'not pinned by hash: requirements without --hash.*model file hub/nicolalandro_ntsnet-cub200_master without sha256; model file hub/checkpoints/nts_net_cub200.pt without sha256'));
    const pinned = new MlInferenceStack(new App(), 'MLInference', { checkpointSha256: 'f'.repeat(64) });
    expect(installManifest(pinned).contents.modelFiles[1].sha256).toBe('f'.repeat(64));
  });

  test('pins: the example names what is not hash-locked; a hash-locked requirements file (-c requirementsFile) is installed with --require-hashes instead', () => {
    annotations().hasWarning('/MLInference/Dependencies', Match.stringLikeRegexp('requirements without --hash'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-lock-'));
    const lock = path.join(dir, 'requirements.lock.txt');
    // Shaped like `uv pip compile --generate-hashes` output (hashes made up here: the parser checks their form only).
    fs.writeFileSync(lock, [
      '# This file was autogenerated by uv',
      `torch==2.6.0+cpu \\\n    --hash=sha256:${'a'.repeat(64)}`,
      `torchvision==0.21.0+cpu \\\n    --hash=sha256:${'b'.repeat(64)}`,
      `pillow==11.1.0 \\\n    --hash=sha256:${'c'.repeat(64)} \\\n    --hash=sha256:${'d'.repeat(64)}`,
      '    # via torchvision',
    ].join('\n'));
    const locked = new MlInferenceStack(new App(), 'MLInference', { requirementsFile: lock, checkpointSha256: 'f'.repeat(64) });
    const contents = installManifest(locked).contents;
    expect(contents.requirements).toEqual([
      `torch==2.6.0+cpu --hash=sha256:${'a'.repeat(64)}`,
      `torchvision==0.21.0+cpu --hash=sha256:${'b'.repeat(64)}`,
      `pillow==11.1.0 --hash=sha256:${'c'.repeat(64)} --hash=sha256:${'d'.repeat(64)}`,
    ]);
    expect(contents.pipOptions).toContain('--require-hashes');
    // What is left unpinned is the hub archive only (GitHub does not promise stable archive bytes).
    const warnings = Annotations.fromStack(locked).findWarning('/MLInference/Dependencies', Match.stringLikeRegexp('installerInputsNotHashLocked'));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0].entry.data)).not.toContain('requirements without --hash');
    expect(JSON.stringify(warnings[0].entry.data)).toContain('model file hub/nicolalandro_ntsnet-cub200_master without sha256');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('IAM: only the install function may write to EFS; the classifier and the warm-up (third-party code) may only mount /ml read-only', () => {
    const efsStatements = policyStatements(template).filter(({ statement }) => JSON.stringify(statement).includes('elasticfilesystem'));
    const roleOf = (roles: string) => roles.match(/(Classifier|DependenciesFunction|DependenciesWarmUp)\w*Role/)?.[1];
    const byRole = Object.fromEntries(efsStatements.map(({ roles, statement }) => [roleOf(roles), statement]));
    expect(Object.keys(byRole).sort()).toEqual(['Classifier', 'DependenciesFunction', 'DependenciesWarmUp']);
    expect(byRole.Classifier.Action).toBe('elasticfilesystem:ClientMount'); // one action: IAM writes it as a string
    expect(byRole.DependenciesWarmUp.Action).toBe('elasticfilesystem:ClientMount');
    expect(byRole.DependenciesFunction.Action).toEqual(['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite']);
    for (const statement of Object.values(byRole)) {
      expect(statement).toMatchObject({
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SharedFileSystem/), 'Arn'] },
        Condition: {
          StringEquals: { 'elasticfilesystem:AccessPointArn': { 'Fn::Join': ['', expect.arrayContaining([{ Ref: expect.stringMatching(/^SharedFileSystemMl/) }])] } },
          Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' },
        },
      });
    }
    expect(JSON.stringify(template.toJSON())).not.toMatch(/Privileged|CodeBuild/);
  });

  test('the planned load needs no capacity warning: elastic throughput, timeouts above the load time; reserved concurrency with fullAccount', () => {
    const capacity = [SynthWarnings.THROUGHPUT_INSUFFICIENT, SynthWarnings.PROVISIONED_OVERSIZED, SynthWarnings.CLIENT_CONNECTION_LIMIT,
      SynthWarnings.TIMEOUT_BELOW_COLD_START_LOAD];
    const full = new MlInferenceStack(new App(), 'MLInference', { fullAccount: true });
    for (const id of capacity) {
      expect(annotations().findWarning('*', Match.stringLikeRegexp(id))).toEqual([]);
    }
    const fullAnnotations = Annotations.fromStack(full);
    for (const id of [...capacity, SynthWarnings.NO_RESERVED_CONCURRENCY]) {
      expect(fullAnnotations.findWarning('*', Match.stringLikeRegexp(id))).toEqual([]);
    }
    // On a new account nothing caps the environments, and synth says so.
    annotations().hasWarning('/MLInference/Classifier', Match.stringLikeRegexp(SynthWarnings.NO_RESERVED_CONCURRENCY));
  });

  test('the open endpoint is said out loud', () => {
    annotations().hasWarning('/MLInference/Api', Match.stringLikeRegexp('the API is open: .*fetch any public http\\(s\\) image URL.*-c iamAuth=true'));
    template.hasOutput('ReferenceUrl', { Value: { 'Fn::Join': ['', Match.arrayWith(['/default/MLInference'])] } });
  });

  test('the open-endpoint warning states the NAT gateway processing a day at the throttle rate can cost, largest image each time', () => {
    // 5 requests/s, each fetching a 10 MiB image through NAT: 5 x 86,400 x 10,485,760 bytes, at 0.045 USD per GB.
    expect(ML_INFERENCE_REQUESTS_PER_SECOND).toBe(5);
    expect(MAX_IMAGE_BYTES).toBe(10 * 1024 * 1024);
    const bytes = 5 * 86_400 * 10 * 1_048_576;
    const usd = bytes / 1e9 * 0.045;
    expect(NAT_GATEWAY_PROCESSING_PRICE.usdPerGb).toBe(0.045);
    expect(dailyCost(5, { bytesPerRequest: MAX_IMAGE_BYTES, what: 'fetched', price: NAT_GATEWAY_PROCESSING_PRICE }).usdPerDay).toBeCloseTo(usd, 9);
    // The warning states the figure, 203.84 USD (the README too: below).
    annotations().hasWarning('/MLInference/Api', Match.stringLikeRegexp(
      '10 MiB fetched through the NAT gateway per request, 4,530 GB \\(4.12 TiB\\) a day: about 203.84 USD a day at 0.045 USD/GB '
      + '\\(NAT gateway data processing, us-east-1, published price as of \\d{4}-\\d{2}, https://aws.amazon.com/vpc/pricing/\\)'));
    // The handler's cap is the one priced: the stack sets it.
    const [, fn] = classifierFunction(template);
    expect(fn.Properties.Environment.Variables.MAX_IMAGE_BYTES).toBe(String(MAX_IMAGE_BYTES));
  });

  test('the READMEs state the figures the warnings compute', () => {
    const readme = (name: string) => fs.readFileSync(path.join(__dirname, '..', 'examples', name, 'README.md'), 'utf-8');
    expect(readme('ml-inference')).toContain('about 203.84 USD a day');
    expect(readme('message-wall')).toContain('about 54.36 USD a day');
  });

  test('egress: HTTP and HTTPS to the internet for image URLs (the handler\'s ports), NFS to the mount targets, nothing else', () => {
    const [, fn] = classifierFunction(template);
    expect(fn.Properties.Environment.Variables.ALLOWED_PORTS).toBe(IMAGE_FETCH_PORTS.join(','));
    const groupId = fn.Properties.VpcConfig.SecurityGroupIds[0]['Fn::GetAtt'][0];
    const group = template.toJSON().Resources[groupId];
    expect(group.Properties.GroupDescription).toBe('Lambda function that mounts EFS at /mnt/inference');
    type Rule = { CidrIp?: string; DestinationSecurityGroupId?: { 'Fn::GetAtt': string[] }; IpProtocol: string; FromPort: number; ToPort: number };
    const egress = group.Properties.SecurityGroupEgress.map((rule: Rule) => ({
      to: rule.CidrIp ?? rule.DestinationSecurityGroupId?.['Fn::GetAtt'][0], protocol: rule.IpProtocol, from: rule.FromPort, until: rule.ToPort,
    }));
    expect(egress).toEqual(expect.arrayContaining([
      { to: '0.0.0.0/0', protocol: 'tcp', from: 443, until: 443 },
      { to: '0.0.0.0/0', protocol: 'tcp', from: 80, until: 80 },
      { to: expect.stringMatching(/^SharedSecurityGroup/), protocol: 'tcp', from: 2049, until: 2049 },
    ]));
    expect(egress).toHaveLength(3);
    // No separate egress resources widen it.
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
  });

  test('the gateway endpoints have policies: this account\'s principals and resources, and CloudFormation\'s response bucket for the installer\'s answer', () => {
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint'));
    expect(endpoints).toHaveLength(2);
    for (const endpoint of endpoints) {
      expect(endpoint.Properties.PolicyDocument.Statement).toEqual(expect.arrayContaining([expect.objectContaining({ Sid: 'OwnAccountOnly' })]));
    }
    expect(JSON.stringify(endpoints)).toContain('cloudformation-custom-resource-response-');
  });

  test('passes CDK validation, cdk-nag AwsSolutions and NIST 800-53 R5, and the cfn-guard Control Tower rules', () => {
    expect(new Set(report.acknowledged.map(f => f.plugin))).toEqual(new Set(['AwsSolutions', 'NIST.800.53.R5', 'cdk-validator-cfnguard']));
  });

  test('snapshot', () => {
    const stack = new MlInferenceStack(new App(), 'MLInference');
    expect(stableTemplate(Template.fromStack(stack).toJSON())).toMatchSnapshot();
  });
});
