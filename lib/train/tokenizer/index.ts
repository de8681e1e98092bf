// Public surface of the tokenizer trainer for the embedded default model.

export { trainTokenizer, type TrainTokenizerOptions, type TrainedTokenizer } from './trainer.js';
export { SpmTokenizer, type EncodeOptions } from './spm-tokenizer.js';
export { toGgufMetadata, type TokenizerMetadataEntry, type TokenizerMetadataValue } from './gguf-metadata.js';
export {
  BOS_ID,
  byteTokenText,
  EOS_ID,
  FIRST_BYTE_ID,
  FIRST_PIECE_ID,
  SPACE_MARK,
  TokenType,
  UNK_ID,
  type SpmVocab,
} from './vocab.js';
