// Layout and invariants of the SentencePiece-style ("llama"/SPM) vocabulary llama-loom trains:
// <unk>, <s>, </s>, the 256 byte-fallback tokens, then characters, then merged pieces.

import { checkObject, fail } from '../../validate.js';

/** GGUF `tokenizer.ggml.token_type` values (llama.cpp `llama_token_type`). */
export const TokenType = {
  UNDEFINED: 0,
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
} as const;

/** Id of `<unk>`. */
export const UNK_ID = 0;
/** Id of `<s>` (beginning of sequence). */
export const BOS_ID = 1;
/** Id of `</s>` (end of sequence). */
export const EOS_ID = 2;
/** Id of `<0x00>`; byte `b` is token `FIRST_BYTE_ID + b`. */
export const FIRST_BYTE_ID = 3;
/** Id of the first character token: everything before it is reserved. */
export const FIRST_PIECE_ID = FIRST_BYTE_ID + 256;
/** U+2581 LOWER ONE EIGHTH BLOCK, which SentencePiece and llama.cpp write in place of a space. */
export const SPACE_MARK = '\u2581';

/** A vocabulary in the form GGUF stores it: parallel token, score and type arrays. */
export interface SpmVocab {
  /** Token texts, indexed by id; spaces appear as {@link SPACE_MARK}. */
  readonly tokens: readonly string[];
  /** Merge priority per token: llama.cpp merges the adjacent pair whose result scores highest. */
  readonly scores: Float32Array;
  /** {@link TokenType} per token. */
  readonly types: Int32Array;
}

/** The text of the byte-fallback token for `byte`, e.g. `<0x0A>`. */
export function byteTokenText(byte: number): string {
  return `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`;
}

/** The 259 reserved entries every trained vocabulary starts with: `<unk>`, `<s>`, `</s>`, bytes. */
export function reservedTokens(): { tokens: string[]; types: number[] } {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types: number[] = [TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(byteTokenText(b));
    types.push(TokenType.BYTE);
  }
  return { tokens, types };
}

const KNOWN_TYPES = new Set<number>(Object.values(TokenType));

/**
 * Checks that `value` is an {@link SpmVocab}: equally long arrays, non-empty unique token texts
 * (llama.cpp refuses duplicates), known token types. Returns the token → id map.
 */
export function checkVocab(name: string, value: unknown): Map<string, number> {
  const v = checkObject(name, value);
  if (!Array.isArray(v.tokens)) fail(`${name}.tokens`, 'an array of strings', v.tokens);
  const tokens = v.tokens as unknown[];
  if (tokens.length === 0) fail(`${name}.tokens`, 'a non-empty array of strings', tokens, 'range');
  const scores = v.scores instanceof Float32Array ? v.scores : fail(`${name}.scores`, 'a Float32Array', v.scores);
  const types = v.types instanceof Int32Array ? v.types : fail(`${name}.types`, 'an Int32Array', v.types);
  if (scores.length !== tokens.length) fail(`${name}.scores`, `a Float32Array of length ${tokens.length}`, scores, 'range');
  if (types.length !== tokens.length) fail(`${name}.types`, `an Int32Array of length ${tokens.length}`, types, 'range');
  const ids = new Map<string, number>();
  tokens.forEach((t, i) => {
    if (typeof t !== 'string' || t.length === 0) fail(`${name}.tokens[${i}]`, 'a non-empty string', t);
    if (ids.has(t)) fail(`${name}.tokens[${i}]`, `a token text not already used (by id ${ids.get(t)})`, t, 'range');
    ids.set(t, i);
    if (!Number.isFinite(scores[i])) fail(`${name}.scores[${i}]`, 'a finite number', scores[i], 'range');
    if (!KNOWN_TYPES.has(types[i]!)) fail(`${name}.types[${i}]`, 'a token type in [0, 6]', types[i], 'range');
  });
  return ids;
}
