// The `tokenizer.ggml.*` key/value pairs that make llama.cpp load a trained vocabulary as its SPM
// ("llama") tokenizer. Key names and value types follow llama.cpp (llama-arch.cpp LLM_KV_TOKENIZER_*
// and llama_vocab::impl::load).

import { fail } from '../../validate.js';
import { BOS_ID, checkVocab, EOS_ID, UNK_ID, type SpmVocab } from './vocab.js';

/** One GGUF metadata value with its GGUF type spelled out, ready for a GGUF writer. */
export type TokenizerMetadataValue =
  | { type: 'string'; value: string }
  | { type: 'uint32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'array'; itemType: 'string'; value: readonly string[] }
  | { type: 'array'; itemType: 'float32'; value: Float32Array }
  | { type: 'array'; itemType: 'int32'; value: Int32Array };

/** A GGUF metadata entry. */
export interface TokenizerMetadataEntry {
  key: string;
  value: TokenizerMetadataValue;
}

/**
 * The GGUF metadata entries describing `vocab` as a llama.cpp `llama` (SPM) tokenizer: model,
 * tokens, scores, token types, `<s>`/`</s>`/`<unk>` ids, BOS added and EOS not, and the
 * dummy-prefix space that `SpmTokenizer` also adds. The vocabulary must use the trained layout
 * (`<unk>`, `<s>`, `</s>` at ids 0, 1, 2).
 */
export function toGgufMetadata(vocab: SpmVocab): TokenizerMetadataEntry[] {
  checkVocab('vocab', vocab);
  for (const [id, text] of [[UNK_ID, '<unk>'], [BOS_ID, '<s>'], [EOS_ID, '</s>']] as const) {
    if (vocab.tokens[id] !== text) fail(`vocab.tokens[${id}]`, JSON.stringify(text), vocab.tokens[id], 'range');
  }
  return [
    { key: 'tokenizer.ggml.model', value: { type: 'string', value: 'llama' } },
    { key: 'tokenizer.ggml.tokens', value: { type: 'array', itemType: 'string', value: vocab.tokens } },
    { key: 'tokenizer.ggml.scores', value: { type: 'array', itemType: 'float32', value: vocab.scores } },
    { key: 'tokenizer.ggml.token_type', value: { type: 'array', itemType: 'int32', value: vocab.types } },
    { key: 'tokenizer.ggml.bos_token_id', value: { type: 'uint32', value: BOS_ID } },
    { key: 'tokenizer.ggml.eos_token_id', value: { type: 'uint32', value: EOS_ID } },
    { key: 'tokenizer.ggml.unknown_token_id', value: { type: 'uint32', value: UNK_ID } },
    { key: 'tokenizer.ggml.add_bos_token', value: { type: 'bool', value: true } },
    { key: 'tokenizer.ggml.add_eos_token', value: { type: 'bool', value: false } },
    { key: 'tokenizer.ggml.add_space_prefix', value: { type: 'bool', value: true } },
  ];
}
