import { Context, type ContextOptions } from './context.js';
import { ContextBackend } from './context-backend.js';
import type { StepBackend } from './decoding/backend.js';
import { validateDecodingConfig, type DecodingConfig } from './decoding/config.js';
import type { DecodedSequence, FinishReason } from './decoding/result.js';
import { runDecoding } from './decoding/run.js';
import { Utf8Stream } from './decoding/utf8-stream.js';
import { Model } from './model.js';
import { checkBoolean, checkSignal, fail, isTypedArrayOf } from './validate.js';

/** Options of {@link generate} and {@link stream}: a {@link DecodingConfig} plus run controls. */
export interface GenerateOptions extends DecodingConfig {
  /** Stops generation; what was generated so far is returned with finishReason 'abort'. */
  signal?: AbortSignal;
  /** Add the vocabulary's BOS to the prompt (default: what the model asks for). */
  addSpecial?: boolean;
  /** Parse `<s>`-style control-token text in the prompt (default false). */
  parseSpecial?: boolean;
  /** When `generate` is given a Model: options of the context it creates (and disposes). */
  context?: ContextOptions;
}

/** One generated sequence. */
export interface GeneratedSequence {
  /** Generated text (stop string excluded). */
  text: string;
  /** Generated token ids (an end-of-generation token that ended it included). */
  tokens: Int32Array;
  /** Log-probability of each generated token under the model's raw distribution. */
  logprobs: Float32Array;
  finishReason: FinishReason;
  /** Beam search: the hypothesis score (sum of log-probs ÷ length^lengthPenalty). */
  score?: number;
}

/** Wall-clock figures of one {@link generate} call. */
export interface GenerationTimings {
  promptTokens: number;
  promptMs: number;
  promptTokensPerSecond: number;
  /** Decoding steps after the prompt (each step advances every live sequence by one token). */
  generatedTokens: number;
  generationMs: number;
  generationTokensPerSecond: number;
  totalMs: number;
}

/** What {@link generate} returns: the best (or first) sequence's fields, and all of them. */
export interface GenerateResult extends GeneratedSequence {
  sequences: GeneratedSequence[];
  timings: GenerationTimings;
}

function sequenceText(model: Model, seq: DecodedSequence): string {
  const utf8 = new Utf8Stream();
  let text = '';
  for (const t of seq.tokens) {
    if (!model.isEndOfGeneration(t)) text += utf8.push(model.tokenBytes(t));
  }
  text += utf8.flush();
  if (seq.stop) text = text.slice(0, Math.max(0, text.length - seq.stop.trimChars));
  return text;
}

function promptIds(model: Model, prompt: string | Int32Array | readonly number[], options: GenerateOptions): Int32Array {
  if (typeof prompt === 'string') {
    const addSpecial = options.addSpecial === undefined ? true : checkBoolean('addSpecial', options.addSpecial);
    const parseSpecial = options.parseSpecial === undefined ? false : checkBoolean('parseSpecial', options.parseSpecial);
    const ids = model.tokenize(prompt, { addSpecial, parseSpecial });
    if (ids.length === 0) fail('prompt', 'a non-empty prompt (it produced no tokens)', prompt, 'range');
    return ids;
  }
  if (isTypedArrayOf(prompt, 'Int32Array') || Array.isArray(prompt)) return Int32Array.from(prompt as ArrayLike<number>);
  return fail('prompt', 'a string or token ids', prompt);
}

/** Wraps a backend to time the prompt separately from generation. */
class TimedBackend implements StepBackend {
  promptEnd = 0;
  steps = 0;
  constructor(private readonly inner: StepBackend) {}
  get vocabSize() { return this.inner.vocabSize; }
  async prefill(ids: Int32Array) {
    const row = await this.inner.prefill(ids);
    this.promptEnd = performance.now();
    return row;
  }
  advance(parents: Int32Array, tokens: Int32Array) {
    this.steps++;
    return this.inner.advance(parents, tokens);
  }
  isEndOfGeneration(t: number) { return this.inner.isEndOfGeneration(t); }
  tokenBytes(t: number) { return this.inner.tokenBytes(t); }
}

async function withContext<T>(target: Context | Model, options: GenerateOptions, parallel: number, fn: (ctx: Context) => Promise<T>): Promise<T> {
  if (target instanceof Context) return fn(target);
  if (!(target instanceof Model)) fail('target', 'a Model or a Context', target);
  const ctxOptions: ContextOptions = { ...(options.context ?? {}) };
  ctxOptions.sequences = Math.max(ctxOptions.sequences ?? 1, parallel);
  const ctx = await target.createContext(ctxOptions);
  try {
    return await fn(ctx);
  } finally {
    ctx.dispose();
  }
}

/**
 * Generates from `prompt` on a context (or a model: a context is created and disposed) with any
 * strategy: greedy (default), sampling (`doSample`), beam search (`numBeams` > 1); transformers'
 * `generate()` semantics, decoded in TypeScript on zero-copy logits.
 */
export async function generate(
  target: Context | Model,
  prompt: string | Int32Array | readonly number[],
  options: GenerateOptions = {},
  onToken?: (sequence: number, token: number) => void,
): Promise<GenerateResult> {
  if (typeof options !== 'object' || options === null) fail('options', 'an object', options);
  const { signal, addSpecial: _a, parseSpecial: _p, context: _c, ...config } = options;
  checkSignal('signal', signal);
  const cfg = validateDecodingConfig(config);
  const parallel = Math.max(cfg.numBeams, cfg.numReturnSequences);
  const model = target instanceof Context ? target.model : target;
  if (!(model instanceof Model)) fail('target', 'a Model or a Context', target);
  const ids = promptIds(model, prompt, options);

  return withContext(target, options, parallel, async (ctx) => {
    const release = ctx.acquire('generate');
    try {
      const budget = ctx.contextSize - ids.length;
      const maxNewTokens = Math.max(1, Math.min(cfg.maxNewTokens, budget));
      const backend = new TimedBackend(new ContextBackend(ctx, parallel, signal));
      const t0 = performance.now();
      const result = await runDecoding(backend, ids, { ...config, maxNewTokens }, { signal, onToken });
      const t1 = performance.now();
      const sequences: GeneratedSequence[] = result.sequences.map((s) => ({
        text: sequenceText(model, s),
        tokens: s.tokens,
        logprobs: s.logprobs,
        finishReason: s.finishReason === 'length' && maxNewTokens < cfg.maxNewTokens ? 'length' : s.finishReason,
        ...(s.score !== undefined ? { score: s.score } : {}),
      }));
      const promptMs = (backend.promptEnd || t1) - t0;
      const generationMs = t1 - (backend.promptEnd || t1);
      const timings: GenerationTimings = {
        promptTokens: ids.length,
        promptMs,
        promptTokensPerSecond: promptMs > 0 ? (ids.length / promptMs) * 1000 : 0,
        generatedTokens: backend.steps,
        generationMs,
        generationTokensPerSecond: generationMs > 0 ? (backend.steps / generationMs) * 1000 : 0,
        totalMs: t1 - t0,
      };
      return { ...sequences[0]!, sequences, timings };
    } finally {
      release();
    }
  });
}

/**
 * Like {@link generate} but yields text pieces of the first sequence as they are decoded (UTF-8
 * safe; text that might be the start of a stop string is held back until it is decided). Beam
 * search yields the best sequence's text once at the end. The iterator's return value is the
 * full {@link GenerateResult}.
 */
export async function* stream(
  target: Context | Model,
  prompt: string | Int32Array | readonly number[],
  options: GenerateOptions = {},
): AsyncGenerator<string, GenerateResult, undefined> {
  const model = target instanceof Context ? target.model : target;
  const stops = options.stop === undefined ? [] : typeof options.stop === 'string' ? [options.stop] : [...options.stop];
  const holdBack = Math.max(0, ...stops.map((s) => s.length)) - 1;
  const utf8 = new Utf8Stream();
  let pending = '';
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let emitted = 0;
  let stopped = false;
  const run = generate(target, prompt, options, (seq, token) => {
    if (seq !== 0 || model.isEndOfGeneration(token)) return;
    if (stopped) return;
    pending += utf8.push(model.tokenBytes(token));
    // A piece can carry a whole stop string and more: never emit from its start on.
    let cut = -1;
    for (const s of stops) {
      const k = pending.indexOf(s);
      if (k >= 0 && (cut < 0 || k < cut)) cut = k;
    }
    if (cut >= 0) {
      stopped = true;
      if (cut > 0) queue.push(pending.slice(0, cut));
      pending = '';
      wake?.();
    } else if (pending.length > holdBack) {
      const out = pending.slice(0, pending.length - holdBack);
      pending = pending.slice(out.length);
      queue.push(out);
      wake?.();
    }
  }).finally(() => {
    done = true;
    wake?.();
  });
  run.catch(() => undefined);
  while (!done || queue.length) {
    if (queue.length) {
      const piece = queue.shift()!;
      emitted += piece.length;
      yield piece;
    } else {
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
  }
  const result = await run;
  // Whatever was held back: the final text decides (stop strings are already cut from it).
  const rest = result.text.slice(emitted);
  if (rest) yield rest;
  return result;
}
