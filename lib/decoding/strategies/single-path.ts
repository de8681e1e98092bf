import { abortError } from '../../errors.js';
import { rowKernels } from '../select/kernels.js';
import { argmax, logSumExp, rowLogSumExp } from '../select/row-stats.js';
import { sampleFromScores } from '../select/sample.js';
import { SparseEdits } from '../select/sparse-edits.js';
import { NEEDS_FULL_ROW, SparseSamplingTail } from '../select/sparse-tail.js';
import { StopStringMatcher, type StopMatch } from '../stop-strings.js';
import type { DecodedSequence, DecodingResult, FinishReason } from '../result.js';
import { isEos, type StrategyContext } from './context.js';

interface Path {
  /** Prompt followed by generated tokens; `length` entries are valid. */
  ids: Int32Array;
  length: number;
  logprobs: Float32Array;
  matcher: StopStringMatcher | undefined;
  finish?: FinishReason;
  stop?: StopMatch;
}

/**
 * Greedy decoding, or sampling of `numReturnSequences` independent sequences advanced together:
 * each step processes every live row, picks a token, and continues all unfinished rows with one
 * `backend.advance` call. Rows are copied into a preallocated buffer before processing, so the
 * backend's logits stay raw for the log-probabilities.
 */
export async function decodeSinglePath(ctx: StrategyContext): Promise<DecodingResult> {
  const { backend, prompt, cfg, processors, rng, hooks } = ctx;
  const count = cfg.doSample ? cfg.numReturnSequences : 1;
  const V = backend.vocabSize;
  const simd = rowKernels();
  const scratch = new Float32Array(V);
  const weights = new Float32Array(V);
  // Sampling through top-k needs only the candidates, not whole-row passes per processor.
  const sparse = cfg.doSample ? SparseSamplingTail.from(processors, simd) : null;
  // Greedy with no processors needs one pass over the raw row; with processors that each filter
  // or edit a few tokens (min new tokens, suppressed and bad words, no-repeat-ngram, penalties,
  // logit bias) it processes just those ids (SparseEdits), not a copy of the row.
  const greedyFast = !cfg.doSample && processors.length === 0;
  const edits = simd && !cfg.doSample && processors.length > 0 && processors.sparseOnly ? new SparseEdits(processors, V) : null;
  const paths: Path[] = [];
  for (let s = 0; s < count; s++) {
    const ids = new Int32Array(prompt.length + cfg.maxNewTokens);
    ids.set(prompt);
    paths.push({ ids, length: prompt.length, logprobs: new Float32Array(cfg.maxNewTokens), matcher: cfg.stop.length ? new StopStringMatcher(cfg.stop) : undefined });
  }

  const signal = hooks.signal;
  if (signal?.aborted) throw abortError('decoding', signal);
  let rows: Float32Array[] = [await backend.prefill(prompt)];
  if (signal?.aborted) throw abortError('decoding', signal);
  // live[j] = path index of the j-th live row (liveCount of them); rowOf[j] = the row of `rows` it
  // reads. Swapped with next* every step, and the views below made once: no allocation per token.
  let live = Int32Array.from(paths, (_, s) => s);
  let rowOf = new Int32Array(count);
  let nextLive = new Int32Array(count);
  let nextRowOf = new Int32Array(count);
  let liveCount = count;
  const parents = new Int32Array(count);
  const tokens = new Int32Array(count);
  const parentViews = Array.from({ length: count + 1 }, (_, n) => parents.subarray(0, n));
  const tokenViews = Array.from({ length: count + 1 }, (_, n) => tokens.subarray(0, n));

  for (let step = 0; step < cfg.maxNewTokens && liveCount > 0; step++) {
    if (step > 0 && signal?.aborted) break;
    let n = 0;
    for (let j = 0; j < liveCount; j++) {
      const s = live[j]!;
      const p = paths[s]!;
      const row = rows[rowOf[j]!]!;
      let token = NEEDS_FULL_ROW;
      let lse = NaN;
      if (greedyFast) {
        // Plain greedy: the argmax pass also yields the row maximum the log-softmax needs.
        if (simd) {
          token = simd.argmaxLogSumExp(row);
          lse = simd.lastLogSumExp;
        } else {
          token = argmax(row);
          const max = row[token]!;
          lse = logSumExp(row, max === max ? max : -Infinity);
        }
      } else if (edits) {
        token = edits.argmax(row, p.ids.subarray(0, p.length), simd!, scratch);
        lse = edits.lastLogSumExp;
      }
      if (token === NEEDS_FULL_ROW) {
        token = sparse ? sparse.sample(row, p.ids.subarray(0, p.length), rng) : NEEDS_FULL_ROW;
        if (token !== NEEDS_FULL_ROW) {
          lse = sparse!.lastLogSumExp;
        } else {
          lse = rowLogSumExp(row);
          let scores = row;
          if (processors.length > 0) {
            scratch.set(row);
            scores = processors.process(p.ids.subarray(0, p.length), scratch);
          }
          token = cfg.doSample ? sampleFromScores(scores, rng, weights) : argmax(scores);
        }
      }
      if (token < 0) token = argmax(row); // every token filtered: fall back to the raw best
      p.logprobs[p.length - prompt.length] = row[token]! - lse;
      p.ids[p.length++] = token;
      hooks.onToken?.(s, token);
      if (isEos(ctx, token)) p.finish = 'eos';
      else if (p.matcher && (p.stop = p.matcher.push(backend.tokenBytes(token)))) p.finish = 'stop';
      else if (p.length - prompt.length >= cfg.maxNewTokens) p.finish = 'length';
      if (p.finish === undefined) {
        parents[n] = rowOf[j]!;
        tokens[n] = token;
        nextLive[n] = s;
        nextRowOf[n] = n;
        n++;
      }
    }
    const liveSwap = live;
    live = nextLive;
    nextLive = liveSwap;
    const rowSwap = rowOf;
    rowOf = nextRowOf;
    nextRowOf = rowSwap;
    liveCount = n;
    if (liveCount === 0 || signal?.aborted) break;
    rows = await backend.advance(parentViews[n]!, tokenViews[n]!);
  }
  for (let j = 0; j < liveCount; j++) paths[live[j]!]!.finish ??= 'abort';
  return { sequences: paths.map(toSequence(prompt.length)) };
}

function toSequence(promptLength: number) {
  return (p: Path): DecodedSequence => {
    const generated = p.length - promptLength;
    const seq: DecodedSequence = {
      tokens: p.ids.slice(promptLength, p.length),
      logprobs: p.logprobs.slice(0, generated),
      finishReason: p.finish ?? 'length',
    };
    if (p.stop) seq.stop = p.stop;
    return seq;
  };
}
