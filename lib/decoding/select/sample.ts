import type { Xoshiro128 } from '../prng.js';
import { fastExp } from './fast-exp.js';
import { rowKernels } from './kernels.js';
import { rowMax } from './row-stats.js';

/**
 * Draws an index from softmax(scores) by inversion: one pass stores exp(s - max) in `weights` (or
 * the SIMD kernels' own buffer) and sums it, a second walks the cumulative sum to u × total. No
 * sort; -Infinity and NaN entries are never drawn. Returns -1 when every score is -Infinity.
 */
export function sampleFromScores(scores: Float32Array, rng: Xoshiro128, weights: Float32Array): number {
  const simd = rowKernels();
  if (simd) return simd.sample(scores, rng.nextFloat());
  const n = scores.length;
  const max = rowMax(scores);
  if (max === -Infinity) return -1;
  let total = 0;
  let last = -1;
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    if (s === -Infinity || s !== s) {
      weights[i] = 0;
      continue;
    }
    const w = fastExp(s - max);
    weights[i] = w;
    total += w;
    if (w > 0) last = i;
  }
  const target = rng.nextFloat() * total;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += weights[i]!;
    if (acc > target) return i;
  }
  // Rounding left the target just past the accumulated sum: take the last drawable entry.
  return last;
}

/** A standard Gumbel draw, −ln(−ln u), for Gumbel-top-k sampling without replacement. */
export function gumbel(rng: Xoshiro128): number {
  let u = rng.nextFloat();
  while (u === 0) u = rng.nextFloat();
  return -Math.log(-Math.log(u));
}
