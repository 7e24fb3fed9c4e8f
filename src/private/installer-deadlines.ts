import * as fs from 'fs';
import * as path from 'path';
import { AssumptionError, Duration } from 'aws-cdk-lib';

/** The installer's asset directory (installer.py, dispatcher.py, the lambda_calls.py they share and the margin file they read). */
export const INSTALLER_ASSETS = path.join(__dirname, '..', '..', 'assets', 'installer');

/** Lambda's limit on one invocation (Lambda quotas: function timeout, 900 seconds). */
export const LAMBDA_MAX_TIMEOUT = Duration.seconds(900);

/**
 * The one deadline margin (assets/installer/deadline-margin.json), read here at synth and by
 * installer.py and dispatcher.py at run time. Each step keeps it back from the next: the install
 * stops one margin before the install function's timeout (the cleanup runs in that margin, and
 * stops a quarter of it before the end, to answer), the dispatcher runs one margin longer than the
 * install function (it answers CloudFormation in the last half of it), and CloudFormation's
 * ServiceTimeout is one margin longer than the dispatcher. With a warm-up, its share comes out of
 * the install's time (`warmUpShareOf`). Read from the asset when asked for, not when the package is
 * imported.
 */
export function deadlineMargin(): Duration {
  return Duration.seconds(readMarginSeconds());
}

/** The longest install that fits: Lambda's 900 s less the install function's margin and the dispatcher's, in whole minutes. */
export function maxInstallMinutes(): number {
  return Math.floor((LAMBDA_MAX_TIMEOUT.toSeconds() - 2 * deadlineMargin().toSeconds()) / 60);
}

/**
 * The margin file ships in the package: a bad value is the package's bug, not the user's input,
 * so it is aws-cdk-lib's `AssumptionError` (`Errors.isAssumptionError`), not a validation error.
 */
function readMarginSeconds(): number {
  const seconds = JSON.parse(fs.readFileSync(path.join(INSTALLER_ASSETS, 'deadline-margin.json'), 'utf-8')).marginSeconds;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 4 || seconds > 60) {
    // `name` is a LiteralString (a branded string) in the declarations: a compile-time mark only.
    throw new AssumptionError('InvalidDeadlineMargin' as never,
      `assets/installer/deadline-margin.json must give the margin as a whole number of seconds from 4 to 60 (got ${JSON.stringify(seconds)})`);
  }
  return seconds;
}

/**
 * The warm-up function's timeout: `warmUpTimeout`, or by default a quarter of the install's
 * `timeout`, at least one margin (the warm-up handler keeps a quarter margin of it to answer).
 */
export function warmUpTimeoutOf(timeout: Duration, warmUpTimeout: Duration | undefined): Duration {
  return warmUpTimeout ?? Duration.seconds(Math.max(deadlineMargin().toSeconds(), Math.floor(timeout.toSeconds() / 4)));
}

/**
 * What the warm-up takes of the install's `timeout`, so that its invocation ends inside the install's:
 * installer.py stops the packages, downloads and compileall this long before its work deadline, then
 * invokes the warm-up function and waits for it until that deadline. The warm-up runs at most its
 * timeout; the margin covers the Invoke call itself and the environment's start (its init phase: the
 * handler module imports the standard library only). The install function then still has its own
 * margin, after the work deadline, to mark the set complete (or discard it), clean up and answer.
 */
export function warmUpShareOf(warmUpTimeout: Duration): Duration {
  return warmUpTimeout.plus(deadlineMargin());
}
