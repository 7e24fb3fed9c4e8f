/**
 * `npm run plan`: print the EFS throughput plan for a declared load, through the same code
 * as the constructs' synth checks (`planFor` of src/private/capacity-warnings.ts): the
 * options are the props of one EfsBackedFunction and its file system, and an option left out
 * is what the construct would assume too.
 *
 *   npm run plan -- --stored 10 --init 2 --per-day 50
 *   npm run plan -- --stored 1.7 --init 1.7 --per-day 24 --peak-per-hour 10 --timeout 300 \
 *     --caller-timeout 30 --load invocation --provisioned-concurrency 1 --reserved 5
 *
 * --stored GiB stored (default: what one cold start reads, as at synth without expectedLoad),
 * --init GiB read per cold start, --per-day cold starts a day, --peak-per-hour cold starts in
 * the busiest hour, --timeout the function's timeout in seconds (default 900),
 * --caller-timeout seconds its caller waits (an HTTP API: 30), --load init|invocation when the
 * load runs on on-demand environments (default init), --provisioned-concurrency and --reserved
 * the function's concurrency (on-demand environments run unless provisioned covers reserved),
 * --read / --write steady MiB/s, --provisioned MiB/s to assess Provisioned at (default: what the
 * load needs).
 */
import { Duration, Size } from 'aws-cdk-lib';
import { ClientLoad, planFor } from '../src/private/capacity-warnings';

const NUMBERS = ['stored', 'init', 'per-day', 'peak-per-hour', 'timeout', 'caller-timeout', 'provisioned-concurrency', 'reserved', 'read', 'write', 'provisioned'];
const LOAD_PHASES = ['init', 'invocation'];
const OPTIONS = [...NUMBERS, 'load'];

interface Args {
  readonly numbers: Map<string, number>;
  readonly load?: string;
}

function parseArgs(argv: string[]): Args {
  const numbers = new Map<string, number>();
  let load: string | undefined;
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    const text = argv[i + 1];
    if (!argv[i].startsWith('--') || !OPTIONS.includes(name)) {
      throw new Error(`unknown option '${argv[i]}' (options: ${OPTIONS.map(o => `--${o}`).join(', ')})`);
    }
    if (name === 'load') {
      if (!LOAD_PHASES.includes(text)) {
        throw new Error(`--load needs one of ${LOAD_PHASES.join(', ')} (got '${text ?? ''}')`);
      }
      load = text;
      continue;
    }
    const value = Number(text);
    if (text === undefined || text.trim() === '' || !Number.isFinite(value) || value < 0) {
      throw new Error(`--${name} needs a number of at least 0 (got '${text ?? ''}')`);
    }
    numbers.set(name, value);
  }
  if (!numbers.has('stored') && !numbers.has('init')) {
    throw new Error('--stored (GiB stored on the file system) or --init (GiB read per cold start) is required');
  }
  if (!numbers.has('stored') && (numbers.has('read') || numbers.has('write'))) {
    throw new Error('--read and --write are part of the declared load: give --stored with them');
  }
  return { numbers, load };
}

/** The function the options describe, as EfsBackedFunction registers it with its file system. */
function client(args: Args): ClientLoad {
  const n = args.numbers;
  const seconds = (name: string) => (n.has(name) ? Duration.seconds(n.get(name)!) : undefined);
  const init = n.get('init');
  return {
    timeout: seconds('timeout'),
    callerTimeout: seconds('caller-timeout'),
    provisionedConcurrency: n.get('provisioned-concurrency'),
    reservedConcurrentExecutions: n.get('reserved'),
    coldStartLoad: init === undefined ? undefined : {
      bytesPerColdStart: mebibytes(init * 1024),
      coldStartsPerDay: n.get('per-day'),
      peakColdStartsPerHour: n.get('peak-per-hour'),
      loadsAtInit: args.load === undefined ? undefined : args.load === 'init',
    },
  };
}

/** Fractions of a MiB as KiB: Size holds whole or fractional units, the planner reads them unrounded. */
function mebibytes(value: number): Size {
  return Size.kibibytes(value * 1024);
}

/** What a run of the CLI answers: its exit status and what it printed. */
export interface PlanCliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The CLI on `argv` (the arguments after `scripts/plan.ts`), without printing. */
export function runPlanCli(argv: string[]): PlanCliResult {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    return { status: 2, stdout: '', stderr: `plan: ${(e as Error).message}\n` };
  }
  const n = args.numbers;
  const plan = planFor({
    expectedLoad: n.has('stored') ? {
      storedData: Size.gibibytes(n.get('stored')!),
      steadyReadPerSecond: n.has('read') ? mebibytes(n.get('read')!) : undefined,
      steadyWritePerSecond: n.has('write') ? mebibytes(n.get('write')!) : undefined,
    } : undefined,
    clients: [client(args)],
    provisionedThroughput: n.has('provisioned') ? mebibytes(n.get('provisioned')!) : undefined,
  })!;
  return { status: 0, stdout: `${plan.formatTable()}\n`, stderr: '' };
}

if (require.main === module) {
  const result = runPlanCli(process.argv.slice(2));
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.status;
}
