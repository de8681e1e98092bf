// Tokenizer metadata checks, following llama_vocab::impl::load in llama.cpp's src/llama-vocab.cpp.
import type { GgufMetadataEntry } from './read-metadata.js';
import { LLAMA_TOKEN_TYPES } from './types.js';

/** `tokenizer.ggml.model` values llama.cpp's vocabulary loader accepts. */
export const KNOWN_TOKENIZER_MODELS = [
  'llama', 'bert', 'gpt2', 'hybriddna', 'whitespace', 't5', 'rwkv', 'plamo2', 'gemma4', 'none', 'no_vocab',
] as const;

/** Special-token id keys llama.cpp reads (as u32) and uses to index the vocabulary. */
export const SPECIAL_TOKEN_KEYS = [
  'bos', 'eos', 'eot', 'eom', 'unknown', 'seperator', 'padding', 'mask',
  'fim_pre', 'fim_suf', 'fim_mid', 'fim_pad', 'fim_rep', 'fim_sep', 'prefix', 'suffix', 'middle',
].map((k) => `tokenizer.ggml.${k}_token_id`);

const describeType = (e: GgufMetadataEntry): string => (e.type === 'arr' ? `arr of ${e.arrayType}` : e.type);

/**
 * Checks the `tokenizer.*` metadata. Returns the vocabulary size (undefined when the file has
 * no tokenizer or an empty one) or a message naming the first problem.
 */
export function validateTokenizer(kv: Map<string, GgufMetadataEntry>): { nVocab: number | undefined } | string {
  const modelEntry = kv.get('tokenizer.ggml.model');
  if (!modelEntry) {
    return kv.has('tokenizer.ggml.tokens') ? 'tokenizer.ggml.tokens is present but tokenizer.ggml.model is missing' : { nVocab: undefined };
  }
  if (modelEntry.type !== 'str') return `tokenizer.ggml.model must be of type str; found ${describeType(modelEntry)}`;
  const model = modelEntry.value as string;
  if (!(KNOWN_TOKENIZER_MODELS as readonly string[]).includes(model)) {
    return `tokenizer.ggml.model ${JSON.stringify(model)} is not one llama.cpp knows (${KNOWN_TOKENIZER_MODELS.join(', ')})`;
  }
  if (model === 'none' || model === 'no_vocab') return { nVocab: undefined };

  const tokensEntry = kv.get('tokenizer.ggml.tokens');
  if (!tokensEntry) return 'tokenizer.ggml.tokens is missing';
  if (tokensEntry.type !== 'arr' || tokensEntry.arrayType !== 'str') return `tokenizer.ggml.tokens must be an array of str; found ${describeType(tokensEntry)}`;
  const tokens = tokensEntry.value as string[];
  const n = tokensEntry.length ?? tokens.length;
  if (n === 0) return 'tokenizer.ggml.tokens is empty';

  const arrays: Array<[string, readonly string[]]> = [['tokenizer.ggml.scores', ['f32', 'i32']], ['tokenizer.ggml.token_type', ['i32']]];
  for (const [key, types] of arrays) {
    const e = kv.get(key);
    if (!e) continue;
    if (e.type !== 'arr' || !types.includes(e.arrayType!)) return `${key} must be an array of ${types.join(' or ')}; found ${describeType(e)}`;
    if (e.length !== n) return `${key} has ${e.length} entries but tokenizer.ggml.tokens has ${n}`;
  }
  if (model === 'gpt2' || model === 'gemma4' || model === 'hybriddna' || model === 'whitespace') {
    const pre = kv.get('tokenizer.ggml.pre');
    const merges = kv.get('tokenizer.ggml.merges');
    const kimi = pre?.type === 'str' && pre.value === 'kimi-k2' && model !== 'gemma4';
    if (!merges && !kimi) return `tokenizer.ggml.merges is missing (required by the ${model} tokenizer)`;
    if (merges && (merges.type !== 'arr' || merges.arrayType !== 'str')) return `tokenizer.ggml.merges must be an array of str; found ${describeType(merges)}`;
  }

  // llama_vocab::token_to_byte has no byte encoding for WordPiece and aborts on a BYTE-type token.
  const types = kv.get('tokenizer.ggml.token_type');
  if (model === 'bert' && types) {
    const byteAt = (types.value as Int32Array).indexOf(LLAMA_TOKEN_TYPES.BYTE);
    if (byteAt >= 0) return `token ${byteAt} has type BYTE, which the bert (WordPiece) tokenizer cannot decode; llama.cpp aborts on it`;
  }

  // llama.cpp renames empty tokens to "[EMPTY_<id>]" and then asserts every token text is unique.
  if (tokens.length === n) {
    const seen = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const text = tokens[i] === '' ? `[EMPTY_${i}]` : tokens[i]!;
      const prev = seen.get(text);
      if (prev !== undefined) return `token ${JSON.stringify(text)} appears twice in tokenizer.ggml.tokens (ids ${prev} and ${i}); llama.cpp aborts on duplicate tokens`;
      seen.set(text, i);
    }
  }

  for (const key of SPECIAL_TOKEN_KEYS) {
    const e = kv.get(key);
    if (!e) continue;
    if (e.type !== 'u32') return `${key} must be of type u32; found ${describeType(e)}`;
    // 0xFFFFFFFF is how llama.cpp itself writes "unset" (LLAMA_TOKEN_NULL) when it saves a model.
    if ((e.value as number) >= n && e.value !== 0xffffffff) return `${key} is ${e.value as number}, outside the vocabulary of ${n} tokens`;
  }
  return { nVocab: n };
}
