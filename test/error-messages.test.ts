import * as fs from 'fs';
import * as path from 'path';

/**
 * Every error the library throws that names a prop or a method spelled differently in Python
 * (camelCase) says the Python spelling too (`inPython`, which appends "(in Python: mount_path)").
 * This walks every `throw new Error(...)` of src/ and reads its message template.
 */
const SRC = path.join(__dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .flatMap(entry => entry.isDirectory() ? sourceFiles(path.join(dir, entry.name)) : entry.name.endsWith('.ts') ? [path.join(dir, entry.name)] : []);
}

/** The argument text of each `throw new Error(...)` in `source`, with its line. */
function thrownMessages(source: string): Array<{ line: number; text: string }> {
  const found: Array<{ line: number; text: string }> = [];
  for (const match of source.matchAll(/throw new Error\(/g)) {
    let depth = 1;
    let end = match.index! + match[0].length;
    while (depth > 0 && end < source.length) {
      depth += source[end] === '(' ? 1 : source[end] === ')' ? -1 : 0;
      end++;
    }
    found.push({ line: source.slice(0, match.index).split('\n').length, text: source.slice(match.index! + match[0].length, end - 1) });
  }
  return found;
}

/** Messages that name a camelCase word (outside `${...}`) without `inPython(...)`. */
export function messagesWithoutPythonSpelling(source: string): string[] {
  return thrownMessages(source)
    .filter(({ text }) => /\b[a-z]+[A-Z][A-Za-z0-9]*\b/.test(text.replace(/\$\{[^}]*\}/g, '')) && !text.includes('inPython('))
    .map(({ line, text }) => `line ${line}: ${text.trim().slice(0, 100)}`);
}

test('every error message that names a camelCase prop or method gives its Python spelling', () => {
  const offenders = sourceFiles(SRC).flatMap(file => messagesWithoutPythonSpelling(fs.readFileSync(file, 'utf8'))
    .map(offender => `${path.relative(SRC, file)} ${offender}`));
  expect(offenders).toEqual([]);
});

test('the walk finds a message without the Python spelling, and accepts one with it', () => {
  const source = [
    'function a() { throw new Error(`indexUrl must be https (got ${url})`); }',
    'function b() { throw new Error(`mountPath must start with /mnt/${inPython(\'mountPath\')}`); }',
    'function c() { throw new Error(\'runtime must be python\'); }',
  ].join('\n');
  expect(messagesWithoutPythonSpelling(source)).toEqual(['line 1: `indexUrl must be https (got ${url})`']);
});

test('doc comments use backticks, not {@link} (jsii-docgen prints it raw in API.md and the other languages\' docs)', () => {
  const links = sourceFiles(SRC).flatMap(file => fs.readFileSync(file, 'utf8').split('\n')
    .map((line, i) => ({ line, at: `${path.relative(SRC, file)}:${i + 1}` })).filter(({ line }) => line.includes('{@link')).map(({ at }) => at));
  expect(links).toEqual([]);
});
