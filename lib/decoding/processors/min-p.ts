import { checkNumber } from '../../validate.js';
import { kthLargest, TopKHeap } from '../select/top-k-heap.js';
import { rowMax } from '../select/row-stats.js';
import { checkMinTokensToKeep } from './keep-count.js';
import { FILTER_VALUE, type LogitsProcessor } from './processor.js';

/**
 * Min-p filtering (transformers' MinPLogitsWarper): removes tokens whose probability is below
 * `minP` times the top token's probability, keeping the `minTokensToKeep` best. Since
 * p_i / p_max = exp(s_i - s_max) the test runs on scores directly, without a softmax. Ties with the
 * `minTokensToKeep`-th best score are kept.
 */
export class MinPProcessor implements LogitsProcessor {
  readonly minP: number;
  readonly minTokensToKeep: number;
  private readonly heap: TopKHeap;

  constructor(minP: number, minTokensToKeep = 1) {
    this.minP = checkNumber('minP', minP, { min: 0, max: 1 });
    this.minTokensToKeep = checkMinTokensToKeep(minTokensToKeep);
    this.heap = new TopKHeap(this.minTokensToKeep);
  }

  process(_inputIds: Int32Array, scores: Float32Array): Float32Array {
    if (this.minP === 0) return scores;
    const max = rowMax(scores);
    if (max === -Infinity) return scores;
    const cut = max + Math.log(this.minP);
    const keepFrom = this.minTokensToKeep > 1 ? kthLargest(scores, Math.min(this.minTokensToKeep, scores.length), this.heap) : max;
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i]!;
      if (s < cut && s < keepFrom) scores[i] = FILTER_VALUE;
    }
    return scores;
  }
}
