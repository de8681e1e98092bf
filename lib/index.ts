/**
 * llama-loom: local LLM inference for Node.js on llama.cpp, with decoding in TypeScript on raw
 * logits, beam search, and evaluation metrics built in.
 * @packageDocumentation
 */
export { LoomError, isLoomError, type LoomErrorCode } from './errors.js';
export { loadModel, Model, type LoadModelOptions } from './model.js';
export { Context, type ContextOptions, type Batch } from './context.js';
export { systemInfo, setLogger, setLogitsCopyMode, NativeSampler, type LogLevel } from './system.js';
export type { Token, NativeSystemInfo, NativeSamplerOptions } from './native.js';
export { generate, stream, type GenerateOptions, type GenerateResult, type GeneratedSequence, type GenerationTimings } from './generate.js';
export { ContextBackend } from './context-backend.js';
export * from './decoding/index.js';
export { defaultModelPath, resolveModel, DEFAULT_MODEL_FILE } from './default-model.js';
export * as gguf from './gguf/index.js';
export * as metrics from './metrics/index.js';
export { pullModel, type PullOptions, type PullResult } from './models/pull.js';
export { resolveModelSpec, hfUrl } from './models/resolve.js';
export { listCachedModels, defaultModelsDir } from './models/cache.js';

import { preloadCheck } from './model.js';
import { validateModelFile } from './gguf/validate.js';
// Refuse files that would make llama.cpp abort the process before it ever opens them.
preloadCheck.fn = async (path, vocabOnly) => { await validateModelFile(path, { vocabOnly }); };
export { pipeline, kwargsToOptions, type TextGenerationPipeline, type TextGenerationKwargs, type TextGenerationOutput } from './pipeline.js';
export { trainModel, quantizeModel, saveModel, QUANTIZE_TYPES, type TrainOptions, type TrainSummary, type TrainProgress, type QuantizeType } from './train/train.js';
export { runRecipe, type RecipeOptions, type RecipeResult } from './train/recipe.js';
