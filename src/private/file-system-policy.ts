import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { inPython } from './validation';

/** The IAM actions an NFS client needs to mount, and to write. */
export const CLIENT_MOUNT = 'elasticfilesystem:ClientMount';
export const CLIENT_WRITE = 'elasticfilesystem:ClientWrite';
export const CLIENT_ROOT_ACCESS = 'elasticfilesystem:ClientRootAccess';
const ALL_CLIENT_ACTIONS = [CLIENT_MOUNT, CLIENT_WRITE, CLIENT_ROOT_ACCESS];

/** The client actions for read-only or read-write access. */
export function clientActions(readOnly: boolean): string[] {
  return readOnly ? [CLIENT_MOUNT] : [CLIENT_MOUNT, CLIENT_WRITE];
}

/** Conditions that confine a client statement to one access point, reached through a mount target. */
export function accessPointConditions(accessPointArn: string): Record<string, Record<string, string>> {
  return {
    StringEquals: { 'elasticfilesystem:AccessPointArn': accessPointArn },
    Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' },
  };
}

/** What the file system policy holds besides the grants. */
export interface FileSystemPolicyOptions {
  /** Deny clients that mount without an access point. */
  readonly requireAccessPoint: boolean;
  /**
   * Deny every principal not in `grantedPrincipalArns` (the perimeter); without it, any
   * same-account principal whose identity policy allows the client actions can mount.
   */
  readonly restrictToGrantedPrincipals: boolean;
  /** The role ARNs the stack granted (as `perimeterArnOf` names them). */
  readonly grantedPrincipalArns: string[];
}

/**
 * The file system policy, written out in full so that it does not depend on the app's
 * feature flags (`@aws-cdk/aws-efs:denyAnonymousAccess` would otherwise add an Allow for
 * any principal). It holds only Deny statements: grants are Allows in the grantees'
 * identity policies, each pinned to one access point of this file system
 * (`accessPointConditions`), and EFS lets a same-account client in when either policy
 * allows it and none denies it.
 *
 * Every condition key used here is one EFS documents as evaluated for NFS clients
 * (`aws:SecureTransport`, `elasticfilesystem:AccessPointArn`,
 * `elasticfilesystem:AccessedViaMountTarget`), except `aws:PrincipalArn` in the perimeter;
 * see `perimeterStatement` for why, and what is not verified. (A statement on
 * `aws:PrincipalType`, which EFS does not evaluate for NFS clients, was removed: anonymous
 * clients are refused because no statement allows them.)
 *
 * The access points are not named here: the policy is a property of the file system,
 * which every access point depends on, so naming one would be a cycle. The perimeter
 * names the granted roles instead, and each role's own policy names its access point.
 */
export function fileSystemPolicy(options: FileSystemPolicyOptions): iam.PolicyDocument {
  const everyone = [new iam.AnyPrincipal()];
  const statements = [
    new iam.PolicyStatement({
      sid: 'DenyWithoutTls',
      effect: iam.Effect.DENY,
      principals: everyone,
      actions: ['*'],
      conditions: { Bool: { 'aws:SecureTransport': 'false' } },
    }),
    new iam.PolicyStatement({
      sid: 'DenyOutsideMountTargets',
      effect: iam.Effect.DENY,
      principals: everyone,
      actions: ALL_CLIENT_ACTIONS,
      conditions: { Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'false' } },
    }),
  ];
  if (options.requireAccessPoint) {
    statements.push(new iam.PolicyStatement({
      sid: 'DenyWithoutAccessPoint',
      effect: iam.Effect.DENY,
      principals: everyone,
      actions: ALL_CLIENT_ACTIONS,
      conditions: { Null: { 'elasticfilesystem:AccessPointArn': 'true' } },
    }));
  }
  if (options.restrictToGrantedPrincipals) {
    statements.push(perimeterStatement(options.grantedPrincipalArns));
  }
  return new iam.PolicyDocument({ statements });
}

/**
 * Deny the client actions to every principal the stack did not grant.
 *
 * A same-account principal whose identity policy allows `elasticfilesystem:Client*` (the
 * managed `AmazonElasticFileSystemClientReadWriteAccess`, an administrator) may mount
 * unless this policy denies it, so the perimeter must be a Deny that spares the grantees.
 * The Deny applies only when the principal is neither named in `NotPrincipal` nor has a
 * granted `aws:PrincipalArn`; the two tests are ANDed on purpose:
 *
 * - Verified in the IAM User Guide: for a role session, `aws:PrincipalArn` is the role's
 *   ARN whatever the session name (Lambda names sessions after the function, EC2 after the
 *   instance, ECS after the task), and IAM recommends `ArnNotEquals` on it over
 *   `NotPrincipal`. `NotPrincipal` alone cannot work here: with Deny it must name each
 *   session (no wildcards), and it always denies principals that have a permissions
 *   boundary.
 * - Not verified (no AWS account here): that EFS puts `aws:PrincipalArn` in the context of
 *   an NFS mount. The EFS guide lists only `aws:SecureTransport`, `aws:SourceIp`,
 *   `elasticfilesystem:AccessPointArn` and `elasticfilesystem:AccessedViaMountTarget` as
 *   evaluated for NFS clients, and says the `Principal` element is. If the key is absent,
 *   `ArnNotEquals` matches and the statement falls back to `NotPrincipal`: granted clients
 *   whose sessions EFS matches to the named role get in, others are refused at mount
 *   (fail closed: a denied mount, never a silent opening). The account itself is not named
 *   in `NotPrincipal`, so no fallback can spare an ungranted principal.
 * - Not verified either: that EFS accepts `NotPrincipal` in a file system policy (IAM says
 *   some services' resource policies support it; the EFS guide shows only `Principal`). If
 *   it does not, CloudFormation fails to set the policy at deploy, and
 *   `restrictToGrantedPrincipals: false` is the way back.
 *
 * With no grant at all, every principal is denied.
 */
function perimeterStatement(grantedPrincipalArns: string[]): iam.PolicyStatement {
  if (grantedPrincipalArns.length === 0) {
    return new iam.PolicyStatement({
      sid: 'DenyUngrantedPrincipals',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ALL_CLIENT_ACTIONS,
    });
  }
  return new iam.PolicyStatement({
    sid: 'DenyUngrantedPrincipals',
    effect: iam.Effect.DENY,
    notPrincipals: grantedPrincipalArns.map(arn => new iam.ArnPrincipal(arn)),
    actions: ALL_CLIENT_ACTIONS,
    conditions: { ArnNotEquals: { 'aws:PrincipalArn': grantedPrincipalArns } },
  });
}

/**
 * The ARN under which the file system policy names a grantee, without a reference from the
 * file system's stack to the grantee's.
 *
 * A grantee in another stack already depends on the file system's stack (its policy names
 * the access point), so the file system policy must not reference it back. A role whose
 * ARN is known at synth (imported by ARN) is named as it is; a role whose name is known
 * (given a `roleName`, or created by EfsBackedFunction in another stack, which names it)
 * is named by an ARN built in the file system's stack from that name; a role of the same
 * stack is referenced. Anything else is refused, with what to do.
 */
export function perimeterArnOf(fileSystemScope: IConstruct, grantee: iam.IGrantable): string {
  const principal = grantee.grantPrincipal;
  const fsStack = Stack.of(fileSystemScope);
  if (isRole(principal)) {
    if (isPortable(fsStack, principal.roleArn) || Stack.of(principal) === fsStack) {
      return principal.roleArn;
    }
    const name = roleNameAtSynth(principal);
    if (name !== undefined && isPortable(fsStack, name)) {
      return fsStack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: `${rolePath(principal)}${name}` });
    }
    throw new Error(`grantee ${principal.node.path} is a role in stack ${Stack.of(principal).stackName} whose name is chosen at deploy time: `
      + `the file system policy of ${fileSystemScope.node.path} (stack ${fsStack.stackName}) names every granted role, and cannot reference a role `
      + 'in a stack that depends on its own. Give the role a roleName, create it in the file system\'s stack, or import it with iam.Role.fromRoleArn'
      + inPython('roleName'));
  }
  // Only a role or a user: an account (or '*') named in NotPrincipal could spare every
  // principal of that account, and the perimeter would hold nothing.
  if (principal instanceof iam.ArnPrincipal && /:iam::[^:]*:(role|user)\//.test(principal.arn) && isPortable(fsStack, principal.arn)) {
    return principal.arn;
  }
  throw new Error('grantee must be an IAM role (a function\'s, an instance\'s or a task\'s role) or the ARN principal of a role or user known at synth, '
    + `not an account or a service (got ${principal})`);
}

function isRole(principal: iam.IPrincipal): principal is iam.IRole {
  return 'roleArn' in principal && 'roleName' in principal && 'node' in principal;
}

/**
 * The name a role was given, as written in its template (`roleName` of a role in the same
 * environment is a `Ref` token, even when a name was given).
 */
function roleNameAtSynth(role: iam.IRole): string | undefined {
  const cfn = role.node.defaultChild;
  if (cfn instanceof iam.CfnRole) {
    // A role without a name still has a (lazy) roleName token, which resolves to nothing.
    return Stack.of(role).resolve(cfn.roleName) === undefined ? undefined : cfn.roleName;
  }
  return Token.isUnresolved(role.roleName) ? undefined : role.roleName;
}

/** `/path/` without its leading slash, or '' for roles at `/` (the default). */
function rolePath(role: iam.IRole): string {
  const cfn = role.node.defaultChild;
  const path = cfn instanceof iam.CfnRole ? cfn.path : undefined;
  return path && path !== '/' && !Token.isUnresolved(path) ? path.replace(/^\//, '') : '';
}

/** True when `value` resolves to a literal, or to pseudo parameters only (`AWS::Region`): no resource is referenced. */
function isPortable(stack: Stack, value: string): boolean {
  if (!Token.isUnresolved(value)) {
    return true;
  }
  const walk = (v: unknown): boolean => {
    if (Array.isArray(v)) {
      return v.every(walk);
    }
    if (v && typeof v === 'object') {
      return Object.entries(v).every(([key, inner]) => {
        if (key === 'Ref') {
          return typeof inner === 'string' && inner.startsWith('AWS::');
        }
        if (key === 'Fn::GetAtt' || key === 'Fn::ImportValue') {
          return false;
        }
        return walk(inner);
      });
    }
    return true;
  };
  return walk(stack.resolve(value));
}
