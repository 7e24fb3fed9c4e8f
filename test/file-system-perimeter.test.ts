import { runSimulation, Simulation } from '@cloud-copilot/iam-simulate';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EfsBackedFunction } from '../src';
import { checkedApp, fixture, Fixture, newFunction } from './helpers';

/**
 * The file system policy and the function roles' policies, as synthesized, evaluated by an
 * IAM policy simulator (@cloud-copilot/iam-simulate) for the requests an NFS mount makes:
 * `elasticfilesystem:ClientMount` / `ClientWrite` on the file system, with the condition keys
 * EFS sets for NFS clients. Tokens are resolved to what CloudFormation would give them in
 * account 111111111111, us-east-1 (logical ids stand in for generated ids and names).
 *
 * What this checks is the policy logic. Whether EFS sets `aws:PrincipalArn` for an NFS mount
 * is not known here (see src/private/file-system-policy.ts): the requests below set it, as
 * IAM does for every role session; one test runs without it to show the fallback.
 */

const ACCOUNT = '111111111111';
const REGION = 'us-east-1';
const ADMIN_ROLE = `arn:aws:iam::${ACCOUNT}:role/Admin`;

/** Every template of the app, to resolve references across stacks (`Fn::ImportValue`). */
type Templates = Record<string, { Resources: Record<string, any>; Outputs?: Record<string, any> }>;

class Resolver {
  constructor(private readonly templates: Templates) {}

  resolve(value: any, stackName: string): any {
    if (Array.isArray(value)) {
      return value.map(v => this.resolve(v, stackName));
    }
    if (value === null || typeof value !== 'object') {
      return value;
    }
    if ('Ref' in value) {
      return this.ref(value.Ref, stackName);
    }
    if ('Fn::GetAtt' in value) {
      const [id, attribute] = value['Fn::GetAtt'];
      return this.getAtt(id, attribute, stackName);
    }
    if ('Fn::Join' in value) {
      const [separator, parts] = value['Fn::Join'];
      return this.resolve(parts, stackName).join(separator);
    }
    if ('Fn::ImportValue' in value) {
      const name = this.resolve(value['Fn::ImportValue'], stackName);
      for (const [otherStack, template] of Object.entries(this.templates)) {
        const output = Object.values(template.Outputs ?? {}).find((o: any) => o.Export?.Name === name);
        if (output) {
          return this.resolve(output.Value, otherStack);
        }
      }
      throw new Error(`no export ${name}`);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v, stackName)]));
  }

  private ref(id: string, stackName: string): string {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws', 'AWS::AccountId': ACCOUNT, 'AWS::Region': REGION, 'AWS::URLSuffix': 'amazonaws.com',
    };
    if (pseudo[id]) {
      return pseudo[id];
    }
    const resource = this.resource(id, stackName);
    switch (resource.Type) {
      case 'AWS::EFS::FileSystem': return `fs-${id}`;
      case 'AWS::EFS::AccessPoint': return `fsap-${id}`;
      case 'AWS::IAM::Role': return this.roleName(id, stackName);
      default: return id;
    }
  }

  private getAtt(id: string, attribute: string, stackName: string): string {
    const resource = this.resource(id, stackName);
    if (attribute !== 'Arn') {
      return `${id}.${attribute}`;
    }
    switch (resource.Type) {
      case 'AWS::EFS::FileSystem': return `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:file-system/fs-${id}`;
      case 'AWS::EFS::AccessPoint': return `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:access-point/fsap-${id}`;
      case 'AWS::IAM::Role': return `arn:aws:iam::${ACCOUNT}:role/${this.roleName(id, stackName)}`;
      case 'AWS::Logs::LogGroup': return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${id}:*`;
      case 'AWS::Lambda::Function': return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}`;
      default: return `arn:aws:unknown:${REGION}:${ACCOUNT}:${id}`;
    }
  }

  roleName(id: string, stackName: string): string {
    const name = this.resource(id, stackName).Properties?.RoleName;
    return name === undefined ? id : this.resolve(name, stackName);
  }

  resource(id: string, stackName: string): any {
    const resource = this.templates[stackName].Resources[id];
    if (!resource) {
      throw new Error(`no resource ${id} in ${stackName}`);
    }
    return resource;
  }
}

/** What the simulator needs to know of a granted function: its role and the policies attached to it. */
interface Principal {
  readonly roleArn: string;
  readonly sessionArn: string;
  readonly identityPolicies: Array<{ name: string; policy: any }>;
}

class SynthesizedApp {
  private readonly templates: Templates;
  private readonly resolver: Resolver;

  constructor(app: App, private readonly fileSystemStack: Stack) {
    const assembly = app.synth();
    this.templates = Object.fromEntries(assembly.stacks.map(s => [s.stackName, s.template]));
    this.resolver = new Resolver(this.templates);
  }

  get fileSystemArn(): string {
    return this.resolver.resolve({ 'Fn::GetAtt': [this.logicalId(this.fileSystemStack, 'AWS::EFS::FileSystem', /SharedFileSystem/), 'Arn'] },
      this.fileSystemStack.stackName);
  }

  get fileSystemPolicy(): any {
    const id = this.logicalId(this.fileSystemStack, 'AWS::EFS::FileSystem', /SharedFileSystem/);
    const policy = this.resolver.resolve(this.resolver.resource(id, this.fileSystemStack.stackName).Properties.FileSystemPolicy,
      this.fileSystemStack.stackName);
    // Resource policies name the resource they are attached to (CloudFormation leaves it out for EFS).
    return { ...policy, Statement: policy.Statement.map((s: any) => ({ ...s, Resource: this.fileSystemArn })) };
  }

  accessPointArn(accessPointIdPattern: RegExp): string {
    const id = this.logicalId(this.fileSystemStack, 'AWS::EFS::AccessPoint', accessPointIdPattern);
    return this.resolver.resolve({ 'Fn::GetAtt': [id, 'Arn'] }, this.fileSystemStack.stackName);
  }

  /** The role of `fn` and every IAM policy attached to it in its template. */
  principalOf(fn: EfsBackedFunction): Principal {
    const stackName = Stack.of(fn).stackName;
    const roleId = Stack.of(fn).resolve((fn.lambdaFunction.role as iam.Role).roleName).Ref as string;
    const roleName = this.resolver.roleName(roleId, stackName);
    const resources = this.templates[stackName].Resources;
    const attached = Object.entries(resources).filter(([, r]) =>
      (r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy')
      && JSON.stringify(r.Properties.Roles ?? []).includes(`"${roleId}"`));
    return {
      roleArn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
      // Lambda names the session after the function.
      sessionArn: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/${fn.node.id}`,
      identityPolicies: attached.map(([id, r]) => ({ name: id, policy: this.resolver.resolve(r.Properties.PolicyDocument, stackName) })),
    };
  }

  private logicalId(stack: Stack, type: string, pattern: RegExp): string {
    const ids = Object.entries(this.templates[stack.stackName].Resources)
      .filter(([id, r]) => r.Type === type && pattern.test(id)).map(([id]) => id);
    if (ids.length !== 1) {
      throw new Error(`expected one ${type} matching ${pattern} in ${stack.stackName}, got ${ids.join(', ')}`);
    }
    return ids[0];
  }
}

interface MountRequest {
  readonly action: 'elasticfilesystem:ClientMount' | 'elasticfilesystem:ClientWrite';
  readonly accessPointArn?: string;
  readonly secureTransport?: boolean;
  /** Whether the request context carries aws:PrincipalArn (IAM sets it for role sessions). */
  readonly withPrincipalArn?: boolean;
}

async function decide(app: SynthesizedApp, principal: Principal, request: MountRequest): Promise<string> {
  const context: Record<string, string> = {
    'aws:SecureTransport': String(request.secureTransport ?? true),
    'elasticfilesystem:AccessedViaMountTarget': 'true',
  };
  if (request.accessPointArn) {
    context['elasticfilesystem:AccessPointArn'] = request.accessPointArn;
  }
  if (request.withPrincipalArn ?? true) {
    context['aws:PrincipalArn'] = principal.roleArn;
  }
  const simulation: Simulation = {
    request: {
      principal: principal.sessionArn,
      action: request.action,
      resource: { resource: app.fileSystemArn, accountId: ACCOUNT },
      contextVariables: context,
    },
    identityPolicies: principal.identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: app.fileSystemPolicy,
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    throw new Error(`simulation failed: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult;
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

describe('file system perimeter, evaluated by an IAM simulator on the synthesized policies', () => {
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

  test('the granted function mounts and writes through its access point over TLS', async () => {
    const principal = synthesized.principalOf(writer);
    expect(await decide(synthesized, principal, { action: 'elasticfilesystem:ClientMount', accessPointArn: ml })).toBe('Allowed');
    expect(await decide(synthesized, principal, { action: 'elasticfilesystem:ClientWrite', accessPointArn: ml })).toBe('Allowed');
  });

  test('not through another access point of the same file system', async () => {
    const principal = synthesized.principalOf(writer);
    expect(await decide(synthesized, principal, { action: 'elasticfilesystem:ClientMount', accessPointArn: otherAp })).not.toBe('Allowed');
  });

  test('not without TLS', async () => {
    const principal = synthesized.principalOf(writer);
    expect(await decide(synthesized, principal, { action: 'elasticfilesystem:ClientMount', accessPointArn: ml, secureTransport: false }))
      .toBe('ExplicitlyDenied');
  });

  test('not without an access point', async () => {
    const principal = synthesized.principalOf(writer);
    expect(await decide(synthesized, principal, { action: 'elasticfilesystem:ClientMount' })).toBe('ExplicitlyDenied');
  });

  test('a same-account role with elasticfilesystem:* on * cannot mount at all, through any access point', async () => {
    for (const accessPointArn of [ml, otherAp, `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:access-point/fsap-madebyadmin`]) {
      expect(await decide(synthesized, admin, { action: 'elasticfilesystem:ClientMount', accessPointArn })).toBe('ExplicitlyDenied');
    }
    // Nor when EFS leaves aws:PrincipalArn out of the context: NotPrincipal still denies it.
    expect(await decide(synthesized, admin, { action: 'elasticfilesystem:ClientMount', accessPointArn: ml, withPrincipalArn: false }))
      .toBe('ExplicitlyDenied');
  });

  test('the read-only function mounts its access point but cannot write', async () => {
    const principal = synthesized.principalOf(reader);
    expect(await decide(synthesized, principal, { action: 'elasticfilesystem:ClientMount', accessPointArn: otherAp })).toBe('Allowed');
    expect(await decide(synthesized, principal, { action: 'elasticfilesystem:ClientWrite', accessPointArn: otherAp })).not.toBe('Allowed');
  });

  test('a granted function in another stack mounts and writes through its access point, and only that one', async () => {
    const principal = synthesized.principalOf(remote);
    expect(principal.roleArn).toMatch(new RegExp(`^arn:aws:iam::${ACCOUNT}:role/ComputeRemote[A-Za-z0-9]+-${REGION}$`));
    expect(await decide(synthesized, principal, { action: 'elasticfilesystem:ClientMount', accessPointArn: ml })).toBe('Allowed');
    expect(await decide(synthesized, principal, { action: 'elasticfilesystem:ClientWrite', accessPointArn: ml })).toBe('Allowed');
    expect(await decide(synthesized, principal, { action: 'elasticfilesystem:ClientMount', accessPointArn: otherAp })).not.toBe('Allowed');
  });

  test('a granted function is let in by the NotPrincipal fallback when aws:PrincipalArn is absent (as the simulator matches role sessions)', async () => {
    const principal = synthesized.principalOf(writer);
    expect(await decide(synthesized, principal, { action: 'elasticfilesystem:ClientMount', accessPointArn: ml, withPrincipalArn: false }))
      .toBe('Allowed');
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

  test('grantReadWrite admits an instance or task role of another stack by the name it is given; one without a name is refused', async () => {
    // A plain app: the task role's inline default policy is this test's choice, not the library's.
    const app2 = new App();
    const fsStack = new Stack(app2, 'Storage');
    const f2 = fixture(fsStack);
    const clients = new Stack(app2, 'Clients');
    const named = new iam.Role(clients, 'TaskRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'), roleName: 'analytics-task' });
    f2.shared.grantReadWrite(named, f2.accessPoint);
    const policy = JSON.stringify(Template.fromStack(fsStack).toJSON());
    expect(policy).toMatch(/:role\/analytics-task/);
    expect(policy).not.toMatch(/ImportValue/);
    const unnamed = new iam.Role(clients, 'InstanceRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    expect(() => f2.shared.grantRead(unnamed, f2.accessPoint))
      .toThrow(/grantee Clients\/InstanceRole is a role in stack Clients whose name is chosen at deploy time: .*Give the role a roleName/);
  });
});
