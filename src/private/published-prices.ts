/**
 * List prices the advisors compute costs from, each with the page it comes from and when it
 * was read there. us-east-1, USD. Not re-checked where this was written (no web access): the
 * advice prints them, so a reader can compare with the page.
 */
export interface PublishedPrice {
  readonly usd: number;
  readonly unit: string;
  readonly page: string;
  readonly asOf: string;
}

/** Amazon EFS, Standard storage class, per GiB-month (https://aws.amazon.com/efs/pricing/). */
export const EFS_STANDARD_STORAGE: PublishedPrice = {
  usd: 0.30, unit: 'GiB-month', page: 'https://aws.amazon.com/efs/pricing/', asOf: '2025-06 (us-east-1; not re-checked since)',
};

/** Amazon EFS, Elastic throughput, data read, per GiB (same page; the throughput planner's Elastic cost uses it). */
export const EFS_ELASTIC_READ: PublishedPrice = {
  usd: 0.03, unit: 'GiB read', page: 'https://aws.amazon.com/efs/pricing/', asOf: '2025-06 (us-east-1; not re-checked since)',
};

/** Amazon EFS, Elastic throughput, data written, per GiB. */
export const EFS_ELASTIC_WRITE: PublishedPrice = {
  usd: 0.06, unit: 'GiB written', page: 'https://aws.amazon.com/efs/pricing/', asOf: '2025-06 (us-east-1; not re-checked since)',
};

/** Amazon S3 Standard storage, first 50 TB, per GiB-month (https://aws.amazon.com/s3/pricing/). */
export const S3_STANDARD_STORAGE: PublishedPrice = {
  usd: 0.023, unit: 'GiB-month', page: 'https://aws.amazon.com/s3/pricing/', asOf: '2025-06 (us-east-1; not re-checked since)',
};

/** The figure as the advice prints it: `0.30 USD per GiB-month (page, as of ...)`. */
export function describePrice(price: PublishedPrice): string {
  return `${price.usd} USD per ${price.unit} (${price.page}, ${price.asOf})`;
}
