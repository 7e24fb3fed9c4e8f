import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { inputMessage } from './errors';
import { EFS, S3_FILES } from './nfs-services';

/**
 * A write grant to a read-only function contradicts its `readOnly`: refuse it rather than let
 * one of the two win silently. Checked at synth, when every grant has been made, so the
 * order of the function and the grant does not matter. Grants go into the role's own policies
 * (`iam.Grant.addToPrincipal`), which are its children in the construct tree.
 */
export function refuseWriteGrants(fn: IConstruct, role: iam.IRole): void {
  fn.node.addValidation({
    validate: () => writeGrantsOf(role).length === 0 ? [] : [inputMessage('readOnly',
      `grantReadWrite: grantee ${fn.node.path} mounts read-only (readOnly: true); use grantRead, or create the function with readOnly: false to let it write`)],
  });
}

/** The statements of `role`'s own policies that allow writing to a file system (EFS or S3 Files). */
function writeGrantsOf(role: iam.IRole): unknown[] {
  return role.node.children
    .filter((child): child is iam.Policy => child instanceof iam.Policy)
    .flatMap(policy => Stack.of(policy).resolve(policy.document.toJSON())?.Statement ?? [])
    .filter((statement: { Effect?: string; Action?: string | string[] }) =>
      statement.Effect === 'Allow' && [statement.Action ?? []].flat().some(action => WRITE_ACTIONS.includes(action)));
}

const WRITE_ACTIONS = [EFS.clientWrite, S3_FILES.clientWrite];
