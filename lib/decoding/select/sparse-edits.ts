import type { LogitsProcessorList } from '../processors/processor.js';
import { COLLECT_CAPACITY, type RowKernels } from './kernels.js';

/** What the sparse paths return when the caller must process the whole row. */
export const NEEDS_FULL_ROW = -2;

/** Steps whose processors touch more distinct ids than this take the full row. */
export const MAX_TOUCHED = 1024;

/**
 * Greedy decoding and beam search under processors that each filter or edit a few tokens
 * (`maskedTokens` / `editedTokens`: min new tokens, suppressed and bad words, no-repeat-ngram,
 * repetition, presence and frequency penalties, logit bias), without processing a copy of the row.
 *
 * Why it is exact: the processors read and write only the touched ids, so on a row holding the
 * raw score at just those ids they compute the same processed values as on the whole row, and
 * every other token keeps its raw score. The best processed token is then the best of the touched
 * ones and the best untouched raw one, which the row's SIMD pass finds (or, when the row's argmax
 * is touched, a cut of the row's `1 + touched` best entries); ties go to the lower id, as the
 * full-row argmax's do.
 */
export class SparseEdits {
  /** Distinct touched ids of the last {@link gather}. */
  readonly ids = new Int32Array(MAX_TOUCHED);
  count = 0;
  private readonly mark: Uint8Array;
  private overflow = false;
  private readonly collected = new Int32Array(COLLECT_CAPACITY);
  private readonly visit: (ids: Int32Array) => void;
  /** log Σ exp of the last row {@link argmax} took (the raw row's, for log-probabilities). */
  lastLogSumExp = -Infinity;

  constructor(
    private readonly processors: LogitsProcessorList,
    readonly vocabSize: number,
  ) {
    this.mark = new Uint8Array(vocabSize);
    this.visit = (ids) => {
      for (let j = 0; j < ids.length; j++) {
        const t = ids[j]!;
        if (t < 0 || t >= this.vocabSize || this.mark[t]) continue;
        if (this.count === MAX_TOUCHED) {
          this.overflow = true;
          return;
        }
        this.mark[t] = 1;
        this.ids[this.count++] = t;
      }
    };
  }

  /**
   * Collects this row's touched ids into {@link ids}; false when there are too many, or a
   * processor touches more than a few (nothing stays marked then).
   */
  gather(inputIds: Int32Array): boolean {
    this.release();
    this.overflow = false;
    const ok = this.processors.visitTouched(inputIds, this.visit);
    if (ok && !this.overflow) return true;
    this.release();
    return false;
  }

  /**
   * Writes `row[t] - shift` at each touched id of `scratch` (a vocabulary-sized row whose other
   * entries are never read) and runs the processors on it: `scratch` then holds the processed
   * scores at those ids.
   */
  apply(inputIds: Int32Array, row: Float32Array, shift: number, scratch: Float32Array): void {
    for (let j = 0; j < this.count; j++) {
      const t = this.ids[j]!;
      scratch[t] = row[t]! - shift;
    }
    const out = this.processors.process(inputIds, scratch);
    if (out !== scratch) for (let j = 0; j < this.count; j++) scratch[this.ids[j]!] = out[this.ids[j]!]!;
  }

  /**
   * The candidates of a row in token order, as a full-row scan meets them: the untouched entries
   * of `cut` (the first `n`, ascending, from a SIMD cut of the row) with `row[i] - shift`, merged
   * with the touched ids at their processed scores ({@link apply} runs here; filtered ids are left
   * out). Writes `outIds` / `outValues` and returns how many; sorts {@link ids}.
   */
  candidates(inputIds: Int32Array, row: Float32Array, shift: number, scratch: Float32Array, cut: Int32Array, n: number, outIds: Int32Array, outValues: Float32Array): number {
    this.apply(inputIds, row, shift, scratch);
    const ids = this.ids.subarray(0, this.count).sort();
    let c = 0;
    let k = 0;
    for (let j = 0; j <= n; j++) {
      const i = j < n ? cut[j]! : row.length;
      for (; k < ids.length && ids[k]! < i; k++) {
        const v = scratch[ids[k]!]!;
        if (v > -Infinity) {
          outIds[c] = ids[k]!;
          outValues[c++] = v;
        }
      }
      if (j < n && !this.mark[i]) {
        outIds[c] = i;
        outValues[c++] = row[i]! - shift;
      }
    }
    return c;
  }

  /**
   * Greedy's pick on the processed row, or {@link NEEDS_FULL_ROW} where the caller must process the whole row (too
   * many touched ids, a row the SIMD cut cannot take, every candidate filtered). Sets
   * {@link lastLogSumExp} to the raw row's.
   */
  argmax(row: Float32Array, inputIds: Int32Array, simd: RowKernels, scratch: Float32Array): number {
    const a = simd.argmaxLogSumExp(row);
    this.lastLogSumExp = simd.lastLogSumExp;
    if (!this.gather(inputIds)) return NEEDS_FULL_ROW;
    let best = -1;
    let bestValue = -Infinity;
    if (a >= 0 && !this.mark[a]) {
      best = a;
      bestValue = row[a]!;
    } else {
      const n = simd.collectTop(row, 1 + this.count, this.collected);
      if (n < 0) return this.done(NEEDS_FULL_ROW);
      for (let j = 0; j < n; j++) {
        const i = this.collected[j]!;
        if (!this.mark[i] && row[i]! > bestValue) {
          best = i;
          bestValue = row[i]!;
        }
      }
    }
    this.apply(inputIds, row, 0, scratch);
    for (let j = 0; j < this.count; j++) {
      const t = this.ids[j]!;
      const v = scratch[t]!;
      if (v > bestValue || (v === bestValue && t < best)) {
        best = t;
        bestValue = v;
      }
    }
    return this.done(bestValue > -Infinity ? best : NEEDS_FULL_ROW);
  }

  private done(result: number): number {
    this.release();
    return result;
  }

  /** Clears the marks of the last gather. */
  release(): void {
    for (let j = 0; j < this.count; j++) this.mark[this.ids[j]!] = 0;
    this.count = 0;
  }
}
