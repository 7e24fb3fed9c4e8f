/**
 * The architecture picture of each example app, drawn from what it synthesizes: one box per
 * construct the stack holds at its top level (the VPC, the file system, the function, the
 * API...), with the resource types inside, and an arrow wherever a resource of one box
 * references (Ref, Fn::GetAtt, DependsOn) a resource of another. Written as a Mermaid
 * flowchart (GitHub renders it) between the markers in the example's README.
 *
 *   npm run architecture          # rewrite the pictures
 *   npm run architecture -- check # fail when a README's picture is not what the app draws
 *
 * test/architecture.test.ts runs the check, so a change to an example that changes its shape
 * fails until the picture is redrawn.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { MessageWallStack } from '../examples/message-wall/message-wall-stack';
import { MlInferenceStack } from '../examples/ml-inference/ml-inference-stack';
import { MlInferenceS3FilesStack } from '../examples/ml-inference-s3files/ml-inference-s3files-stack';

const ROOT = path.join(__dirname, '..');
const START = '<!-- architecture: drawn by scripts/architecture.ts from the synthesized app; do not edit -->';
const END = '<!-- architecture: end -->';

/** The example apps as their app.ts builds them by default. */
export const EXAMPLES: Array<{ readme: string; build: (app: App) => Stack }> = [
  { readme: 'examples/message-wall/README.md', build: app => new MessageWallStack(app, 'MessageWall') },
  { readme: 'examples/ml-inference/README.md', build: app => new MlInferenceStack(app, 'MLInference') },
  { readme: 'examples/ml-inference-s3files/README.md', build: app => new MlInferenceS3FilesStack(app, 'MLInferenceS3Files') },
];

type Resource = { Type: string; DependsOn?: string | string[]; Properties?: unknown };

/** The top-level construct (under the stack) of each resource, by logical id. */
function groupsByLogicalId(stack: Stack): Map<string, string> {
  const groups = new Map<string, string>();
  for (const construct of stack.node.findAll()) {
    if (construct instanceof CfnElement && Stack.of(construct) === stack) {
      const [top] = construct.node.scopes.slice(construct.node.scopes.indexOf(stack) + 1);
      groups.set(stack.resolve(construct.logicalId), top?.node.id ?? construct.node.id);
    }
  }
  return groups;
}

function references(value: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(value)) {
    value.forEach(v => references(v, into));
  } else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') {
        into.add(inner);
      } else if (key === 'Fn::GetAtt' && Array.isArray(inner)) {
        into.add(String(inner[0]));
      } else {
        references(inner, into);
      }
    }
  }
  return into;
}

/** The Mermaid flowchart of one stack's template. */
export function drawStack(stack: Stack): string {
  const app = stack.node.root as App;
  const template = app.synth().getStackByName(stack.stackName).template as { Resources: Record<string, Resource> };
  const resources = template.Resources;
  const byId = groupsByLogicalId(stack);
  const groupOf = (logicalId: string) => byId.get(logicalId) ?? logicalId;
  const groups = new Map<string, Map<string, number>>();
  for (const [logicalId, resource] of Object.entries(resources)) {
    const group = groupOf(logicalId);
    const types = groups.get(group) ?? new Map<string, number>();
    types.set(resource.Type, (types.get(resource.Type) ?? 0) + 1);
    groups.set(group, types);
  }
  const edges = new Set<string>();
  for (const [logicalId, resource] of Object.entries(resources)) {
    const from = groupOf(logicalId);
    const targets = references(resource.Properties, new Set([resource.DependsOn ?? []].flat()));
    for (const target of targets) {
      const to = resources[target] ? groupOf(target) : undefined;
      if (to && to !== from) {
        edges.add(`  ${id(from)} --> ${id(to)}`);
      }
    }
  }
  const boxes = [...groups.keys()].sort().map(group => {
    const types = [...groups.get(group)!.entries()].sort().map(([type, n]) => `${type.replace(/^AWS::/, '')}${n > 1 ? ` x${n}` : ''}`);
    return `  ${id(group)}["<b>${group}</b><br/>${types.join('<br/>')}"]`;
  });
  return ['```mermaid', 'flowchart LR', ...boxes, ...[...edges].sort(), '```'].join('\n');
}

function id(group: string): string {
  return group.replace(/[^A-Za-z0-9]/g, '_');
}

/** The README with its picture replaced (or added before the first second-level heading). */
export function withPicture(readme: string, picture: string): string {
  const block = `${START}\n${picture}\n${END}`;
  if (readme.includes(START)) {
    return readme.replace(new RegExp(`${escape(START)}[\\s\\S]*?${escape(END)}`), block);
  }
  const at = readme.search(/^## /m);
  const section = `## Architecture\n\n${block}\n\n`;
  return at < 0 ? `${readme}\n${section}` : readme.slice(0, at) + section + readme.slice(at);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Each example's README as it is, and as the app draws it. */
export function pictures(): Array<{ readme: string; current: string; drawn: string }> {
  return EXAMPLES.map(example => {
    const current = fs.readFileSync(path.join(ROOT, example.readme), 'utf8');
    return { readme: example.readme, current, drawn: withPicture(current, drawStack(example.build(new App()))) };
  });
}

if (require.main === module) {
  const check = process.argv.includes('check');
  let stale = 0;
  for (const { readme, current, drawn } of pictures()) {
    if (current === drawn) {
      console.log(`unchanged ${readme}`);
    } else if (check) {
      console.error(`stale     ${readme}: run npm run architecture`);
      stale++;
    } else {
      fs.writeFileSync(path.join(ROOT, readme), drawn);
      console.log(`drawn     ${readme}`);
    }
  }
  process.exit(stale > 0 ? 1 : 0);
}
