import * as fs from 'fs';
import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { invalidInput } from './errors';

/** Requirement lines as pip will read them, and whether they pin every download by hash. */
export interface ParsedRequirements {
  /** One requirement per line, continuation lines joined, comments dropped. */
  readonly lines: string[];
  /** Every line carries at least one `--hash=sha256:...`. */
  readonly hashLocked: boolean;
}

/** The only pip option a requirement line may carry: hashes of the files it may install. */
const HASH_OPTION = /^--hash=sha256:[0-9a-f]{64}$/;

/** Read a requirements file, with an error at `scope` that names the prop and the path when it cannot be read. */
export function readRequirementsFile(scope: IConstruct | undefined, file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf-8').split(/\r?\n/);
  } catch (e) {
    throw invalidInput(scope, 'requirementsFile', `requirementsFile cannot be read (got '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); `
      + 'give a path to a requirements.txt, relative to where synth runs or absolute');
  }
}

/**
 * Parse requirement lines (as in a requirements.txt, `pip-compile --generate-hashes` output
 * included): join `\` continuations, drop comments, accept only package specifiers, https
 * direct references and `--hash` options; all lines hashed, or none. Bad lines are reported at
 * `scope`, the installer given them.
 */
export function parseRequirements(scope: IConstruct | undefined, raw: string[]): ParsedRequirements {
  const lines = joinContinuations(scope, raw)
    .map(line => line.replace(/(^|\s)#.*$/, '').trim().replace(/\s+/g, ' '))
    .filter(line => line.length > 0);
  if (lines.length === 0) {
    throw invalidInput(scope, ['packages', 'requirementsFile'], 'packages or requirementsFile must name at least one requirement (got none)');
  }
  const hashed = lines.map(line => checkRequirement(scope, line));
  const hashLocked = hashed.every(Boolean);
  if (!hashLocked && hashed.some(Boolean)) {
    const unhashed = lines.filter((_, i) => !hashed[i]);
    throw invalidInput(scope, 'requirements', `requirements must all carry --hash or none (pip then refuses the install); without a hash: ${unhashed.join(', ')}`);
  }
  return { lines, hashLocked };
}

function joinContinuations(scope: IConstruct | undefined, raw: string[]): string[] {
  const joined: string[] = [];
  let pending = '';
  for (const line of raw) {
    if (Token.isUnresolved(line)) {
      throw invalidInput(scope, 'requirements', 'requirements must be known at synth (got an unresolved token)');
    }
    const continued = /\\\s*$/.test(line);
    pending += ' ' + line.replace(/\\\s*$/, '');
    if (!continued) {
      joined.push(pending);
      pending = '';
    }
  }
  return pending ? [...joined, pending] : joined;
}

/**
 * Every URL a requirement line can carry, in every form pip reads (pip documentation, "Requirements
 * File Format" and "VCS Support"): a bare URL line (`https://.../x.whl`, `file:///...`), a direct
 * reference (`name @ url`, with or without spaces), a VCS URL (`git+https://...`, `-e git+...`), and an
 * option's value (`--find-links url`, `-f url`, `--opt=url`). Anything of the form `scheme:...` counts,
 * hash options aside.
 */
const URL_IN_LINE = /(?:^|[\s=@])([A-Za-z][A-Za-z0-9+.-]*:[^\s]*)/g;

/** Throws unless `line` is a specifier (or https direct reference) with nothing but hashes after it; returns whether it has any. */
function checkRequirement(scope: IConstruct | undefined, line: string): boolean {
  const words = line.split(' ');
  // One rule for every URL first, whatever the form that carries it.
  for (const match of words.filter(word => !word.startsWith('--hash=')).join(' ').matchAll(URL_IN_LINE)) {
    checkPackageUrl(scope, `the URL in requirement '${line}'`, match[1]);
  }
  const optionAt = words.findIndex(word => word.startsWith('-'));
  const requirement = (optionAt < 0 ? words : words.slice(0, optionAt)).join(' ');
  const options = optionAt < 0 ? [] : words.slice(optionAt);
  const bad = options.find(option => !HASH_OPTION.test(option));
  if (requirement.length === 0 || bad !== undefined) {
    throw invalidInput(scope, ['requirement', 'indexUrl', 'extraIndexUrls'], 'each requirement must be a package specifier such as \'torch==2.6.0\', '
      + `optionally followed by --hash=sha256:<64 hex digits> (got '${line}'); other pip options are not accepted: indexes go in indexUrl or extraIndexUrls`);
  }
  if (!/^[A-Za-z0-9]/.test(requirement)) {
    throw invalidInput(scope, 'requirement', `each requirement must be a package specifier such as 'torch==2.6.0' or an https URL (got '${line}'): local paths are not accepted`);
  }
  return options.length > 0;
}

/**
 * The one rule for a URL the installer downloads from (an index, a requirement's URL in any form, a
 * model file): https only (so no `file:`, no plain `http:` on any port, such as `http://host:443/`,
 * which the install function's 443-only egress would let through), no VCS (the installer takes
 * binary wheels only), no credentials, no spaces or quotes. `prop` names the prop (`indexUrl`,
 * `modelFiles[0].url`) or says where the URL is (`the URL in requirement '...'`): only a prop
 * gets its Python spelling.
 */
export function checkPackageUrl(scope: IConstruct | undefined, prop: string, url: string): void {
  const names = /^[a-z][A-Za-z0-9]*(\[\d+\])?(\.[a-z][A-Za-z0-9]*)?$/.test(prop) ? prop : 'requirement';
  if (Token.isUnresolved(url)) {
    throw invalidInput(scope, names, `${prop} must be known at synth (got an unresolved token)`);
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1].toLowerCase();
  if (scheme !== undefined && /^(git|hg|svn|bzr)\+/.test(scheme)) {
    throw invalidInput(scope, names, `${prop}: VCS references (git+https, hg+, svn+, bzr+) are not accepted: the installer takes binary wheels only (got '${redact(url)}')`);
  }
  if (scheme !== 'https' || !/^https:\/\/[^\s'"]+$/i.test(url)) {
    throw invalidInput(scope, names, `${prop} must be an https URL without spaces or quotes (got '${redact(url)}')`);
  }
  const authority = url.slice('https://'.length).split(/[/?#]/)[0];
  if (authority.includes('@')) {
    throw invalidInput(scope, names, `${prop} must not carry credentials (user:token@): they would be stored in the template in plain text (got '${redact(url)}')`);
  }
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
