// Perplexity exactly as llama.cpp's `llama-perplexity` computes it (tools/perplexity, function
// `perplexity()`): the text is tokenised once, cut into non-overlapping chunks of `contextSize`
// tokens, each chunk is decoded from an empty cache with its first token replaced by BOS, and
// only the second half of every chunk is scored. The decode structure (batch splits, several
// chunks side by side as parallel sequences when batchSize > contextSize) and the float/double
// mix of its log-softmax are reproduced so the numbers match the tool's to its printed digits.

import { Context } from '../context.js';
import { rowKernels } from '../decoding/select/kernels.js';
import { abortError, isLoomError, LoomError } from '../errors.js';
import { Model } from '../model.js';
import { checkFunction, checkInteger, checkObject, checkSignal, checkTokens, fail, isTypedArrayOf } from '../validate.js';

/** Options of {@link perplexity}; defaults are llama-perplexity's. */
export interface PerplexityOptions {
  /** Tokens per chunk (`-c`); default 512, or what a given Context holds per sequence. */
  contextSize?: number;
  /**
   * Tokens per decode call (`-b`); default 2048, or the Context's batchSize. Above
   * `contextSize`, ⌊batchSize / contextSize⌋ chunks are decoded together as parallel sequences.
   */
  batchSize?: number;
  /** Threads of the context created for a Model (`-t`); ignored for a Context. */
  threads?: number;
  /** Called after every scored chunk. */
  onProgress?: (progress: PerplexityProgress) => void;
  /** Stops the evaluation; the promise rejects with `ABORTED`. */
  signal?: AbortSignal;
}

/** Progress of a {@link perplexity} run. */
export interface PerplexityProgress {
  chunksDone: number;
  chunks: number;
  /** Perplexity of the chunks done so far (what llama-perplexity prints as `[k]ppl`). */
  ppl: number;
  elapsedSeconds: number;
  /** Estimated seconds left, from the mean time per chunk so far. */
  etaSeconds: number;
}

/** What {@link perplexity} returns. */
export interface PerplexityResult {
  /** exp(mean negative log-likelihood of the scored tokens). */
  ppl: number;
  /** The ± llama-perplexity prints: ppl × standard error of the mean NLL (NaN when undefined). */
  pplStderr: number;
  /** Tokens the text tokenised to (BOS included when the vocabulary adds it). */
  tokens: number;
  /** Chunks evaluated: ⌊tokens / contextSize⌋. */
  chunks: number;
  contextSize: number;
  /** Tokens per decode call after llama-perplexity's clamping. */
  batchSize: number;
  /** Chunks decoded side by side. */
  sequences: number;
  /** Negative log-likelihood (nats) of every scored token, chunk after chunk. */
  nll: Float64Array;
  /** Wall time of the evaluation (tokenisation included). */
  seconds: number;
}

/**
 * −log p(token) from one row of logits, with llama-perplexity's arithmetic: float max and float
 * differences, `expf` of each, summed in double, and the target's float difference minus
 * log(sum) in double.
 */
export function llamaNegativeLogLikelihood(logits: Float32Array, token: number): number {
  const simd = rowKernels();
  if (simd) {
    const max = simd.max(logits);
    return Math.log(simd.sumExpPrecise(logits, max, true)) - Math.fround(logits[token]! - max);
  }
  const n = logits.length;
  let max = logits[0]!;
  for (let i = 1; i < n; i++) if (logits[i]! > max) max = logits[i]!;
  const fround = Math.fround;
  const exp = Math.exp;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += fround(exp(fround(logits[i]! - max)));
  return Math.log(sum) - fround(logits[token]! - max);
}

interface Plan {
  nCtx: number;
  nBatch: number;
  nSeq: number;
}

/** llama-perplexity's clamping: ⌊b/c⌋ parallel sequences, and a batch no larger than all of them. */
function plan(contextSize: number, batchSize: number): Plan {
  const nSeq = Math.max(1, Math.floor(batchSize / contextSize));
  return { nCtx: contextSize, nSeq, nBatch: Math.min(batchSize, nSeq * contextSize) };
}

function resolveOptions(target: Model | Context, options: PerplexityOptions) {
  checkObject('options', options);
  const isCtx = target instanceof Context;
  const perSeq = isCtx ? Math.floor(target.contextSize / target.sequences) : 512;
  const contextSize = checkInteger('contextSize', options.contextSize ?? perSeq, { min: 3, max: 1 << 24 });
  const batchSize = checkInteger('batchSize', options.batchSize ?? (isCtx ? target.batchSize : 2048), { min: 1, max: 1 << 24 });
  const threads = options.threads === undefined ? undefined : checkInteger('threads', options.threads, { min: 1, max: 1024 });
  const onProgress = options.onProgress === undefined ? undefined : checkFunction<(p: PerplexityProgress) => void>('onProgress', options.onProgress);
  const signal = checkSignal('signal', options.signal);
  return { contextSize, batchSize, threads, onProgress, signal };
}

function checkContextFits(ctx: Context, p: Plan): void {
  if (ctx.sequences < p.nSeq || ctx.contextSize < p.nSeq * p.nCtx || ctx.batchSize < p.nBatch) {
    throw new RangeError(`perplexity with contextSize ${p.nCtx} and batchSize ${p.nBatch} needs a context with ` +
      `sequences >= ${p.nSeq}, contextSize >= ${p.nSeq * p.nCtx} and batchSize >= ${p.nBatch}; ` +
      `this one has sequences ${ctx.sequences}, contextSize ${ctx.contextSize}, batchSize ${ctx.batchSize}`);
  }
}

/**
 * A context laid out as llama-perplexity's: one KV stream per parallel chunk (not the unified
 * cache that beam search wants). With a unified cache the attention of parallel chunks is tiled
 * differently and the last printed digits can differ.
 */
function createPerplexityContext(model: Model, p: Plan, threads: number | undefined): Promise<Context> {
  return model.createContext({
    contextSize: p.nSeq * p.nCtx, batchSize: p.nBatch, sequences: p.nSeq, unifiedKv: false,
    ...(threads !== undefined ? { threads } : {}),
  });
}

/**
 * Perplexity of `text`, equal to `llama-perplexity -f text -c contextSize -b batchSize`: same
 * tokenisation, chunking, BOS substitution, scored positions (contextSize/2 … contextSize−2 of
 * every chunk, each predicting the next token) and decode structure. Needs at least
 * 2 × contextSize tokens, like the tool (RangeError otherwise). Given a Model, a context laid out
 * like the tool's ((batchSize/contextSize) sequences of contextSize cells) is created and
 * disposed. A given Context must hold that many sequences and cells; when it runs several chunks
 * in parallel over a unified KV cache the last printed digits may differ from the tool's.
 */
export async function perplexity(target: Model | Context, text: string | Int32Array, options: PerplexityOptions = {}): Promise<PerplexityResult> {
  if (!(target instanceof Model) && !(target instanceof Context)) fail('target', 'a Model or a Context', target);
  if (typeof text !== 'string' && !isTypedArrayOf(text, 'Int32Array')) fail('text', 'a string or an Int32Array of token ids', text);
  const o = resolveOptions(target, options);
  const p = plan(o.contextSize, o.batchSize);
  const model = target instanceof Context ? target.model : target;
  if (model.info.addEos) throw new LoomError('INTERNAL', 'perplexity: the vocabulary appends EOS to every text, which llama-perplexity refuses too');
  if (target instanceof Context) checkContextFits(target, p);
  if (o.signal?.aborted) throw abortError('perplexity', o.signal);

  const t0 = performance.now();
  // Token ids stand for text the caller already tokenised (with BOS), e.g. a held-out split.
  const tokens = typeof text === 'string' ? model.tokenize(text, { addSpecial: true, parseSpecial: false }) : checkTokens('text', text, model.vocabSize);
  if (tokens.length < 2 * p.nCtx) {
    throw new RangeError(`perplexity needs at least 2 × contextSize = ${2 * p.nCtx} tokens of text ` +
      `(as llama-perplexity does); the text tokenises to only ${tokens.length}`);
  }
  const ctx = target instanceof Context ? target : await createPerplexityContext(target, p, o.threads);
  try {
    const { nll, chunks } = await scoreChunks(ctx, tokens, p, o.signal, o.onProgress, t0);
    let sum = 0;
    let sum2 = 0;
    for (const v of nll) { sum += v; sum2 += v * v; }
    const count = nll.length;
    const mean = sum / count;
    const ppl = Math.exp(mean);
    const variance = sum2 / count - mean * mean;
    const pplStderr = variance > 0 && count > 1 ? Math.sqrt(variance / (count - 1)) * ppl : NaN;
    return {
      ppl, pplStderr, tokens: tokens.length, chunks, contextSize: p.nCtx, batchSize: p.nBatch, sequences: p.nSeq,
      nll, seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    if (ctx !== target) ctx.dispose();
  }
}

/** The decode loop of llama-perplexity; returns the NLL of every scored token in chunk order. */
async function scoreChunks(
  ctx: Context, tokens: Int32Array, p: Plan, signal: AbortSignal | undefined,
  onProgress: ((p: PerplexityProgress) => void) | undefined, t0: number,
): Promise<{ nll: Float64Array; chunks: number }> {
  const { nCtx, nBatch, nSeq } = p;
  const nChunk = Math.floor(tokens.length / nCtx);
  const first = Math.floor(nCtx / 2);
  const perChunk = nCtx - first - 1;
  const numBatches = Math.ceil(nCtx / nBatch);
  const bos = ctx.model.info.addBos ? ctx.model.bos : null;
  const nll = new Float64Array(nChunk * perChunk);
  let sumSoFar = 0;
  const release = ctx.acquire('perplexity');
  const onAbort = () => ctx.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (let i = 0; i < nChunk; i += nSeq) {
      const start = i * nCtx;
      const nSeqBatch = Math.min(nSeq, nChunk - i);
      ctx.clear();
      for (let j = 0; j < numBatches; j++) {
        const batchStart = start + j * nBatch;
        const size = Math.min(start + nCtx - batchStart, nBatch);
        const n = nSeqBatch * size;
        const bTokens = new Int32Array(n);
        const bPos = new Int32Array(n);
        const bSeq = new Int32Array(n);
        const bOut = new Uint8Array(n);
        for (let s = 0; s < nSeqBatch; s++) {
          const seqStart = batchStart + s * nCtx;
          for (let k = 0; k < size; k++) {
            const idx = s * size + k;
            const pos = j * nBatch + k;
            bTokens[idx] = j === 0 && k === 0 && bos !== null ? bos : tokens[seqStart + k]!;
            bPos[idx] = pos;
            bSeq[idx] = s;
            bOut[idx] = pos >= first ? 1 : 0;
          }
        }
        if (signal?.aborted) throw abortError('perplexity', signal);
        try {
          await ctx.decode({ tokens: bTokens, positions: bPos, seqIds: bSeq, logits: bOut });
        } catch (err) {
          if (signal?.aborted && isLoomError(err, 'ABORTED')) throw abortError('perplexity', signal);
          throw err;
        }
        // Output rows come in batch order; the last position of a chunk has no next token.
        let row = 0;
        for (let idx = 0; idx < n; idx++) {
          if (!bOut[idx]) continue;
          const pos = bPos[idx]!;
          const s = bSeq[idx]!;
          if (pos <= nCtx - 2) {
            const v = llamaNegativeLogLikelihood(ctx.logits(row), tokens[start + s * nCtx + pos + 1]!);
            nll[(i + s) * perChunk + (pos - first)] = v;
            sumSoFar += v;
          }
          row++;
        }
      }
      const done = i + nSeqBatch;
      if (onProgress) {
        const elapsedSeconds = (performance.now() - t0) / 1000;
        onProgress({
          chunksDone: done, chunks: nChunk, ppl: Math.exp(sumSoFar / (done * perChunk)), elapsedSeconds,
          etaSeconds: (elapsedSeconds / done) * (nChunk - done),
        });
      }
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    try { ctx.clear(); } catch { /* disposed meanwhile */ }
    release();
  }
  return { nll, chunks: nChunk };
}
