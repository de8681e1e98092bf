// Log-probabilities of given continuations under a model: the scoring primitive of rerankers,
// multiple-choice evaluation and reference perplexity. Prompt and continuation are tokenised
// together (lm-evaluation-harness style) so the continuation's first token is the one the model
// would actually see after the prompt, and candidates that share a prefix reuse its KV cells.

import { Context } from '../context.js';
import { abortError, isLoomError, LoomError } from '../errors.js';
import { Model } from '../model.js';
import { checkBoolean, checkInteger, checkObject, checkSignal, checkTokens, fail, isTypedArrayOf } from '../validate.js';
import { rowKernels } from '../decoding/select/kernels.js';

/** Log-probabilities of one continuation. */
export interface ContinuationScore {
  /** The continuation's tokens. */
  tokens: Int32Array;
  /** log p(token | everything before it), natural log, one per token. */
  logprobs: Float32Array;
  /** Sum of the log-probabilities (computed in double precision). */
  sum: number;
  /** Tokens conditioned on (BOS included). */
  promptTokens: number;
}

/** Options of {@link scoreContinuation} / {@link scoreContinuations}. */
export interface ScoreOptions {
  /** Add the vocabulary's BOS when tokenising a text prompt (default: what the model asks for). */
  addSpecial?: boolean;
  /** Context size when a Model is given (default: the longest prompt + continuation). */
  contextSize?: number;
  /** Threads when a Model is given. */
  threads?: number;
  signal?: AbortSignal;
}

type Text = string | Int32Array | readonly number[];

/** ln softmax(row)[token] in double precision. */
export function logSoftmaxAt(row: Float32Array, token: number): number {
  const simd = rowKernels();
  if (simd) {
    const m = simd.max(row);
    return row[token]! - m - Math.log(simd.sumExpPrecise(row, m, false));
  }
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i]! > max) max = row[i]!;
  let z = 0;
  for (let i = 0; i < row.length; i++) z += Math.exp(row[i]! - max);
  return row[token]! - max - Math.log(z);
}

function isTokens(v: unknown): v is Int32Array | readonly number[] {
  return isTypedArrayOf(v, 'Int32Array') || Array.isArray(v);
}

/** Token ids of prompt + continuation and where the continuation starts. */
function split(model: Model, prompt: Text, continuation: Text, addSpecial: boolean, name: string): { ids: Int32Array; start: number } {
  let ids: Int32Array;
  let start: number;
  if (typeof prompt === 'string' && typeof continuation === 'string') {
    const p = model.tokenize(prompt, { addSpecial });
    ids = model.tokenize(prompt + continuation, { addSpecial });
    // A continuation that merges with the prompt's last token takes that token over.
    start = 0;
    while (start < p.length && start < ids.length && p[start] === ids[start]) start++;
  } else {
    const p = typeof prompt === 'string' ? model.tokenize(prompt, { addSpecial }) : isTokens(prompt) ? checkTokens('prompt', prompt, model.vocabSize) : fail('prompt', 'a string or token ids', prompt);
    const c = typeof continuation === 'string' ? model.tokenize(continuation, { addSpecial: false }) : isTokens(continuation) ? checkTokens(name, continuation, model.vocabSize) : fail(name, 'a string or token ids', continuation);
    ids = new Int32Array(p.length + c.length);
    ids.set(p);
    ids.set(c, p.length);
    start = p.length;
  }
  if (start === 0) fail('prompt', 'a prompt of at least one token (a continuation needs something to follow)', prompt, 'range');
  return { ids, start };
}

/**
 * Per-token log-probabilities of `continuation` following `prompt`. Text is tokenised as
 * `prompt + continuation` (with BOS) and the tokens past the prompt's are the continuation's;
 * token ids are taken as they are. Decoded in batches of the context's batchSize, with logits
 * only for the positions that predict continuation tokens.
 */
export async function scoreContinuation(target: Model | Context, prompt: Text, continuation: Text, options: ScoreOptions = {}): Promise<ContinuationScore> {
  return (await scoreMany(target, prompt, [continuation], options, 'continuation'))[0]!;
}

/**
 * {@link scoreContinuation} for several candidates after the same prompt (reranking, multiple
 * choice): the shared prefix is decoded once and kept in the KV cache between candidates.
 */
export async function scoreContinuations(target: Model | Context, prompt: Text, continuations: readonly Text[], options: ScoreOptions = {}): Promise<ContinuationScore[]> {
  if (!Array.isArray(continuations)) fail('continuations', 'an array of strings or token-id arrays', continuations);
  return scoreMany(target, prompt, continuations, options, 'continuations[i]');
}

async function scoreMany(target: Model | Context, prompt: Text, continuations: readonly Text[], options: ScoreOptions, name: string): Promise<ContinuationScore[]> {
  if (!(target instanceof Model) && !(target instanceof Context)) fail('target', 'a Model or a Context', target);
  checkObject('options', options);
  const model = target instanceof Context ? target.model : target;
  const addSpecial = options.addSpecial === undefined ? true : checkBoolean('addSpecial', options.addSpecial);
  const signal = checkSignal('signal', options.signal);
  const pieces = continuations.map((c, i) => split(model, prompt, c, addSpecial, name.replace('[i]', `[${i}]`)));
  const longest = Math.max(1, ...pieces.map((p) => p.ids.length));
  if (signal?.aborted) throw abortError('scoring', signal);
  let ctx: Context;
  if (target instanceof Context) ctx = target;
  else {
    const contextSize = options.contextSize === undefined ? longest : checkInteger('contextSize', options.contextSize, { min: 1 });
    const threads = options.threads === undefined ? undefined : checkInteger('threads', options.threads, { min: 1, max: 1024 });
    ctx = await target.createContext({ contextSize, batchSize: Math.min(contextSize, 512), ...(threads ? { threads } : {}) });
  }
  try {
    if (longest > ctx.contextSize) {
      throw new LoomError('CONTEXT_OVERFLOW', `prompt + continuation have ${longest} tokens but the context holds ${ctx.contextSize}`);
    }
    return await decodeAll(ctx, pieces, signal);
  } finally {
    if (ctx !== target) ctx.dispose();
  }
}

async function decodeAll(ctx: Context, pieces: { ids: Int32Array; start: number }[], signal: AbortSignal | undefined): Promise<ContinuationScore[]> {
  const release = ctx.acquire('scoreContinuation');
  const onAbort = () => ctx.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let cached: Int32Array = new Int32Array(0);
  const out: ContinuationScore[] = [];
  try {
    ctx.clear();
    for (const { ids, start } of pieces) {
      const logprobs = new Float32Array(ids.length - start);
      let sum = 0;
      // Keep the cached prefix, but re-decode the token before the continuation for its logits.
      let keep = 0;
      while (keep < cached.length && keep < ids.length && cached[keep] === ids[keep]) keep++;
      keep = Math.min(keep, start - 1);
      ctx.removeTokens(0, keep, -1);
      for (let off = keep; off < ids.length && ids.length > start; off += ctx.batchSize) {
        const end = Math.min(ids.length, off + ctx.batchSize);
        const n = end - off;
        const positions = new Int32Array(n);
        const flags = new Uint8Array(n);
        for (let k = 0; k < n; k++) {
          positions[k] = off + k;
          flags[k] = off + k >= start - 1 && off + k < ids.length - 1 ? 1 : 0;
        }
        if (signal?.aborted) throw abortError('scoring', signal);
        try {
          await ctx.decode({ tokens: ids.subarray(off, end), positions, logits: flags.some((f) => f === 1) ? flags : 'last' });
        } catch (err) {
          if (signal?.aborted && isLoomError(err, 'ABORTED')) throw abortError('scoring', signal);
          throw err;
        }
        let row = 0;
        for (let k = 0; k < n; k++) {
          if (!flags[k]) continue;
          const i = off + k + 1 - start;
          const lp = logSoftmaxAt(ctx.logits(row++), ids[off + k + 1]!);
          logprobs[i] = lp;
          sum += lp;
        }
      }
      cached = ids.length > start ? ids : ids.subarray(0, keep);
      out.push({ tokens: ids.slice(start), logprobs, sum, promptTokens: start });
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    try { ctx.clear(); } catch { /* disposed meanwhile */ }
    release();
  }
  return out;
}
