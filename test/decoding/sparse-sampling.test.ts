// Sampling through top-k on the candidates only (SparseSamplingTail) must keep exactly the tokens,
// and give them the probabilities, that the processors keep and give on the whole row, where every
// other entry is -Infinity after top-k. The whole-row processors are the reference: they are
// checked against transformers' semantics in processors-filters.test.ts.
import { buildLogitsProcessors } from '../../lib/decoding/build-processors.js';
import { validateDecodingConfig, type DecodingConfig } from '../../lib/decoding/config.js';
import { runDecoding } from '../../lib/decoding/index.js';
import { Xoshiro128 } from '../../lib/decoding/prng.js';
import { rowKernels } from '../../lib/decoding/select/kernels.js';
import { NEEDS_FULL_ROW, SparseSamplingTail } from '../../lib/decoding/select/sparse-tail.js';
import { logitsOf, TableBackend } from './helpers/table-backend.js';

const simd = rowKernels();
const EOS = [2];

function tail(config: DecodingConfig): SparseSamplingTail | null {
  return SparseSamplingTail.from(buildLogitsProcessors(validateDecodingConfig({ doSample: true, ...config }), 1, EOS), simd);
}

/** Softmax over the finite scores, as a token → probability map. */
function distribution(tokens: ArrayLike<number>, scores: ArrayLike<number>): Map<number, number> {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > max) max = scores[i]!;
  let total = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > -Infinity) total += Math.exp(scores[i]! - max);
  const out = new Map<number, number>();
  for (let i = 0; i < scores.length; i++) if (scores[i]! > -Infinity) out.set(tokens[i]!, Math.exp(scores[i]! - max) / total);
  return out;
}

/** The whole-row reference: the same processors on a copy of the row. */
function denseDistribution(config: DecodingConfig, row: Float32Array): Map<number, number> {
  const list = buildLogitsProcessors(validateDecodingConfig({ doSample: true, ...config }), 1, EOS);
  const scores = list.process(Int32Array.of(1), Float32Array.from(row));
  return distribution(Array.from(scores, (_, i) => i), scores);
}

/** A language-model-like row: a noisy bulk, a few strong tokens, and (optionally) a planted tie. */
function lmRow(V: number, seed: number, tie?: { at: number; width: number }): Float32Array {
  const rng = new Xoshiro128(seed);
  const row = new Float32Array(V);
  for (let i = 0; i < V; i++) row[i] = 4 * (rng.nextFloat() + rng.nextFloat() + rng.nextFloat() - 1.5);
  for (let j = 0; j < 12; j++) row[Math.floor(rng.nextFloat() * V)] = 6 + 4 * rng.nextFloat();
  if (tie) {
    // `width` tokens share the value of the `at`-th largest, so top-k's boundary is a tie.
    const sorted = Float32Array.from(row).sort().reverse();
    const v = sorted[tie.at - 1]!;
    for (let j = 0, i = 7; j < tie.width; j++, i = (i + 997) % V) row[i] = v;
  }
  return row;
}

(simd ? describe : describe.skip)('SparseSamplingTail', () => {
  it('applies to [filters and edits of a few tokens] → [temperature] → top-k → [top-p] → [min-p] only', () => {
    expect(tail({ topK: 40, topP: 0.9, temperature: 0.8 })).not.toBeNull();
    expect(tail({ topK: 5 })).not.toBeNull();
    expect(tail({ topK: 40, minP: 0.05, temperature: 1.3 })).not.toBeNull();
    expect(tail({ topK: 0, topP: 0.9 })).toBeNull(); // no top-k: every token may be drawn
    expect(tail({ topK: 2000 })).toBeNull();
    expect(tail({ topK: 40, typicalP: 0.9 })).toBeNull();
    expect(tail({ topK: 40, repetitionPenalty: 1.2, presencePenalty: 0.5, logitBias: { 3: 1 } })).not.toBeNull();
    expect(tail({ topK: 40, logitsProcessors: [{ process: (_ids, s) => s }] })).toBeNull();
    expect(SparseSamplingTail.from(buildLogitsProcessors(validateDecodingConfig({ doSample: true, topK: 40 }), 1, EOS), null)).toBeNull();
  });

  const configs: DecodingConfig[] = [
    { topK: 40, topP: 0.9, temperature: 0.8 },
    { topK: 50 },
    { topK: 1 },
    { topK: 200, topP: 0.5, temperature: 1.7 },
    { topK: 40, minP: 0.1, temperature: 0.6 },
    { topK: 12, topP: 0.95, minP: 0.02 },
  ];
  it.each(configs)('keeps the tokens and probabilities of the whole-row processors: %j', (config) => {
    const t = tail(config)!;
    for (let seed = 1; seed <= 10; seed++) {
      for (const tie of [undefined, { at: Math.max(1, config.topK! - 1), width: 4 }]) {
        const row = lmRow(8192, seed, tie);
        const copy = Float32Array.from(row);
        const m = t.process(row, Int32Array.of(1));
        expect(m).toBeGreaterThan(0);
        expect(Buffer.compare(Buffer.from(row.buffer), Buffer.from(copy.buffer))).toBe(0); // raw logits stay, for the log-probabilities
        const sparse = distribution(t.tokens, t.scores);
        const dense = denseDistribution(config, row);
        expect([...sparse.keys()].sort((a, b) => a - b)).toEqual([...dense.keys()].sort((a, b) => a - b));
        for (const [token, p] of dense) expect(Math.abs(sparse.get(token)! - p)).toBeLessThanOrEqual(1e-6);
        // log Σ exp of the raw row, for the returned log-probabilities
        let ref = 0;
        let max = -Infinity;
        for (const x of row) max = Math.max(max, x);
        for (const x of row) ref += Math.exp(x - max);
        expect(t.lastLogSumExp).toBeCloseTo(max + Math.log(ref), 4);
      }
    }
  });

  it('takes processors that filter or edit a few tokens first: their ids join the candidates processed', () => {
    expect(tail({ topK: 40, minNewTokens: 5, suppressTokens: [7], noRepeatNgramSize: 2, badWordsIds: [[9], [3, 4]] })).not.toBeNull();
    const V = 8192;
    const inputIds = Int32Array.of(1, 50, 60, 1, 60, 33);
    const configs: DecodingConfig[] = [
      // masks: EOS (min new tokens), a suppressed id, the id that repeats "1 50", a bad word
      { topK: 30, topP: 0.9, temperature: 0.9, minNewTokens: 8, suppressTokens: [70], noRepeatNgramSize: 2, badWordsIds: [[80], [60, 90]] },
      // edits: the context's ids penalised (strong ones fall out of the top k, others stay in)
      { topK: 30, topP: 0.95, temperature: 0.7, repetitionPenalty: 3 },
      { topK: 20, presencePenalty: 2, frequencyPenalty: 1.5 },
      // biases: one pushed into the top k from far below, one out of it, one banned
      { topK: 25, minP: 0.05, logitBias: [[[4000], 30], [[50], -30], [[70], -Infinity], [[60, 33], 2]] },
      { topK: 30, temperature: 1.3, repetitionPenalty: 1.5, noRepeatNgramSize: 2, minNewTokens: 8, logitBias: { 4001: 25 } },
    ];
    for (const config of configs) {
      const t = tail(config)!;
      expect(t).not.toBeNull();
      for (let seed = 1; seed <= 6; seed++) {
        const row = lmRow(V, seed);
        // The processors must bite: make the ids they touch among the row's strongest entries.
        for (const id of [EOS[0]!, 70, 50, 80, 60, 33]) row[id] = 20 + id / 100;
        expect(t.process(row, inputIds)).toBeGreaterThan(0);
        const list = buildLogitsProcessors(validateDecodingConfig({ doSample: true, ...config }), 1, EOS);
        const scores = list.process(inputIds, Float32Array.from(row));
        const dense = distribution(Array.from(scores, (_, i) => i), scores);
        const sparse = distribution(t.tokens, t.scores);
        expect([...t.tokens]).toEqual([...t.tokens].sort((a, b) => a - b)); // token order, as the draw needs
        expect([...sparse.keys()].sort((a, b) => a - b)).toEqual([...dense.keys()].sort((a, b) => a - b));
        for (const [token, p] of dense) expect(Math.abs(sparse.get(token)! - p)).toBeLessThanOrEqual(1e-6);
      }
    }
  });

  it('hands the processors the same tokens wherever the cut search starts (same seed, same text)', () => {
    const t = tail({ topK: 40, topP: 0.9, temperature: 0.8 })!;
    const row = lmRow(8192, 11);
    t.process(row, Int32Array.of(1));
    const tokens = [...t.tokens];
    const scores = [...t.scores];
    expect(tokens.length).toBeGreaterThanOrEqual(40);
    // Rows of other spreads move the distance the next search starts from, and with it how many
    // entries the threshold lets in (50, then 58 to 137 for this row).
    for (const spread of [0.5, 2, 20, 100]) {
      t.process(lmRow(8192, 12).map((x) => x * spread), Int32Array.of(1));
      t.process(row, Int32Array.of(1));
      expect([...t.tokens]).toEqual(tokens);
      expect([...t.scores]).toEqual(scores);
    }
  });

  it('keeps every token tied with the k-th score', () => {
    const row = new Float32Array(5000).fill(-3);
    row[10] = 5;
    row[20] = 4;
    for (const i of [30, 40, 50, 60, 70]) row[i] = 2; // k = 3: the third score is a five-way tie
    const t = tail({ topK: 3 })!;
    t.process(row, Int32Array.of(1));
    expect([...distribution(t.tokens, t.scores).keys()].sort((a, b) => a - b)).toEqual([10, 20, 30, 40, 50, 60, 70]);
  });

  it('hands rows it cannot cut exactly back to the whole-row path', () => {
    const t = tail({ topK: 40 })!;
    const inf = lmRow(4096, 3);
    inf[100] = Infinity;
    expect(t.process(inf, Int32Array.of(1))).toBe(NEEDS_FULL_ROW);
    // every entry tied: no threshold leaves fewer than the whole row, which the buffer cannot hold
    expect(t.sample(new Float32Array(20000).fill(1), Int32Array.of(1), new Xoshiro128(1))).toBe(NEEDS_FULL_ROW);
    // fewer finite entries than k: all of them are candidates, nothing is left out
    const few = new Float32Array(1000).fill(-Infinity);
    few[3] = 1;
    few[9] = 2;
    expect(t.process(few, Int32Array.of(1))).toBe(2);
    expect([...t.tokens]).toEqual([3, 9]);
  });

  it('draws from the processed distribution (chi-square, p > 0.001)', () => {
    // top-k 3 of six tokens, temperature 0.5: probabilities ∝ exp(2·logit) over the three best
    const logits = Float32Array.from(logitsOf([0.05, 0.3, 0.05, 0.25, 0.15, 0.2]));
    const t = tail({ topK: 3, temperature: 0.5 })!;
    const expected = denseDistribution({ topK: 3, temperature: 0.5 }, logits);
    expect([...expected.keys()].sort()).toEqual([1, 3, 5]);
    const rng = new Xoshiro128(99);
    const N = 30000;
    const counts = new Map<number, number>();
    for (let i = 0; i < N; i++) {
      const tok = t.sample(logits, Int32Array.of(1), rng);
      counts.set(tok, (counts.get(tok) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([1, 3, 5]);
    let chi2 = 0;
    for (const [tok, p] of expected) chi2 += ((counts.get(tok) ?? 0) - N * p) ** 2 / (N * p);
    // 2 degrees of freedom: the 0.999 quantile of χ²(2) is 13.816
    expect(chi2).toBeLessThan(13.816);
  });

  it('drives generation: same seed → same text, top-k 1 → greedy', async () => {
    const V = 3000;
    const backend = () => new TableBackend(V, (prefix) => Array.from(lmRow(V, prefix.length * 31 + prefix[prefix.length - 1]!)), new Set([2]));
    const cfg = { doSample: true, topK: 40, topP: 0.9, temperature: 0.8, maxNewTokens: 24 };
    const a = await runDecoding(backend(), Int32Array.of(1), { ...cfg, seed: 5 });
    const b = await runDecoding(backend(), Int32Array.of(1), { ...cfg, seed: 5 });
    const c = await runDecoding(backend(), Int32Array.of(1), { ...cfg, seed: 6 });
    expect([...b.sequences[0]!.tokens]).toEqual([...a.sequences[0]!.tokens]);
    expect([...c.sequences[0]!.tokens]).not.toEqual([...a.sequences[0]!.tokens]);
    const g = await runDecoding(backend(), Int32Array.of(1), { maxNewTokens: 24 });
    const k1 = await runDecoding(backend(), Int32Array.of(1), { doSample: true, topK: 1, seed: 9, maxNewTokens: 24 });
    expect([...k1.sequences[0]!.tokens]).toEqual([...g.sequences[0]!.tokens]);
    // log-probabilities are the raw model's, as on the whole-row path
    const lp = a.sequences[0]!.logprobs;
    expect(lp.every((x) => x <= 0 && Number.isFinite(x))).toBe(true);
  });
});
