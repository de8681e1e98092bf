import { checkInteger as checkInt } from '../../validate.js';
import { kthLargest, TopKHeap } from '../select/top-k-heap.js';
import { checkMinTokensToKeep } from './keep-count.js';
import { FILTER_VALUE, type LogitsProcessor } from './processor.js';

/**
 * Keeps the `topK` highest scores (at least `minTokensToKeep`): every score strictly below the
 * k-th largest is filtered, so tokens tied with the k-th are all kept (transformers' TopKLogitsWarper).
 * Uses a bounded heap over the row: one pass, no sort, no allocation after construction.
 */
export class TopKProcessor implements LogitsProcessor {
  readonly topK: number;
  private readonly heap: TopKHeap;

  constructor(topK: number, minTokensToKeep = 1) {
    checkInt('topK', topK, { min: 1 });
    this.topK = Math.max(topK, checkMinTokensToKeep(minTokensToKeep));
    this.heap = new TopKHeap(Math.min(this.topK, 1 << 16));
  }

  process(_inputIds: Int32Array, scores: Float32Array): Float32Array {
    const k = Math.min(this.topK, scores.length);
    const kth = kthLargest(scores, k, this.heap);
    for (let i = 0; i < scores.length; i++) if (scores[i]! < kth) scores[i] = FILTER_VALUE;
    return scores;
  }
}
