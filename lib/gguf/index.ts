// Public API of the GGUF reader, writer, quantisers, fixture generator and validator.
export {
  GGML_TYPES, GGUF_DEFAULT_ALIGNMENT, GGUF_VERSION, LLAMA_FILE_TYPES, LLAMA_TOKEN_TYPES,
  fileTypeName, ggmlTensorBytes, ggmlTypeById, ggmlTypeByName,
  type GgmlTypeInfo, type GgufArray, type GgufScalarType, type GgufTypedValue, type GgufValue, type GgufValueType,
} from './types.js';
export { readGguf, type GgufFile, type GgufTensorInfo, type ReadGgufOptions } from './reader.js';
export type { GgufMetadataEntry } from './read-metadata.js';
export { writeGguf, type GgufTensorData, type GgufTensorInput, type WriteGgufOptions } from './writer.js';
export { toTypedValue, type GgufMetadataInput, type GgufTypedInput } from './metadata-encode.js';
export {
  Q4_0_BLOCK_BYTES, Q8_0_BLOCK_BYTES, QK4_0, QK8_0,
  dequantizeQ4_0, dequantizeQ8_0, encodeTensor, f16ToF32Array, f32ToF16Array, fp16ToFp32, fp32ToFp16,
  quantizeQ4_0, quantizeQ8_0, type EncodableType,
} from './quantize.js';
export { tinyVocab, type TinyVocab } from './tiny-vocab.js';
export {
  estimateLlamaParams, writeLlamaFixture, type LlamaFixtureInfo, type LlamaFixtureOptions, type LlamaVocabSpec,
} from './llama-fixture.js';
export { validateModelFile, type ModelFileCheck, type ValidateModelOptions } from './validate.js';
export { KNOWN_TOKENIZER_MODELS, SPECIAL_TOKEN_KEYS } from './validate-tokenizer.js';
export { ARCH_SPECS, type ArchSpec, type TensorSpec } from './arch-specs.js';
export {
  formatMetadataValue, jsonMetadataValue, summarizeGguf, type GgufSummary, type SpecialToken, type TensorTypeSummary,
} from './summary.js';
