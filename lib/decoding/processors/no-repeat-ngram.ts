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

  private banned: Int32Array = new Int32Array(0);

  process(inputIds: Int32Array, scores: Float32Array): Float32Array {
    for (const t of this.maskedTokens(inputIds)) if (t >= 0 && t < scores.length) scores[t] = FILTER_VALUE;
    return scores;
  }

  /** The tokens that would repeat an n-gram (a view, valid until the next call; may repeat an id). */
  maskedTokens(inputIds: Int32Array): Int32Array {
    const n = this.noRepeatNgramSize;
    const len = inputIds.length;
    if (len < n) return this.banned.subarray(0, 0);
    if (this.banned.length < len) this.banned = new Int32Array(Math.max(len, 2 * this.banned.length));
    let count = 0;
    const prefixStart = len - n + 1;
    for (let w = 0; w + n <= len; w++) {
      let match = true;
      for (let j = 0; j < n - 1; j++) {
        if (inputIds[w + j] !== inputIds[prefixStart + j]) {
          match = false;
          break;
        }
      }
      if (match) this.banned[count++] = inputIds[w + n - 1]!;
    }
    return this.banned.subarray(0, count);
  }
}
