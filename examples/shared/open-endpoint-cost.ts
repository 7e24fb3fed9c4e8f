/**
 * What an open endpoint can cost its owner in a day: the most an anonymous client can make
 * the function move per request, at the API's throttle rate, priced per GB. The synth warning
 * of an open endpoint (addThrottledHttpApi) states it.
 */

/** A price per GB as AWS publishes it, with where and when it was read. */
export interface PublishedPrice {
  /** USD per GB. */
  readonly usdPerGb: number;
  /** What is billed, in which region. */
  readonly what: string;
  /** The AWS pricing page. */
  readonly source: string;
  /** When the price was read (it changes without notice). */
  readonly asOf: string;
}

/**
 * EFS Elastic throughput, reads: 0.03 USD per GB transferred, us-east-1, from
 * https://aws.amazon.com/efs/pricing/. Not read from aws.amazon.com on the machine where this was
 * written (no access): the value is the one the library's README already used, and the one
 * third-party copies of the pricing page give for us-east-1 in 2026 (e.g. one dated June 2026).
 */
export const EFS_ELASTIC_READ_PRICE: PublishedPrice = {
  usdPerGb: 0.03,
  what: 'EFS Elastic throughput reads, us-east-1',
  source: 'https://aws.amazon.com/efs/pricing/',
  asOf: '2026-06',
};

/**
 * NAT gateway data processing: 0.045 USD per GB processed (both directions), us-east-1, from
 * https://aws.amazon.com/vpc/pricing/. Not read from aws.amazon.com here either: third-party
 * copies of the page dated February to May 2026 give this value for us-east-1.
 */
export const NAT_GATEWAY_PROCESSING_PRICE: PublishedPrice = {
  usdPerGb: 0.045,
  what: 'NAT gateway data processing, us-east-1',
  source: 'https://aws.amazon.com/vpc/pricing/',
  asOf: '2026-03',
};

/** What one request of an anonymous client can make the function move, and what that costs. */
export interface OpenEndpointCost {
  /** The most bytes one request can move (a size cap of the handler). */
  readonly bytesPerRequest: number;
  /** What moves: 'read from EFS', 'processed by the NAT gateway'. */
  readonly what: string;
  /** The price per GB of it. */
  readonly price: PublishedPrice;
}

/** The figures of one day at a steady request rate. */
export interface DailyCost {
  readonly bytesPerDay: number;
  /** GB as priced: 10^9 bytes (the larger count; per 2^30 bytes the cost would be 7% less). */
  readonly gbPerDay: number;
  readonly usdPerDay: number;
}

const SECONDS_PER_DAY = 86_400;
const BYTES_PER_GB = 1e9;
const BYTES_PER_TIB = 2 ** 40;

/** A day of requests at `requestsPerSecond`, each moving `cost.bytesPerRequest`. */
export function dailyCost(requestsPerSecond: number, cost: OpenEndpointCost): DailyCost {
  const bytesPerDay = requestsPerSecond * SECONDS_PER_DAY * cost.bytesPerRequest;
  const gbPerDay = bytesPerDay / BYTES_PER_GB;
  return { bytesPerDay, gbPerDay, usdPerDay: gbPerDay * cost.price.usdPerGb };
}

/** The sentence of the synth warning: the daily volume and cost, and the price it uses. */
export function describeDailyCost(requestsPerSecond: number, cost: OpenEndpointCost): string {
  const day = dailyCost(requestsPerSecond, cost);
  const price = cost.price;
  return `at that rate an anonymous client can have ${formatBytes(cost.bytesPerRequest)} ${cost.what} per request, `
    + `${Math.round(day.gbPerDay).toLocaleString('en-US')} GB (${(day.bytesPerDay / BYTES_PER_TIB).toFixed(2)} TiB) a day: `
    + `about ${day.usdPerDay.toFixed(2)} USD a day at ${price.usdPerGb} USD/GB (${price.what}, published price as of ${price.asOf}, ${price.source})`;
}

function formatBytes(bytes: number): string {
  const mib = bytes / 2 ** 20;
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`;
}
