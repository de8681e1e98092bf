import { checkSequenceList, completesSequence } from './token-lists.js';
import { FILTER_VALUE, type LogitsProcessor } from './processor.js';

/**
 * Forbids token sequences (transformers' NoBadWordsLogitsProcessor): a one-token sequence is always
 * banned; a longer one bans its last token whenever the context ends with the rest of it. Single-token
 * sequences naming an end-of-generation id are dropped, as transformers does, so EOS stays reachable.
 */
export class BadWordsProcessor implements LogitsProcessor {
  readonly sequences: readonly Int32Array[];

  constructor(badWordsIds: readonly (readonly number[])[], eosTokenIds: readonly number[] = []) {
    const all = checkSequenceList('badWordsIds', badWordsIds);
    if (all.length === 0) throw new RangeError('badWordsIds must be a non-empty array of token-id arrays; received an array of length 0');
    this.sequences = all.filter((s) => !(s.length === 1 && eosTokenIds.includes(s[0]!)));
  }

  private banned: Int32Array = new Int32Array(0);

  process(inputIds: Int32Array, scores: Float32Array): Float32Array {
    for (const t of this.maskedTokens(inputIds)) if (t < scores.length) scores[t] = FILTER_VALUE;
    return scores;
  }

  /** The last token of every sequence the context completes (a view, valid until the next call). */
  maskedTokens(inputIds: Int32Array): Int32Array {
    if (this.banned.length < this.sequences.length) this.banned = new Int32Array(this.sequences.length);
    let n = 0;
    for (const seq of this.sequences) if (completesSequence(inputIds, seq)) this.banned[n++] = seq[seq.length - 1]!;
    return this.banned.subarray(0, n);
  }
}
