import { abortError, LoomError } from './errors.js';
import { DecodeScheduler, DEFAULT_INLINE_DECODE_MS } from './decode-scheduler.js';
import { native, nativeError, type NativeContext, type NativeContextInfo } from './native.js';
import type { Model } from './model.js';
import { checkInteger, checkNumber, checkSignal, checkString, checkTokens, fail, isTypedArrayOf } from './validate.js';

/** Idle time after which a context's CPU worker threads stop spinning for the next decode. */
const POOL_IDLE_MS = 10;

/** Options for {@link Model.createContext}. */
export interface ContextOptions {
  /** Total KV cells shared by all sequences (default: min(training context, 4096)). */
  contextSize?: number;
  /** Most tokens one {@link Context.decode} call may carry (default: min(contextSize, 512)). */
  batchSize?: number;
  /** Threads for generation (default: physical cores). */
  threads?: number;
  /** Threads for prompt batches (default: `threads`). */
  batchThreads?: number;
  /** Independent KV sequences (beams, parallel samples); default 1. */
  sequences?: number;
  /** Flash attention; default: llama.cpp decides. */
  flashAttention?: boolean;
  /**
   * One KV cache shared by all sequences (default true): forks share cells, which beam search
   * needs. false gives each sequence its own stream of contextSize/sequences cells, as
   * llama-perplexity lays out parallel chunks.
   */
  unifiedKv?: boolean;
  /**
   * Generation steps whose decodes recently took at most this many milliseconds run on the JS
   * thread itself, skipping the two thread handoffs an off-thread decode costs (1–6 % of a tiny
   * model's token time, 3–5 % of a 134 M one's); the event loop then gets a turn only every 4 ms,
   * or between decodes when each takes longer. Slower decodes run off the JS thread. Default 0:
   * every decode off the JS thread, so the event loop never waits for one. Scripts and CLIs with
   * no event loop to keep responsive can pass 250, which inlines every decode of a model that runs
   * at a usable speed (`llama-loom generate` does); a UI process that tolerates a few ms of delay,
   * 1.5, which inlines only tiny models. At most 1000.
   */
  inlineDecodeMs?: number;
}

/** One decode call: tokens with their positions and sequences, and which rows produce logits. */
export interface Batch {
  tokens: Int32Array | readonly number[];
  /** Position of each token in its sequence (default: 0, 1, 2, … — a fresh single sequence). */
  positions?: Int32Array | readonly number[];
  /** Sequence id of each token (default: all 0). */
  seqIds?: Int32Array | readonly number[];
  /** Which tokens produce logits: a flag per token, `'last'` (default) or `'all'`. */
  logits?: 'last' | 'all' | Uint8Array | readonly boolean[];
}

const registry = new FinalizationRegistry<NativeContext>((handle) => {
  try { handle.dispose(); } catch { /* already gone */ }
});

/**
 * A llama.cpp context: KV memory for one or more sequences plus output buffers. Decodes run off
 * the JS thread, one at a time (concurrent calls queue). Logits come back as views over
 * llama.cpp's own buffer — no copy — that are detached at the next decode.
 */
export class Context {
  readonly model: Model;
  /** @internal */
  readonly handle: NativeContext;
  readonly contextSize: number;
  readonly batchSize: number;
  readonly sequences: number;
  readonly vocabSize: number;
  private queue: Promise<unknown> = Promise.resolve();
  private lockHolder: symbol | undefined;
  private disposedFlag = false;
  private readonly scheduler: DecodeScheduler;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  /** @internal use {@link Model.createContext} */
  constructor(model: Model, handle: NativeContext, inlineDecodeMs = DEFAULT_INLINE_DECODE_MS) {
    this.model = model;
    this.handle = handle;
    this.scheduler = new DecodeScheduler(inlineDecodeMs);
    const info = handle.info();
    this.contextSize = info.contextSize;
    this.batchSize = info.batchSize;
    this.sequences = info.sequences;
    this.vocabSize = info.vocabSize;
    registry.register(this, handle, this);
  }

  /** @internal */
  static async create(model: Model, options: ContextOptions = {}): Promise<Context> {
    if (typeof options !== 'object' || options === null) fail('options', 'an object', options);
    const o: Record<string, unknown> = {};
    if (options.contextSize !== undefined) o.contextSize = checkInteger('contextSize', options.contextSize, { min: 1, max: 1 << 24 });
    if (options.batchSize !== undefined) o.batchSize = checkInteger('batchSize', options.batchSize, { min: 1, max: 1 << 24 });
    if (options.threads !== undefined) o.threads = checkInteger('threads', options.threads, { min: 1, max: 1024 });
    if (options.batchThreads !== undefined) o.batchThreads = checkInteger('batchThreads', options.batchThreads, { min: 1, max: 1024 });
    if (options.sequences !== undefined) o.sequences = checkInteger('sequences', options.sequences, { min: 1, max: native().systemInfo().maxSequences });
    if (options.unifiedKv !== undefined) {
      if (typeof options.unifiedKv !== 'boolean') fail('unifiedKv', 'a boolean', options.unifiedKv);
      o.unifiedKv = options.unifiedKv;
    }
    if (options.flashAttention !== undefined) {
      if (typeof options.flashAttention !== 'boolean') fail('flashAttention', 'a boolean', options.flashAttention);
      o.flashAttention = options.flashAttention;
    }
    const inlineDecodeMs = options.inlineDecodeMs === undefined ? DEFAULT_INLINE_DECODE_MS : checkNumber('inlineDecodeMs', options.inlineDecodeMs, { min: 0, max: 1000 });
    try {
      const handle = await native().createContext(model.handle, o);
      return new Context(model, handle, inlineDecodeMs);
    } catch (err) {
      throw nativeError(err, 'createContext');
    }
  }

  /** Details llama.cpp settled on (threads, sizes, whether logits are copied). */
  info(): NativeContextInfo {
    return this.checked().info();
  }

  get disposed(): boolean {
    return this.disposedFlag || this.handle.disposed;
  }

  /** Bytes of logits copied into JS memory so far: 0 while views are zero-copy. */
  get logitsBytesCopied(): number {
    return this.handle.logitsBytesCopied;
  }

  /** True when logits are copied (forced, or the runtime refuses external buffers). */
  get copyMode(): boolean {
    return this.handle.copyMode;
  }

  // The JS flag alone (no call into the addon: this runs twice per token). Every way to free the
  // native context goes through dispose() here, and the addon checks again anyway.
  private checked(): NativeContext {
    if (this.disposedFlag) throw new LoomError('DISPOSED', 'the context has been disposed');
    return this.handle;
  }

  /**
   * Decodes one batch (at most `batchSize` tokens). Rejects with `NO_KV_SLOT`, `INVALID_BATCH`,
   * `CONTEXT_OVERFLOW`, `ABORTED` or `DISPOSED`. Calls made while one runs wait their turn.
   */
  decode(batch: Batch): Promise<void> {
    let args: ReturnType<Context['prepareBatch']>;
    try {
      args = this.prepareBatch(batch);
    } catch (err) {
      return Promise.reject(err);
    }
    const run = this.queue.then(() => this.decodePrepared(args));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** @internal the decode without the queue, for callers that already serialise (generation). */
  async decodePrepared([tokens, positions, seqIds, outputs]: [Int32Array, Int32Array, Int32Array, Uint8Array]): Promise<void> {
    const handle = this.checked();
    try {
      await handle.decode(tokens, positions, seqIds, outputs);
    } catch (err) {
      throw nativeError(err, 'decode');
    } finally {
      this.armIdlePause();
    }
  }

  /** @internal parks the CPU workers now (a generation has ended); no-op while a decode runs. */
  parkWorkers(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (!this.disposed) this.handle.pauseThreads();
  }

  /**
   * ggml's CPU workers spin for the next graph after each decode (up to ~0.3 s of a busy core),
   * which keeps back-to-back decodes fast but, once the context goes idle, steals a core from
   * every other context and process (two contexts used in turn ran at half speed). So the pool
   * is parked once no decode has followed for {@link POOL_IDLE_MS}; the next decode wakes it.
   */
  private armIdlePause(): void {
    if (this.idleTimer !== undefined) {
      this.idleTimer.refresh();
      return;
    }
    this.idleTimer = setTimeout(() => this.parkWorkers(), POOL_IDLE_MS);
    this.idleTimer.unref();
  }

  /**
   * @internal one generation step's decode (the caller serialises): inline on the JS thread when
   * this context's recent decodes were short enough (see `inlineDecodeMs`), else off it.
   */
  decodeStep(args: [Int32Array, Int32Array, Int32Array, Uint8Array]): Promise<void> {
    if (!this.scheduler.enabled) return this.decodePrepared(args);
    return this.scheduler.run(() => this.decodeInline(args), () => this.decodePrepared(args));
  }

  /** {@link decodePrepared} on the JS thread (see `inlineDecodeMs`). */
  private decodeInline([tokens, positions, seqIds, outputs]: [Int32Array, Int32Array, Int32Array, Uint8Array]): void {
    const handle = this.checked();
    try {
      handle.decodeSync(tokens, positions, seqIds, outputs);
    } catch (err) {
      throw nativeError(err, 'decode');
    } finally {
      this.armIdlePause();
    }
  }

  /** @internal validates a {@link Batch} into the four arrays the addon takes. */
  prepareBatch(batch: Batch): [Int32Array, Int32Array, Int32Array, Uint8Array] {
    if (typeof batch !== 'object' || batch === null) fail('batch', 'an object with tokens', batch);
    const tokens = checkTokens('batch.tokens', batch.tokens, this.vocabSize);
    const n = tokens.length;
    if (n === 0) fail('batch.tokens', 'a non-empty token list', batch.tokens, 'range');
    if (n > this.batchSize) {
      throw new LoomError('INVALID_BATCH', `the batch has ${n} tokens but batchSize is ${this.batchSize}; split it or create the context with a larger batchSize`);
    }
    const positions = batch.positions === undefined ? Int32Array.from({ length: n }, (_, i) => i) : checkTokens('batch.positions', batch.positions);
    const seqIds = batch.seqIds === undefined ? new Int32Array(n) : checkTokens('batch.seqIds', batch.seqIds, this.sequences);
    if (positions.length !== n) fail('batch.positions', `${n} positions (one per token)`, batch.positions, 'range');
    if (seqIds.length !== n) fail('batch.seqIds', `${n} sequence ids (one per token)`, batch.seqIds, 'range');
    for (let i = 0; i < n; i++) {
      if (positions[i]! < 0 || positions[i]! >= this.contextSize) {
        throw new LoomError('CONTEXT_OVERFLOW', `batch.positions[${i}] = ${positions[i]} does not fit the context of ${this.contextSize} tokens`);
      }
    }
    let outputs: Uint8Array;
    const l = batch.logits ?? 'last';
    if (l === 'last') { outputs = new Uint8Array(n); outputs[n - 1] = 1; }
    else if (l === 'all') outputs = new Uint8Array(n).fill(1);
    else if (isTypedArrayOf(l, 'Uint8Array') || Array.isArray(l)) {
      if (l.length !== n) fail('batch.logits', `${n} flags (one per token)`, l, 'range');
      outputs = isTypedArrayOf(l, 'Uint8Array') ? (l as Uint8Array) : Uint8Array.from(l as readonly boolean[], (b) => (b ? 1 : 0));
    } else return fail('batch.logits', '"last", "all", a Uint8Array or an array of booleans', l);
    return [tokens, positions, seqIds, outputs];
  }

  /**
   * Next-token logits of the `row`-th output of the last decode (negative counts from the end).
   * Zero-copy: the array is a view over llama.cpp's buffer and is detached (length 0) once the
   * next decode starts; copy it if you need it longer.
   */
  logits(row = -1): Float32Array {
    try {
      return this.checked().logits(row);
    } catch (err) {
      throw nativeError(err, 'logits');
    }
  }

  /**
   * Evaluates `tokens` for sequence `seqId` starting at `startPos`, in batchSize chunks; logits for
   * the last token. `signal` stops it promptly, inside a running decode too: the promise rejects
   * with `ABORTED` and the positions from `startPos` on are removed from the sequence again.
   */
  async evaluate(
    tokens: Int32Array | readonly number[],
    { seqId = 0, startPos = 0, signal }: { seqId?: number; startPos?: number; signal?: AbortSignal } = {},
  ): Promise<Float32Array> {
    const ids = checkTokens('tokens', tokens, this.vocabSize);
    if (ids.length === 0) fail('tokens', 'a non-empty token list', tokens, 'range');
    checkInteger('seqId', seqId, { min: 0, max: this.sequences - 1 });
    checkInteger('startPos', startPos, { min: 0 });
    checkSignal('signal', signal);
    if (startPos + ids.length > this.contextSize) {
      throw new LoomError('CONTEXT_OVERFLOW', `${ids.length} tokens from position ${startPos} do not fit the context of ${this.contextSize} tokens`);
    }
    if (signal?.aborted) throw abortError('evaluate', signal);
    // The native abort flag stops the decode between graph nodes; between chunks the loop checks.
    const onAbort = () => this.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (let off = 0; off < ids.length; off += this.batchSize) {
        if (signal?.aborted) throw abortError('evaluate', signal);
        const chunk = ids.subarray(off, Math.min(ids.length, off + this.batchSize));
        const positions = Int32Array.from({ length: chunk.length }, (_, i) => startPos + off + i);
        await this.decode({ tokens: chunk, positions, seqIds: new Int32Array(chunk.length).fill(seqId), logits: 'last' });
      }
    } catch (err) {
      if (!signal?.aborted || this.disposed) throw err;
      this.removeTokens(seqId, startPos, -1); // an aborted decode keeps the micro-batches it finished
      throw abortError('evaluate', signal);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    return this.logits(-1);
  }

  /** Removes positions [from, to) of a sequence (`to` -1: to the end; seqId -1: all sequences). */
  removeTokens(seqId: number, from = 0, to = -1): boolean {
    return this.kv(() => this.handle.seqRemove(seqId, from, to));
  }

  /** Makes `dst` share `src`'s cached positions [from, to): the primitive beams fork with. */
  copySequence(src: number, dst: number, from = 0, to = -1): void {
    this.kv(() => this.handle.seqCopy(src, dst, from, to));
  }

  /** Drops every sequence but `seqId`. */
  keepSequence(seqId: number): void {
    this.kv(() => this.handle.seqKeep(seqId));
  }

  /** Adds `delta` to the positions [from, to) of a sequence (context shifting). */
  shiftPositions(seqId: number, from: number, to: number, delta: number): void {
    this.kv(() => this.handle.seqShift(seqId, from, to, delta));
  }

  /** Smallest and largest cached position of a sequence ([-1, -1] when empty). */
  sequencePositions(seqId: number): [number, number] {
    return this.kv(() => this.handle.seqPosRange(seqId));
  }

  /** Empties the KV memory of every sequence. */
  clear(): void {
    this.kv(() => this.handle.clear());
  }

  private kv<T>(fn: () => T): T {
    this.checked();
    try {
      return fn();
    } catch (err) {
      throw nativeError(err);
    }
  }

  /**
   * Takes exclusive use of the context for a generation; a second concurrent generation gets
   * `BUSY` instead of corrupting the first one's sequences. Returns the release function.
   * @internal
   */
  acquire(what: string): () => void {
    this.checked();
    if (this.lockHolder) throw new LoomError('BUSY', `${what}: another generation is running on this context; await it or create another context`);
    const token = Symbol(what);
    this.lockHolder = token;
    return () => {
      if (this.lockHolder !== token) return;
      this.lockHolder = undefined;
      this.parkWorkers(); // the work is over: no next decode to spin for
    };
  }

  /**
   * Saves the KV state of every sequence to `path` together with `tokens` (what the cache holds,
   * usually the prompt), so a later {@link loadState} skips re-evaluating it. Runs off the JS thread.
   */
  saveState(path: string, tokens: Int32Array | readonly number[]): Promise<void> {
    checkString('path', path, { nonEmpty: true });
    const ids = checkTokens('tokens', tokens, this.vocabSize);
    return this.serial(() => native().saveState(this.checked(), path, ids), 'saveState');
  }

  /** Restores a state written by {@link saveState} (same model and context size); resolves to its tokens. */
  loadState(path: string): Promise<Int32Array> {
    checkString('path', path, { nonEmpty: true });
    return this.serial(() => native().loadState(this.checked(), path), 'loadState');
  }

  private serial<T>(fn: () => Promise<T>, what: string): Promise<T> {
    const run = this.queue.then(async () => {
      try {
        return await fn();
      } catch (err) {
        throw nativeError(err, what);
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops a running decode (it rejects with `ABORTED`); the context stays usable. */
  abort(): void {
    if (!this.disposed) this.handle.abort();
  }

  /** Frees the KV memory; a running decode is stopped and rejects with `DISPOSED`. Idempotent. */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    clearTimeout(this.idleTimer);
    registry.unregister(this);
    this.handle.dispose();
    this.model.forgetContext(this);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
    await this.queue;
  }
}
