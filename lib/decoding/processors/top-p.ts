import { checkNumber } from '../../validate.js';
import { rowKernels } from '../select/kernels.js';
import { MassPrefixSelector } from '../select/mass-prefix.js';
import { expWeights, rowMax } from '../select/row-stats.js';
import { checkMinTokensToKeep } from './keep-count.js';
import { FILTER_VALUE, type LogitsProcessor } from './processor.js';

/**
 * Nucleus filtering (transformers' TopPLogitsWarper): keeps the smallest set of most probable tokens
 * whose probabilities add up to at least `topP`, and never fewer than `minTokensToKeep`. Equal scores
 * at the boundary are cut by ascending token id. The kept set is found by partial selection
 * ({@link MassPrefixSelector}), not by sorting the vocabulary.
 */
export class TopPProcessor implements LogitsProcessor {
  readonly topP: number;
  readonly minTokensToKeep: number;
  private weights = new Float32Array(0);
  private selector = new MassPrefixSelector(0);

  constructor(topP: number, minTokensToKeep = 1) {
    this.topP = checkNumber('topP', topP, { gt: 0, max: 1 });
    this.minTokensToKeep = checkMinTokensToKeep(minTokensToKeep);
  }

  process(_inputIds: Int32Array, scores: Float32Array): Float32Array {
    if (this.topP >= 1) return scores;
    const n = scores.length;
    if (this.selector.capacity < n) this.selector = new MassPrefixSelector(n);
    const sel = this.selector;
    const simd = rowKernels();
    if (simd) {
      // Keys, weights, histogram and mask all stay in the kernels' memory: one copy in, one out.
      const max = simd.stageRanked(scores);
      if (max === -Infinity) return scores;
      const total = simd.stagedTotal;
      sel.select(simd.keysView(n), simd.weightsView(n), total, this.topP * total, this.minTokensToKeep, false, max);
      simd.maskStaged(sel.boundaryKey, sel.boundaryIndex, scores);
      return scores;
    }
    if (this.weights.length !== n) this.weights = new Float32Array(n);
    const max = rowMax(scores);
    if (max === -Infinity) return scores;
    const total = expWeights(scores, max, this.weights);
    sel.select(scores, this.weights, total, this.topP * total, this.minTokensToKeep, false, max);
    for (let i = 0; i < n; i++) if (!sel.keeps(scores[i]!, i)) scores[i] = FILTER_VALUE;
    return scores;
  }
}
