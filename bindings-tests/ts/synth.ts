// Synthesizes the README's TypeScript examples (written next to this file as example_N.ts by
// scripts/bindings/readme_examples.py) in a TypeScript app with cdk-lambda-efs installed from
// the packed npm package: the reference the Python and Java templates are compared with.
// Usage: ts-node synth.ts EXAMPLES_JSON OUT_DIR
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';

const [manifestFile, outDir] = process.argv.slice(2);
const manifest: { n: number }[] = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
for (const { n } of manifest) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Fixture } = require(`./example_${n}`);
  const out = path.join(outDir, `example_${n}`);
  const app = new App({ outdir: out });
  (globalThis as any).__exampleValues = {};
  new Fixture(app, 'Example');
  app.synth();
  const values = Object.fromEntries(Object.entries((globalThis as any).__exampleValues).filter(([, v]) => typeof v === 'string'));
  fs.writeFileSync(path.join(out, 'values.json'), JSON.stringify(values, undefined, 2));
  console.log(`TypeScript example ${n}: synthesized`);
}
