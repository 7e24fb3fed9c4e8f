import { createHash } from 'crypto';
import { Aws, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { invalidInput } from './errors';
import { allClientActions, EFS, NfsService } from './nfs-services';

/** The client actions of `access.service` (EFS unless given) for read-only or read-write access. */
export function clientActions(access: { readonly readOnly: boolean; readonly service?: NfsService }): string[] {
  const service = access.service ?? EFS;
  return access.readOnly ? [service.clientMount] : [service.clientMount, service.clientWrite];
}

/**
 * Conditions that confine a client statement to one access point (and, where the service
 * documents the key, to clients that came through a mount target).
 */
export function accessPointConditions(accessPointArn: string, service: NfsService = EFS): Record<string, Record<string, string>> {
  return {
    StringEquals: { [service.accessPointArnKey]: accessPointArn },
    ...(service.accessedViaMountTargetKey ? { Bool: { [service.accessedViaMountTargetKey]: 'true' } } : {}),
  };
}

/** What the file system policy holds besides the grants. */
export interface FileSystemPolicyOptions {
  /**
   * The service whose actions and condition keys the policy uses.
   *
   * @default EFS
   */
  readonly service?: NfsService;
  /** Deny clients that mount without an access point. */
  readonly requireAccessPoint: boolean;
  /**
   * Deny every principal not in `grantedPrincipalArns` (the perimeter); without it, any
   * same-account principal whose identity policy allows the client actions can mount.
   */
  readonly restrictToGrantedPrincipals: boolean;
  /** The ARN patterns of the principals the stack granted (as `perimeterArnsOf` names them). */
  readonly grantedPrincipalArns: string[];
}

/**
 * The file system policy, written out in full so that it does not depend on the app's
 * feature flags (`@aws-cdk/aws-efs:denyAnonymousAccess` would otherwise add an Allow for
 * any principal). It holds only Deny statements: grants are Allows in the grantees'
 * identity policies, each pinned to one access point of this file system
 * (`accessPointConditions`), and EFS lets a same-account client in when either policy
 * allows it and none denies it (EFS User Guide, "Using IAM to control access to file systems").
 *
 * Every statement has `Principal: *` and names no role, no access point and no other
 * resource of the app. This is what makes the policy deployable whatever the app does:
 * - a policy that references a role (`Fn::GetAtt`) makes the file system depend on it, a
 *   cycle as soon as the role depends back on the file system (a function waiting for its
 *   mount targets, `node.addDependency`, an instance with `allowMountFrom`);
 * - a role named as a `Principal` must exist when the policy is set (services that validate
 *   principals reject others; EFS is not documented to differ), and a deleted and recreated
 *   role is locked out (EFS User Guide, "Resource-based policy examples");
 * - an access point named here is a cycle (every access point depends on the file system).
 *
 * Every condition key is one the service documents for NFS clients (EFS: `aws:SecureTransport`,
 * `elasticfilesystem:AccessPointArn`, `elasticfilesystem:AccessedViaMountTarget`; S3 Files:
 * `s3files:AccessPointArn`, see nfs-services.ts), except two global keys that are inert where
 * the request does not carry them: `aws:SecureTransport` for S3 Files (a `Bool` test of
 * `false` is false on an absent key) and `aws:PrincipalArn` in the perimeter (guarded by
 * `Null`, `perimeterStatement`).
 */
export function fileSystemPolicy(options: FileSystemPolicyOptions): iam.PolicyDocument {
  const service = options.service ?? EFS;
  const everyone = [new iam.AnyPrincipal()];
  const statements = [
    new iam.PolicyStatement({
      sid: 'DenyWithoutTls',
      effect: iam.Effect.DENY,
      principals: everyone,
      actions: ['*'],
      conditions: { Bool: { 'aws:SecureTransport': 'false' } },
    }),
    // Only where the service documents the key (S3 Files does not: nfs-services.ts).
    ...(service.accessedViaMountTargetKey ? [new iam.PolicyStatement({
      sid: 'DenyOutsideMountTargets',
      effect: iam.Effect.DENY,
      principals: everyone,
      actions: allClientActions(service),
      conditions: { Bool: { [service.accessedViaMountTargetKey]: 'false' } },
    })] : []),
    // No grant of this library includes root access (clientActions): a client that connects
    // as root is squashed to an unprivileged user (EFS User Guide, "Using IAM to control
    // access to file systems": without ClientRootAccess, root is treated as NFS nobody).
    new iam.PolicyStatement({
      sid: 'DenyRootAccess',
      effect: iam.Effect.DENY,
      principals: everyone,
      actions: [service.clientRootAccess],
    }),
  ];
  if (options.requireAccessPoint) {
    statements.push(new iam.PolicyStatement({
      sid: 'DenyWithoutAccessPoint',
      effect: iam.Effect.DENY,
      principals: everyone,
      actions: allClientActions(service),
      conditions: { Null: { [service.accessPointArnKey]: 'true' } },
    }));
  }
  if (options.restrictToGrantedPrincipals) {
    statements.push(perimeterStatement(service, options.grantedPrincipalArns));
  }
  return new iam.PolicyDocument({ statements });
}

/**
 * Deny the client actions to every principal the stack did not grant.
 *
 * A same-account principal whose identity policy allows `elasticfilesystem:Client*` (the
 * managed `AmazonElasticFileSystemClientReadWriteAccess`, an administrator) may mount
 * unless this policy denies it, so the perimeter is a Deny that spares the grantees by
 * `aws:PrincipalArn` (`ArnNotLike` is true only when the ARN matches none of the patterns;
 * IAM User Guide, "Condition operators", negated operators with several values). For a role
 * session, `aws:PrincipalArn` is the role's ARN, whatever the session name (IAM User Guide,
 * "AWS global condition context keys").
 *
 * Not verified (no AWS account here): whether EFS puts `aws:PrincipalArn` in the context of
 * an NFS mount. The EFS guide lists only four keys for NFS clients and says no other key is
 * enforced. So the statement is guarded by `Null: { aws:PrincipalArn: false }`, true only
 * where the key is present:
 * - key present: an ungranted principal is denied, a granted one is not;
 * - key absent: the statement does not apply; granted clients mount, and so does a
 *   same-account principal whose identity policy allows it (the TLS, mount-target and
 *   access-point layers still hold). It never locks out a granted client.
 * `NotPrincipal` is not used: with Deny, a role ARN in it spares none of the role's sessions
 * unless each session ARN is named (IAM User Guide, "NotPrincipal"), which would lock out
 * every function where the key is absent.
 *
 * With no grant at all, every principal is denied, whatever the context holds.
 */
function perimeterStatement(service: NfsService, grantedPrincipalArns: string[]): iam.PolicyStatement {
  if (grantedPrincipalArns.length === 0) {
    return new iam.PolicyStatement({
      sid: 'DenyUngrantedPrincipals',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: allClientActions(service),
    });
  }
  return new iam.PolicyStatement({
    sid: 'DenyUngrantedPrincipals',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: allClientActions(service),
    conditions: {
      Null: { 'aws:PrincipalArn': 'false' },
      ArnNotLike: { 'aws:PrincipalArn': grantedPrincipalArns },
    },
  });
}

/**
 * The principals a file system's perimeter spares, each pattern once: what `admitPrincipal`
 * of a file system made in this app (EFS or S3 Files) records and its policy renders at synth.
 */
export class PerimeterPrincipals {
  /** The ARN patterns, in the order grants named them. */
  public readonly arns: string[] = [];

  constructor(private readonly fileSystem: IConstruct) {}

  /** Spare `grantee` (see `perimeterArnsOf`); a pattern already there is not added again. */
  public admit(grantee: iam.IGrantable): void {
    // Patterns may hold tokens (a generated role name ends with the region): compare them resolved.
    const resolved = (arn: string) => JSON.stringify(Stack.of(this.fileSystem).resolve(arn));
    const known = new Set(this.arns.map(resolved));
    this.arns.push(...perimeterArnsOf(this.fileSystem, grantee).filter(arn => !known.has(resolved(arn))));
  }
}

/**
 * The ARN patterns under which the file system policy spares a grantee, built from names
 * fixed at synth so that the policy references no resource (see `fileSystemPolicy`).
 *
 * A role is named by its name, under any path: `role/NAME` and `role/*\/NAME` (role names
 * are unique in an account whatever their path, so the patterns match that role only,
 * whether or not `aws:PrincipalArn` carries the path), and its sessions (`rolePatterns`).
 * Its name is the one it was given or, for a role of the app that has none, one generated here (as aws-cdk-lib's
 * `PhysicalName.GENERATE_IF_NEEDED` does for references across environments): the role's
 * stack name, construct path and region. A user is named by its ARN. Anything else is
 * refused, with what to do.
 */
export function perimeterArnsOf(fileSystemScope: IConstruct, grantee: iam.IGrantable): string[] {
  const principal = grantee.grantPrincipal;
  const fsStack = Stack.of(fileSystemScope);
  if (isRole(principal)) {
    const imported = Token.isUnresolved(principal.roleArn) ? undefined : ROLE_ARN.exec(principal.roleArn);
    if (imported) {
      // Imported by ARN: its own partition and account.
      return rolePatterns(imported[1], imported[2], imported[3]);
    }
    const name = roleNameAtSynth(principal) ?? generateRoleName(principal);
    if (name === undefined || !isPortable(fsStack, name)) {
      throw invalidInput(fileSystemScope, ['grantee', 'roleName'],
        `grantee ${principal.node.path} is a role whose name is known only at deploy time (${principal.roleArn}): `
        + `the file system policy of ${fileSystemScope.node.path} spares granted roles by name and cannot reference a role resource `
        + '(a dependency cycle as soon as the role depends on the file system). Give the role a roleName, or import it with iam.Role.fromRoleArn');
    }
    return roleArnPatterns(fsStack, name);
  }
  if (principal instanceof iam.ArnPrincipal && isPortable(fsStack, principal.arn)) {
    const role = ROLE_ARN.exec(principal.arn);
    if (role) {
      return rolePatterns(role[1], role[2], role[3]);
    }
    if (/^arn:[^:]+:iam::[^:]*:user\//.test(principal.arn)) {
      return [principal.arn];
    }
  }
  // Only a role or a user: an account (or '*') spared by the perimeter would spare every
  // principal of that account, and the perimeter would hold nothing.
  throw invalidInput(fileSystemScope, 'grantee',
    'grantee must be an IAM role (a function\'s, an instance\'s or a task\'s role) or the ARN principal of a role or user known at synth, '
    + `not an account or a service (got ${principal})`);
}

/** A role ARN: its partition, its account and its name (after any path). */
const ROLE_ARN = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

/**
 * The ARNs a request of role `name` may carry as `aws:PrincipalArn`: the role's, at the root
 * or under any path (the IAM guide says a role session's key is the role's ARN), and, in case
 * a service put the session's ARN there instead, `assumed-role/NAME/*`. Sparing all three
 * costs nothing (each names this role only) and keeps granted roles in whichever it is.
 */
function rolePatterns(partition: string, account: string, name: string): string[] {
  return [
    `arn:${partition}:iam::${account}:role/${name}`,
    `arn:${partition}:iam::${account}:role/*/${name}`,
    `arn:${partition}:sts::${account}:assumed-role/${name}/*`,
  ];
}

/** `rolePatterns` of a role of the app, in the file system's account and partition (pseudo parameters). */
function roleArnPatterns(fsStack: Stack, name: string): string[] {
  return rolePatterns(fsStack.partition, fsStack.account, name);
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
  if (!Token.isUnresolved(role.roleName)) {
    return role.roleName;
  }
  const arn = Token.isUnresolved(role.roleArn) ? undefined : /:role\/(?:.*\/)?([^/]+)$/.exec(role.roleArn);
  return arn ? arn[1] : undefined;
}

/** Longest generated name before the region suffix: IAM role names have at most 64 characters. */
const GENERATED_NAME_LENGTH = 48;

/**
 * Give a role of the app that has no name one fixed at synth, and return it; `undefined`
 * for a role that cannot be named (an import by name token). The region keeps copies of the
 * app in several regions of one account apart (IAM names are global); it is a pseudo
 * parameter, the same in every stack of the environment.
 */
function generateRoleName(role: iam.IRole): string | undefined {
  const cfn = role.node.defaultChild;
  if (!(cfn instanceof iam.CfnRole)) {
    return undefined;
  }
  const stack = Stack.of(role);
  const region = Token.isUnresolved(stack.region) ? Aws.REGION : stack.region;
  const name = `${readableUniqueName(stack, role)}-${region}`;
  cfn.roleName = name;
  return name;
}

/**
 * The stack's name and the role's construct path, letters and digits only, shortened in the
 * middle, then a hash of both: unique in the app (aws-cdk-lib's `Names` leave the hash out
 * for a construct at the top of a stack, and the stack out when it is called `Default`).
 */
function readableUniqueName(stack: Stack, role: IConstruct): string {
  const stackName = Token.isUnresolved(stack.stackName) ? stack.node.id : stack.stackName;
  const path = [stackName, ...role.node.scopes.slice(role.node.scopes.indexOf(stack) + 1).map(scope => scope.node.id)];
  const hash = createHash('sha256').update(path.join('/')).digest('hex').slice(0, 8).toUpperCase();
  const readable = path.join('').replace(/[^A-Za-z0-9]/g, '');
  const room = GENERATED_NAME_LENGTH - hash.length;
  const half = Math.floor(room / 2);
  return (readable.length > room ? readable.slice(0, half) + readable.slice(readable.length - (room - half)) : readable) + hash;
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
