// Beam search against (1) an independent transcription of transformers' `_beam_search`
// (helpers/hf-beam-reference.ts), (2) exhaustive enumeration, and (3) hand-traced cases.
import { runDecoding, type DecodingConfig } from '../../lib/decoding/index.js';
import { hfBeamSearch } from './helpers/hf-beam-reference.js';
import { logitsOf, TableBackend, type NextLogits } from './helpers/table-backend.js';

const EOS = 0;
const prompt = Int32Array.of(1);

/** Model over {EOS, a=1, b=2, c=3} whose next-token probabilities depend on the last token. */
const byLast = (table: Record<number, number[]>): NextLogits => (prefix) => logitsOf(table[prefix[prefix.length - 1]!]!);

async function compareWithReference(next: NextLogits, vocab: number, cfg: DecodingConfig & { numBeams: number; maxNewTokens: number }, promptIds = prompt) {
  const backend = new TableBackend(vocab, next, new Set([EOS]));
  const r = await runDecoding(backend, promptIds, { ...cfg, numReturnSequences: cfg.numBeams });
  const ref = hfBeamSearch((p) => Float32Array.from(next(p)), [...promptIds], {
    numBeams: cfg.numBeams, maxNewTokens: cfg.maxNewTokens, lengthPenalty: cfg.lengthPenalty ?? 1,
    earlyStopping: cfg.earlyStopping ?? false, eos: new Set([EOS]),
  });
  expect(r.sequences.map((s) => [...s.tokens])).toEqual(ref.map((x) => x.tokens));
  r.sequences.forEach((s, i) => expect(s.score).toBeCloseTo(ref[i]!.score, 5));
  return { r, backend };
}

// Vocabulary {EOS, a=1, b=2, c=3, start=4}; the prompt is [start]. (z ≈ 0 keeps logits finite.)
// Trace, numBeams 2 (K = 4 candidates), lengthPenalty 1:
// step 1 from start: EOS ln .5 = −0.693 | a ln .45 = −0.799 | b −3.219 | c −4.605.
//   EOS is among the first 2 candidates → finished (−0.693/1); a and b run.
// step 2: a·a = −0.799 + ln .6 = −1.310 | a·EOS = −0.799 + ln .4 = −1.715 | b·c −3.730 | b·EOS −4.828.
//   a·EOS finishes with −1.715/2 = −0.858 → two finished hypotheses: earlyStopping true stops here.
//   earlyStopping false: best running a·a scores −1.310/2 = −0.655 > −0.858, so it goes on; a^n·EOS
//   and a^n keep improving with length, and at the 6-token limit every candidate finishes:
//   a^6 = (ln .45 + 5 ln .6)/6 = −0.559 and a^5·EOS = (ln .45 + 4 ln .6 + ln .4)/6 = −0.627.
const z = 1e-12;
const trap = byLast({
  4: [0.5, 0.45, 0.04, 0.01, z],
  1: [0.4, 0.6, z, z, z],
  2: [0.2, 0.1, 0.1, 0.6, z],
  3: [0.9, 0.05, 0.03, 0.02, z],
});
const start = Int32Array.of(4);

describe('beam search matches transformers', () => {
  test('earlyStopping true stops once numBeams hypotheses finished (hand trace)', async () => {
    const { r } = await compareWithReference(trap, 5, { numBeams: 2, maxNewTokens: 6, earlyStopping: true, lengthPenalty: 1 }, start);
    expect(r.sequences.map((s) => [...s.tokens])).toEqual([[EOS], [1, EOS]]);
    expect(r.sequences[0]!.score).toBeCloseTo(Math.log(0.5), 5);
    expect(r.sequences[1]!.score).toBeCloseTo((Math.log(0.45) + Math.log(0.4)) / 2, 5);
    expect(r.sequences.map((s) => s.finishReason)).toEqual(['eos', 'eos']);
  });
  test('earlyStopping false keeps going while a running beam could win (hand trace)', async () => {
    const { r } = await compareWithReference(trap, 5, { numBeams: 2, maxNewTokens: 6, earlyStopping: false, lengthPenalty: 1 }, start);
    expect(r.sequences.map((s) => [...s.tokens])).toEqual([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, EOS]]);
    expect(r.sequences[0]!.score).toBeCloseTo((Math.log(0.45) + 5 * Math.log(0.6)) / 6, 5);
    expect(r.sequences[1]!.score).toBeCloseTo((Math.log(0.45) + 4 * Math.log(0.6) + Math.log(0.4)) / 6, 5);
    expect(r.sequences.map((s) => s.finishReason)).toEqual(['length', 'eos']);
  });
  test('"never" bounds running beams at the maximum length when lengthPenalty > 0 (hand trace)', async () => {
    // start: EOS .5 | a .3 | b .2; after a: EOS .9; after b: c .99; after c: EOS .99. numBeams 2, 4 tokens max.
    // step 1: EOS finishes (−0.693); a (−1.204), b (−1.609) run.
    // step 2: a·EOS (−1.309 → /2 = −0.654) finishes; b·c (−1.619) runs. Finished slots are full.
    //   false: −1.619/2 = −0.809 ≤ −0.693 → done: [a·EOS, EOS].
    //   "never": −1.619/4 = −0.405 > −0.693 → continue; b·c·EOS = −1.629/3 = −0.543 → [b·c·EOS, a·EOS].
    const m = byLast({
      4: [0.5, 0.3, 0.2, z, z],
      1: [0.9, 0.05, 0.05, z, z],
      2: [z, z, 0.01, 0.99, z],
      3: [0.99, z, z, 0.01, z],
    });
    const base = { numBeams: 2, maxNewTokens: 4, lengthPenalty: 1 };
    const f = await compareWithReference(m, 5, { ...base, earlyStopping: false }, start);
    expect(f.r.sequences.map((s) => [...s.tokens])).toEqual([[1, EOS], [EOS]]);
    const n = await compareWithReference(m, 5, { ...base, earlyStopping: 'never' }, start);
    expect(n.r.sequences.map((s) => [...s.tokens])).toEqual([[2, 3, EOS], [1, EOS]]);
    expect(n.r.sequences[0]!.score).toBeCloseTo((Math.log(0.2) + Math.log(0.99) + Math.log(0.99)) / 3, 5);
  });
  for (const earlyStopping of [true, false, 'never'] as const) {
    for (const lengthPenalty of [-1, 0, 1, 2]) {
      test(`earlyStopping ${String(earlyStopping)}, lengthPenalty ${lengthPenalty}, several models`, async () => {
        let seed = 17 + lengthPenalty * 3 + (earlyStopping === 'never' ? 1 : earlyStopping ? 2 : 0);
        const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
        for (let m = 0; m < 6; m++) {
          // Random prefix-dependent model over 6 tokens (EOS = 0), memoised per prefix.
          const memo = new Map<string, number[]>();
          const next: NextLogits = (prefix) => {
            const key = prefix.join(',');
            if (!memo.has(key)) memo.set(key, Array.from({ length: 6 }, (_, i) => rand() * 4 - (i === EOS ? 1.5 : 0)));
            return memo.get(key)!;
          };
          await compareWithReference(next, 6, { numBeams: 3, maxNewTokens: 5, earlyStopping, lengthPenalty });
        }
      });
    }
  }
});

describe('beam search properties', () => {
  test('with beams covering every prefix it finds the exhaustive optimum (earlyStopping "never")', async () => {
    // vocab {EOS, a, b}, 3 steps: at most 2^t open prefixes × 3 tokens = 12 candidates per step.
    const memo = new Map<string, number[]>();
    let seed = 5;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const next: NextLogits = (prefix) => {
      const key = prefix.join(',');
      if (!memo.has(key)) memo.set(key, [rand() * 3, rand() * 3, rand() * 3]);
      return memo.get(key)!;
    };
    const lsm = (prefix: number[], tok: number) => {
      const row = Float32Array.from(next(prefix));
      const max = Math.max(...row);
      return row[tok]! - (max + Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0)));
    };
    // Enumerate every complete sequence: ends with EOS, or reaches 3 tokens.
    const all: { tokens: number[]; sum: number }[] = [];
    const walk = (tokens: number[], sum: number) => {
      for (const t of [0, 1, 2]) {
        const seq = [...tokens, t];
        const s = sum + lsm([...prompt, ...tokens], t);
        if (t === EOS || seq.length === 3) all.push({ tokens: seq, sum: s });
        else walk(seq, s);
      }
    };
    walk([], 0);
    for (const lengthPenalty of [0, 1, 2]) {
      const expected = all.map((h) => ({ ...h, score: h.sum / h.tokens.length ** lengthPenalty })).sort((x, y) => y.score - x.score);
      const r = await runDecoding(new TableBackend(3, next, new Set([EOS])), prompt, {
        numBeams: 12, numReturnSequences: 5, maxNewTokens: 3, earlyStopping: 'never', lengthPenalty,
      });
      expect(r.sequences.map((s) => [...s.tokens])).toEqual(expected.slice(0, 5).map((h) => h.tokens));
      r.sequences.forEach((s, i) => expect(s.score).toBeCloseTo(expected[i]!.score, 5));
    }
  });
  test('one beam equals greedy', async () => {
    const next = byLast({ 1: [0.1, 0.2, 0.3, 0.4], 2: [0.3, 0.3, 0.3, 0.1], 3: [0.05, 0.25, 0.6, 0.1] });
    const greedy = await runDecoding(new TableBackend(4, next, new Set([EOS])), prompt, { maxNewTokens: 8 });
    const beam = await runDecoding(new TableBackend(4, next, new Set([EOS])), prompt, { maxNewTokens: 8, numBeams: 1 });
    expect([...beam.sequences[0]!.tokens]).toEqual([...greedy.sequences[0]!.tokens]);
    expect([...beam.sequences[0]!.tokens]).toEqual([3, 2, EOS]);
  });
  test('four beams beat greedy on a garden-path model', async () => {
    // Greedy takes b (.5) then faces a flat .25 each; a (.4) leads to c at .97.
    const next = byLast({ 1: [0.05, 0.4, 0.5, 0.05], 2: [0.25, 0.25, 0.25, 0.25], 3: [0.97, 0.01, 0.01, 0.01] });
    const mk = () => new TableBackend(4, (p) => (p.length > 1 && p[p.length - 1] === 1 ? logitsOf([0.01, 0.01, 0.01, 0.97]) : next(p)), new Set([EOS]));
    const sum = (s: { logprobs: Float32Array }) => s.logprobs.reduce((a, b) => a + b, 0);
    const g = await runDecoding(mk(), prompt, { maxNewTokens: 3 });
    const b = await runDecoding(mk(), prompt, { maxNewTokens: 3, numBeams: 4, lengthPenalty: 0 });
    expect(sum(b.sequences[0]!)).toBeGreaterThan(sum(g.sequences[0]!));
    expect([...b.sequences[0]!.tokens]).toEqual([1, 3, EOS]);
    // raw log-probs of the returned tokens: ln .4 + ln .97 + ln .97
    expect(sum(b.sequences[0]!)).toBeCloseTo(Math.log(0.4) + 2 * Math.log(0.97), 5);
  });
  test('exactly one advance() per step, carrying every live beam', async () => {
    const next: NextLogits = (p) => Array.from({ length: 10 }, (_, i) => Math.cos(i * 3 + p.length * 5 + p[p.length - 1]!));
    const backend = new TableBackend(10, next, new Set());
    const r = await runDecoding(backend, prompt, { numBeams: 4, maxNewTokens: 5 });
    expect(backend.prefillCalls).toBe(1);
    expect(backend.advanceCalls).toHaveLength(4); // 5 tokens: prefill + 4 advances
    for (const c of backend.advanceCalls) {
      expect(c.parents).toHaveLength(4);
      for (const p of c.parents) expect(p >= 0 && p < 4).toBe(true);
    }
    expect(backend.advanceCalls[0]!.parents).toEqual([0, 0, 0, 0]);
    expect(r.sequences[0]!.finishReason).toBe('length');
    expect(r.sequences[0]!.tokens).toHaveLength(5);
  });
  test('beam sampling: seeded, reproducible, returns sorted scores', async () => {
    const next: NextLogits = (p) => Array.from({ length: 12 }, (_, i) => Math.sin(i * 2 + p.length * 3 + p[p.length - 1]!));
    const cfg = { numBeams: 3, numReturnSequences: 3, doSample: true, topK: 0, seed: 11, maxNewTokens: 6 } as const;
    const a = await runDecoding(new TableBackend(12, next, new Set([EOS])), prompt, cfg);
    const b = await runDecoding(new TableBackend(12, next, new Set([EOS])), prompt, cfg);
    expect(a.sequences.map((s) => [...s.tokens])).toEqual(b.sequences.map((s) => [...s.tokens]));
    const scores = a.sequences.map((s) => s.score!);
    expect([...scores].sort((x, y) => y - x)).toEqual(scores);
  });
  test('stop strings end beams; abort returns the best hypotheses so far', async () => {
    const pieces = ['', 'x', 'y', 'z'];
    const next = byLast({ 1: [0.01, 0.3, 0.6, 0.09], 2: [0.01, 0.2, 0.09, 0.7], 3: [0.01, 0.5, 0.3, 0.19] });
    const mk = () => new TableBackend(4, next, new Set([EOS]), (t) => new TextEncoder().encode(pieces[t]!));
    const r = await runDecoding(mk(), prompt, { numBeams: 2, maxNewTokens: 6, stop: ['yz'] });
    expect(r.sequences[0]!.finishReason).toBe('stop');
    expect([...r.sequences[0]!.tokens]).toEqual([2, 3]);
    expect(r.sequences[0]!.stop).toEqual({ stop: 'yz', trimChars: 2 });
    const ac = new AbortController();
    const b = mk();
    const orig = b.advance.bind(b);
    b.advance = async (p, t) => {
      if (b.advanceCalls.length === 1) ac.abort();
      return orig(p, t);
    };
    const ra = await runDecoding(b, prompt, { numBeams: 2, maxNewTokens: 6 }, { signal: ac.signal });
    expect(ra.sequences[0]!.finishReason).toBe('abort');
    expect(ra.sequences[0]!.tokens).toHaveLength(2);
  });
});
