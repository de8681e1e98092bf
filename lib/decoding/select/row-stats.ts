import { fastExp } from './fast-exp.js';
import { rowKernels } from './kernels.js';

// Single-pass statistics over a scores row. Every helper skips NaN and treats -Infinity as
// probability zero, so filtered rows behave like transformers' masked tensors. Each runs on the
// SIMD kernels when WebAssembly has them, and as a scalar loop otherwise.

/** Largest value of `row` (or -Infinity when every entry is -Infinity/NaN). */
export function rowMax(row: Float32Array): number {
  const simd = rowKernels();
  if (simd) return simd.max(row);
  let m = -Infinity;
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (v > m) m = v;
  }
  return m;
}

/** Index of the largest value; the lowest index wins ties (as torch.argmax on CPU). */
export function argmax(row: Float32Array): number {
  const simd = rowKernels();
  if (simd) return simd.argmax(row);
  let best = 0;
  let m = -Infinity;
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (v > m) {
      m = v;
      best = i;
    }
  }
  return best;
}

/** log Σ exp(row[i]), computed stably around the row maximum `max` (pass `rowMax(row)`). */
export function logSumExp(row: Float32Array, max: number): number {
  if (max === -Infinity) return -Infinity;
  if (max === Infinity) return Infinity;
  const simd = rowKernels();
  if (simd) return max + Math.log(simd.sumExp(row, max));
  let sum = 0;
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (v === v) sum += fastExp(v - max);
  }
  return max + Math.log(sum);
}

/** log Σ exp(row[i]) around the row's own maximum; one staging of the row with the kernels. */
export function rowLogSumExp(row: Float32Array): number {
  const simd = rowKernels();
  if (simd) return simd.logSumExp(row);
  return logSumExp(row, rowMax(row));
}

/**
 * Writes exp(row[i] - max) into `weights` and returns their sum: unnormalised probabilities that
 * the selection helpers share without recomputing exponentials.
 */
export function expWeights(row: Float32Array, max: number, weights: Float32Array): number {
  const simd = rowKernels();
  if (simd) return simd.expWeights(row, max, weights);
  let sum = 0;
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    const w = v === v ? fastExp(v - max) : 0;
    weights[i] = w;
    sum += w;
  }
  return sum;
}

/**
 * Shannon entropy (nats) of softmax(row), given `lse = logSumExp(row, max)`. Zero-probability
 * entries contribute nothing (torch's `nansum` / Categorical entropy convention).
 */
export function softmaxEntropy(row: Float32Array, lse: number): number {
  let h = 0;
  for (let i = 0; i < row.length; i++) {
    const lp = row[i]! - lse;
    if (lp === -Infinity || Number.isNaN(lp)) continue;
    h -= fastExp(lp) * lp;
  }
  return h;
}
