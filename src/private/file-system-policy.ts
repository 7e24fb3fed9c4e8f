import * as iam from 'aws-cdk-lib/aws-iam';

/** The IAM actions an NFS client needs to mount, and to write. */
export const CLIENT_MOUNT = 'elasticfilesystem:ClientMount';
export const CLIENT_WRITE = 'elasticfilesystem:ClientWrite';
export const CLIENT_ROOT_ACCESS = 'elasticfilesystem:ClientRootAccess';

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

/**
 * The baseline file system policy, written out in full so that it does not depend on the
 * app's feature flags (`@aws-cdk/aws-efs:denyAnonymousAccess` would otherwise add an
 * Allow for any principal).
 *
 * With any file system policy in place, EFS lets a client in only when an identity or
 * this resource policy allows it; the statements here add explicit denies on top.
 */
export function baselineFileSystemPolicy(options: { requireAccessPoint: boolean }): iam.PolicyDocument {
  const everyone = [new iam.AnyPrincipal()];
  const allClientActions = [CLIENT_MOUNT, CLIENT_WRITE, CLIENT_ROOT_ACCESS];
  const statements = [
    new iam.PolicyStatement({
      sid: 'DenyWithoutTls',
      effect: iam.Effect.DENY,
      principals: everyone,
      actions: ['*'],
      conditions: { Bool: { 'aws:SecureTransport': 'false' } },
    }),
    new iam.PolicyStatement({
      sid: 'DenyAnonymous',
      effect: iam.Effect.DENY,
      principals: everyone,
      actions: allClientActions,
      conditions: { StringEquals: { 'aws:PrincipalType': 'Anonymous' } },
    }),
    new iam.PolicyStatement({
      sid: 'DenyOutsideMountTargets',
      effect: iam.Effect.DENY,
      principals: everyone,
      actions: allClientActions,
      conditions: { Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'false' } },
    }),
  ];
  if (options.requireAccessPoint) {
    statements.push(new iam.PolicyStatement({
      sid: 'DenyWithoutAccessPoint',
      effect: iam.Effect.DENY,
      principals: everyone,
      actions: allClientActions,
      conditions: { Null: { 'elasticfilesystem:AccessPointArn': 'true' } },
    }));
  }
  return new iam.PolicyDocument({ statements });
}
