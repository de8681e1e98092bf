/** Decoding strategies and logits processors (transformers `generate()` semantics) over a {@link StepBackend}. */
export type { StepBackend } from './backend.js';
export { runDecoding } from './run.js';
export { validateDecodingConfig, type DecodingConfig, type ResolvedDecodingConfig } from './config.js';
export type { DecodedSequence, DecodingHooks, DecodingResult, FinishReason } from './result.js';
export { buildLogitsProcessors } from './build-processors.js';
export { endOfGenerationIds } from './eos.js';
export * from './processors/index.js';
export { Xoshiro128 } from './prng.js';
export { Utf8Stream } from './utf8-stream.js';
export { StopStringMatcher, type StopMatch } from './stop-strings.js';
