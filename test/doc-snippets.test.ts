import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkDocSnippets, documentationFiles, extractSnippets, SnippetError } from '../scripts/check-doc-snippets';

// A page with one block that compiles and two that do not: a prop the construct does not have,
// and a name nobody declared after an import the fixture moves to the top.
const BROKEN = [
  '# A page',
  '',
  '```ts',
  'declare const vpc: ec2.IVpc;',
  "const shared = new SharedFileSystem(this, 'Shared', { vpc });",
  '```',
  '',
  '```ts',
  'declare const vpc: ec2.IVpc;',
  "new SharedFileSystem(this, 'Shared', { vpc, mountPoint: '/mnt/x' });",
  '```',
  '',
  '```typescript',
  "import { RemovalPolicy } from 'aws-cdk-lib';",
  '',
  'const policy: RemovalPolicy = RemovalPolicy.RETAIN;',
  'notDeclared(policy);',
  '```',
  '',
].join('\n');

describe('the TypeScript of README.md, docs/*.md and CONTRIBUTING.md (scripts/check-doc-snippets.ts)', () => {
  let errors: SnippetError[];
  let broken: string;
  beforeAll(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doc-snippets-test-'));
    broken = path.join(dir, 'broken.md');
    fs.writeFileSync(broken, BROKEN);
    try {
      // One program for every page and the broken one, as the script checks them.
      errors = checkDocSnippets([...documentationFiles(), broken]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  test('covers README.md, every page of docs/ and CONTRIBUTING.md', () => {
    const files = documentationFiles().map(f => path.relative(path.join(__dirname, '..'), f));
    expect(files).toEqual(expect.arrayContaining(['README.md', 'CONTRIBUTING.md', path.join('docs', 'throughput-and-cost.md')]));
    const blocks = documentationFiles().flatMap(f => extractSnippets(f, fs.readFileSync(f, 'utf-8')));
    expect(blocks.length).toBeGreaterThanOrEqual(10);
  });

  test('every block compiles in its rosetta fixture', () => {
    expect(errors.filter(e => e.file !== broken).map(e => `${e.file}:${e.line}: ${e.message}`)).toEqual([]);
  });

  test('fails on a broken block, naming the Markdown line', () => {
    const found = errors.filter(e => e.file === broken).map(e => `${e.line}: ${e.message}`);
    expect(found).toEqual([
      expect.stringMatching(/^10: TS2353: Object literal may only specify known properties, and 'mountPoint' does not exist in type 'SharedFileSystemProps'/),
      expect.stringMatching(/^17: TS2304: Cannot find name 'notDeclared'/),
    ]);
  });
});

describe('extractSnippets', () => {
  test('reads rosetta\'s fixture parameters and the line of each block', () => {
    const markdown = '# x\n\n```ts nofixture\nconst a = 1;\n```\n\n```ts fixture=other\nb;\n```\n\n```python\nc\n```\n\n```ts\nd;\n```\n';
    expect(extractSnippets('x.md', markdown)).toEqual([
      { file: 'x.md', line: 4, code: 'const a = 1;\n', fixture: undefined },
      { file: 'x.md', line: 8, code: 'b;\n', fixture: 'other' },
      { file: 'x.md', line: 16, code: 'd;\n', fixture: 'default' },
    ]);
  });
});
