import * as fs from 'fs';
import * as path from 'path';
import { filesUnder } from './helpers';

/**
 * The library reports bad input one way: `invalidInput` (src/private/errors.ts), which appends
 * the Python spelling of the props and throws aws-cdk-lib's `ValidationError` at the construct
 * (`inputMessage` gives the same text for a warning or a synth-time validation). So no file of
 * src/ throws a plain `Error`, and none but errors.ts, where it is defined, spells the props by
 * hand with `inPython(...)`. This walks every file of src/.
 */
const SRC = path.join(__dirname, '..', 'src');

/** The one file that may call `inPython`: where it is defined and used by `invalidInput` and `inputMessage`. */
const SPELLS_PROPS = [path.join('private', 'errors.ts')];

/** A plain `throw new Error(...)` (or `throw Error(...)`, or JavaScript's other kinds), and a call of `inPython`. */
const PLAIN_THROW = /\bthrow\s+(new\s+)?(Error|TypeError|RangeError|ReferenceError|SyntaxError)\s*\(/;
const INPYTHON_CALL = /\binPython\s*\(/;

/**
 * The lines of `source` that throw a plain Error, or call `inPython` unless `mayCallInPython`;
 * comment lines (doc comments that name them) are skipped.
 */
export function offendingLines(source: string, mayCallInPython: boolean): string[] {
  return source.split('\n')
    .map((text, i) => ({ line: i + 1, text: text.trim() }))
    .filter(({ text }) => !/^(\/\/|\/\*|\*)/.test(text))
    .filter(({ text }) => PLAIN_THROW.test(text) || (!mayCallInPython && INPYTHON_CALL.test(text)))
    .map(({ line, text }) => `line ${line}: ${text.slice(0, 100)}`);
}

test('no file of src/ throws a plain Error or spells props with inPython by hand: bad input goes through invalidInput', () => {
  const offenders = filesUnder(SRC, { endings: ['.ts'] }).flatMap(file => {
    const relative = path.relative(SRC, file);
    return offendingLines(fs.readFileSync(file, 'utf8'), SPELLS_PROPS.includes(relative)).map(offender => `${relative} ${offender}`);
  });
  expect(offenders).toEqual([]);
});

test('the walk finds a plain throw and a hand-spelled message, and accepts invalidInput and comments', () => {
  const source = [
    'function a() { throw new Error(`indexUrl must be https (got ${url})`); }',
    'function b() { throw invalidInput(this, \'mountPath\', \'mountPath must start with /mnt/\'); }',
    '/** Never `throw new Error(...)`: call `throw invalidInput(...)`, which calls inPython(...). */',
    'function c() { warn(`mountPath is odd${inPython(\'mountPath\')}`); }',
    '  throw Error(\'runtime must be python\');',
    '  // throw new Error(\'kept for the record\')',
    'function d() { throw new RangeError(`maxAzs must be at most 16`); }',
    'function e() { throw new AssumptionError(\'InvalidMargin\' as never, \'the package is broken\'); }',
  ].join('\n');
  expect(offendingLines(source, false)).toEqual([
    'line 1: function a() { throw new Error(`indexUrl must be https (got ${url})`); }',
    'line 4: function c() { warn(`mountPath is odd${inPython(\'mountPath\')}`); }',
    'line 5: throw Error(\'runtime must be python\');',
    'line 7: function d() { throw new RangeError(`maxAzs must be at most 16`); }',
  ]);
  // Where inPython is defined, only the plain throw counts.
  expect(offendingLines(source, true)).toEqual([
    'line 1: function a() { throw new Error(`indexUrl must be https (got ${url})`); }',
    'line 5: throw Error(\'runtime must be python\');',
    'line 7: function d() { throw new RangeError(`maxAzs must be at most 16`); }',
  ]);
});

test('doc comments use backticks, not {@link} (jsii-docgen prints it raw in API.md and the other languages\' docs)', () => {
  const links = filesUnder(SRC, { endings: ['.ts'] }).flatMap(file => fs.readFileSync(file, 'utf8').split('\n')
    .map((line, i) => ({ line, at: `${path.relative(SRC, file)}:${i + 1}` })).filter(({ line }) => line.includes('{@link')).map(({ at }) => at));
  expect(links).toEqual([]);
});
