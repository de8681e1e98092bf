import { checkNumber } from '../../validate.js';
import { MassPrefixSelector } from '../select/mass-prefix.js';
import { fastExp } from '../select/fast-exp.js';
import { logSumExp, rowMax, softmaxEntropy } from '../select/row-stats.js';
import { checkMinTokensToKeep } from './keep-count.js';
import { FILTER_VALUE, type LogitsProcessor } from './processor.js';

/**
 * Locally typical filtering (transformers' TypicalLogitsWarper): ranks tokens by how close their
 * surprisal −log p is to the entropy H, and keeps the closest ones until their probability mass
 * reaches `typicalP` (at least `minTokensToKeep`; tokens tied with the boundary are kept).
 */
export class TypicalProcessor implements LogitsProcessor {
  readonly typicalP: number;
  readonly minTokensToKeep: number;
  private keys = new Float32Array(0);
  private weights = new Float32Array(0);
  private selector = new MassPrefixSelector(0);

  constructor(typicalP: number, minTokensToKeep = 1) {
    this.typicalP = checkNumber('typicalP', typicalP, { gt: 0, max: 1 });
    this.minTokensToKeep = checkMinTokensToKeep(minTokensToKeep);
  }

  process(_inputIds: Int32Array, scores: Float32Array): Float32Array {
    if (this.typicalP >= 1) return scores;
    const n = scores.length;
    if (this.keys.length !== n) {
      this.keys = new Float32Array(n);
      this.weights = new Float32Array(n);
      this.selector = new MassPrefixSelector(n);
    }
    const max = rowMax(scores);
    if (max === -Infinity) return scores;
    const lse = logSumExp(scores, max);
    const entropy = softmaxEntropy(scores, lse);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const lp = scores[i]! - lse;
      const p = fastExp(lp);
      this.weights[i] = p;
      total += p;
      // Higher key = more typical; impossible tokens rank last.
      this.keys[i] = lp === -Infinity ? -Infinity : -Math.abs(-lp - entropy);
    }
    const sel = this.selector;
    sel.select(this.keys, this.weights, total, this.typicalP * total, this.minTokensToKeep, true);
    for (let i = 0; i < n; i++) if (!sel.keeps(this.keys[i]!, i)) scores[i] = FILTER_VALUE;
    return scores;
  }
}
