import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { invalidInput } from './errors';

/**
 * The glibc minor version of the Amazon Linux each Lambda Python runtime runs on: Amazon
 * Linux 2 (glibc 2.26) for Python 3.10 and 3.11, Amazon Linux 2023 (glibc 2.34) from 3.12.
 * A wheel built for a newer glibc installs but fails at import.
 */
const GLIBC_MINOR_BY_PYTHON: Record<string, number> = {
  '3.10': 26,
  '3.11': 26,
  '3.12': 34,
  '3.13': 34,
  '3.14': 34,
  '3.15': 34,
};

/** The oldest manylinux tag (manylinux2014). */
const OLDEST_MANYLINUX_MINOR = 17;

/** What pip needs to choose wheels for a Lambda runtime and architecture. */
export interface WheelPlatforms {
  readonly pythonVersion: string;
  /**
   * `manylinux_2_<minor>_<machine>` for every glibc the runtime can load, oldest first, then
   * `linux_<machine>`. pip takes `--platform` several times and accepts a wheel whose tag is
   * any of them (pip documentation, "pip install", `--platform`: "Use this option multiple
   * times to specify multiple platforms supported by the target interpreter"). It does not
   * widen `manylinux_*` to `linux_*`, and PyTorch's CPU index tags torch 2.6.0 and torchvision
   * 0.21.0 for x86_64 `linux_x86_64` (https://download.pytorch.org/whl/cpu/torch/; for aarch64
   * `manylinux_2_28_aarch64`). A `linux_*` tag promises nothing about glibc (PyPA
   * specifications, "Platform compatibility tags"): such a wheel built for a newer glibc than
   * the runtime's installs and fails at import, which the warm-up catches before any function
   * uses the set.
   */
  readonly tags: string[];
}

/**
 * The wheel platform tags a Lambda function on `runtime` and `architecture` can load; throws for
 * runtimes we cannot target, at `scope` (the installer given the runtime).
 */
export function wheelPlatforms(scope: IConstruct | undefined, runtime: lambda.Runtime, architecture: lambda.Architecture): WheelPlatforms {
  const match = /^python(\d+\.\d+)$/.exec(runtime.name);
  const glibcMinor = match ? GLIBC_MINOR_BY_PYTHON[match[1]] : undefined;
  if (runtime.family !== lambda.RuntimeFamily.PYTHON || !match || glibcMinor === undefined) {
    throw invalidInput(scope, 'runtime', `runtime must be a Lambda Python runtime the installer knows the glibc of (${Object.keys(GLIBC_MINOR_BY_PYTHON).map(v => `python${v}`).join(', ')}) `
      + `(got ${runtime.name})`);
  }
  const machine = architecture.name === lambda.Architecture.ARM_64.name ? 'aarch64' : 'x86_64';
  const tags: string[] = [];
  for (let minor = OLDEST_MANYLINUX_MINOR; minor <= glibcMinor; minor++) {
    tags.push(`manylinux_2_${minor}_${machine}`);
  }
  tags.push(`linux_${machine}`);
  return { pythonVersion: match[1], tags };
}
