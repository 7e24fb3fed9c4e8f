import { Duration } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { invalidInput } from './errors';

/**
 * Sizes, in bytes, of wheels whose size is known here, by `<name>-<version>-<python tag>-<machine>`:
 * read from PyPI's simple API (PEP 691 JSON, the `size` field of PEP 700) on 2026-12-06 for the
 * wheel pip chooses with the installer's options. PyTorch's own index (download.pytorch.org, the
 * `+cpu` builds) was not reachable from where this table was made: its wheels are not in it.
 */
const KNOWN_WHEEL_BYTES: Record<string, number> = {
  'torch-2.6.0-cp313-x86_64': 766_626_191, // torch-2.6.0-cp313-cp313-manylinux1_x86_64.whl (CUDA build; its nvidia-* dependencies come on top)
  'torch-2.6.0-cp313-aarch64': 95_611_439, // torch-2.6.0-cp313-cp313-manylinux_2_28_aarch64.whl
  'torchvision-0.21.0-cp313-x86_64': 7_238_714, // torchvision-0.21.0-cp313-cp313-manylinux1_x86_64.whl
  'torchvision-0.21.0-cp313-aarch64': 2_281_252, // torchvision-0.21.0-cp313-cp313-manylinux_2_28_aarch64.whl
  'pillow-11.1.0-cp313-x86_64': 4_411_173, // pillow-11.1.0-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
  'pillow-11.1.0-cp313-aarch64': 4_326_605, // pillow-11.1.0-cp313-cp313-manylinux_2_17_aarch64.manylinux2014_aarch64.whl
};

/**
 * Wheel bytes installed per second, download, unpacking and writing the files to EFS together.
 * An assumption, not a measurement (no AWS account here): a conservative figure for a 3008 MB
 * function writing many small files to EFS. The install function's log gives the real duration.
 */
export const ASSUMED_INSTALL_BYTES_PER_SECOND = 10_000_000;

/** What the synth-time estimate found. */
export interface InstallEstimate {
  /** Sum of the known wheel sizes. */
  readonly knownBytes: number;
  /** Requirements whose size is not known here (not pinned with `==`, or not in the table). */
  readonly unknown: string[];
  /** Seconds the known wheels alone take at the assumed rate. */
  readonly knownSeconds: number;
}

/** The known part of an install's size and duration, for requirement lines on `pythonVersion` and `machine`. */
export function estimateInstall(requirements: string[], pythonVersion: string, machine: string): InstallEstimate {
  const tag = `cp${pythonVersion.replace('.', '')}`;
  let knownBytes = 0;
  const unknown: string[] = [];
  for (const line of requirements) {
    const pin = /^([A-Za-z0-9._-]+)\s*==\s*([A-Za-z0-9.+!]+)(\s|;|$)/.exec(line);
    const bytes = pin ? KNOWN_WHEEL_BYTES[`${pin[1].toLowerCase().replace(/[-_.]+/g, '-')}-${pin[2]}-${tag}-${machine}`] : undefined;
    if (bytes === undefined) {
      unknown.push(line.split(' ')[0]);
    } else {
      knownBytes += bytes;
    }
  }
  return { knownBytes, unknown, knownSeconds: Math.ceil(knownBytes / ASSUMED_INSTALL_BYTES_PER_SECOND) };
}

/** What `checkInstallFits` checks against. */
export interface InstallFitOptions {
  /** The install's `timeout`. */
  readonly timeout: Duration;
  /** The longest `timeout` accepted, in whole minutes. */
  readonly maxMinutes: number;
  /**
   * The part of a given timeout the packages do not get (the warm-up's timeout and one margin).
   *
   * @default - none: the packages get the whole timeout
   */
  readonly reservedOf?: (timeout: Duration) => Duration;
}

/** Throws when the wheels whose size is known cannot be installed within the time the timeout leaves them, at the assumed rate. */
export function checkInstallFits(scope: IConstruct | undefined, estimate: InstallEstimate, options: InstallFitOptions): void {
  const reserved = (timeout: Duration) => (options.reservedOf ? options.reservedOf(timeout).toSeconds() : 0);
  const fits = (timeout: Duration) => estimate.knownSeconds <= timeout.toSeconds() - reserved(timeout);
  if (fits(options.timeout)) {
    return;
  }
  const mb = Math.round(estimate.knownBytes / 1e6);
  const enough = Array.from({ length: options.maxMinutes }, (_, i) => i + 1).find(minutes => fits(Duration.minutes(minutes)));
  const advice = enough !== undefined
    ? `raise timeout to at least ${enough} minutes`
    : `they cannot fit one invocation (at most ${options.maxMinutes} minutes): split them across installers on separate access points, or install fewer packages`;
  const share = options.reservedOf ? `; the warm-up keeps ${reserved(options.timeout)} s of it (its timeout and one margin to invoke it)` : '';
  throw invalidInput(scope, 'timeout', `timeout is too short for the requirements (got ${options.timeout.toHumanString()})${share}: the wheels whose size is known `
    + `(${mb} MB, sizes from PyPI) take about ${estimate.knownSeconds} s at an assumed ${ASSUMED_INSTALL_BYTES_PER_SECOND / 1e6} MB/s; ${advice}. `
    + 'To tell for other wheels: `pip download --no-deps -d /tmp/w <the installer\'s pip options> -r requirements.txt` and add up the sizes, '
    + 'or read the duration in the install function\'s log.');
}
