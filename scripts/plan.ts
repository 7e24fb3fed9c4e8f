/**
 * `npm run plan`: print the EFS throughput plan for a declared load.
 *
 *   npm run plan -- --stored 10 --init 2 --per-day 50
 *   npm run plan -- --stored 10 --init 2 --per-day 50 --peak-per-hour 40 --provisioned 10
 *
 * --stored GiB stored, --init GiB read per cold start, --per-day cold starts a day,
 * --peak-per-hour cold starts in the busiest hour, --within seconds a cold start must load in
 * (the function's timeout), --read / --write steady MiB/s,
 * --provisioned MiB/s to assess Provisioned at (default: what the load needs).
 */
import { Duration, Size } from 'aws-cdk-lib';
import { ThroughputPlanner } from '../src';

const OPTIONS = ['stored', 'init', 'per-day', 'peak-per-hour', 'within', 'read', 'write', 'provisioned'];

function parseArgs(argv: string[]): Map<string, number> {
  const values = new Map<string, number>();
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    const value = Number(argv[i + 1]);
    if (!argv[i].startsWith('--') || !OPTIONS.includes(name)) {
      throw new Error(`unknown option '${argv[i]}' (options: ${OPTIONS.map(o => `--${o}`).join(', ')})`);
    }
    if (argv[i + 1] === undefined || !Number.isFinite(value) || value < 0) {
      throw new Error(`--${name} needs a number of at least 0 (got '${argv[i + 1] ?? ''}')`);
    }
    values.set(name, value);
  }
  if (!values.has('stored')) {
    throw new Error('--stored (GiB stored on the file system) is required');
  }
  return values;
}

function main(): number {
  let args: Map<string, number>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`plan: ${(e as Error).message}`);
    return 2;
  }
  const init = args.get('init');
  const plan = ThroughputPlanner.plan({
    storedData: Size.gibibytes(args.get('stored')!),
    coldStarts: init === undefined ? [] : [{
      bytesPerColdStart: Size.mebibytes(init * 1024),
      coldStartsPerDay: args.get('per-day'),
      peakColdStartsPerHour: args.get('peak-per-hour'),
      loadWithin: args.has('within') ? Duration.seconds(args.get('within')!) : undefined,
    }],
    steadyReadPerSecond: args.has('read') ? Size.kibibytes(args.get('read')! * 1024) : undefined,
    steadyWritePerSecond: args.has('write') ? Size.kibibytes(args.get('write')! * 1024) : undefined,
  }, args.has('provisioned') ? Size.kibibytes(args.get('provisioned')! * 1024) : undefined);
  console.log(plan.formatTable());
  return 0;
}

process.exit(main());
