import { abortError, LoomError } from './errors.js';
import { Context, type ContextOptions } from './context.js';
import { native, nativeError, type NativeModel, type NativeModelInfo, type Token } from './native.js';
import { checkBoolean, checkInteger, checkSignal, checkString, checkTokens, fail } from './validate.js';
import { Utf8Stream } from './decoding/utf8-stream.js';

/** Options for {@link loadModel}. */
export interface LoadModelOptions {
  /** Layers to offload to the GPU: a count, or `'max'` (default: all when a GPU backend is built). */
  gpuLayers?: number | 'max';
  /** Memory-map the file (default true). */
  useMmap?: boolean;
  /** Lock the weights in RAM (default false). */
  useMlock?: boolean;
  /** Load only the vocabulary: tokenize/detokenize work, contexts cannot be created. */
  vocabOnly?: boolean;
  /** Load progress in [0, 1]. */
  onProgress?: (progress: number) => void;
  /** Aborts the load; the promise rejects with `ABORTED`. */
  signal?: AbortSignal;
  /**
   * Check the file before llama.cpp opens it (default true). llama.cpp aborts the whole process on
   * some malformed files; the check refuses them with `INVALID_GGUF` instead.
   */
  validate?: boolean;
}

/** Pre-load check hook; set by lib/index.ts to the GGUF validator. @internal */
export const preloadCheck: { fn?: (path: string, vocabOnly: boolean) => Promise<void> } = {};

const registry = new FinalizationRegistry<NativeModel>((handle) => {
  try { handle.dispose(); } catch { /* already gone */ }
});

/** Loads a GGUF model off the JS thread. */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<Model> {
  checkString('path', path, { nonEmpty: true });
  if (typeof options !== 'object' || options === null) fail('options', 'an object', options);
  const signal = checkSignal('signal', options.signal);
  const o: Record<string, unknown> = {};
  if (options.gpuLayers !== undefined) o.gpuLayers = options.gpuLayers === 'max' ? -1 : checkInteger('gpuLayers', options.gpuLayers, { min: 0 });
  if (options.useMmap !== undefined) o.useMmap = checkBoolean('useMmap', options.useMmap);
  if (options.useMlock !== undefined) o.useMlock = checkBoolean('useMlock', options.useMlock);
  if (options.vocabOnly !== undefined) o.vocabOnly = checkBoolean('vocabOnly', options.vocabOnly);
  if (options.onProgress !== undefined) {
    if (typeof options.onProgress !== 'function') fail('onProgress', 'a function', options.onProgress);
    o.onProgress = options.onProgress;
  }
  if (signal?.aborted) throw abortError(`loading ${path}`, signal);
  if (options.validate !== false && preloadCheck.fn) await preloadCheck.fn(path, options.vocabOnly === true);
  if (signal?.aborted) throw abortError(`loading ${path}`, signal);

  let job: ReturnType<ReturnType<typeof native>['loadModel']>;
  try {
    job = native().loadModel(path, o);
  } catch (err) {
    throw nativeError(err);
  }
  const onAbort = () => job.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const handle = await job.promise;
    if (signal?.aborted) {
      handle.dispose();
      throw abortError(`loading ${path}`, signal);
    }
    return new Model(path, handle);
  } catch (err) {
    if (err instanceof LoomError) throw err;
    // Like every other abort, carry the signal's reason as the cause (not the addon's error).
    if (signal?.aborted) throw abortError(`loading ${path}`, signal);
    throw nativeError(err);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * A loaded model: hyperparameters, metadata and vocabulary. Contexts created from it keep it
 * alive; disposing the model disposes its contexts first.
 */
export class Model {
  /** The file it was loaded from. */
  readonly path: string;
  /** @internal */
  readonly handle: NativeModel;
  /** Hyperparameters and vocabulary facts reported by llama.cpp. */
  readonly info: NativeModelInfo;
  /** Tokens that end generation (EOS, EOT, …), sorted. */
  readonly endOfGenerationTokens: Int32Array;
  private readonly eog: Set<number>;
  private readonly pieces: (Uint8Array | undefined)[];
  private readonly contexts = new Set<Context>();
  private disposedFlag = false;

  /** @internal use {@link loadModel} */
  constructor(path: string, handle: NativeModel) {
    this.path = path;
    this.handle = handle;
    this.info = handle.info();
    this.endOfGenerationTokens = handle.eogTokens();
    this.eog = new Set(this.endOfGenerationTokens);
    this.pieces = new Array(this.info.vocabSize);
    registry.register(this, handle, this);
  }

  get vocabSize(): number { return this.info.vocabSize; }
  /** Begin-of-sequence token, or null. */
  get bos(): Token | null { return this.info.specialTokens.bos; }
  /** End-of-sequence token, or null. */
  get eos(): Token | null { return this.info.specialTokens.eos; }
  /** Architecture name from the metadata (`general.architecture`). */
  get architecture(): string { return this.metadata['general.architecture'] ?? 'unknown'; }
  /** Chat template string if the file has one. */
  get chatTemplate(): string | null { return this.info.chatTemplate; }
  get disposed(): boolean { return this.disposedFlag; }

  private metadataCache?: Record<string, string>;
  /** Every GGUF metadata key with llama.cpp's string rendering of its value. */
  get metadata(): Record<string, string> {
    this.metadataCache ??= this.checked().metadata();
    return this.metadataCache;
  }

  private checked(): NativeModel {
    if (this.disposedFlag) throw new LoomError('DISPOSED', 'the model has been disposed');
    return this.handle;
  }

  /**
   * Text → token ids. `addSpecial` (default: what the vocabulary asks, e.g. BOS for llama) adds
   * BOS/EOS; `parseSpecial` turns `<s>`-style text into control tokens (default false).
   */
  tokenize(text: string, { addSpecial = true, parseSpecial = false } = {}): Int32Array {
    checkString('text', text);
    checkBoolean('addSpecial', addSpecial);
    checkBoolean('parseSpecial', parseSpecial);
    const handle = this.checked();
    if (this.info.vocabType === 0) throw new LoomError('INVALID_GGUF', `${this.path} has no vocabulary: it cannot tokenize text`);
    return handle.tokenize(text, addSpecial, parseSpecial);
  }

  /** Token ids → text. Ids outside the vocabulary throw RangeError. */
  detokenize(tokens: Int32Array | readonly number[], { removeSpecial = false, unparseSpecial = false } = {}): string {
    const ids = checkTokens('tokens', tokens, this.vocabSize);
    return this.checked().detokenize(ids, removeSpecial, unparseSpecial);
  }

  /** The bytes a token adds to the text (may be part of a UTF-8 character). Cached. */
  tokenBytes(token: Token): Uint8Array {
    // The cache would otherwise keep answering after dispose() for tokens seen before.
    if (this.disposedFlag) throw new LoomError('DISPOSED', 'the model has been disposed');
    let p = this.pieces[token];
    if (p === undefined) {
      checkInteger('token', token, { min: 0, max: this.vocabSize - 1 });
      p = this.checked().tokenPiece(token, false);
      this.pieces[token] = p;
    }
    return p;
  }

  /** The token's text as stored in the vocabulary (e.g. `▁the`). */
  tokenText(token: Token): string {
    checkInteger('token', token, { min: 0, max: this.vocabSize - 1 });
    return this.checked().tokenText(token);
  }

  /** True for tokens that end generation. */
  isEndOfGeneration(token: Token): boolean {
    return this.eog.has(token);
  }

  /** A detokenizer for streams of tokens that holds back incomplete UTF-8 characters. */
  createDetokenizer(): { push(token: Token): string; flush(): string } {
    const stream = new Utf8Stream();
    return {
      push: (token: Token) => stream.push(this.tokenBytes(token)),
      flush: () => stream.flush(),
    };
  }

  /** Creates a context (KV memory) over this model. */
  async createContext(options: ContextOptions = {}): Promise<Context> {
    this.checked();
    if (this.info.layerCount === 0) throw new LoomError('CONTEXT_CREATE_FAILED', `${this.path} was loaded with vocabOnly: it has no weights to run`);
    const ctx = await Context.create(this, options);
    this.contexts.add(ctx);
    return ctx;
  }

  /** @internal */
  forgetContext(ctx: Context): void {
    this.contexts.delete(ctx);
  }

  /** Disposes every context of this model, then the model. Idempotent. */
  dispose(): void {
    if (this.disposedFlag) return;
    for (const ctx of [...this.contexts]) ctx.dispose();
    this.disposedFlag = true;
    registry.unregister(this);
    this.handle.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
  }
}
