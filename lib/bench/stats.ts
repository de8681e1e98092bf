// Summaries of repeated measurements: the harness reports medians with their min–max range,
// because a shared machine's noise is one-sided (interference only ever slows a run down).

/** Median and range of repeated samples. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Number of samples. */
  n: number;
}

/** The q-quantile (0 ≤ q ≤ 1) of `values` by linear interpolation between order statistics; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Median, min and max of the finite samples (NaN fields when there are none). */
export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  return { median: quantile(finite, 0.5), min: Math.min(...finite), max: Math.max(...finite), n: finite.length };
}

/**
 * Ratio of two medians, with the range implied by the samples' extremes (min of a ÷ max of b up to
 * max of a ÷ min of b). NaN when either side has no samples.
 */
export function ratio(a: Summary, b: Summary): Summary {
  if (a.n === 0 || b.n === 0 || b.median === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  return { median: a.median / b.median, min: a.min / b.max, max: a.max / b.min, n: Math.min(a.n, b.n) };
}
