// Corpus-level aggregation of per-segment scores with bootstrap confidence intervals, like
// rouge-score's `BootstrapAggregator`: resample segments with replacement, average each sample,
// and report the low / mid / high percentiles (2.5 / 50 / 97.5 by default) of those averages.
// A seeded PRNG makes the result a pure function of the inputs.

import { checkInteger, checkNumber, checkObject, fail } from '../validate.js';

/** Low, mid and high percentile of the bootstrap means, per measure. */
export interface AggregateScore<S> {
  low: S;
  mid: S;
  high: S;
}

/** Options of {@link BootstrapAggregator}. */
export interface BootstrapOptions {
  /** Width of the interval; default 0.95 (2.5th and 97.5th percentiles). */
  confidenceInterval?: number;
  /** Bootstrap resamples; default 1000. */
  nSamples?: number;
  /** PRNG seed; default 123. The same seed and scores always give the same result. */
  seed?: number;
}

/** mulberry32: a small, fast 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** numpy's default ('linear') percentile of an ascending-sorted array, q in [0, 100]. */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const frac = pos - lo;
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * frac;
}

/**
 * Collects per-segment score records (e.g. the output of `rougeScores`) and aggregates each
 * score type over the corpus with bootstrap resampling.
 */
export class BootstrapAggregator<S extends Record<string, number> = Record<string, number>> {
  private readonly confidenceInterval: number;
  private readonly nSamples: number;
  private readonly seed: number;
  private readonly scores = new Map<string, S[]>();

  constructor(options?: BootstrapOptions) {
    const o = options === undefined ? {} : checkObject('options', options);
    this.confidenceInterval = o.confidenceInterval === undefined ? 0.95 : checkNumber('options.confidenceInterval', o.confidenceInterval, { min: 0, max: 1 });
    this.nSamples = o.nSamples === undefined ? 1000 : checkInteger('options.nSamples', o.nSamples, { min: 1 });
    this.seed = o.seed === undefined ? 123 : checkInteger('options.seed', o.seed);
  }

  /** Adds one segment's scores: a map from score type to its measures (all of one shape per type). */
  addScores(scores: Record<string, S>): void {
    for (const [type, score] of Object.entries(checkObject('scores', scores))) {
      const measures = checkObject(`scores.${type}`, score);
      for (const [k, v] of Object.entries(measures)) checkNumber(`scores.${type}.${k}`, v);
      const list = this.scores.get(type) ?? [];
      if (list.length > 0 && Object.keys(list[0]!).join() !== Object.keys(measures).join()) {
        fail(`scores.${type}`, `measures ${Object.keys(list[0]!).join(', ')} like the earlier ones`, score, 'range');
      }
      list.push(score as S);
      this.scores.set(type, list);
    }
  }

  /** Number of segments added for `type`. */
  count(type: string): number {
    return this.scores.get(type)?.length ?? 0;
  }

  /** Bootstrap low / mid / high per score type, per measure. */
  aggregate(): Record<string, AggregateScore<S>> {
    const result: Record<string, AggregateScore<S>> = {};
    const delta = (1 - this.confidenceInterval) / 2;
    const qs = [100 * delta, 50, 100 * (1 - delta)];
    for (const [type, rows] of this.scores) {
      const keys = Object.keys(rows[0]!);
      const means = keys.map(() => new Float64Array(this.nSamples));
      const random = mulberry32(this.seed);
      for (let s = 0; s < this.nSamples; s++) {
        const sums = new Float64Array(keys.length);
        for (let i = 0; i < rows.length; i++) {
          const row = rows[Math.floor(random() * rows.length)]!;
          keys.forEach((k, j) => { sums[j]! += row[k]!; });
        }
        keys.forEach((_, j) => { means[j]![s] = sums[j]! / rows.length; });
      }
      const [low, mid, high] = qs.map((q) => {
        const point: Record<string, number> = {};
        keys.forEach((k, j) => { point[k] = percentileSorted(means[j]!.sort(), q); });
        return point as S;
      });
      result[type] = { low: low!, mid: mid!, high: high! };
    }
    return result;
  }
}
