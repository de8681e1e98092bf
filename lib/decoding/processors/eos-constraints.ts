import { checkInteger as checkInt } from '../../validate.js';
import { checkTokenList } from './token-lists.js';
import { FILTER_VALUE, type LogitsProcessor } from './processor.js';

const NONE = new Int32Array(0);

/**
 * Suppresses end-of-generation tokens until `minNewTokens` tokens follow the prompt
 * (transformers' MinNewTokensLengthLogitsProcessor).
 */
export class MinNewTokensProcessor implements LogitsProcessor {
  readonly promptLength: number;
  readonly minNewTokens: number;
  readonly eosTokenIds: Int32Array;

  constructor(promptLength: number, minNewTokens: number, eosTokenIds: readonly number[]) {
    this.promptLength = checkInt('promptLength', promptLength, { min: 0 });
    this.minNewTokens = checkInt('minNewTokens', minNewTokens, { min: 0 });
    this.eosTokenIds = checkTokenList('eosTokenIds', eosTokenIds);
  }

  process(inputIds: Int32Array, scores: Float32Array): Float32Array {
    for (const t of this.maskedTokens(inputIds)) if (t < scores.length) scores[t] = FILTER_VALUE;
    return scores;
  }

  maskedTokens(inputIds: Int32Array): Int32Array {
    return inputIds.length - this.promptLength >= this.minNewTokens ? NONE : this.eosTokenIds;
  }
}

/**
 * Forces an end-of-generation token as the last token allowed by `maxLength` (prompt + generated):
 * when the context is one short of it, every other token is filtered and the EOS ids score 0
 * (transformers' ForcedEOSTokenLogitsProcessor).
 */
export class ForcedEosProcessor implements LogitsProcessor {
  readonly maxLength: number;
  readonly eosTokenIds: Int32Array;

  constructor(maxLength: number, eosTokenIds: readonly number[]) {
    this.maxLength = checkInt('maxLength', maxLength, { min: 1 });
    this.eosTokenIds = checkTokenList('eosTokenIds', eosTokenIds, { nonEmpty: true });
  }

  process(inputIds: Int32Array, scores: Float32Array): Float32Array {
    if (inputIds.length !== this.maxLength - 1) return scores;
    scores.fill(FILTER_VALUE);
    for (const t of this.eosTokenIds) if (t < scores.length) scores[t] = 0;
    return scores;
  }
}

/** Always filters the listed tokens (transformers' SuppressTokensLogitsProcessor). */
export class SuppressTokensProcessor implements LogitsProcessor {
  readonly suppressTokens: Int32Array;

  constructor(suppressTokens: readonly number[]) {
    this.suppressTokens = checkTokenList('suppressTokens', suppressTokens);
  }

  process(_inputIds: Int32Array, scores: Float32Array): Float32Array {
    for (const t of this.suppressTokens) if (t < scores.length) scores[t] = FILTER_VALUE;
    return scores;
  }

  maskedTokens(): Int32Array {
    return this.suppressTokens;
  }
}
