import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';

/** The installer's asset directory (installer.py, dispatcher.py and the margin file they read). */
export const INSTALLER_ASSETS = path.join(__dirname, '..', '..', 'assets', 'installer');

/** Lambda's limit on one invocation (Lambda quotas: function timeout, 900 seconds). */
export const LAMBDA_MAX_TIMEOUT = Duration.seconds(900);

/**
 * The one deadline margin (assets/installer/deadline-margin.json), read here at synth and by
 * installer.py and dispatcher.py at run time. Each step keeps it back from the next: the install
 * stops one margin before the install function's timeout (the cleanup runs in that margin, and
 * stops a quarter of it before the end, to answer), the dispatcher runs one margin longer than the
 * install function (it answers CloudFormation in the last half of it), and CloudFormation's
 * ServiceTimeout is one margin longer than the dispatcher.
 */
export const DEADLINE_MARGIN = Duration.seconds(readMarginSeconds());

/** The longest install that fits: Lambda's 900 s less the install function's margin and the dispatcher's, in whole minutes. */
export const MAX_INSTALL_MINUTES = Math.floor((LAMBDA_MAX_TIMEOUT.toSeconds() - 2 * DEADLINE_MARGIN.toSeconds()) / 60);

function readMarginSeconds(): number {
  const seconds = JSON.parse(fs.readFileSync(path.join(INSTALLER_ASSETS, 'deadline-margin.json'), 'utf-8')).marginSeconds;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 4 || seconds > 60) {
    throw new Error(`assets/installer/deadline-margin.json must give the margin as a whole number of seconds from 4 to 60 (got ${JSON.stringify(seconds)})`);
  }
  return seconds;
}
