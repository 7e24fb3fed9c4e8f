import { Errors, UnscopedValidationError, ValidationError } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

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
  const props = propsOf(names);
  const text = inputMessage(props, message);
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

/**
 * The text `invalidInput` throws, for a message about input that is reported rather than
 * thrown: a warning (`Annotations`) or a synth-time validation (`node.addValidation`), which
 * aws-cdk-lib attaches to the construct itself. The message, then the Python spelling of the
 * props it names.
 */
export function inputMessage(names: string | readonly string[], message: string): string {
  return message + inPython(...propsOf(names));
}

/**
 * The Python spelling of the props a message names, to append to the message:
 * `' (in Python: mount_path)'`, or `''` when every name reads the same in both languages
 * (`runtime`, `timeout (minutes)`). A name may go on after the prop (`secondaryGids[0]`,
 * `mountEnvironment.PYTHONPATH`): only the prop is respelled (`secondary_gids[0]`).
 *
 * The Python spelling goes at the end so that a message still starts, for both readers,
 * with the prop as the API reference names it. Call `invalidInput` or `inputMessage`, which
 * append it, rather than this.
 */
export function inPython(...props: string[]): string {
  const spelled = props.filter(prop => pythonName(prop) !== prop).map(pythonName);
  return spelled.length > 0 ? ` (in Python: ${spelled.join(', ')})` : '';
}

/**
 * How jsii names a TypeScript prop in Python: `mountPath` → `mount_path`, `percentIOLimit` →
 * `percent_io_limit`. Each camelCase name of a path is respelled (`coldStartLoad.loadWithin` →
 * `cold_start_load.load_within`); indexes and other names stay (`secondaryGids[0]`,
 * `mountEnvironment.PYTHONPATH`).
 */
export function pythonName(name: string): string {
  return name.replace(/(^|\.)([a-z][A-Za-z0-9]*)/g, (_match, dot: string, prop: string) => dot + prop
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase());
}

function propsOf(names: string | readonly string[]): string[] {
  return typeof names === 'string' ? [names] : [...names];
}

/** `InvalidMountPath` for `mountPath`, `InvalidColdStartLoad` for `coldStartLoad.loadWithin`: the error's name, after its first prop. */
function errorName(props: readonly string[]): string {
  const first = props[0]?.match(/^[A-Za-z][A-Za-z0-9]*/)?.[0];
  return first ? `Invalid${first[0].toUpperCase()}${first.slice(1)}` : 'InvalidInput';
}

function constructedAsValidationError(error: unknown, text: string): error is Error {
  return Errors.isValidationError(error) && (error as Error).message === text;
}
