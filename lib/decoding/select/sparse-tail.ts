import type { Xoshiro128 } from '../prng.js';
import { MinPProcessor } from '../processors/min-p.js';
import { LogitsProcessorList } from '../processors/processor.js';
import { TemperatureProcessor } from '../processors/temperature.js';
import { TopKProcessor } from '../processors/top-k.js';
import { TopPProcessor } from '../processors/top-p.js';
import { COLLECT_CAPACITY, type RowKernels } from './kernels.js';
import { sampleFromScores } from './sample.js';
import { MAX_TOUCHED, NEEDS_FULL_ROW, SparseEdits } from './sparse-edits.js';
import { TopKHeap } from './top-k-heap.js';

export { NEEDS_FULL_ROW };

/** The largest top-k the sparse path takes: its candidates then stay a few hundred entries. */
const MAX_SPARSE_TOP_K = 1024;

/**
 * Sampling with the usual filter chain — [temperature] → top-k → [top-p] → [min-p], as
 * `buildLogitsProcessors` orders it with no penalties or user processors — on the top-k candidates
 * only. Once top-k has run, every other entry is -Infinity and carries no probability mass, so the
 * same processors run on a compact row of the candidates (in token order, so ties break the same
 * way) keep the same tokens with the same probabilities, and the draw comes from the same
 * distribution. One pass over the vocabulary finds the candidates and the raw log-sum-exp the
 * returned log-probabilities need, instead of the full-row passes of each processor and of the
 * draw (five or six at a 32 k vocabulary).
 *
 * Exactness: the candidates are every entry at or above a threshold that at least k entries
 * reach; those left out are below it. Temperature divides by T (a monotone float32 operation), so
 * a left-out entry scores at most threshold / T, and when that is strictly below the k-th
 * candidate's score / T none of them can tie into the top k. Otherwise (and for a row the SIMD
 * kernels cannot cut, such as one holding +Infinity) {@link sample} asks for the full-row path.
 * The compact row holds exactly the tokens top-k keeps, in token order, whatever the threshold,
 * so the same seed gives the same text. The draw inverts the cumulative sum over that row, so it
 * can pick a different token than the full-row path where the two sums round differently: both
 * are draws from the same distribution.
 */
export class SparseSamplingTail {
  private readonly temperature: number;
  private readonly k: number;
  private readonly collected = new Int32Array(COLLECT_CAPACITY + MAX_TOUCHED);
  private readonly compact = new Float32Array(COLLECT_CAPACITY + MAX_TOUCHED);
  private readonly weights = new Float32Array(COLLECT_CAPACITY + MAX_TOUCHED);
  /** The kernel's cut, before the touched ids are merged in. */
  private readonly cut = new Int32Array(COLLECT_CAPACITY);
  private readonly heap: TopKHeap;
  /**
   * The leading processors that filter or edit a few tokens (`maskedTokens` / `editedTokens`):
   * they run on just those ids, which then join the candidates with their processed scores.
   */
  private readonly leading: LogitsProcessorList;
  private edits: SparseEdits | null = null;
  private scratch = new Float32Array(0);
  /** The chain without those and its top-k, which the candidates already are. */
  private readonly rest: LogitsProcessorList;
  /** The compact row {@link process} last filled. */
  private last = new Float32Array(0);
  /** log Σ exp of the last row {@link sample} took (the raw row's, for log-probabilities). */
  lastLogSumExp = -Infinity;

  private constructor(
    private readonly simd: RowKernels,
    processors: LogitsProcessorList,
    leadingCount: number,
    temperature: number,
    k: number,
  ) {
    this.temperature = temperature;
    this.k = k;
    this.heap = new TopKHeap(k);
    this.leading = new LogitsProcessorList(processors.processors.slice(0, leadingCount));
    this.rest = new LogitsProcessorList(processors.processors.slice(leadingCount).filter((p) => !(p instanceof TopKProcessor)));
  }

  /**
   * The sparse path for `processors`, or null where it does not apply: without the SIMD kernels,
   * without a top-k (or with k above 1024), or with any processor other than ones that filter or
   * edit a few tokens (min new tokens, suppressed and bad words, no-repeat-ngram, penalties, logit
   * bias) and temperature before top-k, and top-p / min-p after it.
   */
  static from(processors: LogitsProcessorList, simd: RowKernels | null): SparseSamplingTail | null {
    if (!simd) return null;
    const list = processors.processors;
    let i = 0;
    while (i < list.length && (typeof list[i]!.maskedTokens === 'function' || typeof list[i]!.editedTokens === 'function')) i++;
    const leadingCount = i;
    let temperature = 1;
    if (list[i] instanceof TemperatureProcessor) temperature = Math.fround((list[i++] as TemperatureProcessor).temperature);
    const topK = list[i++];
    if (!(topK instanceof TopKProcessor) || topK.topK > MAX_SPARSE_TOP_K) return null;
    for (; i < list.length; i++) {
      if (!(list[i] instanceof TopPProcessor) && !(list[i] instanceof MinPProcessor)) return null;
    }
    return new SparseSamplingTail(simd, processors, leadingCount, temperature, topK.topK);
  }

  /**
   * Runs the processors on the tokens top-k keeps from `row` (raw logits, left unchanged):
   * afterwards {@link tokens} and {@link scores} hold their ids (ascending) and processed scores,
   * -Infinity where a later filter removed them. Returns how many, or {@link NEEDS_FULL_ROW}.
   */
  process(row: Float32Array, inputIds: Int32Array): number {
    const simd = this.simd;
    this.last = this.compact.subarray(0, 0);
    const e = this.leading.length > 0 ? this.editsFor(row.length) : null;
    if (e && !e.gather(inputIds)) return NEEDS_FULL_ROW;
    const touched = e ? e.count : 0;
    // Touched ids get their processed scores below: cut for k more untouched ones.
    const m = simd.collectTop(row, this.k + touched, this.cut, touched === 0);
    this.lastLogSumExp = simd.lastLogSumExp;
    if (m < 0) {
      e?.release();
      return NEEDS_FULL_ROW;
    }
    // The candidates in token order: the cut's untouched entries with their raw scores, merged
    // with the touched ids (their processed scores; filtered ones left out).
    const idx = this.collected;
    const vals = this.compact;
    let c = 0;
    if (e && touched > 0) {
      c = e.candidates(inputIds, row, 0, this.scratch, this.cut, m, idx, vals);
    } else {
      for (let j = 0; j < m; j++) {
        idx[c] = this.cut[j]!;
        vals[c++] = row[this.cut[j]!]!;
      }
    }
    e?.release();
    let n = c;
    if (c >= this.k) {
      // The k-th largest candidate; scaling is monotone, so its scaled value is the k-th score.
      const heap = this.heap;
      heap.reset(this.k);
      for (let j = 0; j < c; j++) heap.push(vals[j]!, idx[j]!);
      const t = this.temperature;
      const kth = Math.fround(heap.minValue() / t);
      // Entries the cut left out are untouched and below its threshold.
      if (!(Math.fround(simd.lastThreshold / t) < kth)) return NEEDS_FULL_ROW;
      // Keep exactly what top-k keeps (so it need not run again). How many more the threshold let
      // in depends on where the cut search started; the processors' sums must not, or a seed's
      // draws would too.
      n = 0;
      for (let j = 0; j < c; j++) {
        const x = vals[j]!;
        if (Math.fround(x / t) >= kth) {
          idx[n] = idx[j]!;
          vals[n++] = x;
        }
      }
    }
    // (Fewer than k candidates means fewer than k finite entries: the compact row holds them all.)
    const scores = vals.subarray(0, n);
    const out = this.rest.process(inputIds, scores);
    if (out !== scores) scores.set(out);
    this.last = scores;
    return n;
  }

  /** The leading processors' sparse runner for rows of `vocabSize` (made on first use). */
  private editsFor(vocabSize: number): SparseEdits {
    if (this.edits === null || this.edits.vocabSize !== vocabSize) {
      this.edits = new SparseEdits(this.leading, vocabSize);
      this.scratch = new Float32Array(vocabSize);
    }
    return this.edits;
  }

  /** Token ids of the candidates {@link process} last kept track of. */
  get tokens(): Int32Array {
    return this.collected.subarray(0, this.last.length);
  }

  /** Their processed scores. */
  get scores(): Float32Array {
    return this.last;
  }

  /**
   * Draws the next token from `row` (raw logits, left unchanged). Returns the token, -1 when every
   * entry is filtered (the caller falls back as for the full row), or {@link NEEDS_FULL_ROW}.
   */
  sample(row: Float32Array, inputIds: Int32Array, rng: Xoshiro128): number {
    const n = this.process(row, inputIds);
    if (n === NEEDS_FULL_ROW) return n;
    const j = sampleFromScores(this.last, rng, this.weights);
    return j < 0 ? -1 : this.collected[j]!;
  }
}
