import { abortError } from '../../errors.js';
import type { FinishReason, DecodedSequence, DecodingResult } from '../result.js';
import { COLLECT_CAPACITY, rowKernels } from '../select/kernels.js';
import { rowLogSumExp } from '../select/row-stats.js';
import { gumbel } from '../select/sample.js';
import { MAX_TOUCHED, SparseEdits } from '../select/sparse-edits.js';
import { TopKHeap } from '../select/top-k-heap.js';
import type { StopMatch, StopStringMatcher } from '../stop-strings.js';
import { StopStringMatcher as Matcher } from '../stop-strings.js';
import { isEos, type StrategyContext } from './context.js';

/** One generated token in the tree of hypotheses (shared prefixes are shared nodes). */
interface TokenNode {
  token: number;
  /** Raw-model log-probability of `token`. */
  logprob: number;
  parent: TokenNode | null;
  length: number;
}

interface Beam {
  node: TokenNode | null;
  /** Sum of processed log-probabilities. */
  score: number;
  ids: Int32Array;
  matcher: StopStringMatcher | undefined;
}

interface Hypothesis {
  node: TokenNode;
  score: number;
  finish: FinishReason;
  stop?: StopMatch;
}

/**
 * Beam search with transformers' semantics (the vectorised `_beam_search`): each step takes the
 * top K = max(2, 1 + #EOS) × numBeams continuations of all live beams by accumulated processed
 * log-probability (or, with `doSample`, K draws without replacement via Gumbel-top-k); those among
 * the first numBeams that end (EOS, stop string or length limit) enter the finished set scored
 * `sum / generatedLength ** lengthPenalty`; the best numBeams unfinished ones continue, all through
 * one `backend.advance` call. `earlyStopping` decides when the search is done exactly as transformers.
 */
export async function decodeBeams(ctx: StrategyContext): Promise<DecodingResult> {
  const { backend, prompt, cfg, processors, hooks } = ctx;
  const B = cfg.numBeams;
  const V = backend.vocabSize;
  const K = Math.max(2, 1 + ctx.eos.length) * B;
  const maxNew = cfg.maxNewTokens;
  const lp = cfg.lengthPenalty;
  const signal = hooks.signal;

  const rowBuf = Array.from({ length: B }, () => new Float32Array(V));
  const rawLse = new Float64Array(B);
  const heap = new TopKHeap(K);
  const candKey = new Float64Array(K);
  const candFlat = new Int32Array(K);
  const idsPool = [0, 1].map(() => Array.from({ length: B }, () => new Int32Array(prompt.length + maxNew)));
  let poolSide = 0;

  idsPool[0]![0]!.set(prompt);
  let running: Beam[] = [{ node: null, score: 0, ids: idsPool[0]![0]!, matcher: cfg.stop.length ? new Matcher(cfg.stop) : undefined }];
  let finished: Hypothesis[] = [];

  // Without processors or sampling, only each row's K best entries can continue: the SIMD
  // kernels collect those (plus ties) in one pass, and the full log-softmax row is never written.
  const simd = rowKernels();
  const fast = simd !== null && processors.length === 0 && !cfg.doSample;
  const viaKernel = new Uint8Array(B);
  const editable = simd !== null && processors.length > 0 && !cfg.doSample && processors.sparseOnly;
  const collected = new Int32Array(fast || editable ? Math.max(COLLECT_CAPACITY, 4 * (K + MAX_TOUCHED)) : 0);
  const rowHeap = new TopKHeap(K);
  const rowKeys = new Float64Array(K);
  const rowIdx = new Int32Array(K);
  /** Processed log-probability of `token` in row b, as the scalar pass would have stored it. */
  // Processors that each filter or edit a few tokens (min new tokens, suppressed and bad words,
  // no-repeat-ngram, penalties, logit bias) keep the pass too: those ids are processed on their
  // own, in the row's buffer, and offered beside the pass's untouched entries (see SparseEdits).
  const edits = editable ? new SparseEdits(processors, V) : null;
  const editedIds = edits ? Array.from({ length: B }, () => new Int32Array(MAX_TOUCHED)) : [];
  const editedCount = new Int32Array(B);
  const candIds = new Int32Array(edits ? collected.length + MAX_TOUCHED : 0);
  const candValues = new Float32Array(candIds.length);
  const edited = (b: number, token: number): boolean => {
    const ids = editedIds[b]!;
    for (let j = 0, n = editedCount[b]!; j < n; j++) if (ids[j] === token) return true;
    return false;
  };
  /** 0: the full processed row is in rowBuf; 1: the kernel pass (raw log-softmax); 2: it plus edits in rowBuf. */
  const logSoftmaxAt = (b: number, token: number): number =>
    (viaKernel[b] === 1 || (viaKernel[b] === 2 && !edited(b, token)) ? Math.fround(rows[b]![token]! - rawLse[b]!) : rowBuf[b]![token]!);
  /**
   * Offers row b's K best entries (as `base` + log-softmax) to the step's heap; false when the
   * kernel pass cannot guarantee them (the caller then scans the whole row).
   */
  const offerRowTop = (b: number, row: Float32Array, base: number, off: number): boolean => {
    const n = simd!.collectTop(row, K, collected);
    if (n < 0) return false;
    const lse = simd!.lastLogSumExp;
    rowHeap.reset(K);
    for (let j = 0; j < n; j++) {
      const i = collected[j]!;
      rowHeap.push(Math.fround(row[i]! - lse), i);
    }
    return drainRow(b, lse, base, off);
  };
  /**
   * Moves the row's K best (in rowHeap) to the step's heap, unless an entry the pass left out
   * could tie into them: those are below the pass's threshold, so their log-softmax is at most
   * this, and the row's K-th best must beat it strictly.
   */
  const drainRow = (b: number, lse: number, base: number, off: number): boolean => {
    if (rowHeap.size === K && !(rowHeap.minValue() > Math.fround(simd!.lastThreshold - lse))) return false;
    rawLse[b] = lse;
    const m = rowHeap.drainSorted(rowKeys, rowIdx);
    for (let j = 0; j < m; j++) {
      const v = rowKeys[j]! + base;
      if (v === -Infinity) continue;
      if (heap.size === K && v < heap.minValue()) break; // sorted: the rest are no better
      heap.push(v, off + rowIdx[j]!);
    }
    return true;
  };
  /** {@link offerRowTop} for rows whose processors filter or edit a few tokens (`edits`). */
  const offerRowEdited = (b: number, row: Float32Array, base: number, off: number, inputIds: Int32Array): boolean => {
    const e = edits!;
    if (!e.gather(inputIds)) return false;
    const n = simd!.collectTop(row, K + e.count, collected);
    if (n < 0) {
      e.release();
      return false;
    }
    const lse = simd!.lastLogSumExp;
    // Offered in token order, untouched and edited entries merged, as the full-row scan offers them.
    const c = e.candidates(inputIds, row, lse, rowBuf[b]!, collected, n, candIds, candValues);
    rowHeap.reset(K);
    for (let j = 0; j < c; j++) rowHeap.push(candValues[j]!, candIds[j]!);
    editedIds[b]!.set(e.ids.subarray(0, e.count));
    editedCount[b] = e.count;
    e.release();
    return drainRow(b, lse, base, off);
  };

  if (signal?.aborted) throw abortError('decoding', signal);
  let rows = [await backend.prefill(prompt)];
  if (signal?.aborted) throw abortError('decoding', signal);

  for (let t = 0; ; t++) {
    // a. Log-softmax of each live row, processed, plus the beam score; keep the K best (or drawn).
    heap.reset(K);
    for (let b = 0; b < running.length; b++) {
      const row = rows[b]!;
      viaKernel[b] = 0;
      if (fast && offerRowTop(b, row, running[b]!.score, b * V)) {
        viaKernel[b] = 1;
        continue;
      }
      if (edits && offerRowEdited(b, row, running[b]!.score, b * V, running[b]!.ids.subarray(0, prompt.length + t))) {
        viaKernel[b] = 2;
        continue;
      }
      const lse = rowLogSumExp(row);
      rawLse[b] = lse;
      const lsm = rowBuf[b]!;
      for (let i = 0; i < V; i++) lsm[i] = row[i]! - lse;
      const scores = processors.length > 0 ? processors.process(running[b]!.ids.subarray(0, prompt.length + t), lsm) : lsm;
      const base = running[b]!.score;
      const off = b * V;
      for (let i = 0; i < V; i++) {
        const v = scores[i]! + base;
        if (v === -Infinity) continue;
        const key = cfg.doSample ? v + gumbel(ctx.rng) : v;
        if (heap.size === K && key < heap.minValue()) continue;
        heap.push(key, off + i);
      }
      if (scores !== lsm) lsm.set(scores);
    }
    const nCand = heap.drainSorted(candKey, candFlat);

    // b. Which candidates end here (EOS, stop string, or the length limit)?
    const cands: { b: number; token: number; value: number; hit: boolean; finish?: FinishReason; stop?: StopMatch; matcher?: StopStringMatcher }[] = [];
    for (let j = 0; j < nCand; j++) {
      const flat = candFlat[j]!;
      const b = Math.floor(flat / V);
      const token = flat - b * V;
      const value = logSoftmaxAt(b, token) + running[b]!.score;
      const c: (typeof cands)[number] = { b, token, value, hit: false };
      if (isEos(ctx, token)) c.finish = 'eos';
      else {
        const parentMatcher = running[b]!.matcher;
        if (parentMatcher) {
          c.matcher = parentMatcher.clone();
          const m = c.matcher.push(backend.tokenBytes(token));
          if (m) {
            c.finish = 'stop';
            c.stop = m;
          }
        }
        if (c.finish === undefined && t + 1 >= maxNew) c.finish = 'length';
      }
      c.hit = c.finish !== undefined;
      cands.push(c);
    }

    // c. Finished hypotheses: only the first numBeams candidates qualify; the best numBeams stay.
    const node = (c: (typeof cands)[number]): TokenNode => {
      const parent = running[c.b]!.node;
      return { token: c.token, logprob: rows[c.b]![c.token]! - rawLse[c.b]!, parent, length: t + 1 };
    };
    const full = finished.length === B;
    if (!(full && cfg.earlyStopping === true)) {
      const added: Hypothesis[] = [];
      for (let j = 0; j < Math.min(B, cands.length); j++) {
        const c = cands[j]!;
        if (!c.hit) continue;
        const h: Hypothesis = { node: node(c), score: c.value / (t + 1) ** lp, finish: c.finish! };
        if (c.stop) h.stop = c.stop;
        added.push(h);
      }
      if (added.length > 0) finished = [...finished, ...added].sort((x, y) => y.score - x.score).slice(0, B);
    }

    // d. The best numBeams unfinished candidates continue (sorted by accumulated score).
    const open = cands.filter((c) => !c.hit).sort((x, y) => y.value - x.value).slice(0, B);
    const allHit = open.length === 0;

    // e. Transformers' stop rule.
    let improvable = true;
    if (finished.length === B && !allHit) {
      const len = cfg.earlyStopping === 'never' && lp > 0 ? maxNew : t + 1;
      const bestPossible = open[0]!.value / len ** lp;
      improvable = bestPossible > finished[B - 1]!.score;
    }
    const done = allHit || !improvable || (finished.length === B && cfg.earlyStopping === true);

    poolSide ^= 1;
    const next: Beam[] = open.map((c, j) => {
      const ids = idsPool[poolSide]![j]!;
      ids.set(running[c.b]!.ids.subarray(0, prompt.length + t));
      ids[prompt.length + t] = c.token;
      return { node: node(c), score: c.value, ids, matcher: c.matcher };
    });

    if (done) return finish(finished, [], cfg.numReturnSequences, lp);
    if (signal?.aborted) return finish(finished, next, cfg.numReturnSequences, lp);
    const parents = Int32Array.from(open, (c) => c.b);
    const tokens = Int32Array.from(open, (c) => c.token);
    running = next;
    rows = await backend.advance(parents, tokens);
    if (signal?.aborted) return finish(finished, running, cfg.numReturnSequences, lp);
  }
}

/** Best `count` hypotheses; live beams (after an abort) compete scored at their current length. */
function finish(finished: Hypothesis[], live: Beam[], count: number, lp: number): DecodingResult {
  const pool: Hypothesis[] = [...finished];
  for (const b of live) if (b.node) pool.push({ node: b.node, score: b.score / b.node.length ** lp, finish: 'abort' });
  pool.sort((x, y) => y.score - x.score);
  return { sequences: pool.slice(0, count).map(toSequence) };
}

function toSequence(h: Hypothesis): DecodedSequence {
  const n = h.node.length;
  const tokens = new Int32Array(n);
  const logprobs = new Float32Array(n);
  for (let node: TokenNode | null = h.node; node; node = node.parent) {
    tokens[node.length - 1] = node.token;
    logprobs[node.length - 1] = node.logprob;
  }
  const seq: DecodedSequence = { tokens, logprobs, score: h.score, finishReason: h.finish };
  if (h.stop) seq.stop = h.stop;
  return seq;
}
