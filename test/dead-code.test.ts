import * as fs from 'fs';
import * as path from 'path';
import { filesUnder } from './helpers';

/**
 * No dead exports in `src/private/`: each exported name is used by another module of the
 * library, the examples or the scripts, or in its own file (a type of a parameter). A name only
 * tests read is dead too: tests check what the library uses.
 */
const ROOT = path.join(__dirname, '..');
const PRIVATE = path.join(ROOT, 'src', 'private');

/** The names `source` exports with `export const|function|class|interface|type`. */
export function exportedNames(source: string): string[] {
  return [...source.matchAll(/^export (?:abstract )?(?:const|function|class|interface|type) ([A-Za-z_$][\w$]*)/gm)].map(match => match[1]);
}

/** The exported names of `source` that no other text mentions and `source` itself mentions only once (where it is declared). */
export function deadExports(source: string, others: string[]): string[] {
  const mentions = (text: string, name: string) => (text.match(new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`, 'g')) ?? []).length;
  return exportedNames(source).filter(name => mentions(source, name) <= 1 && others.every(other => mentions(other, name) === 0));
}

test('every export of src/private is used', () => {
  const users = ['src', 'examples', 'scripts'].flatMap(dir => filesUnder(path.join(ROOT, dir), { endings: ['.ts'], skip: ['node_modules', 'cdk.out'] }));
  const dead = fs.readdirSync(PRIVATE).filter(file => file.endsWith('.ts')).flatMap(file => {
    const full = path.join(PRIVATE, file);
    const others = users.filter(user => user !== full).map(user => fs.readFileSync(user, 'utf8'));
    return deadExports(fs.readFileSync(full, 'utf8'), others).map(name => `${file}: ${name}`);
  });
  expect(dead).toEqual([]);
});

test('the scan finds an export nobody uses, and accepts one used elsewhere or in its own file', () => {
  const source = [
    'export const UNUSED = 1;',
    'export function usedElsewhere() {}',
    'export interface Options { a: number }',
    'export function local(options: Options) { return options; }',
  ].join('\n');
  expect(exportedNames(source)).toEqual(['UNUSED', 'usedElsewhere', 'Options', 'local']);
  expect(deadExports(source, ['usedElsewhere(); local({ a: 1 });'])).toEqual(['UNUSED']);
});
