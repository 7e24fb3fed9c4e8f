import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { checkedApp, fixture, Fixture, newFunction } from './helpers';
import { ACCOUNT, Principal, REGION, simulate, SynthesizedApp } from './iam-harness';
import { MessageWallStack } from '../examples/message-wall/message-wall-stack';
import { MlInferenceStack } from '../examples/ml-inference/ml-inference-stack';

const ADMIN_ROLE = `arn:aws:iam::${ACCOUNT}:role/Admin`;

/**
 * The file system policy and the function roles' policies, as synthesized, evaluated by an
 * IAM policy simulator (@cloud-copilot/iam-simulate) for the requests an NFS mount makes:
 * `elasticfilesystem:ClientMount` / `ClientWrite` on the file system, with the condition keys
 * EFS sets for NFS clients. Tokens are resolved to what CloudFormation would give them in
 * account 111111111111, us-east-1 (logical ids stand in for generated ids and names).
 *
 * What this checks is the policy logic, in every world the documentation leaves open (see
 * src/private/file-system-policy.ts): requests that carry only the keys the EFS guide lists
 * for NFS clients; with `aws:PrincipalArn` too (as IAM sets it for role sessions); and with
 * the principal's tags as well; and with the session's ARN where the role's is expected. And wherever a Deny names a role ARN in `NotPrincipal`, it is
 * read as the IAM guide's worst case, sparing none of the role's sessions
 * (`worstCaseNotPrincipal`), not as the simulator matches sessions to roles.
 */

/**
 * What EFS may put in the request context of an NFS mount: the documentation lists four keys
 * for NFS clients and says no other is enforced; IAM sets `aws:PrincipalArn` (and the
 * principal's tags) for every role session. Which of these EFS evaluates is not verified.
 */
const WORLDS = [
  'documented keys only',
  'with aws:PrincipalArn',
  'with aws:PrincipalArn and principal tags',
  'with the session ARN as aws:PrincipalArn',
] as const;
type World = typeof WORLDS[number];

interface MountRequest {
  readonly action: 'elasticfilesystem:ClientMount' | 'elasticfilesystem:ClientWrite' | 'elasticfilesystem:ClientRootAccess';
  readonly accessPointArn?: string;
  readonly secureTransport?: boolean;
  readonly world: World;
}

async function decide(app: SynthesizedApp, principal: Principal, request: MountRequest): Promise<string> {
  const context: Record<string, string> = {
    'aws:SecureTransport': String(request.secureTransport ?? true),
    'elasticfilesystem:AccessedViaMountTarget': 'true',
  };
  if (request.accessPointArn) {
    context['elasticfilesystem:AccessPointArn'] = request.accessPointArn;
  }
  if (request.world === 'with the session ARN as aws:PrincipalArn') {
    // Not what the IAM guide says a role session carries; a world the policy must survive anyway.
    context['aws:PrincipalArn'] = principal.sessionArn;
  } else if (request.world !== 'documented keys only') {
    context['aws:PrincipalArn'] = principal.roleArn;
  }
  if (request.world === 'with aws:PrincipalArn and principal tags') {
    context['aws:PrincipalTag/team'] = 'inference';
  }
  return simulate(principal, app.fileSystemArn, app.fileSystemPolicy, request.action, context);
}

/** A same-account administrator: `elasticfilesystem:*` on `*` in its identity policy, never granted by the stack. */
const admin: Principal = {
  roleArn: ADMIN_ROLE,
  sessionArn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`,
  identityPolicies: [{
    name: 'EfsAdmin',
    policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'elasticfilesystem:*', Resource: '*' }] },
  }],
};

describe('file system perimeter, evaluated by an IAM simulator on the synthesized policies, in every world', () => {
  // One app: the file system, its access points 'Ml' and 'Other', a read-write function on
  // Ml and a read-only one on Other in the file system's stack, and a read-write function on
  // Ml in another stack.
  const app = checkedApp();
  const storage = new Stack(app, 'Storage');
  const f: Fixture = fixture(storage);
  const other = f.shared.addAccessPoint('Other', { path: '/other', uid: '1002', gid: '1002' });
  const writer = newFunction(storage, 'Writer', f);
  const reader = newFunction(storage, 'Reader', f, { accessPoint: other, readOnly: true, mountPath: '/mnt/other' });
  const compute = new Stack(app, 'Compute');
  const remote = newFunction(compute, 'Remote', f);
  const synthesized = new SynthesizedApp(app, storage);
  const ml = synthesized.accessPointArn(/Ml[0-9A-F]{8}$/);
  const otherAp = synthesized.accessPointArn(/Other[0-9A-F]{8}$/);

  describe.each(WORLDS)('%s', (world) => {
    test('the granted function mounts and writes through its access point over TLS', async () => {
      const principal = synthesized.principalOf(writer);
      expect(await decide(synthesized, principal, { world, action: 'elasticfilesystem:ClientMount', accessPointArn: ml })).toBe('Allowed');
      expect(await decide(synthesized, principal, { world, action: 'elasticfilesystem:ClientWrite', accessPointArn: ml })).toBe('Allowed');
    });

    test('not through another access point of the same file system', async () => {
      const principal = synthesized.principalOf(writer);
      expect(await decide(synthesized, principal, { world, action: 'elasticfilesystem:ClientMount', accessPointArn: otherAp })).not.toBe('Allowed');
    });

    test('not without TLS, not without an access point, never as root', async () => {
      const principal = synthesized.principalOf(writer);
      expect(await decide(synthesized, principal, { world, action: 'elasticfilesystem:ClientMount', accessPointArn: ml, secureTransport: false }))
        .toBe('ExplicitlyDenied');
      expect(await decide(synthesized, principal, { world, action: 'elasticfilesystem:ClientMount' })).toBe('ExplicitlyDenied');
      expect(await decide(synthesized, principal, { world, action: 'elasticfilesystem:ClientRootAccess', accessPointArn: ml })).toBe('ExplicitlyDenied');
      expect(await decide(synthesized, admin, { world, action: 'elasticfilesystem:ClientRootAccess', accessPointArn: ml })).toBe('ExplicitlyDenied');
    });

    test('the read-only function mounts its access point but cannot write', async () => {
      const principal = synthesized.principalOf(reader);
      expect(await decide(synthesized, principal, { world, action: 'elasticfilesystem:ClientMount', accessPointArn: otherAp })).toBe('Allowed');
      expect(await decide(synthesized, principal, { world, action: 'elasticfilesystem:ClientWrite', accessPointArn: otherAp })).not.toBe('Allowed');
    });

    test('a granted function in another stack mounts and writes through its access point, and only that one', async () => {
      const principal = synthesized.principalOf(remote);
      expect(principal.roleArn).toMatch(new RegExp(`^arn:aws:iam::${ACCOUNT}:role/ComputeRemoteServiceRole[A-Za-z0-9]+-${REGION}$`));
      expect(await decide(synthesized, principal, { world, action: 'elasticfilesystem:ClientMount', accessPointArn: ml })).toBe('Allowed');
      expect(await decide(synthesized, principal, { world, action: 'elasticfilesystem:ClientWrite', accessPointArn: ml })).toBe('Allowed');
      expect(await decide(synthesized, principal, { world, action: 'elasticfilesystem:ClientMount', accessPointArn: otherAp })).not.toBe('Allowed');
    });
  });

  test('a same-account role with elasticfilesystem:* on * is denied wherever EFS provides aws:PrincipalArn, through any access point', async () => {
    for (const world of WORLDS.filter(w => w !== 'documented keys only')) {
      for (const accessPointArn of [ml, otherAp, `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:access-point/fsap-madebyadmin`]) {
        expect(await decide(synthesized, admin, { world, action: 'elasticfilesystem:ClientMount', accessPointArn })).toBe('ExplicitlyDenied');
      }
    }
  });

  test('where EFS provides only the documented keys, the perimeter is inert: such a role mounts through an access point (the limit the README states)', async () => {
    expect(await decide(synthesized, admin, { world: 'documented keys only', action: 'elasticfilesystem:ClientMount', accessPointArn: ml })).toBe('Allowed');
    // The other layers still hold for it.
    expect(await decide(synthesized, admin, { world: 'documented keys only', action: 'elasticfilesystem:ClientMount' })).toBe('ExplicitlyDenied');
    expect(await decide(synthesized, admin, { world: 'documented keys only', action: 'elasticfilesystem:ClientMount', accessPointArn: ml, secureTransport: false }))
      .toBe('ExplicitlyDenied');
  });

  test('the policy names no principal and references no resource: only literals and pseudo parameters', () => {
    const template = Template.fromStack(storage).toJSON();
    const [fileSystem] = Object.values(template.Resources).filter((r: any) => r.Type === 'AWS::EFS::FileSystem') as any[];
    const policy = fileSystem.Properties.FileSystemPolicy;
    for (const statement of policy.Statement) {
      expect(statement.Principal).toEqual({ AWS: '*' });
      expect(statement.NotPrincipal).toBeUndefined();
    }
    const references = JSON.stringify(policy).match(/"(Ref|Fn::GetAtt|Fn::ImportValue)":("[^"]*"|\[[^\]]*\])/g) ?? [];
    expect(references.filter(r => !/"Ref":"AWS::/.test(r))).toEqual([]);
  });

  test('the worst-case reading of NotPrincipal would lock out a granted function (the shape this policy no longer has)', async () => {
    const principal = synthesized.principalOf(writer);
    const notPrincipalPerimeter = {
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Deny',
        NotPrincipal: { AWS: [principal.roleArn] },
        Action: ['elasticfilesystem:ClientMount'],
        Resource: synthesized.fileSystemArn,
      }],
    };
    const context = { 'aws:SecureTransport': 'true', 'elasticfilesystem:AccessedViaMountTarget': 'true', 'elasticfilesystem:AccessPointArn': ml };
    expect(await simulate(principal, synthesized.fileSystemArn, notPrincipalPerimeter, 'elasticfilesystem:ClientMount', context)).toBe('ExplicitlyDenied');
  });

  test('function code cannot use the network interface permissions; Lambda, which sends no lambda:SourceFunctionArn, can', async () => {
    const principal = synthesized.principalOf(writer);
    const createInterface = async (contextVariables: Record<string, string>) => {
      const result = await runSimulation({
        request: {
          principal: principal.sessionArn,
          action: 'ec2:CreateNetworkInterface',
          resource: { resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:network-interface/*`, accountId: ACCOUNT },
          contextVariables,
        },
        identityPolicies: principal.identityPolicies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      }, {});
      if (result.resultType === 'error') {
        throw new Error(`simulation failed: ${JSON.stringify(result.errors)}`);
      }
      return result.overallResult;
    };
    expect(await createInterface({})).toBe('Allowed');
    expect(await createInterface({ 'lambda:SourceFunctionArn': `arn:aws:lambda:${REGION}:${ACCOUNT}:function:Writer` })).not.toBe('Allowed');
  });
});

describe('who the perimeter spares', () => {
  test('a role of another stack: by the name it is given, or one generated for it; never by a reference to it', () => {
    // A plain app: the task role's inline default policy is this test's choice, not the library's.
    const app2 = new App();
    const fsStack = new Stack(app2, 'Storage');
    const f2 = fixture(fsStack);
    const clients = new Stack(app2, 'Clients');
    const named = new iam.Role(clients, 'TaskRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'), roleName: 'analytics-task' });
    f2.shared.grantReadWrite(named, f2.accessPoint);
    const unnamed = new iam.Role(clients, 'InstanceRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    f2.shared.grantRead(unnamed, f2.accessPoint);
    const policy = JSON.stringify(Template.fromStack(fsStack).toJSON());
    expect(policy).toMatch(/:role\/analytics-task"/);
    expect(policy).toMatch(/:role\/\*\/analytics-task"/);
    expect(policy).toMatch(/:assumed-role\/analytics-task\/\*"/);
    expect(policy).toMatch(/:role\/ClientsInstanceRole[A-Za-z0-9]+-",\{"Ref":"AWS::Region"\}/);
    expect(policy).not.toMatch(/ImportValue/);
    // The generated name is the role's own, in its own stack.
    Template.fromStack(clients).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })] }),
      RoleName: { 'Fn::Join': ['', [Match.stringLikeRegexp('^ClientsInstanceRole[A-Za-z0-9]+-$'), { Ref: 'AWS::Region' }]] },
    });
  });

  test('a role imported by ARN, with a path, is spared under its name whether or not aws:PrincipalArn carries the path', () => {
    const app2 = new App();
    const fsStack = new Stack(app2, 'Storage');
    const f2 = fixture(fsStack);
    f2.shared.grantRead(iam.Role.fromRoleArn(fsStack, 'Imported', 'arn:aws:iam::111111111111:role/ops/backup-reader'), f2.accessPoint);
    const statement = Template.fromStack(fsStack).toJSON().Resources;
    const [fileSystem] = Object.values(statement).filter((r: any) => r.Type === 'AWS::EFS::FileSystem') as any[];
    const perimeter = fileSystem.Properties.FileSystemPolicy.Statement.find((s: any) => s.Sid === 'DenyUngrantedPrincipals');
    expect(perimeter.Condition.ArnNotLike['aws:PrincipalArn']).toEqual([
      'arn:aws:iam::111111111111:role/backup-reader',
      'arn:aws:iam::111111111111:role/*/backup-reader',
      'arn:aws:sts::111111111111:assumed-role/backup-reader/*',
    ]);
    expect(perimeter.Condition.Null).toEqual({ 'aws:PrincipalArn': 'false' });
  });

  test('an account or a service cannot be spared', () => {
    const app2 = new App();
    const fsStack = new Stack(app2, 'Storage');
    const f2 = fixture(fsStack);
    expect(() => f2.shared.grantRead(new iam.AccountRootPrincipal(), f2.accessPoint)).toThrow(/grantee must be an IAM role .* not an account or a service/);
  });
});

describe('the example apps\' policies, in every world', () => {
  // Each example as its app builds it by default, and with the reference figures.
  const examples = [false, true].flatMap(fullAccount => {
    const wallApp = new App();
    const wall = new MessageWallStack(wallApp, 'MessageWall', { fullAccount });
    const mlApp = new App();
    const ml = new MlInferenceStack(mlApp, 'MLInference', { fullAccount });
    const wallSynth = new SynthesizedApp(wallApp, wall);
    const mlSynth = new SynthesizedApp(mlApp, ml);
    const suffix = fullAccount ? ' (fullAccount)' : '';
    return [
      { name: `MessageWall's function${suffix}`, app: wallSynth, fn: wall.wall, accessPoint: wallSynth.accessPointArn(/Messages[0-9A-F]{8}$/), writes: true },
      { name: `MLInference's classifier${suffix}`, app: mlSynth, fn: ml.classifier, accessPoint: mlSynth.accessPointArn(/Ml[0-9A-F]{8}$/), writes: false },
      { name: `MLInference's install function${suffix}`, app: mlSynth, fn: ml.installer.installFunction, accessPoint: mlSynth.accessPointArn(/Ml[0-9A-F]{8}$/), writes: true },
    ];
  });

  describe.each(WORLDS)('%s', (world) => {
    test.each(examples.map(e => [e.name, e]))('%s mounts its access point, and writes only if it should', async (_name, example) => {
      const { app, fn, accessPoint, writes } = example as typeof examples[number];
      const principal = app.principalOf(fn);
      expect(await decide(app, principal, { world, action: 'elasticfilesystem:ClientMount', accessPointArn: accessPoint })).toBe('Allowed');
      const write = await decide(app, principal, { world, action: 'elasticfilesystem:ClientWrite', accessPointArn: accessPoint });
      expect(write === 'Allowed').toBe(writes);
    });
  });

  test.each(examples.map(e => [e.name, e]))('an administrator is denied the file system of %s wherever aws:PrincipalArn is provided', async (_name, example) => {
    const { app, accessPoint } = example as typeof examples[number];
    for (const world of WORLDS.filter(w => w !== 'documented keys only')) {
      expect(await decide(app, admin, { world, action: 'elasticfilesystem:ClientMount', accessPointArn: accessPoint })).toBe('ExplicitlyDenied');
    }
  });
});
