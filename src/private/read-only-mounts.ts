import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { inPython } from './validation';

/** Principals of functions that mount read-only, with the function's path. */
const READ_ONLY = new WeakMap<iam.IPrincipal, string>();

/** Record that `principal` belongs to a function mounted with `readOnly: true`. */
export function registerReadOnlyMount(principal: iam.IPrincipal, fn: IConstruct): void {
  READ_ONLY.set(principal, fn.node.path);
}

/** A write grant to a read-only function contradicts its `readOnly`: refuse it rather than let one of the two win silently. */
export function checkNotReadOnly(grantee: iam.IGrantable): void {
  const fn = READ_ONLY.get(grantee.grantPrincipal);
  if (fn !== undefined) {
    throw new Error(`grantReadWrite: grantee ${fn} mounts read-only (readOnly: true${inPython('readOnly')}); `
      + 'use grantRead, or create the function with readOnly: false to let it write');
  }
}
