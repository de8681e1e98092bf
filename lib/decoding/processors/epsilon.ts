import { checkNumber } from '../../validate.js';
import { kthLargest, TopKHeap } from '../select/top-k-heap.js';
import { logSumExp, rowMax } from '../select/row-stats.js';
import { checkMinTokensToKeep } from './keep-count.js';
import { FILTER_VALUE, type LogitsProcessor } from './processor.js';

/**
 * Epsilon sampling (transformers' EpsilonLogitsWarper): removes tokens with probability below
 * `epsilonCutoff`, except those scoring at least the `minTokensToKeep`-th best score.
 */
export class EpsilonProcessor implements LogitsProcessor {
  readonly epsilonCutoff: number;
  readonly minTokensToKeep: number;
  private readonly heap: TopKHeap;

  constructor(epsilonCutoff: number, minTokensToKeep = 1) {
    this.epsilonCutoff = checkNumber('epsilonCutoff', epsilonCutoff, { gt: 0, lt: 1 });
    this.minTokensToKeep = checkMinTokensToKeep(minTokensToKeep);
    this.heap = new TopKHeap(this.minTokensToKeep);
  }

  process(_inputIds: Int32Array, scores: Float32Array): Float32Array {
    const max = rowMax(scores);
    if (max === -Infinity) return scores;
    // p_i < ε  ⇔  s_i < lse + ln ε
    const cut = logSumExp(scores, max) + Math.log(this.epsilonCutoff);
    filterBelow(scores, cut, this.minTokensToKeep, this.heap);
    return scores;
  }
}

/** Filters scores below `cut` unless they reach the `minKeep`-th best score. */
export function filterBelow(scores: Float32Array, cut: number, minKeep: number, heap: TopKHeap): void {
  const keepFrom = kthLargest(scores, Math.min(minKeep, scores.length), heap);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (s < cut && s < keepFrom) scores[i] = FILTER_VALUE;
  }
}
