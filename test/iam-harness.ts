/**
 * The IAM simulator harness of the file system policy tests (file-system-perimeter*.test.ts):
 * the synthesized templates with their tokens resolved to what CloudFormation would give them
 * in account 111111111111, us-east-1 (logical ids stand in for generated ids and names), the
 * principals of functions with the policies attached to them, and one simulation of a request
 * by @cloud-copilot/iam-simulate with the file system policy read at its worst
 * (`worstCaseNotPrincipal`).
 */
import { runSimulation, Simulation } from '@cloud-copilot/iam-simulate';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EfsBackedFunction } from '../src';

/* eslint-disable @typescript-eslint/no-explicit-any */
export const ACCOUNT = '111111111111';
export const REGION = 'us-east-1';

/** Every template of the app, to resolve references across stacks (`Fn::ImportValue`). */
export type Templates = Record<string, { Resources: Record<string, any>; Outputs?: Record<string, any> }>;

export class Resolver {
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
      'AWS::Partition': 'aws',
      'AWS::AccountId': ACCOUNT,
      'AWS::Region': REGION,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': stackName,
      'AWS::StackId': `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stackName}/00000000-0000-0000-0000-000000000000`,
    };
    if (pseudo[id]) {
      return pseudo[id];
    }
    const resource = this.resource(id, stackName);
    switch (resource.Type) {
      case 'AWS::EFS::FileSystem': return `fs-${id}`;
      case 'AWS::EFS::AccessPoint': return `fsap-${id}`;
      case 'AWS::S3::Bucket': return id.toLowerCase();
      case 'AWS::IAM::Role': return this.roleName(id, stackName);
      default: return id;
    }
  }

  private getAtt(id: string, attribute: string, stackName: string): string {
    const resource = this.resource(id, stackName);
    switch (`${resource.Type}.${attribute}`) {
      case 'AWS::S3Files::FileSystem.FileSystemId': return `fs-${id}`;
      case 'AWS::S3Files::FileSystem.FileSystemArn': return `arn:aws:s3files:${REGION}:${ACCOUNT}:file-system/fs-${id}`;
      case 'AWS::S3Files::AccessPoint.AccessPointArn':
        return `arn:aws:s3files:${REGION}:${ACCOUNT}:file-system/${this.resolve(resource.Properties.FileSystemId, stackName)}/access-point/fsap-${id}`;
      default:
    }
    if (attribute !== 'Arn') {
      return `${id}.${attribute}`;
    }
    switch (resource.Type) {
      case 'AWS::EFS::FileSystem': return `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:file-system/fs-${id}`;
      case 'AWS::EFS::AccessPoint': return `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:access-point/fsap-${id}`;
      case 'AWS::IAM::Role': return `arn:aws:iam::${ACCOUNT}:role/${this.roleName(id, stackName)}`;
      case 'AWS::Logs::LogGroup': return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${id}:*`;
      case 'AWS::Lambda::Function': return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}`;
      case 'AWS::S3::Bucket': return `arn:aws:s3:::${id.toLowerCase()}`;
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
export interface Principal {
  readonly roleArn: string;
  readonly sessionArn: string;
  readonly identityPolicies: Array<{ name: string; policy: any }>;
}

/**
 * Where a kind of file system keeps what the tests read: the file system and access point
 * resources, the attributes that are their ARNs, and the resource that holds the file system policy.
 */
export interface FileSystemKind {
  readonly fileSystemType: string;
  readonly fileSystemArnAttribute: string;
  readonly accessPointType: string;
  readonly accessPointArnAttribute: string;
  /** The file system policy of the file system with logical id `id`, unresolved. */
  policyOf(resources: Record<string, any>, id: string): any;
}

export const EFS_KIND: FileSystemKind = {
  fileSystemType: 'AWS::EFS::FileSystem',
  fileSystemArnAttribute: 'Arn',
  accessPointType: 'AWS::EFS::AccessPoint',
  accessPointArnAttribute: 'Arn',
  policyOf: (resources, id) => resources[id].Properties.FileSystemPolicy,
};

export const S3_FILES_KIND: FileSystemKind = {
  fileSystemType: 'AWS::S3Files::FileSystem',
  fileSystemArnAttribute: 'FileSystemArn',
  accessPointType: 'AWS::S3Files::AccessPoint',
  accessPointArnAttribute: 'AccessPointArn',
  policyOf: (resources, id) => Object.values(resources).find((r: any) => r.Type === 'AWS::S3Files::FileSystemPolicy'
    && JSON.stringify(r.Properties.FileSystemId).includes(`"${id}"`))?.Properties.Policy,
};

export class SynthesizedApp {
  private readonly templates: Templates;
  private readonly resolver: Resolver;

  constructor(app: App, private readonly fileSystemStack: Stack, private readonly kind: FileSystemKind = EFS_KIND,
    private readonly fileSystemPattern: RegExp = /SharedFileSystem/) {
    const assembly = app.synth();
    this.templates = Object.fromEntries(assembly.stacks.map(s => [s.stackName, s.template]));
    this.resolver = new Resolver(this.templates);
  }

  get fileSystemArn(): string {
    const id = this.logicalId(this.fileSystemStack, this.kind.fileSystemType, this.fileSystemPattern);
    return this.resolver.resolve({ 'Fn::GetAtt': [id, this.kind.fileSystemArnAttribute] }, this.fileSystemStack.stackName);
  }

  get fileSystemPolicy(): any {
    const id = this.logicalId(this.fileSystemStack, this.kind.fileSystemType, this.fileSystemPattern);
    const policy = this.resolver.resolve(this.kind.policyOf(this.templates[this.fileSystemStack.stackName].Resources, id),
      this.fileSystemStack.stackName);
    // Resource policies name the resource they are attached to (CloudFormation leaves it out for EFS).
    return { ...policy, Statement: policy.Statement.map((s: any) => ({ ...s, Resource: this.fileSystemArn })) };
  }

  accessPointArn(accessPointIdPattern: RegExp): string {
    const id = this.logicalId(this.fileSystemStack, this.kind.accessPointType, accessPointIdPattern);
    return this.resolver.resolve({ 'Fn::GetAtt': [id, this.kind.accessPointArnAttribute] }, this.fileSystemStack.stackName);
  }

  /** The role of `fn` and every IAM policy attached to it in its template. */
  principalOf(fn: EfsBackedFunction): Principal {
    const roleId = Stack.of(fn).resolve((fn.lambdaFunction.role as iam.Role).roleName).Ref as string;
    // Lambda names the session after the function.
    return this.principalOfRole(Stack.of(fn), roleId, fn.node.id);
  }

  /** `value` of the template of stack `stackName`, resolved. */
  resolve(value: any, stackName: string): any {
    return this.resolver.resolve(value, stackName);
  }

  /** The role of logical id `roleId` in `stack`, in a session named `sessionName`, with every IAM policy attached to it. */
  principalOfRole(stack: Stack, roleId: string, sessionName: string): Principal {
    const stackName = stack.stackName;
    const roleName = this.resolver.roleName(roleId, stackName);
    const resources = this.templates[stackName].Resources;
    const attached = Object.entries(resources).filter(([, r]) =>
      (r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy')
      && JSON.stringify(r.Properties.Roles ?? []).includes(`"${roleId}"`));
    return {
      roleArn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
      sessionArn: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/${sessionName}`,
      identityPolicies: attached.map(([id, r]) => ({ name: id, policy: this.resolver.resolve(r.Properties.PolicyDocument, stackName) })),
    };
  }

  logicalId(stack: Stack, type: string, pattern: RegExp): string {
    const ids = Object.entries(this.templates[stack.stackName].Resources)
      .filter(([id, r]) => r.Type === type && pattern.test(id)).map(([id]) => id);
    if (ids.length !== 1) {
      throw new Error(`expected one ${type} matching ${pattern} in ${stack.stackName}, got ${ids.join(', ')}`);
    }
    return ids[0];
  }
}

/**
 * The policy with every role ARN in a Deny's `NotPrincipal` read as sparing none of the role's
 * sessions: the IAM User Guide ("NotPrincipal") says a role ARN alone might not spare them and
 * that each session ARN must be named. A statement left with nothing to spare denies everyone.
 */
export function worstCaseNotPrincipal(policy: any): any {
  const statements = policy.Statement.map((statement: any) => {
    if (statement.Effect !== 'Deny' || !statement.NotPrincipal) {
      return statement;
    }
    const spared = [statement.NotPrincipal.AWS ?? []].flat().filter((arn: string) => !/^arn:[^:]+:iam::\d*:role\//.test(arn));
    const { NotPrincipal: _dropped, ...rest } = statement;
    return spared.length > 0 ? { ...rest, NotPrincipal: { AWS: spared } } : { ...rest, Principal: { AWS: '*' } };
  });
  return { ...policy, Statement: statements };
}

export async function simulate(
  principal: Principal, fileSystemArn: string, resourcePolicy: any, action: string, context: Record<string, string>,
): Promise<string> {
  const simulation: Simulation = {
    request: {
      principal: principal.sessionArn,
      action,
      resource: { resource: fileSystemArn, accountId: ACCOUNT },
      contextVariables: context,
    },
    identityPolicies: principal.identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: worstCaseNotPrincipal(resourcePolicy),
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    throw new Error(`simulation failed: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult;
}

