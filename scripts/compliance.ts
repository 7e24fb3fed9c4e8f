/**
 * The checks every test stack and example app goes through: aws-cdk-lib's built-in
 * CloudFormation validation (registered by the App itself), cdk-nag's AwsSolutions and
 * NIST 800-53 R5 packs, and optionally the cfn-guard Control Tower rules.
 *
 * Shared by the tests and by `npm run synth`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Validations } from 'aws-cdk-lib';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';

/**
 * The feature flag that makes aws-cdk-lib's built-in CloudFormation validation fail the
 * synth (and report its findings) instead of printing warnings. Tests and examples set it.
 */
export const VALIDATE_AGAINST_DEFAULT_RULES = '@aws-cdk/core:validateAgainstDefaultRules';

export interface ComplianceOptions {
  /** Also run the cfn-guard Control Tower rules (slower: it runs the guard binary). */
  readonly cfnGuard?: boolean;
}

/** One rule finding on one construct. */
export interface Finding {
  readonly plugin: string;
  readonly rule: string;
  readonly constructPath: string;
  readonly description: string;
  /** Set when the finding was acknowledged. */
  readonly reason?: string;
}

export interface ComplianceReport {
  /** Findings nobody acknowledged: each fails the synth. */
  readonly violations: Finding[];
  /** Findings acknowledged with a reason. */
  readonly acknowledged: Finding[];
}

export interface CheckedSynth {
  /** The cloud assembly; undefined when the checks stopped the synth. */
  readonly assembly?: CloudAssembly;
  readonly report: ComplianceReport;
  /** The synth error, when there was one. */
  readonly error?: Error;
}

/** Register the rule packs on `app`. */
export function addComplianceChecks(app: App, options: ComplianceOptions = {}): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new NIST80053R5Checks(app));
  if (options.cfnGuard) {
    Validations.of(app).addPlugins(new CfnGuardValidator({ controlTowerRulesEnabled: true }));
  }
}

/** Synthesize `app` (whose checks are registered) and read the validation report. */
export function synthWithChecks(app: App): CheckedSynth {
  let assembly: CloudAssembly | undefined;
  let error: Error | undefined;
  try {
    assembly = app.synth();
  } catch (e) {
    error = e as Error;
  }
  const report = readValidationReport(app.outdir);
  if (error && report.violations.length === 0) {
    // Not a rule finding: something else went wrong.
    throw error;
  }
  return { assembly, report, error };
}

interface RawConstruct { readonly constructPath: string }
interface RawViolation {
  readonly ruleName: string;
  readonly description: string;
  readonly violatingConstructs: RawConstruct[];
  readonly reason?: string;
}
interface RawPluginReport {
  readonly pluginName: string;
  readonly violations?: RawViolation[];
  readonly suppressedViolations?: RawViolation[];
}

/** Read `validation-report.json` of a cloud assembly directory. */
export function readValidationReport(outdir: string): ComplianceReport {
  const file = path.join(outdir, 'validation-report.json');
  if (!fs.existsSync(file)) {
    return { violations: [], acknowledged: [] };
  }
  const raw = JSON.parse(fs.readFileSync(file, 'utf-8')) as { pluginReports?: RawPluginReport[] };
  const flatten = (plugin: string, list: RawViolation[] | undefined): Finding[] =>
    (list ?? []).flatMap(v => v.violatingConstructs.map(c => ({
      plugin,
      rule: v.ruleName,
      constructPath: c.constructPath,
      description: v.description,
      reason: v.reason,
    })));
  const reports = raw.pluginReports ?? [];
  return {
    violations: reports.flatMap(r => flatten(r.pluginName, r.violations)),
    acknowledged: reports.flatMap(r => flatten(r.pluginName, r.suppressedViolations)),
  };
}

/** One line per finding, for error messages and summaries. */
export function formatFindings(findings: Finding[]): string {
  return findings.map(f => `${f.plugin} ${f.rule} at ${f.constructPath}${f.reason ? ` (acknowledged: ${f.reason})` : ''}`).join('\n');
}
