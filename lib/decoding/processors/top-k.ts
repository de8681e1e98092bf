import { checkInteger as checkInt } from '../../validate.js';
import { COLLECT_CAPACITY, rowKernels } from '../select/kernels.js';
import { MassPrefixSelector } from '../select/mass-prefix.js';
import { kthLargest, TopKHeap } from '../select/top-k-heap.js';
import { checkMinTokensToKeep } from './keep-count.js';
import { FILTER_VALUE, type LogitsProcessor } from './processor.js';

/**
 * Keeps the `topK` highest scores (at least `minTokensToKeep`): every score strictly below the
 * k-th largest is filtered, so tokens tied with the k-th are all kept (transformers' TopKLogitsWarper).
 * With the SIMD kernels, a few counting passes find a threshold that at least k scores reach
 * (and not many more), one pass collects those, and a bounded heap over them gives the k-th; for
 * k above {@link COLLECT_CAPACITY} or ties wider than it, their count histogram does (the
 * mass-prefix search with zero weights and `k` as the count to reach). Without them, a bounded
 * heap over the row. No sort, no allocation after the first row. NaN scores are filtered.
 */
export class TopKProcessor implements LogitsProcessor {
  readonly topK: number;
  private readonly heap: TopKHeap;
  private selector = new MassPrefixSelector(0);
  private readonly collected = new Int32Array(COLLECT_CAPACITY);

  constructor(topK: number, minTokensToKeep = 1) {
    checkInt('topK', topK, { min: 1 });
    this.topK = Math.max(topK, checkMinTokensToKeep(minTokensToKeep));
    this.heap = new TopKHeap(Math.min(this.topK, 1 << 16));
  }

  process(_inputIds: Int32Array, scores: Float32Array): Float32Array {
    const n = scores.length;
    const k = Math.min(this.topK, n);
    const simd = rowKernels();
    if (simd && k <= COLLECT_CAPACITY) {
      // Every entry at or above a threshold that k entries reach; the k-th of those is the row's.
      const m = simd.collectAtLeastK(scores, k, this.collected);
      if (m >= 0) {
        let kth = -Infinity; // fewer than k numbers: all of them stay
        if (m >= k) {
          const heap = this.heap;
          heap.reset(k);
          for (let j = 0; j < m; j++) {
            const i = this.collected[j]!;
            heap.push(scores[i]!, i);
          }
          kth = heap.minValue();
        }
        simd.maskStaged(kth, n, scores); // keeps ≥ kth, every tie with it
        return scores;
      }
    }
    if (simd) {
      if (this.selector.capacity < n) this.selector = new MassPrefixSelector(n);
      const max = simd.stageKeys(scores);
      if (max === -Infinity) return scores;
      // Mass target 0 with a count of k: the boundary is the k-th key, ties with it all kept.
      this.selector.select(simd.keysView(n), simd.weightsView(n), 1, 0, k, true, max);
      simd.maskStaged(this.selector.boundaryKey, this.selector.boundaryIndex, scores);
      return scores;
    }
    const kth = kthLargest(scores, k, this.heap);
    for (let i = 0; i < n; i++) if (!(scores[i]! >= kth)) scores[i] = FILTER_VALUE;
    return scores;
  }
}
