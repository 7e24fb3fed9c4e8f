/**
 * The checks every test stack and example app goes through: aws-cdk-lib's built-in
 * CloudFormation validation (registered by the App itself), cdk-nag's AwsSolutions and
 * NIST 800-53 R5 packs, and optionally the cfn-guard Control Tower rules.
 *
 * Shared by the tests and by `npm run synth`.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, Validations } from 'aws-cdk-lib';
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
  Validations.of(app).addPlugins(new ReportOnce(new AwsSolutionsChecks(app)), new ReportOnce(new NIST80053R5Checks(app)));
  if (options.cfnGuard) {
    Validations.of(app).addPlugins(new ReportOnce(new CfnGuardValidator({ controlTowerRulesEnabled: true })));
  }
}

/** Plugin reports by plugin and template contents, with template paths replaced by their index. */
const cachedReports = new Map<string, string>();

/**
 * A rule pack that runs once per distinct set of templates in this process.
 *
 * `Annotations.fromStack` synthesizes the app again each time it is called, and every synth
 * runs the rule packs: in the tests that was most of the time. The templates hold everything
 * the rules read (properties, and each resource's construct path in `aws:cdk:path`), so the
 * same templates get the same report. Acknowledgments are applied by aws-cdk-lib after the
 * plugin answers, so they are never cached.
 */
class ReportOnce implements IPolicyValidationPlugin {
  public readonly name: string;
  public readonly version?: string;
  public readonly ruleIds?: string[];

  constructor(private readonly plugin: IPolicyValidationPlugin) {
    this.name = plugin.name;
    this.version = plugin.version;
    this.ruleIds = plugin.ruleIds;
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const hash = createHash('sha256').update(this.name).update(`\0${context.accountId}\0${context.region}`);
    // `?? []`: aws-cdk-lib releases before the stack list was added to the context.
    for (const stack of context.stackTemplates ?? []) {
      hash.update(`\0${stack.stackConstructPath}\0${stack.accountId}\0${stack.region}\0${path.basename(stack.templatePath)}\0`);
    }
    for (const file of context.templatePaths) {
      hash.update(`\0${path.basename(file)}\0`).update(fs.readFileSync(file));
    }
    const key = hash.digest('hex');
    const cached = cachedReports.get(key);
    if (cached !== undefined) {
      return JSON.parse(withTemplatePaths(cached, context.templatePaths, 'restore'));
    }
    const report = this.plugin.validate(context);
    cachedReports.set(key, withTemplatePaths(JSON.stringify(report), context.templatePaths, 'replace'));
    return report;
  }
}

/** `json` with each template path replaced by a placeholder naming its index, or the placeholders restored to `paths`. */
function withTemplatePaths(json: string, paths: string[], direction: 'replace' | 'restore'): string {
  return paths.reduce((text, file, index) => {
    const escaped = JSON.stringify(file).slice(1, -1);
    const placeholder = `@@template-${index}@@`;
    return direction === 'replace' ? text.split(escaped).join(placeholder) : text.split(placeholder).join(escaped);
  }, json);
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
