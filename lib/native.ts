// The single typed contract for the native module, and the loader that finds it.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoomError, type LoomErrorCode } from './errors.js';

/** Branded token id: an index into the model's vocabulary. */
export type Token = number;

export interface NativeModelInfo {
  description: string;
  parameterCount: number;
  sizeBytes: number;
  trainContextSize: number;
  embeddingSize: number;
  layerCount: number;
  headCount: number;
  headCountKv: number;
  vocabSize: number;
  vocabType: number;
  hasEncoder: boolean;
  hasDecoder: boolean;
  isRecurrent: boolean;
  fileType: string;
  chatTemplate: string | null;
  specialTokens: Record<'bos' | 'eos' | 'eot' | 'sep' | 'nl' | 'pad' | 'fimPre' | 'fimSuf' | 'fimMid', Token | null>;
  addBos: boolean;
  addEos: boolean;
}

export interface NativeModel {
  info(): NativeModelInfo;
  tokenize(text: string, addSpecial: boolean, parseSpecial: boolean): Int32Array;
  detokenize(tokens: Int32Array, removeSpecial: boolean, unparseSpecial: boolean): string;
  tokenPiece(token: Token, special: boolean): Uint8Array;
  tokenText(token: Token): string;
  tokenAttr(token: Token): number;
  eogTokens(): Int32Array;
  metadata(): Record<string, string>;
  save(path: string): void;
  dispose(): void;
  readonly disposed: boolean;
}

export interface NativeLoadOptions {
  gpuLayers?: number;
  useMmap?: boolean;
  useMlock?: boolean;
  vocabOnly?: boolean;
  checkTensors?: boolean;
  repack?: boolean;
  onProgress?: (progress: number) => void;
}

export interface NativeContextOptions {
  contextSize?: number;
  batchSize?: number;
  microBatchSize?: number;
  sequences?: number;
  threads?: number;
  batchThreads?: number;
  unifiedKv?: boolean;
  flashAttention?: boolean;
  embeddings?: boolean;
}

export interface NativeContextInfo {
  contextSize: number;
  batchSize: number;
  microBatchSize: number;
  sequences: number;
  vocabSize: number;
  threads: number;
  batchThreads: number;
  copyMode: boolean;
}

export interface NativeContext {
  decode(tokens: Int32Array, positions: Int32Array, seqIds: Int32Array, outputs: Uint8Array): Promise<void>;
  /** The same decode on the calling (JS) thread; throws the same coded errors. */
  decodeSync(tokens: Int32Array, positions: Int32Array, seqIds: Int32Array, outputs: Uint8Array): void;
  logits(row: number): Float32Array;
  /** Parks the CPU pool's spinning workers; false (and nothing done) while a decode runs. */
  pauseThreads(): boolean;
  info(): NativeContextInfo;
  seqRemove(seqId: number, p0: number, p1: number): boolean;
  seqCopy(src: number, dst: number, p0: number, p1: number): void;
  seqKeep(seqId: number): void;
  seqShift(seqId: number, p0: number, p1: number, delta: number): void;
  seqPosRange(seqId: number): [number, number];
  clear(): void;
  setThreads(threads: number, batchThreads?: number): void;
  abort(): void;
  dispose(): void;
  readonly disposed: boolean;
  readonly busy: boolean;
  readonly logitsBytesCopied: number;
  readonly copyMode: boolean;
}

export interface NativeSamplerOptions {
  greedy?: boolean;
  topK?: number;
  topP?: number;
  minP?: number;
  temperature?: number;
  seed?: number;
  minKeep?: number;
}

export interface NativeSampler {
  sample(context: NativeContext, row: number): Token;
  apply(logits: Float32Array): Token;
  accept(token: Token): void;
  reset(): void;
  dispose(): void;
}

export interface NativeSystemInfo {
  llamaCommit: string;
  backend: 'cpu' | 'cuda' | 'metal' | 'vulkan';
  llamaSystemInfo: string;
  supportsGpuOffload: boolean;
  supportsMmap: boolean;
  supportsMlock: boolean;
  maxDevices: number;
  maxSequences: number;
  defaultThreads: number;
  hardwareThreads: number;
  devices: { name: string; description: string; type: string; memoryFree: number; memoryTotal: number }[];
  cpuFeatures: Record<string, boolean>;
}

/** Options of the native `train`; every field is checked again in C++ (see lib/train/train.ts for meanings). */
export interface NativeTrainOptions {
  tokens: Int32Array;
  /** Tokens per training chunk and per optimiser step; a multiple of 256. */
  contextSize: number;
  validationSplit: number;
  epochs: number;
  learningRate: number;
  minLearningRate: number;
  warmupSteps: number;
  weightDecay: number;
  seed: number;
  threads?: number;
  onProgress?: (p: NativeTrainProgress) => void;
}

/** One progress event of the native `train`: after every optimiser step, and after every validation chunk. */
export interface NativeTrainProgress {
  phase: 'train' | 'eval';
  /** 0-based epoch. */
  epoch: number;
  /** Optimiser steps taken so far, and planned in total. */
  step: number;
  steps: number;
  /** 1-based chunk index within this epoch's train or validation pass, and the pass length. */
  batch: number;
  batches: number;
  /** Train: this step's mean token cross-entropy (nats). Eval: the running mean over the validation chunks. */
  loss: number;
  /** Running mean loss of this pass, and its standard error (NaN until two chunks). */
  lossMean: number;
  lossUncertainty: number;
  /** Fraction of next tokens predicted exactly (train: this step; eval: running). */
  accuracy: number;
  learningRate: number;
  tokensPerSecond: number;
  /** Seconds since training started. */
  seconds: number;
}

export interface NativeAddon {
  loadModel(path: string, options: NativeLoadOptions): { promise: Promise<NativeModel>; abort(): void };
  createContext(model: NativeModel, options: NativeContextOptions): Promise<NativeContext>;
  NativeSampler: new (options: NativeSamplerOptions) => NativeSampler;
  setForceCopy(force: boolean): void;
  saveState(context: NativeContext, path: string, tokens: Int32Array): Promise<void>;
  loadState(context: NativeContext, path: string): Promise<Int32Array>;
  setLogger(logger: ((level: number, text: string) => void) | null, minLevel: number): void;
  systemInfo(): NativeSystemInfo;
  train?(model: NativeModel, options: NativeTrainOptions): {
    promise: Promise<{
      steps: number; epochs: number; trainChunks: number; validationChunks: number; trainableTensors: number;
      trainLoss: number; trainAccuracy: number; valLoss: number; valLossUncertainty: number; valAccuracy: number;
      tokensPerSecond: number; seconds: number;
    }>;
    abort(): void;
  };
  /**
   * Σ exp(row[i] - shift) in double on ggml's SIMD expf; NaN when `row` holds a NaN or `shift` is
   * not finite. Synchronous: a 32 k row takes ~15 µs.
   */
  expSum?(row: Float32Array, shift: number): number;
  /**
   * The bench's in-process reference: llama.cpp's own loop on `context` (cache cleared, `count`
   * one-token decodes from BOS through its C API), with random next tokens (llama-bench's tg) or
   * its greedy sampler's picks; synchronous, on the calling thread. No logits rows remain after.
   */
  referenceLoop?(context: NativeContext, count: number, greedy: boolean): { nanoseconds: number; lastToken: number };
  /** llama_model_quantize off the JS thread; `metadata` overrides string keys in the output. */
  quantize?(src: string, dst: string, type: string, metadata?: Record<string, string>): Promise<void>;
}

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the loader looks for the compiled addon, in order. */
export function addonCandidates(): string[] {
  const fromEnv = process.env.LLAMA_LOOM_ADDON;
  return [
    ...(fromEnv ? [fromEnv] : []),
    join(packageRoot, 'build', 'Release', 'llama_loom.node'),
    join(packageRoot, 'build', 'Debug', 'llama_loom.node'),
  ];
}

let cached: NativeAddon | undefined;

/** Loads the native addon once; the error says what is wrong and which command fixes it. */
export function native(): NativeAddon {
  if (cached) return cached;
  const candidates = addonCandidates();
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new LoomError('NATIVE_NOT_BUILT',
      `llama-loom's native addon is not built (looked in ${candidates.join(', ')}).\n` +
      'Build it with: npm run build   (needs CMake >= 3.18, a C++17 compiler and git; ' +
      'on Debian/Ubuntu: apt-get install cmake g++ git; on macOS: xcode-select --install && brew install cmake)');
  }
  try {
    cached = createRequire(import.meta.url)(found) as NativeAddon;
  } catch (err) {
    const msg = (err as Error).message;
    const hint = /NODE_MODULE_VERSION|Module did not self-register/.test(msg)
      ? 'It was built for another Node.js/Electron ABI: run npm run build -- --clean'
      : /GLIBC|GLIBCXX|libcuda|libcudart|libvulkan|cannot open shared object/.test(msg)
        ? 'A system library it links against is missing or too old; rebuild on this machine (npm run build -- --clean) or choose --backend=cpu'
        : 'Rebuild it with: npm run build -- --clean';
    throw new LoomError('NATIVE_LOAD_FAILED', `could not load ${found}: ${msg}\n${hint}`, { cause: err });
  }
  return cached;
}

const NATIVE_CODES = new Set<string>([
  'MODEL_LOAD_FAILED', 'CONTEXT_CREATE_FAILED', 'NO_KV_SLOT', 'ABORTED', 'INVALID_BATCH', 'DECODE_FAILED',
  'DISPOSED', 'BUSY', 'CONTEXT_OVERFLOW', 'TRAIN_FAILED', 'STATE_FAILED', 'INTERNAL',
]);

/**
 * Turns an error thrown by the addon into a LoomError created here, so async failures carry the
 * caller's stack; TypeError/RangeError from argument checks pass through untouched.
 */
export function nativeError(err: unknown, context?: string): unknown {
  if (err instanceof TypeError || err instanceof RangeError || err instanceof LoomError) return err;
  const e = err as { code?: string; message?: string };
  if (e && typeof e.code === 'string' && NATIVE_CODES.has(e.code)) {
    return new LoomError(e.code as LoomErrorCode, context ? `${context}: ${e.message}` : String(e.message), { cause: err });
  }
  return err;
}
