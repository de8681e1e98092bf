import type { StepBackend } from './decoding/backend.js';
import type { Context } from './context.js';
import { LoomError } from './errors.js';

/**
 * One KV cell in the tree of decoded tokens: every sequence descending from it holds that cell.
 * The prompt's cells form the root.
 */
interface CellNode {
  parent: CellNode | null;
  /** Cells from position 0 up to and including this one. */
  depth: number;
}

/** How many leading cells two sequences share: the depth of their last common node. */
function sharedDepth(a: CellNode, b: CellNode): number {
  while (a.depth > b.depth) a = a.parent!;
  while (b.depth > a.depth) b = b.parent!;
  while (a !== b) {
    a = a.parent!;
    b = b.parent!;
  }
  return a.depth;
}

/**
 * {@link StepBackend} over a llama.cpp context: each live sequence (beam or parallel sample) is
 * one KV sequence, and every step is ONE batched decode. A parent's first child keeps the parent's
 * KV sequence; further children fork it with a sequence copy, which in the unified KV cache shares
 * cells rather than copying tensors; sequences nobody continues are freed. A fork lands in a
 * sequence that has just ended where there is one: both descend from a common prefix whose cells
 * they already share, so only the cells after it are dropped and copied (each cell touched costs
 * llama.cpp a position-map update).
 */
export class ContextBackend implements StepBackend {
  readonly vocabSize: number;
  /** KV sequence id of each live sequence, in the strategy's order. */
  private live: Int32Array;
  private liveCount = 0;
  /** Next position (= tokens cached) per KV sequence id. */
  private readonly nextPos: Int32Array;
  private readonly free: number[] = [];
  /** Sequences whose beam ended this step, until a fork reuses them or they are freed. */
  private readonly ended: number[] = [];
  /**
   * Per KV sequence id: the node of its last cell (null while free). Kept only where sequences can
   * fork (more than one live): a single sequence would otherwise allocate a node per token.
   */
  private readonly head: (CellNode | null)[];
  private readonly forks: boolean;
  private readonly maxLive: number;
  // Reused batch buffers: no allocation per step beyond the views the addon returns.
  private readonly bTokens: Int32Array;
  private readonly bPos: Int32Array;
  private readonly bSeq: Int32Array;
  private readonly bOut: Uint8Array;
  private readonly hasChild: Uint8Array;
  private nextLive: Int32Array;
  /** Per batch size n: the decode's four views over the batch buffers, and the rows array. */
  private readonly batchViews: [Int32Array, Int32Array, Int32Array, Uint8Array][];
  private readonly rowsOut: Float32Array[][];
  /** Wall time spent inside decodes, for timings. */
  decodeMs = 0;

  constructor(private readonly context: Context, maxLive: number, private readonly signal?: AbortSignal) {
    if (maxLive > context.sequences) {
      throw new RangeError(`the decoding needs ${maxLive} parallel sequences but the context was created with sequences: ${context.sequences}`);
    }
    this.vocabSize = context.vocabSize;
    this.maxLive = maxLive;
    this.live = new Int32Array(maxLive);
    this.nextLive = new Int32Array(maxLive);
    this.nextPos = new Int32Array(context.sequences);
    this.head = new Array<CellNode | null>(context.sequences).fill(null);
    this.forks = maxLive > 1;
    this.bTokens = new Int32Array(maxLive);
    this.bPos = new Int32Array(maxLive);
    this.bSeq = new Int32Array(maxLive);
    this.bOut = new Uint8Array(maxLive).fill(1);
    this.hasChild = new Uint8Array(maxLive);
    this.batchViews = Array.from({ length: maxLive + 1 }, (_, n) =>
      [this.bTokens.subarray(0, n), this.bPos.subarray(0, n), this.bSeq.subarray(0, n), this.bOut.subarray(0, n)]);
    this.rowsOut = Array.from({ length: maxLive + 1 }, (_, n) => new Array<Float32Array>(n));
  }

  async prefill(promptIds: Int32Array): Promise<Float32Array> {
    const ctx = this.context;
    if (promptIds.length >= ctx.contextSize) {
      throw new LoomError('CONTEXT_OVERFLOW', `the prompt has ${promptIds.length} tokens but the context holds ${ctx.contextSize}; shorten it or create the context with a larger contextSize`);
    }
    ctx.clear();
    this.free.length = 0;
    for (let s = this.maxLive - 1; s >= 1; s--) this.free.push(s);
    this.nextPos.fill(0);
    const t0 = performance.now();
    // Context.evaluate splits the prompt into batches and lets the signal stop the running decode.
    const row = await ctx.evaluate(promptIds, { signal: this.signal });
    this.decodeMs += performance.now() - t0;
    this.live[0] = 0;
    this.liveCount = 1;
    this.nextPos[0] = promptIds.length;
    this.head.fill(null);
    this.head[0] = { parent: null, depth: promptIds.length };
    return row;
  }

  async advance(parents: Int32Array, tokens: Int32Array): Promise<Float32Array[]> {
    const n = parents.length;
    if (n === 0 || n > this.maxLive || tokens.length !== n) {
      throw new RangeError(`advance needs 1..${this.maxLive} parents with one token each; received ${n} parents and ${tokens.length} tokens`);
    }
    const ctx = this.context;
    const hasChild = this.hasChild;
    hasChild.fill(0, 0, this.liveCount);
    for (let i = 0; i < n; i++) {
      const p = parents[i]!;
      if (p < 0 || p >= this.liveCount) throw new RangeError(`parents[${i}] must be a live sequence index in [0, ${this.liveCount}); received ${p}`);
      hasChild[p] = 1;
    }
    // Sequences nobody continues can host this step's forks.
    const ended = this.ended;
    ended.length = 0;
    for (let p = 0; p < this.liveCount; p++) if (!hasChild[p]) ended.push(this.live[p]!);
    const claimed = hasChild; // reuse: 1 = parent's own sequence not yet taken by a child
    for (let i = 0; i < n; i++) {
      const p = parents[i]!;
      const parentSeq = this.live[p]!;
      let seq: number;
      if (claimed[p] === 1) {
        claimed[p] = 2;
        seq = parentSeq;
      } else {
        const reuse = ended.pop();
        let from = 0;
        if (reuse !== undefined) {
          seq = reuse;
          from = sharedDepth(this.head[seq]!, this.head[parentSeq]!);
          ctx.removeTokens(seq, from, -1);
        } else {
          const f = this.free.pop();
          if (f === undefined) throw new LoomError('INTERNAL', 'no free KV sequence for a fork');
          seq = f;
        }
        ctx.copySequence(parentSeq, seq, from, -1);
        this.nextPos[seq] = this.nextPos[parentSeq]!;
        this.head[seq] = this.head[parentSeq]!;
      }
      this.nextLive[i] = seq;
      this.bTokens[i] = tokens[i]!;
      this.bSeq[i] = seq;
    }
    for (let i = 0; i < n; i++) {
      const seq = this.nextLive[i]!;
      const pos = this.nextPos[seq]!;
      if (pos >= ctx.contextSize) {
        throw new LoomError('CONTEXT_OVERFLOW', `generation reached the end of the context (${ctx.contextSize} tokens)`);
      }
      this.bPos[i] = pos;
    }
    for (const seq of ended) {
      ctx.removeTokens(seq, 0, -1);
      this.nextPos[seq] = 0;
      this.head[seq] = null;
      this.free.push(seq);
    }
    // Each child's token gets a cell of its own below the node its sequence ended on.
    for (let i = 0; i < n; i++) {
      const seq = this.nextLive[i]!;
      this.nextPos[seq]! += 1;
      if (this.forks) this.head[seq] = { parent: this.head[seq]!, depth: this.nextPos[seq]! };
    }
    const t0 = performance.now();
    await ctx.decodeStep(this.batchViews[n]!);
    this.decodeMs += performance.now() - t0;
    const prev = this.live;
    this.live = this.nextLive;
    this.nextLive = prev;
    this.liveCount = n;
    const rows = this.rowsOut[n]!;
    for (let i = 0; i < n; i++) rows[i] = ctx.logits(i);
    return rows;
  }

  isEndOfGeneration(token: number): boolean {
    return this.context.model.isEndOfGeneration(token);
  }

  tokenBytes(token: number): Uint8Array {
    return this.context.model.tokenBytes(token);
  }
}
