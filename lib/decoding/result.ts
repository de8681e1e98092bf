import type { StopMatch } from './stop-strings.js';

/** Why a sequence ended. */
export type FinishReason = 'eos' | 'length' | 'stop' | 'abort';

/** One decoded sequence. */
export interface DecodedSequence {
  /** Generated tokens only (prompt excluded); an end-of-generation token that ended it is included. */
  tokens: Int32Array;
  /** Log-probability of each token under the model's raw distribution (log-softmax of unprocessed logits). */
  logprobs: Float32Array;
  /** Beam search only: the hypothesis score, `sumLogprobs / tokens.length ** lengthPenalty` over processed log-probs. */
  score?: number;
  finishReason: FinishReason;
  /**
   * Set when `finishReason` is 'stop'. `tokens` keep the token that completed the stop string; drop
   * `stop.trimChars` characters from the end of their decoded text to cut it right before the stop string.
   */
  stop?: StopMatch;
}

/** What {@link runDecoding} returns. */
export interface DecodingResult {
  /** Greedy/sampling: in the order the sequences were started. Beam search: best score first. */
  sequences: DecodedSequence[];
}

/** Optional observers of a decoding run. */
export interface DecodingHooks {
  /**
   * Called for each token as it is chosen (greedy and sampling; `sequence` indexes the result).
   * Beam search does not call it, since hypotheses are only settled at the end.
   */
  onToken?(sequence: number, token: number): void;
  /** Aborting ends decoding early; see {@link runDecoding}. */
  signal?: AbortSignal;
}
