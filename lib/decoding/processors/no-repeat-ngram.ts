import { checkInteger as checkInt } from '../../validate.js';
import { FILTER_VALUE, type LogitsProcessor } from './processor.js';

/**
 * Bans any token that would repeat an n-gram already present in the context (prompt included), as
 * transformers' NoRepeatNGramLogitsProcessor: every earlier window whose first n−1 tokens equal the
 * last n−1 tokens bans its own last token.
 */
export class NoRepeatNgramProcessor implements LogitsProcessor {
  readonly noRepeatNgramSize: number;

  constructor(noRepeatNgramSize: number) {
    this.noRepeatNgramSize = checkInt('noRepeatNgramSize', noRepeatNgramSize, { min: 1 });
  }

  process(inputIds: Int32Array, scores: Float32Array): Float32Array {
    const n = this.noRepeatNgramSize;
    const len = inputIds.length;
    if (len < n) return scores;
    const prefixStart = len - n + 1;
    for (let w = 0; w + n <= len; w++) {
      let match = true;
      for (let j = 0; j < n - 1; j++) {
        if (inputIds[w + j] !== inputIds[prefixStart + j]) {
          match = false;
          break;
        }
      }
      if (match) {
        const banned = inputIds[w + n - 1]!;
        if (banned >= 0 && banned < scores.length) scores[banned] = FILTER_VALUE;
      }
    }
    return scores;
  }
}
