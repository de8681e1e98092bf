import { checkNumber } from '../../validate.js';
import { TopKHeap } from '../select/top-k-heap.js';
import { logSumExp, rowMax, softmaxEntropy } from '../select/row-stats.js';
import { filterBelow } from './epsilon.js';
import { checkMinTokensToKeep } from './keep-count.js';
import type { LogitsProcessor } from './processor.js';

/**
 * Eta sampling (transformers' EtaLogitsWarper): removes tokens with probability below
 * η = min(ε, √ε · e^(−H)), H being the entropy of the row in nats, except those scoring at least the
 * `minTokensToKeep`-th best score.
 */
export class EtaProcessor implements LogitsProcessor {
  readonly etaCutoff: number;
  readonly minTokensToKeep: number;
  private readonly heap: TopKHeap;

  constructor(etaCutoff: number, minTokensToKeep = 1) {
    this.etaCutoff = checkNumber('etaCutoff', etaCutoff, { gt: 0, lt: 1 });
    this.minTokensToKeep = checkMinTokensToKeep(minTokensToKeep);
    this.heap = new TopKHeap(this.minTokensToKeep);
  }

  process(_inputIds: Int32Array, scores: Float32Array): Float32Array {
    const max = rowMax(scores);
    if (max === -Infinity) return scores;
    const lse = logSumExp(scores, max);
    const eps = this.etaCutoff;
    const eta = Math.min(eps, Math.sqrt(eps) * Math.exp(-softmaxEntropy(scores, lse)));
    filterBelow(scores, lse + Math.log(eta), this.minTokensToKeep, this.heap);
    return scores;
  }
}
