/**
 * How the planner's table, its recommendation and the capacity warnings print a figure
 * (MiB/s, GiB, seconds, USD): whole from 100 up, else one decimal; `inf` when not finite.
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) {
    return 'inf';
  }
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}
