import { Size, SizeRoundingBehavior } from 'aws-cdk-lib';
import { invalidInput } from './private/errors';
import { formatNumber } from './private/format';
import { describePrice, EFS_ELASTIC_READ, EFS_ELASTIC_WRITE, EFS_STANDARD_STORAGE, S3_STANDARD_STORAGE } from './private/published-prices';

/** Where the advisor says data should live. */
export enum StorageKind {
  /** An Amazon EFS file system (`SharedFileSystem`). */
  EFS = 'EFS',
  /** An Amazon S3 Files file system over a versioned bucket (`S3FilesFileSystem`). */
  S3_FILES = 'S3_FILES',
}

/**
 * Prices of Amazon S3 Files itself, which this library does not state (none was published
 * where it was written). Give them from the S3 pricing page to have the S3 Files cost
 * computed; the bucket's S3 Standard storage is computed without them.
 */
export interface S3FilesPrices {
  /** USD per GiB-month of data held in the file system's high-performance storage (the working set). */
  readonly usdPerGibMonth: number;

  /**
   * USD per GiB read through the mount.
   *
   * @default 0
   */
  readonly usdPerGibRead?: number;

  /**
   * USD per GiB written through the mount.
   *
   * @default 0
   */
  readonly usdPerGibWritten?: number;
}

/** How a workload uses its files. */
export interface StorageWorkload {
  /** All the data kept. */
  readonly storedData: Size;

  /**
   * The part of the data read often enough to stay in S3 Files' high-performance storage.
   *
   * @default - all of `storedData`
   */
  readonly workingSet?: Size;

  /**
   * Data read per day, by all clients.
   *
   * @default - nothing
   */
  readonly readPerDay?: Size;

  /**
   * Data written per day, by all clients.
   *
   * @default - nothing
   */
  readonly writtenPerDay?: Size;

  /**
   * A write must be seen by the next read from any client at once (read-your-writes across
   * execution environments), or clients coordinate with `flock` or appends, as MessageWall does.
   *
   * @default false
   */
  readonly needsImmediateConsistency?: boolean;

  /**
   * What one cold start reads (libraries and model), for the load time through each.
   *
   * @default - no cold start estimate
   */
  readonly coldStartRead?: Size;

  /**
   * The rate a direct read from S3 reaches, in MiB/s. aws-cdk-lib documents direct reads as
   * "higher throughput" than the mount but gives no figure; without one, no direct-read time is
   * estimated.
   *
   * @default - no direct-read estimate
   */
  readonly directReadMibPerSecond?: number;

  /**
   * S3 Files' own prices.
   *
   * @default - the S3 Files cost is not computed (only its bucket's storage)
   */
  readonly s3FilesPrices?: S3FilesPrices;
}

/** The advisor's answer. */
export interface StorageAdvice {
  /** Where the data should live. */
  readonly recommended: StorageKind;

  /** Why, in one sentence each. */
  readonly reasons: string[];

  /** EFS (Standard storage, Elastic throughput) per month, USD. */
  readonly efsMonthlyUsd: number;

  /** The bucket's S3 Standard storage per month, USD: what S3 Files costs at least. */
  readonly s3StorageMonthlyUsd: number;

  /**
   * S3 Files per month, USD: the bucket's storage and, at the given prices, the working set and the reads and writes.
   *
   * @default - not computed: no `s3FilesPrices`
   */
  readonly s3FilesMonthlyUsd?: number;

  /**
   * Seconds one cold start reads `coldStartRead` through a mount, at the rate one NFS client can
   * count on (500 MiB/s for EFS; assumed the same for S3 Files, which aws-cdk-lib says uses the
   * same NFS infrastructure).
   *
   * @default - no `coldStartRead`
   */
  readonly coldStartMountSeconds?: number;

  /**
   * Seconds one cold start reads `coldStartRead` with direct reads from S3.
   *
   * @default - no `coldStartRead` or no `directReadMibPerSecond`
   */
  readonly coldStartDirectReadSeconds?: number;

  /** The prices used, each with its page and date. */
  readonly prices: string[];
}

const DAYS_PER_MONTH = 30;
/** The read rate one NFS client can count on (the throughput planner's per-client figure). */
const MOUNT_MIB_PER_SECOND = 500;
/** Writes at most this fraction of reads make a workload read-mostly. */
const READ_MOSTLY_WRITE_FRACTION = 0.1;

/**
 * Says whether EFS or S3 Files fits an access pattern, with the costs it can compute from
 * published prices and the time a cold start takes to read its model through each.
 *
 * S3 Files writes back to S3 after a delay, and its locking and rename semantics are not EFS's
 * (docs/s3-files.md): data written by one client and read at once by another, or coordinated
 * with `flock` or appends, stays on EFS. Read-mostly data (models, reference data) fits S3 Files:
 * the bulk costs S3 prices, a file-system price applies only to the working set, and large files
 * can be read straight from S3.
 */
export class StorageAdvisor {
  /** The advice for `workload`. */
  public static advise(workload: StorageWorkload): StorageAdvice {
    const gib = (size: Size | undefined) => size?.toGibibytes({ rounding: SizeRoundingBehavior.NONE }) ?? 0;
    const stored = gib(workload.storedData);
    const workingSet = workload.workingSet === undefined ? stored : gib(workload.workingSet);
    const readPerDay = gib(workload.readPerDay);
    const writtenPerDay = gib(workload.writtenPerDay);
    for (const [name, value] of [['storedData', stored], ['workingSet', workingSet], ['readPerDay', readPerDay], ['writtenPerDay', writtenPerDay]] as const) {
      if (!(value >= 0) || !Number.isFinite(value)) {
        throw invalidInput(undefined, name, `${name} must be a size of 0 or more (got ${value} GiB)`);
      }
    }
    if (workingSet > stored) {
      throw invalidInput(undefined, ['workingSet', 'storedData'], `workingSet (${formatNumber(workingSet)} GiB) must not exceed storedData (${formatNumber(stored)} GiB)`);
    }
    if (workload.directReadMibPerSecond !== undefined && !(workload.directReadMibPerSecond > 0)) {
      throw invalidInput(undefined, 'directReadMibPerSecond', `directReadMibPerSecond must be more than 0 (got ${workload.directReadMibPerSecond})`);
    }

    const efsMonthlyUsd = stored * EFS_STANDARD_STORAGE.usd
      + DAYS_PER_MONTH * (readPerDay * EFS_ELASTIC_READ.usd + writtenPerDay * EFS_ELASTIC_WRITE.usd);
    const s3StorageMonthlyUsd = stored * S3_STANDARD_STORAGE.usd;
    const p = workload.s3FilesPrices;
    const s3FilesMonthlyUsd = p === undefined ? undefined : s3StorageMonthlyUsd + workingSet * p.usdPerGibMonth
      + DAYS_PER_MONTH * (readPerDay * (p.usdPerGibRead ?? 0) + writtenPerDay * (p.usdPerGibWritten ?? 0));

    const reasons: string[] = [];
    let recommended: StorageKind;
    const readMostly = writtenPerDay <= READ_MOSTLY_WRITE_FRACTION * readPerDay;
    if (workload.needsImmediateConsistency) {
      recommended = StorageKind.EFS;
      reasons.push('writes must be seen at once by other clients, or clients lock with flock or append: EFS gives read-after-write across clients; '
        + 'S3 Files writes back to S3 after a delay and its locking and rename semantics differ');
    } else if (readMostly) {
      recommended = StorageKind.S3_FILES;
      reasons.push(`read-mostly (${formatNumber(writtenPerDay)} GiB written a day for ${formatNumber(readPerDay)} GiB read): `
        + `the bulk is kept at S3 prices (${formatNumber(s3StorageMonthlyUsd)} USD a month for ${formatNumber(stored)} GiB, against `
        + `${formatNumber(stored * EFS_STANDARD_STORAGE.usd)} USD on EFS Standard), with a file-system price on the working set only`);
    } else {
      recommended = StorageKind.EFS;
      reasons.push(`write-heavy (${formatNumber(writtenPerDay)} GiB written a day for ${formatNumber(readPerDay)} GiB read): every write to S3 Files `
        + 'is written back to the bucket as well; EFS keeps writes in one place');
    }
    if (s3FilesMonthlyUsd === undefined) {
      reasons.push('S3 Files\' own prices are not known to this library: give s3FilesPrices to compare its full cost');
    } else {
      reasons.push(`about ${formatNumber(efsMonthlyUsd)} USD a month on EFS, ${formatNumber(s3FilesMonthlyUsd)} on S3 Files at the given prices`);
    }

    const coldStart = gib(workload.coldStartRead) * 1024;
    const coldStartMountSeconds = workload.coldStartRead === undefined ? undefined : coldStart / MOUNT_MIB_PER_SECOND;
    const coldStartDirectReadSeconds = workload.coldStartRead === undefined || workload.directReadMibPerSecond === undefined
      ? undefined : coldStart / workload.directReadMibPerSecond;
    if (coldStartMountSeconds !== undefined) {
      reasons.push(`a cold start reads ${formatNumber(coldStart)} MiB in about ${formatNumber(coldStartMountSeconds)} s through a mount `
        + `(${MOUNT_MIB_PER_SECOND} MiB/s per client)`
        + (coldStartDirectReadSeconds === undefined
          ? '; direct reads from S3 are faster for large files (aws-cdk-lib), give directReadMibPerSecond to estimate them'
          : ` and ${formatNumber(coldStartDirectReadSeconds)} s with direct reads (${workload.directReadMibPerSecond} MiB/s)`));
    }

    return {
      recommended,
      reasons,
      efsMonthlyUsd,
      s3StorageMonthlyUsd,
      s3FilesMonthlyUsd,
      coldStartMountSeconds,
      coldStartDirectReadSeconds,
      prices: [EFS_STANDARD_STORAGE, EFS_ELASTIC_READ, EFS_ELASTIC_WRITE, S3_STANDARD_STORAGE].map(describePrice),
    };
  }

  private constructor() {}
}
