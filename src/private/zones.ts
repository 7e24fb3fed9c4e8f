import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * An Availability Zone for an error message. In an environment-agnostic stack a zone is a
 * token (`Fn::Select` of `Fn::GetAZs`), which CDK would print as `${Token[...]}`: print
 * which of the region's zones it is instead, the most concrete name known at synth.
 */
export function zoneName(zone: string, scope: IConstruct): string {
  if (!Token.isUnresolved(zone)) {
    return zone;
  }
  const resolved = Stack.of(scope).resolve(zone);
  const select = resolved?.['Fn::Select'];
  if (Array.isArray(select) && typeof select[0] === 'number' && select[1]?.['Fn::GetAZs'] !== undefined) {
    return `the region's ${ordinal(select[0] + 1)} Availability Zone (Fn::Select ${select[0]} of Fn::GetAZs)`;
  }
  return `a zone known at deploy time (${JSON.stringify(resolved)})`;
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${suffix}`;
}
