/**
 * Type-checks the TypeScript blocks of the documentation as jsii-rosetta compiles the README's.
 *
 * `jsii-rosetta extract --strict --compile` (the post-compile task) sees only README.md, and only
 * once the jsii assembly exists. The pages under docs/ and CONTRIBUTING.md are not in the
 * assembly, so this does for them (and for README.md, at any time) what rosetta does:
 * - every ```ts (or ```typescript) block is put in its fixture: `rosetta/default.ts-fixture`, or
 *   `rosetta/<name>.ts-fixture` for a block marked `fixture=<name>`, its `/// here` line replaced
 *   by the block, and the block's imports and `declare const`s moved to the top of the file (as
 *   rosetta's `sidelineImports` does); a block marked
 *   `nofixture` stands alone (a complete program);
 * - the fixture imports the package by its name, `cdk-lambda-efs`: that name is mapped to
 *   `src/index.ts`, so the blocks are checked against the source as it is, no build needed;
 * - all the blocks are checked in one TypeScript program (strict, as rosetta's `--strict`).
 *
 * Usage: ts-node --transpile-only --project tsconfig.dev.json scripts/check-doc-snippets.ts [FILE.md ...]
 * (default: README.md, docs/*.md and CONTRIBUTING.md). Prints one line per error and exits 1 if any.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
const PACKAGE_NAME = 'cdk-lambda-efs';

/** A TypeScript block of a Markdown file. */
export interface DocSnippet {
  /** The Markdown file, as given. */
  readonly file: string;
  /** The line of the block's first line of code (1-based). */
  readonly line: number;
  readonly code: string;
  /** `undefined` for a block marked `nofixture`. */
  readonly fixture?: string;
}

/** One error the compiler reports in a block. */
export interface SnippetError {
  readonly file: string;
  /** The line in the Markdown file. */
  readonly line: number;
  readonly message: string;
}

const FENCE = /^```(?:ts|typescript)(?:[ \t]+([^\n]*))?\n([\s\S]*?)^```/gm;

/** The ```ts blocks of one Markdown text, with rosetta's fixture parameters. */
export function extractSnippets(file: string, markdown: string): DocSnippet[] {
  const snippets: DocSnippet[] = [];
  for (const match of markdown.matchAll(FENCE)) {
    const parameters = (match[1] ?? '').split(/\s+/).filter(p => p !== '');
    const fixture = parameters.includes('nofixture')
      ? undefined
      : parameters.find(p => p.startsWith('fixture='))?.slice('fixture='.length) ?? 'default';
    const line = markdown.slice(0, match.index! + match[0].indexOf('\n') + 1).split('\n').length;
    snippets.push({ file, line, code: match[2], fixture });
  }
  return snippets;
}

interface Program {
  readonly text: string;
  /** The line (0-based) of the generated file that holds the block's first non-import line. */
  readonly firstLine: number;
  /** The Markdown line of each line of the block kept in the body, in order. */
  readonly lines: number[];
  /** The Markdown line of each line moved to the top (imports, `declare const`s). */
  readonly importLines: number[];
}

/** The block in its fixture, as jsii-rosetta's `fixturize` builds it. */
function fixturize(snippet: DocSnippet, fixtures: Map<string, string>): Program {
  const source = ts.createSourceFile('snippet.ts', snippet.code, ts.ScriptTarget.Latest, true);
  const importRanges = source.statements
    .filter(s => ts.isImportDeclaration(s) || ts.isImportEqualsDeclaration(s)
      || (ts.isVariableStatement(s) && (s.modifiers ?? []).some(m => m.kind === ts.SyntaxKind.DeclareKeyword)))
    .map(s => [source.getLineAndCharacterOfPosition(s.getStart()).line, source.getLineAndCharacterOfPosition(s.getEnd()).line]);
  const isImport = (i: number) => importRanges.some(([a, b]) => i >= a && i <= b);
  const codeLines = snippet.code.split('\n');
  const importLines: number[] = [];
  const imports: string[] = [];
  const bodyLines: number[] = [];
  const body: string[] = [];
  codeLines.forEach((text, i) => {
    (isImport(i) ? imports : body).push(text);
    (isImport(i) ? importLines : bodyLines).push(snippet.line + i);
  });
  if (snippet.fixture === undefined) {
    return { text: `${snippet.code}\nexport {};\n`, firstLine: 0, lines: codeLines.map((_, i) => snippet.line + i), importLines: [] };
  }
  let fixture = fixtures.get(snippet.fixture);
  if (fixture === undefined) {
    const fixtureFile = path.join(ROOT, 'rosetta', `${snippet.fixture}.ts-fixture`);
    if (!fs.existsSync(fixtureFile)) {
      throw new Error(`${snippet.file}:${snippet.line}: no fixture ${path.relative(ROOT, fixtureFile)}`);
    }
    fixture = fs.readFileSync(fixtureFile, 'utf-8');
    fixtures.set(snippet.fixture, fixture);
  }
  const fixtureLines = fixture.split('\n');
  const here = fixtureLines.findIndex(l => /^\s*\/\/\/ here\s*$/i.test(l));
  if (here < 0) {
    throw new Error(`rosetta/${snippet.fixture}.ts-fixture has no '/// here' line`);
  }
  const before = [...imports, ...fixtureLines.slice(0, here)];
  const text = [...before, ...body, ...fixtureLines.slice(here + 1), 'export {};', ''].join('\n');
  return { text, firstLine: before.length, lines: bodyLines, importLines };
}

/** The compiler errors of every block of these Markdown files, checked in one program. */
export function checkDocSnippets(files: string[]): SnippetError[] {
  const snippets = files.flatMap(file => extractSnippets(file, fs.readFileSync(file, 'utf-8')));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doc-snippets-'));
  try {
    // The blocks import aws-cdk-lib, constructs, cdk-nag... as an app does: from the project's node_modules.
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const fixtures = new Map<string, string>();
    const programs = new Map<string, { snippet: DocSnippet; program: Program }>();
    snippets.forEach((snippet, n) => {
      const name = path.join(dir, `snippet_${n}_${path.basename(snippet.file, '.md').replace(/\W/g, '_')}_${snippet.line}.ts`);
      const program = fixturize(snippet, fixtures);
      fs.writeFileSync(name, program.text);
      programs.set(name, { snippet, program });
    });
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts'],
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      esModuleInterop: true,
      experimentalDecorators: true,
      types: ['node'],
      typeRoots: [path.join(ROOT, 'node_modules', '@types')],
      paths: { [PACKAGE_NAME]: [path.join(ROOT, 'src', 'index.ts')] },
    };
    const program = ts.createProgram([...programs.keys()], options);
    const errors: SnippetError[] = [];
    for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
      const entry = diagnostic.file ? programs.get(path.resolve(diagnostic.file.fileName)) : undefined;
      if (diagnostic.file === undefined || entry === undefined) {
        continue; // src/ and the libraries are checked by their own build
      }
      const { snippet, program: generated } = entry;
      const line = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line;
      const offset = line - generated.firstLine;
      const mdLine = offset >= 0 && offset < generated.lines.length ? generated.lines[offset]
        : line < generated.importLines.length ? generated.importLines[line] : snippet.line;
      errors.push({
        file: snippet.file,
        line: mdLine,
        message: `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`,
      });
    }
    return errors;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** README.md, docs/*.md and CONTRIBUTING.md, as paths relative to the project. */
export function documentationFiles(): string[] {
  const docs = fs.readdirSync(path.join(ROOT, 'docs')).filter(f => f.endsWith('.md')).sort().map(f => path.join('docs', f));
  return ['README.md', ...docs, 'CONTRIBUTING.md']
    .filter(f => fs.existsSync(path.join(ROOT, f)))
    .map(f => path.join(ROOT, f));
}

if (require.main === module) {
  const files = process.argv.length > 2 ? process.argv.slice(2).map(f => path.resolve(f)) : documentationFiles();
  const started = Date.now();
  const errors = checkDocSnippets(files);
  for (const error of errors) {
    console.error(`${path.relative(process.cwd(), error.file)}:${error.line}: ${error.message}`);
  }
  const count = files.reduce((n, f) => n + extractSnippets(f, fs.readFileSync(f, 'utf-8')).length, 0);
  console.log(`doc snippets: ${count} TypeScript blocks in ${files.length} files, ${errors.length} errors (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  process.exitCode = errors.length > 0 ? 1 : 0;
}
