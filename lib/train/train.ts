// Training a loaded model on token ids, measuring it the way llama-perplexity does, and converting
// the saved result to another storage type.
//
// Limits of the llama.cpp training path in this tree (see native/train.cpp):
//  - token_embd.weight gets no gradient (llama_opt_init skips it) and neither do the attention
//    key/value projections (attn_k, attn_v), whose outputs reach attention only through the KV
//    cache copy, which has no backward pass: these tensors keep their initial values.
//  - The model must be all-f32 and loaded with `useMmap: false` (training writes the weights).
//  - Training changes the weights in place; do not decode on the model while it trains.

import { open, rm } from 'node:fs/promises';
import { abortError, LoomError } from '../errors.js';
import { Context } from '../context.js';
import { perplexity } from '../metrics/perplexity.js';
import type { GgufMetadataInput } from '../gguf/metadata-encode.js';
import { readGguf } from '../gguf/reader.js';
import { SPECIAL_TOKEN_KEYS } from '../gguf/validate-tokenizer.js';
import { writeGguf } from '../gguf/writer.js';
import { Model } from '../model.js';
import { native, nativeError, type NativeAddon, type NativeTrainOptions, type NativeTrainProgress } from '../native.js';
import {
  checkFunction, checkInteger, checkNumber, checkObject, checkOneOf, checkSignal, checkString, checkTokens, fail,
} from '../validate.js';

/** Progress event of {@link trainModel}: after every optimiser step (`train`) and every validation chunk (`eval`). */
export type TrainProgress = NativeTrainProgress;

/** Options of {@link trainModel}. */
export interface TrainOptions {
  /** The training text as token ids (e.g. documents tokenized with BOS and concatenated). */
  tokens: Int32Array | readonly number[];
  /**
   * Tokens per chunk; each optimiser step trains on one chunk. A multiple of 256 (llama.cpp pads
   * contexts to 256). Default: the context's size when a Context is given, else the model's
   * training context rounded up to 256.
   */
  contextSize?: number;
  /** Passes over the training chunks; default 1. */
  epochs?: number;
  /** Peak AdamW learning rate, reached after the warmup; default 1e-3. */
  learningRate?: number;
  /** Learning rate at the end of the cosine decay; default learningRate / 10. */
  minLearningRate?: number;
  /** Steps of linear warmup from learningRate / warmupSteps; default 2 % of all steps, at most 200. */
  warmupSteps?: number;
  /** Decoupled weight decay (each step multiplies weights by 1 − lr · weightDecay); default 0.1. */
  weightDecay?: number;
  /** Fraction of the chunks, taken from the end of `tokens`, kept for validation after each epoch; default 0.05. */
  validationSplit?: number;
  /** Seed of the per-epoch shuffle of the training chunks; default 0. */
  seed?: number;
  /** CPU threads; default: the Context's threads, else llama-loom's default. */
  threads?: number;
  onProgress?: (progress: TrainProgress) => void;
  /** Stops training between two steps; the promise rejects with `ABORTED` and the weights keep the steps taken. */
  signal?: AbortSignal;
}

/** What {@link trainModel} did. */
export interface TrainSummary {
  /** Optimiser steps taken (one per chunk per epoch). */
  steps: number;
  epochs: number;
  trainChunks: number;
  validationChunks: number;
  /** Weight tensors that received updates. */
  trainableTensors: number;
  /** Mean token cross-entropy (nats) over the last epoch's steps, and the fraction of exact next-token predictions. */
  trainLoss: number;
  trainAccuracy: number;
  /** Mean token cross-entropy on the validation chunks after the last epoch, its standard error and the exact-prediction rate; null without validation. */
  valLoss: number | null;
  valLossUncertainty: number | null;
  valAccuracy: number | null;
  /** Training throughput (validation excluded). */
  tokensPerSecond: number;
  /** Wall time of the whole run. */
  seconds: number;
}

function trainAddon(): Required<Pick<NativeAddon, 'train'>> {
  const addon = native();
  if (typeof addon.train !== 'function') throw new LoomError('NATIVE_LOAD_FAILED', 'this build of the native addon has no train(): rebuild it with npm run build');
  return addon as Required<Pick<NativeAddon, 'train'>>;
}

/**
 * Trains `target`'s model on next-token prediction: `tokens` is cut into non-overlapping chunks of
 * `contextSize` tokens (plus one for the shifted targets), the last `validationSplit` of them are
 * held out, and each epoch visits the rest in a fresh seeded order with one AdamW step per chunk
 * (β = 0.9, 0.95), the learning rate following a linear warmup then a cosine decay to
 * `minLearningRate`. The weights change in place; save them with `model.handle.save(path)`.
 * A Context passed as `target` only supplies defaults (size, threads) and is locked against
 * generations while training runs: training uses its own llama.cpp context.
 */
export async function trainModel(target: Model | Context, options: TrainOptions): Promise<TrainSummary> {
  const isContext = target instanceof Context;
  if (!isContext && !(target instanceof Model)) fail('target', 'a Model or a Context', target);
  const model = isContext ? target.model : target;
  if (model.disposed) throw new LoomError('DISPOSED', 'the model has been disposed');
  checkObject('options', options);
  const tokens = checkTokens('tokens', options.tokens, model.vocabSize);
  const defaultCtx = isContext ? target.contextSize : Math.ceil(Math.max(1, model.info.trainContextSize) / 256) * 256;
  const contextSize = checkInteger('contextSize', options.contextSize ?? defaultCtx, { min: 256, max: 1 << 20 });
  if (contextSize % 256 !== 0) fail('contextSize', 'a multiple of 256 (llama.cpp pads contexts to 256 cells)', contextSize, 'range');
  const epochs = checkInteger('epochs', options.epochs ?? 1, { min: 1, max: 1_000_000 });
  const learningRate = checkNumber('learningRate', options.learningRate ?? 1e-3, { gt: 0, max: 1 });
  const minLearningRate = checkNumber('minLearningRate', options.minLearningRate ?? learningRate / 10, { min: 0, max: learningRate });
  const weightDecay = checkNumber('weightDecay', options.weightDecay ?? 0.1, { min: 0, max: 1 });
  const validationSplit = checkNumber('validationSplit', options.validationSplit ?? 0.05, { min: 0, lt: 1 });
  const seed = checkInteger('seed', options.seed ?? 0, { min: 0, max: Number.MAX_SAFE_INTEGER });
  const chunks = tokens.length > 0 ? Math.floor((tokens.length - 1) / contextSize) : 0;
  const trainChunks = chunks - Math.floor(chunks * validationSplit);
  if (trainChunks < 1) {
    fail('tokens', `at least one training chunk of contextSize + 1 = ${contextSize + 1} tokens after the validation split`, `${tokens.length} tokens`, 'range');
  }
  const warmupSteps = checkInteger('warmupSteps', options.warmupSteps ?? Math.min(200, Math.ceil(0.02 * trainChunks * epochs)), { min: 0, max: 2 ** 31 - 1 });
  const signal = checkSignal('signal', options.signal);
  const o: NativeTrainOptions = { tokens, contextSize, epochs, learningRate, minLearningRate, warmupSteps, weightDecay, validationSplit, seed };
  const threads = options.threads ?? (isContext ? target.info().threads : undefined);
  if (threads !== undefined) o.threads = checkInteger('threads', threads, { min: 1, max: 1024 });
  if (options.onProgress !== undefined) o.onProgress = checkFunction<(p: TrainProgress) => void>('onProgress', options.onProgress);
  if (signal?.aborted) throw abortError('training', signal);

  const release = isContext ? target.acquire('trainModel') : undefined;
  let job: ReturnType<Required<NativeAddon>['train']>;
  try {
    job = trainAddon().train(model.handle, o);
  } catch (err) {
    release?.();
    throw nativeError(err, 'trainModel');
  }
  const onAbort = () => job.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const r = await job.promise;
    return {
      ...r,
      valLoss: r.validationChunks > 0 ? r.valLoss : null,
      valLossUncertainty: r.validationChunks > 1 ? r.valLossUncertainty : null,
      valAccuracy: r.validationChunks > 0 ? r.valAccuracy : null,
    };
  } catch (err) {
    const e = nativeError(err, 'trainModel');
    if (signal?.aborted && e instanceof LoomError && e.code === 'ABORTED') throw new LoomError('ABORTED', e.message, { cause: signal.reason });
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    release?.();
  }
}

/** Result of {@link evaluatePerplexity}. */
export interface PerplexityResult {
  /** exp(mean negative log-likelihood). */
  perplexity: number;
  /** Mean negative log-likelihood per scored token, in nats. */
  meanNll: number;
  /** Scored tokens: (contextSize − contextSize/2 − 1) per chunk. */
  tokens: number;
  /** Bytes of text the scored tokens stand for. */
  bytes: number;
  /** Total NLL in bits divided by `bytes`. */
  bitsPerByte: number;
  chunks: number;
}

/**
 * Perplexity of `tokens` (text tokenized with BOS) as llama-perplexity computes it — through
 * {@link perplexity} with one chunk per decode — plus bits per byte of the scored tokens.
 * `maxChunks` evaluates only the first chunks (at least 2, as llama-perplexity needs). The context
 * needs `batchSize` ≥ `contextSize` (default: the whole context).
 */
export async function evaluatePerplexity(context: Context, tokens: Int32Array | readonly number[], { contextSize = context.contextSize, maxChunks = Infinity } = {}): Promise<PerplexityResult> {
  if (!(context instanceof Context)) fail('context', 'a Context', context);
  const ids = checkTokens('tokens', tokens, context.vocabSize);
  checkInteger('contextSize', contextSize, { min: 4, max: Math.min(context.contextSize, context.batchSize) });
  if (maxChunks !== Infinity) checkInteger('maxChunks', maxChunks, { min: 2 });
  const chunks = Math.min(Math.floor(ids.length / contextSize), maxChunks);
  if (chunks < 2) fail('tokens', `at least 2 × contextSize = ${2 * contextSize} tokens`, `${ids.length} tokens`, 'range');
  let result;
  try {
    result = await perplexity(context, ids.subarray(0, chunks * contextSize), { contextSize, batchSize: contextSize });
  } finally {
    context.clear();
  }
  const first = Math.floor(contextSize / 2);
  let bytes = 0;
  for (let c = 0; c < chunks; c++) {
    for (let j = first + 1; j < contextSize; j++) bytes += context.model.tokenBytes(ids[c * contextSize + j]!).length;
  }
  let nll = 0;
  for (const v of result.nll) nll += v;
  const count = result.nll.length;
  return { perplexity: result.ppl, meanNll: nll / count, tokens: count, bytes, bitsPerByte: nll / Math.LN2 / Math.max(1, bytes), chunks };
}

/** Storage types {@link quantizeModel} can write. */
export const QUANTIZE_TYPES = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_k_m', 'q5_k_m', 'q6_k'] as const;
/** One of {@link QUANTIZE_TYPES}. */
export type QuantizeType = (typeof QUANTIZE_TYPES)[number];

type QuantizeFn = (src: string, dst: string, type: string, metadata?: Record<string, string>) => Promise<void>;

/**
 * Rewrites the GGUF at `src` as `dst` with its weights stored as `type`, through
 * llama_model_quantize (1-D tensors stay f32). `metadata` adds or replaces string metadata
 * entries of the output (keys and values under 128 bytes), e.g. `general.name`.
 */
export async function quantizeModel(src: string, dst: string, type: QuantizeType, metadata: Record<string, string> = {}): Promise<void> {
  checkString('src', src, { nonEmpty: true });
  checkString('dst', dst, { nonEmpty: true });
  checkOneOf('type', type, QUANTIZE_TYPES);
  checkObject('metadata', metadata);
  for (const [k, v] of Object.entries(metadata)) {
    if (Buffer.byteLength(k) === 0 || Buffer.byteLength(k) > 127) fail('metadata key', 'a string of 1 to 127 bytes', k, 'range');
    checkString(`metadata[${JSON.stringify(k)}]`, v);
    if (Buffer.byteLength(v) > 127) fail(`metadata[${JSON.stringify(k)}]`, 'at most 127 bytes long', v, 'range');
  }
  const quantize = (native() as unknown as { quantize?: QuantizeFn }).quantize;
  if (typeof quantize !== 'function') throw new LoomError('NATIVE_LOAD_FAILED', 'this build of the native addon has no quantize(): rebuild it with npm run build');
  try {
    await quantize(src, dst, type, metadata);
  } catch (err) {
    throw nativeError(err, 'quantizeModel');
  }
}

// llama.cpp writes unset special-token ids as LLAMA_TOKEN_NULL (-1) stored in a u32.
const UNSET_TOKEN_ID = 0xffffffff;

/**
 * Saves `model`'s current weights (e.g. after {@link trainModel}) as a GGUF file at `path`, via
 * llama_model_save_to_file, then rewrites its metadata: special-token ids llama.cpp left unset
 * (stored as 0xFFFFFFFF) are dropped so strict readers accept the file, and `metadata` entries are
 * added or replaced (plain values are typed as {@link writeGguf} documents). Tensor data is copied
 * unchanged.
 */
export async function saveModel(model: Model, path: string, metadata: Record<string, GgufMetadataInput> = {}): Promise<void> {
  if (!(model instanceof Model)) fail('model', 'a Model', model);
  if (model.disposed) throw new LoomError('DISPOSED', 'the model has been disposed');
  checkString('path', path, { nonEmpty: true });
  checkObject('metadata', metadata);
  const raw = `${path}.${process.pid}.raw`;
  try {
    model.handle.save(raw);
    const file = await readGguf(raw);
    const out = new Map<string, GgufMetadataInput>();
    for (const [key, e] of file.kv) {
      if (SPECIAL_TOKEN_KEYS.includes(key) && e.value === UNSET_TOKEN_ID) continue;
      out.set(key, e.type === 'arr' ? { type: 'arr', arrayType: e.arrayType!, value: e.value } : { type: e.type, value: e.value });
    }
    for (const [key, value] of Object.entries(metadata)) out.set(key, value);
    const fh = await open(raw, 'r');
    try {
      await writeGguf(path, {
        metadata: out,
        alignment: file.alignment,
        tensors: file.tensors.map((t) => ({
          name: t.name, type: t.type, shape: t.shape,
          data: async () => {
            const buf = Buffer.alloc(t.byteSize);
            await fh.read(buf, 0, t.byteSize, t.fileOffset);
            return buf;
          },
        })),
      });
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw nativeError(err, 'saveModel');
  } finally {
    await rm(raw, { force: true });
  }
}
