import { checkNumber } from '../../validate.js';
import { checkInteger as checkInt } from '../../validate.js';
import type { LogitsProcessor } from './processor.js';

/**
 * OpenAI-style presence and frequency penalties over the generated tokens only (the first
 * `promptLength` ids are the prompt): score −= count × frequencyPenalty + (count > 0) × presencePenalty.
 */
export class PresenceFrequencyPenaltyProcessor implements LogitsProcessor {
  readonly presencePenalty: number;
  readonly frequencyPenalty: number;
  readonly promptLength: number;
  private counts = new Int32Array(0);

  constructor(presencePenalty: number, frequencyPenalty: number, promptLength: number) {
    this.presencePenalty = checkNumber('presencePenalty', presencePenalty);
    this.frequencyPenalty = checkNumber('frequencyPenalty', frequencyPenalty);
    this.promptLength = checkInt('promptLength', promptLength, { min: 0 });
  }

  process(inputIds: Int32Array, scores: Float32Array): Float32Array {
    if (this.counts.length !== scores.length) this.counts = new Int32Array(scores.length);
    const counts = this.counts;
    const n = scores.length;
    for (let j = this.promptLength; j < inputIds.length; j++) {
      const t = inputIds[j]!;
      if (t >= 0 && t < n) counts[t]!++;
    }
    // Second walk applies each distinct token once and clears its count for the next call.
    for (let j = this.promptLength; j < inputIds.length; j++) {
      const t = inputIds[j]!;
      if (t < 0 || t >= n) continue;
      const c = counts[t]!;
      if (c === 0) continue;
      scores[t] = scores[t]! - c * this.frequencyPenalty - this.presencePenalty;
      counts[t] = 0;
    }
    return scores;
  }

  /** The generated tokens (the prompt's are not penalised). */
  editedTokens(inputIds: Int32Array): Int32Array {
    return inputIds.subarray(Math.min(this.promptLength, inputIds.length));
  }
}
