/**
 * The S3 Files file system policy and the clients' policies, as synthesized, evaluated by the
 * IAM simulator harness of the EFS perimeter tests (test/iam-harness.ts) for the requests an NFS
 * mount makes: `s3files:ClientMount` / `ClientWrite` / `ClientRootAccess` on the file system.
 *
 * The worlds are the ones the documentation leaves open for S3 Files. The Service Authorization
 * Reference lists one condition key for the client actions, `s3files:AccessPointArn`; no S3 Files
 * page available here says which global keys a mount carries. So a request carries the access
 * point's ARN only; or `aws:SecureTransport` too; or `aws:PrincipalArn` as well (the role's, or
 * the session's); or the principal's tags as well. Granted clients must mount in every world;
 * the TLS layer and the perimeter hold wherever their keys are present.
 *
 * Also here: the sync role's scope (the bucket, the rules S3 Files creates, nothing else), and
 * the direct-read grant (only for the function that asks for it).
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EfsBackedFunction, EfsBackedFunctionProps, InferenceVpc, S3FilesFileSystem } from '../src';
import { acknowledgeSynchronousOnly, checkedApp, s3FilesFunctionProps } from './helpers';
import { ACCOUNT, Principal, REGION, S3_FILES_KIND, simulate, SynthesizedApp } from './iam-harness';
import { MlInferenceS3FilesStack } from '../examples/ml-inference-s3files/ml-inference-s3files-stack';

const WORLDS = [
  'documented keys only',
  'with aws:SecureTransport',
  'with aws:SecureTransport and aws:PrincipalArn',
  'with aws:SecureTransport, aws:PrincipalArn and principal tags',
  'with aws:SecureTransport and the session ARN as aws:PrincipalArn',
] as const;
type World = typeof WORLDS[number];

type ClientAction = 's3files:ClientMount' | 's3files:ClientWrite' | 's3files:ClientRootAccess';

interface MountRequest {
  readonly action: ClientAction;
  readonly accessPointArn?: string;
  readonly secureTransport?: boolean;
  readonly world: World;
}

const hasSecureTransport = (world: World) => world !== 'documented keys only';
const hasPrincipalArn = (world: World) => world.includes('aws:PrincipalArn');

async function decide(app: SynthesizedApp, principal: Principal, request: MountRequest): Promise<string> {
  const context: Record<string, string> = {};
  if (request.accessPointArn) {
    context['s3files:AccessPointArn'] = request.accessPointArn;
  }
  if (hasSecureTransport(request.world)) {
    context['aws:SecureTransport'] = String(request.secureTransport ?? true);
  }
  if (request.world.includes('the session ARN')) {
    context['aws:PrincipalArn'] = principal.sessionArn;
  } else if (hasPrincipalArn(request.world)) {
    context['aws:PrincipalArn'] = principal.roleArn;
  }
  if (request.world.includes('principal tags')) {
    context['aws:PrincipalTag/team'] = 'inference';
  }
  return simulate(principal, app.fileSystemArn, app.fileSystemPolicy, request.action, context);
}

/** A same-account administrator: `s3files:*` on `*`, never granted by the stack. */
const admin: Principal = {
  roleArn: `arn:aws:iam::${ACCOUNT}:role/Admin`,
  sessionArn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`,
  identityPolicies: [{
    name: 'S3FilesAdmin',
    policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3files:*', Resource: '*' }] },
  }],
};

/** One request by `principal` for `action` on `resource`, with its identity policies only. */
async function identityDecision(
  principal: Principal, action: string, resource: string, contextVariables: Record<string, string> = {},
): Promise<string> {
  const result = await runSimulation({
    request: { principal: principal.sessionArn, action, resource: { resource, accountId: ACCOUNT }, contextVariables },
    identityPolicies: principal.identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  }, {});
  if (result.resultType === 'error') {
    throw new Error(`simulation failed: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult;
}

/** A function on the file system's first access point, as the perimeter's tests want it (2 environments). */
function functionProps(models: S3FilesFileSystem, overrides: Partial<EfsBackedFunctionProps>): EfsBackedFunctionProps {
  return s3FilesFunctionProps({ models, accessPoint: models.accessPoints[0] }, { reservedConcurrentExecutions: 2, ...overrides });
}

describe('S3 Files perimeter, evaluated by an IAM simulator on the synthesized policies, in every world', () => {
  // The file system and its access points 'Ml' and 'Other'; a read-write function on Ml and a
  // read-only one with direct reads on Other in its stack; a read-write function on Ml in another stack.
  const app = checkedApp();
  const storage = new Stack(app, 'Storage');
  const network = new InferenceVpc(storage, 'Network');
  const models = new S3FilesFileSystem(storage, 'Models', { vpc: network.vpc });
  models.addAccessPoint('Ml', { path: '/ml', uid: '1001', gid: '1001' });
  const otherAccessPoint = models.addAccessPoint('Other', { path: '/other', uid: '1002', gid: '1002' });
  const writer = new EfsBackedFunction(storage, 'Writer', functionProps(models, {}));
  const reader = new EfsBackedFunction(storage, 'Reader', functionProps(models, {
    s3FilesAccessPoint: otherAccessPoint, readOnly: true, directS3Read: true, mountPath: '/mnt/other',
  }));
  const compute = new Stack(app, 'Compute');
  const remote = new EfsBackedFunction(compute, 'Remote', functionProps(models, {}));
  [writer, reader, remote].forEach(acknowledgeSynchronousOnly);
  const synthesized = new SynthesizedApp(app, storage, S3_FILES_KIND, /^ModelsFileSystem/);
  const ml = synthesized.accessPointArn(/^ModelsMl[0-9A-F]{8}$/);
  const other = synthesized.accessPointArn(/^ModelsOther[0-9A-F]{8}$/);

  describe.each(WORLDS)('%s', (world) => {
    test('the granted function mounts and writes through its access point', async () => {
      const principal = synthesized.principalOf(writer);
      expect(await decide(synthesized, principal, { world, action: 's3files:ClientMount', accessPointArn: ml })).toBe('Allowed');
      expect(await decide(synthesized, principal, { world, action: 's3files:ClientWrite', accessPointArn: ml })).toBe('Allowed');
    });

    test('not through another access point, not without an access point, never as root', async () => {
      const principal = synthesized.principalOf(writer);
      expect(await decide(synthesized, principal, { world, action: 's3files:ClientMount', accessPointArn: other })).not.toBe('Allowed');
      expect(await decide(synthesized, principal, { world, action: 's3files:ClientMount' })).toBe('ExplicitlyDenied');
      expect(await decide(synthesized, principal, { world, action: 's3files:ClientRootAccess', accessPointArn: ml })).toBe('ExplicitlyDenied');
      expect(await decide(synthesized, admin, { world, action: 's3files:ClientRootAccess', accessPointArn: ml })).toBe('ExplicitlyDenied');
    });

    test('without TLS: denied wherever the request says so', async () => {
      const principal = synthesized.principalOf(writer);
      const decision = await decide(synthesized, principal, { world, action: 's3files:ClientMount', accessPointArn: ml, secureTransport: false });
      expect(decision).toBe(hasSecureTransport(world) ? 'ExplicitlyDenied' : 'Allowed');
    });

    test('the read-only function mounts its access point but cannot write', async () => {
      const principal = synthesized.principalOf(reader);
      expect(await decide(synthesized, principal, { world, action: 's3files:ClientMount', accessPointArn: other })).toBe('Allowed');
      expect(await decide(synthesized, principal, { world, action: 's3files:ClientWrite', accessPointArn: other })).not.toBe('Allowed');
    });

    test('a granted function in another stack mounts and writes through its access point, and only that one', async () => {
      const principal = synthesized.principalOf(remote);
      expect(await decide(synthesized, principal, { world, action: 's3files:ClientMount', accessPointArn: ml })).toBe('Allowed');
      expect(await decide(synthesized, principal, { world, action: 's3files:ClientWrite', accessPointArn: ml })).toBe('Allowed');
      expect(await decide(synthesized, principal, { world, action: 's3files:ClientMount', accessPointArn: other })).not.toBe('Allowed');
    });

    test('an administrator with s3files:* is denied wherever aws:PrincipalArn is provided; elsewhere only the other layers hold (the limit docs/s3-files.md states)', async () => {
      const decision = await decide(synthesized, admin, { world, action: 's3files:ClientMount', accessPointArn: ml });
      expect(decision).toBe(hasPrincipalArn(world) ? 'ExplicitlyDenied' : 'Allowed');
      expect(await decide(synthesized, admin, { world, action: 's3files:ClientMount' })).toBe('ExplicitlyDenied');
    });
  });

  test('the policy names no principal and references nothing but its own file system', () => {
    const [policy] = Object.values(Template.fromStack(storage).findResources('AWS::S3Files::FileSystemPolicy'));
    for (const statement of policy.Properties.Policy.Statement) {
      expect(statement.Principal).toEqual({ AWS: '*' });
      expect(statement.NotPrincipal).toBeUndefined();
    }
    const references = JSON.stringify(policy.Properties.Policy).match(/"(Ref|Fn::GetAtt|Fn::ImportValue)":("[^"]*"|\[[^\]]*\])/g) ?? [];
    expect(references.filter(r => !/"Ref":"AWS::/.test(r) && !/^"Fn::GetAtt":\["ModelsFileSystem[0-9A-F]{8}","FileSystemArn"\]$/.test(r))).toEqual([]);
  });

  test('direct reads: the function that asks may read the bucket\'s objects; the others may not', async () => {
    const object = `${synthesized.resolve({ 'Fn::GetAtt': [synthesized.logicalId(storage, 'AWS::S3::Bucket', /^ModelsBucket/), 'Arn'] }, 'Storage')}/ml/model/weights.pt`;
    expect(await identityDecision(synthesized.principalOf(reader), 's3:GetObject', object)).toBe('Allowed');
    expect(await identityDecision(synthesized.principalOf(reader), 's3:PutObject', object)).not.toBe('Allowed');
    expect(await identityDecision(synthesized.principalOf(writer), 's3:GetObject', object)).not.toBe('Allowed');
  });

  describe('the sync role: the bucket, its objects and the EventBridge rules S3 Files creates, nothing else', () => {
    const roleId = synthesized.logicalId(storage, 'AWS::IAM::Role', /^ModelsSyncRole/);
    const sync = synthesized.principalOfRole(storage, roleId, 'S3Files');
    const bucketArn = synthesized.resolve({ 'Fn::GetAtt': [synthesized.logicalId(storage, 'AWS::S3::Bucket', /^ModelsBucket/), 'Arn'] }, 'Storage');
    const rule = (name: string, region = REGION) => `arn:aws:events:${region}:${ACCOUNT}:rule/${name}`;
    const managedBy = { 'events:ManagedBy': 'elasticfilesystem.amazonaws.com' };

    test('reads, writes and deletes the bucket\'s objects and lists it; no other bucket', async () => {
      for (const action of ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload']) {
        expect(await identityDecision(sync, action, `${bucketArn}/ml/model/weights.pt`)).toBe('Allowed');
        expect(await identityDecision(sync, action, 'arn:aws:s3:::someone-elses-bucket/key')).not.toBe('Allowed');
      }
      expect(await identityDecision(sync, 's3:ListBucket', bucketArn)).toBe('Allowed');
      expect(await identityDecision(sync, 's3:ListBucket', 'arn:aws:s3:::someone-elses-bucket')).not.toBe('Allowed');
      expect(await identityDecision(sync, 's3:DeleteBucket', bucketArn)).not.toBe('Allowed');
      expect(await identityDecision(sync, 's3:PutBucketPolicy', bucketArn)).not.toBe('Allowed');
    });

    test('manages the rules named DO-NOT-DELETE-S3-Files* that S3 Files manages, in this account and Region only', async () => {
      for (const action of ['events:PutRule', 'events:PutTargets', 'events:DeleteRule', 'events:RemoveTargets', 'events:EnableRule', 'events:DisableRule']) {
        expect(await identityDecision(sync, action, rule('DO-NOT-DELETE-S3-Files-abc'), managedBy)).toBe('Allowed');
        expect(await identityDecision(sync, action, rule('DO-NOT-DELETE-S3-Files-abc'))).not.toBe('Allowed');
        expect(await identityDecision(sync, action, rule('my-own-rule'), managedBy)).not.toBe('Allowed');
        expect(await identityDecision(sync, action, rule('DO-NOT-DELETE-S3-Files-abc', 'eu-west-1'), managedBy)).not.toBe('Allowed');
      }
      expect(await identityDecision(sync, 'events:DescribeRule', rule('DO-NOT-DELETE-S3-Files-abc'))).toBe('Allowed');
      expect(await identityDecision(sync, 'events:DescribeRule', rule('my-own-rule'))).not.toBe('Allowed');
      expect(await identityDecision(sync, 'events:ListRules', '*')).toBe('Allowed');
    });

    test('nothing else: no IAM, no Lambda, no file system administration', async () => {
      expect(await identityDecision(sync, 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/Admin`)).not.toBe('Allowed');
      expect(await identityDecision(sync, 'events:PutEvents', `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`)).not.toBe('Allowed');
      expect(await identityDecision(sync, 's3files:DeleteFileSystem', synthesized.fileSystemArn)).not.toBe('Allowed');
    });
  });
});

describe('examples/ml-inference-s3files\' policies, in every world', () => {
  const examples = [false, true].map(fullAccount => {
    const app = new App();
    const stack = new MlInferenceS3FilesStack(app, 'MLInferenceS3Files', { fullAccount });
    return { name: `the classifier${fullAccount ? ' (fullAccount)' : ''}`, app: new SynthesizedApp(app, stack, S3_FILES_KIND, /^ModelsFileSystem/), stack };
  });

  describe.each(WORLDS)('%s', (world) => {
    test.each(examples.map(e => [e.name, e]))('%s mounts /ml read-only; an administrator is denied wherever aws:PrincipalArn is provided', async (_name, example) => {
      const { app, stack } = example as typeof examples[number];
      const accessPoint = app.accessPointArn(/^ModelsMl[0-9A-F]{8}$/);
      const principal = app.principalOf(stack.classifier);
      expect(await decide(app, principal, { world, action: 's3files:ClientMount', accessPointArn: accessPoint })).toBe('Allowed');
      expect(await decide(app, principal, { world, action: 's3files:ClientWrite', accessPointArn: accessPoint })).not.toBe('Allowed');
      expect(await decide(app, admin, { world, action: 's3files:ClientMount', accessPointArn: accessPoint }))
        .toBe(hasPrincipalArn(world) ? 'ExplicitlyDenied' : 'Allowed');
    });
  });
});
