import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/**
 * What `npm pack` puts in the package: the compiled library, its Lambda assets (not their
 * tests), the jsii assembly, the docs. Nothing a contributor's tree may hold besides: local
 * data of the examples (`npm run message-wall:local` writes `.message-wall/`), caches, build
 * output of the other languages.
 */
const ROOT = path.join(__dirname, '..');

/** Every path of the package must match one of these. */
const ALLOWED = [
  /^package\.json$/, /^README\.md$/, /^LICENSE$/, /^API\.md$/, /^\.jsii$/,
  /^lib\/.+\.(js|d\.ts)$/,
  /^assets\/[a-z-]+\/(?!test_)[a-z_-]+\.(py|json)$/,
  /^docs\/[a-z0-9-]+\.md$/,
];

/** Every file of the Lambda assets but their tests (and caches): what the functions' code is made of, all shipped. */
function lambdaAssetFiles(): string[] {
  const assets = path.join(ROOT, 'assets');
  const files = fs.readdirSync(assets).flatMap(dir => fs.readdirSync(path.join(assets, dir), { withFileTypes: true })
    .filter(entry => entry.isFile() && !entry.name.startsWith('test_'))
    .map(entry => `assets/${dir}/${entry.name}`));
  // The installer's code, the module its install function shares with its dispatcher included.
  expect(files).toEqual(expect.arrayContaining(['assets/installer/installer.py', 'assets/installer/dispatcher.py', 'assets/installer/lambda_calls.py']));
  return files;
}

function packedFiles(): string[] {
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(output)[0].files.map((file: { path: string }) => file.path).sort();
}

test('the package holds only what a user needs, even after the examples ran locally', () => {
  // What `npm run message-wall:local` and a Python test run leave behind.
  const strays = ['.message-wall/content', 'assets/installer/__pycache__/installer.cpython-311.pyc', 'dist-pacmak/python/setup.py'];
  const made = strays.filter(stray => !fs.existsSync(path.join(ROOT, stray)));
  for (const stray of made) {
    fs.mkdirSync(path.dirname(path.join(ROOT, stray)), { recursive: true });
    fs.writeFileSync(path.join(ROOT, stray), 'local data\n');
  }
  try {
    const files = packedFiles();
    expect(files.filter(file => !ALLOWED.some(pattern => pattern.test(file)))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'API.md', ...lambdaAssetFiles()]));
  } finally {
    for (const stray of made) {
      fs.rmSync(path.join(ROOT, stray));
    }
    for (const dir of ['.message-wall', 'dist-pacmak/python', 'dist-pacmak']) {
      const full = path.join(ROOT, dir);
      if (fs.existsSync(full) && fs.readdirSync(full).length === 0) {
        fs.rmdirSync(full);
      }
    }
  }
});
