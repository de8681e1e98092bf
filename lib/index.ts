/**
 * llama-loom: local LLM inference for Node.js on llama.cpp, with decoding in TypeScript on raw
 * logits, beam search, and evaluation metrics built in.
 * @packageDocumentation
 */
export { LoomError, isLoomError, type LoomErrorCode } from './errors.js';
export { loadModel, Model, type LoadModelOptions } from './model.js';
export { Context, type ContextOptions, type Batch } from './context.js';
export { Utf8Stream } from './utf8-stream.js';
export { systemInfo, setLogger, setLogitsCopyMode, NativeSampler, type LogLevel } from './system.js';
export type { Token, NativeSystemInfo, NativeSamplerOptions } from './native.js';
