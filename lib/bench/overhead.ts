// Where a generated token's time goes, measured in one process on one context: llama.cpp's own
// greedy loop (the C API alone, `referenceLoop`) against llama-loom's generation path rebuilt one
// layer at a time — the JS loop of synchronous decodes that `generate()` drives, the same loop
// reading each row and taking its argmax, `generate()` with decodes inline, and `generate()` with
// the library's default (decodes off the JS thread). With `beams`, the same for a multi-row step:
// llama.cpp's decode of `beams` rows against one row, and beam search against greedy. All turns
// alternate round by round, so every ratio compares turns a fraction of a second apart.
// `llama-loom bench --overhead` prints it.
import { generate, loadModel, type Context, type Model } from '../index.js';
import { THROUGHPUT_INLINE_DECODE_MS } from '../decode-scheduler.js';
import { argmax } from '../decoding/select/row-stats.js';
import { defaultModelPath } from '../default-model.js';
import { alternatingRounds } from './alternating-rounds.js';
import { referenceLoop } from './reference-loop.js';
import { interquartile } from './report.js';
import { summarize, type Summary } from './stats.js';
import { checkInteger, checkString } from '../validate.js';

export interface OverheadOptions {
  /** GGUF file. Default: the embedded model. */
  model?: string;
  /** Tokens per turn (from BOS). Default 128. */
  tokens?: number;
  /** Threads for every context. Default 2. */
  threads?: number;
  /** Time to spend on the alternating rounds, milliseconds (4–40 rounds whatever it is). Default 20000. */
  budgetMs?: number;
  /** Rows of the multi-row comparison (beam search's beams); 0 skips it. Default 4. */
  beams?: number;
}

/** One layer of the generation path. */
export interface OverheadRow {
  name: string;
  /** Tokens per second (multi-row turns: steps per second), over the rounds. */
  rate: Summary;
  /** Per-round ratio to the row's baseline (`rate ÷ baseline`, > 1 means faster). */
  ratio: Summary;
  /** The per-round ratios' interquartile range, as text. */
  ratioIqr: string;
  /** Name of the row it is compared with. */
  baseline: string;
}

export interface OverheadResult {
  model: string;
  tokens: number;
  threads: number;
  rounds: number;
  rows: OverheadRow[];
  /** Last token of each greedy turn: llama.cpp's loop, the JS argmax loop and both `generate()`s. */
  lastTokens: Record<string, number>;
}

const REF = 'llama.cpp greedy loop';
const TG = 'llama.cpp tg loop (no logits read)';
const DECODE = 'JS loop of synchronous decodes';
const ARGMAX = '  + reading each row, argmax';
const GEN_INLINE = 'generate() greedy, inline decodes';
const GEN_DEFAULT = 'generate() greedy, library default';

/** Synchronous one-row (or `rows`-row) decodes from BOS through the generation path's own step. */
async function decodeTurn(ctx: Context, bos: number, steps: number, rows: number, greedy: boolean): Promise<{ rate: number; last: number }> {
  const t0 = performance.now();
  ctx.clear();
  const tokens = new Int32Array(rows);
  const positions = new Int32Array(rows);
  const seqIds = Int32Array.from({ length: rows }, (_, i) => i);
  const outputs = new Uint8Array(rows).fill(1);
  await ctx.decodeStep([Int32Array.of(bos), Int32Array.of(0), Int32Array.of(0), Uint8Array.of(1)]);
  for (let s = 1; s < rows; s++) ctx.copySequence(0, s);
  let next = greedy ? argmax(ctx.logits(0)) : 2;
  for (let i = 1; i < steps; i++) {
    for (let r = 0; r < rows; r++) {
      tokens[r] = greedy ? next : (next + 7919 * r) % ctx.vocabSize;
      positions[r] = i;
    }
    await ctx.decodeStep([tokens, positions, seqIds, outputs]);
    next = greedy ? argmax(ctx.logits(0)) : (next * 48271 + i) % ctx.vocabSize;
  }
  const ms = performance.now() - t0;
  ctx.parkWorkers();
  return { rate: (steps * 1000) / ms, last: greedy ? next : -1 };
}

/**
 * Steps per second of a whole `generate()` call from BOS (its prompt's decode is the first of
 * `steps`, as in llama.cpp's loop, which also times its cache clear and first decode), and its last
 * token. Greedy runs as llama.cpp's loop does, without `minNewTokens` (a filtered end-of-generation
 * token could change its picks), so a generation that ends early makes the comparison void; beam
 * search keeps every beam running with `minNewTokens`.
 */
async function generateTurn(ctx: Context, bos: number, steps: number, numBeams = 1): Promise<{ rate: number; last: number }> {
  const t0 = performance.now();
  const r = await generate(ctx, [bos], { maxNewTokens: steps, ...(numBeams > 1 ? { numBeams, minNewTokens: steps, earlyStopping: true } : {}) });
  const ms = performance.now() - t0;
  if (r.tokens.length < steps) {
    throw new RangeError(`tokens must be at most ${r.tokens.length} on this model: its greedy generation from BOS ended there (${r.finishReason}); received ${steps}`);
  }
  // A beam search's best sequence is no greedy pick to compare.
  return { rate: (steps * 1000) / ms, last: numBeams > 1 ? -1 : r.tokens[steps - 1]! };
}

/**
 * Measures the layers of llama-loom's generation path against llama.cpp's own loop, in this
 * process. Every turn starts from an empty cache; greedy turns' picks are returned so callers can
 * check that the four greedy implementations agree.
 */
export async function benchOverhead(options: OverheadOptions = {}): Promise<OverheadResult> {
  const path = options.model === undefined ? defaultModelPath() : checkString('model', options.model, { nonEmpty: true });
  const tokens = options.tokens === undefined ? 128 : checkInteger('tokens', options.tokens, { min: 2, max: 4096 });
  const threads = options.threads === undefined ? 2 : checkInteger('threads', options.threads, { min: 1, max: 512 });
  const budgetMs = options.budgetMs === undefined ? 20000 : checkInteger('budgetMs', options.budgetMs, { min: 0, max: 3_600_000 });
  const beams = options.beams === undefined ? 4 : checkInteger('beams', options.beams, { min: 0, max: 64 });
  const model: Model = await loadModel(path);
  try {
    const contextSize = tokens + 16;
    const common = { contextSize, threads };
    const inline = await model.createContext({ ...common, inlineDecodeMs: THROUGHPUT_INLINE_DECODE_MS });
    const offThread = await model.createContext(common);
    const multi = beams > 1 ? await model.createContext({ ...common, contextSize: contextSize * beams, sequences: beams, inlineDecodeMs: THROUGHPUT_INLINE_DECODE_MS }) : undefined;
    const bos = model.bos ?? 0;
    type Row = Record<string, number>;
    const last: Record<string, number> = {};
    const turns: Array<[string, () => Promise<{ rate: number; last: number }>]> = [
      [REF, async () => { const r = referenceLoop(inline, tokens); return { rate: r.tokensPerSecond, last: r.lastToken }; }],
      [TG, async () => ({ rate: referenceLoop(inline, tokens, { greedy: false }).tokensPerSecond, last: -1 })],
      [DECODE, () => decodeTurn(inline, bos, tokens, 1, false)],
      [ARGMAX, () => decodeTurn(inline, bos, tokens, 1, true)],
      [GEN_INLINE, () => generateTurn(inline, bos, tokens)],
      [GEN_DEFAULT, () => generateTurn(offThread, bos, tokens)],
    ];
    const multiDecode = `${beams}-row decodes (JS loop, inline)`;
    const beamGen = `generate() beam search, ${beams} beams, inline`;
    if (multi) {
      turns.push([multiDecode, () => decodeTurn(multi, bos, tokens, beams, false)]);
      turns.push([beamGen, () => generateTurn(multi, bos, tokens, beams)]);
    }
    // Warm-up: V8 compiles the generation paths over the first few hundred steps.
    const warmT0 = performance.now();
    for (let i = 0; i < 3; i++) for (const [, turn] of turns) await turn();
    const turnMs = (performance.now() - warmT0) / (3 * turns.length);
    const rounds = await alternatingRounds<Row>(
      turns.map(([name, turn]) => async (row: Row) => {
        const r = await turn();
        row[name] = r.rate;
        if (r.last >= 0) last[name] = r.last;
      }),
      () => ({}),
      turnMs,
      budgetMs,
    );
    const baselineOf = (name: string): string => (name === multiDecode ? DECODE : name === beamGen ? GEN_INLINE : REF);
    const rows = turns.map(([name]): OverheadRow => {
      const baseline = baselineOf(name);
      const ratios = rounds.map((r) => r[name]! / r[baseline]!);
      return { name, rate: summarize(rounds.map((r) => r[name]!)), ratio: summarize(ratios), ratioIqr: interquartile(ratios), baseline };
    });
    return { model: path, tokens, threads, rounds: rounds.length, rows, lastTokens: last };
  } finally {
    model.dispose();
  }
}

/** The result as a text table: rate, per-round ratio with its interquartile range, baseline. */
export function formatOverhead(r: OverheadResult): string {
  const head = ['', 'tokens/s (steps/s)', 'ratio', 'interquartile', 'to'];
  const body = r.rows.map((x) => [x.name, x.rate.median.toFixed(0), x.name === x.baseline ? '1' : x.ratio.median.toFixed(3), x.name === x.baseline ? '' : x.ratioIqr, x.name === x.baseline ? '' : x.baseline]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c]!.length)));
  const lines = [head, ...body].map((cells) => cells.map((x, c) => x.padEnd(widths[c]!)).join('  ').trimEnd());
  return [`${r.model}: ${r.tokens} tokens a turn, ${r.threads} threads, ${r.rounds} alternating rounds (medians)`, ...lines].join('\n');
}
