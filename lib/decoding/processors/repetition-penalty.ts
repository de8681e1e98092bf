import { checkNumber } from '../../validate.js';
import type { LogitsProcessor } from './processor.js';

/**
 * CTRL-style repetition penalty (transformers' RepetitionPenaltyLogitsProcessor): once per distinct
 * token of the context (prompt included), a negative score is multiplied by `repetitionPenalty`
 * and a non-negative one divided by it, so values above 1 always make the token less likely.
 */
export class RepetitionPenaltyProcessor implements LogitsProcessor {
  readonly repetitionPenalty: number;
  private seen = new Uint8Array(0);

  constructor(repetitionPenalty: number) {
    this.repetitionPenalty = checkNumber('repetitionPenalty', repetitionPenalty, { gt: 0 });
  }

  process(inputIds: Int32Array, scores: Float32Array): Float32Array {
    if (this.seen.length !== scores.length) this.seen = new Uint8Array(scores.length);
    const seen = this.seen;
    const p = this.repetitionPenalty;
    for (let j = 0; j < inputIds.length; j++) {
      const t = inputIds[j]!;
      if (t < 0 || t >= scores.length || seen[t]) continue;
      seen[t] = 1;
      const s = scores[t]!;
      scores[t] = s < 0 ? s * p : s / p;
    }
    for (let j = 0; j < inputIds.length; j++) {
      const t = inputIds[j]!;
      if (t >= 0 && t < seen.length) seen[t] = 0;
    }
    return scores;
  }

  /** The context's tokens (each distinct one is penalised once). */
  editedTokens(inputIds: Int32Array): Int32Array {
    return inputIds;
  }
}
