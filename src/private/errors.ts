import { Errors, UnscopedValidationError, ValidationError } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { inPython } from './validation';

/**
 * The one way the library reports bad input. The message names the props (or methods) it is
 * about as TypeScript spells them and ends with their Python spelling where it differs, and
 * the error is aws-cdk-lib's `ValidationError`: `Errors.isValidationError(e)` is true, its
 * `constructPath` is the path of `scope`, and the CLI prints the construct tree under it, as
 * for aws-cdk's own constructs. Without a scope (a planner, not a construct) it is the
 * unscoped kind.
 *
 * Call as `throw invalidInput(scope, 'mountPath', ...)`, so that the compiler sees the throw.
 *
 * `ValidationError` is marked `@internal` in aws-cdk-lib, though exported and used by every
 * aws-cdk module; its constructor `(name, message, scope)` is the same from our floor (2.271)
 * to the newest release we test. Should a release change it, `constructedAsValidationError`
 * notices and the error falls back to a plain `Error` whose message names the construct path.
 */
export function invalidInput(scope: IConstruct | undefined, names: string | readonly string[], message: string): Error {
  const props = typeof names === 'string' ? [names] : [...names];
  const text = message + inPython(...props);
  const name = errorName(props);
  try {
    // `name` is a LiteralString (a branded string) in the declarations: a compile-time mark only.
    const error = scope
      ? new ValidationError(name as never, text, scope)
      : new UnscopedValidationError(name as never, text);
    if (constructedAsValidationError(error, text)) {
      return error;
    }
  } catch {
    // A changed constructor: fall through to the plain error below.
  }
  return new Error(scope ? `${text} [${scope.node.path}]` : text);
}

/** `InvalidMountPath` for `mountPath`, `InvalidColdStartLoad` for `coldStartLoad.loadWithin`: the error's name, after its first prop. */
function errorName(props: readonly string[]): string {
  const first = props[0]?.match(/^[A-Za-z][A-Za-z0-9]*/)?.[0];
  return first ? `Invalid${first[0].toUpperCase()}${first.slice(1)}` : 'InvalidInput';
}

function constructedAsValidationError(error: unknown, text: string): error is Error {
  return Errors.isValidationError(error) && (error as Error).message === text;
}
