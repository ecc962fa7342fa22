/** Summary statistics of repeated measurements. */

/** Median, min and max of a list of numbers. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** Summarises `values` (which must not be empty). */
export function summarise(values: readonly number[]): Summary {
  if (values.length === 0) throw new RangeError('Expected at least one value to summarise, got none');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number };
}
