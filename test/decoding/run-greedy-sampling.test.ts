// runDecoding for greedy decoding and sampling on hand-built next-token tables.
import { isLoomError } from '../../lib/errors.js';
import { runDecoding } from '../../lib/decoding/index.js';
import { sampleFromScores } from '../../lib/decoding/select/sample.js';
import { Xoshiro128 } from '../../lib/decoding/prng.js';
import { logitsOf, TableBackend } from './helpers/table-backend.js';

const prompt = Int32Array.of(1);
const EOS = 0;

/** Counting model over 6 tokens: after token t it prefers t+1 (mod 6, skipping EOS); EOS wins after 4. */
function counter(): TableBackend {
  return new TableBackend(6, (prefix) => {
    const last = prefix[prefix.length - 1]!;
    const probs = [0.02, 0.02, 0.02, 0.02, 0.02, 0.02];
    if (last === 4) probs[EOS] = 0.9;
    else probs[(last % 5) + 1] = 0.9;
    return logitsOf(probs);
  }, new Set([EOS]));
}

describe('greedy', () => {
  test('follows the argmax, stops at EOS (included), and reports raw log-probs', async () => {
    const b = counter();
    const r = await runDecoding(b, prompt, { maxNewTokens: 10 });
    expect(r.sequences).toHaveLength(1);
    const s = r.sequences[0]!;
    expect([...s.tokens]).toEqual([2, 3, 4, EOS]);
    expect(s.finishReason).toBe('eos');
    for (const lp of s.logprobs) expect(lp).toBeCloseTo(Math.log(0.9 / 1.0), 5);
    // one advance per generated token except the last
    expect(b.advanceCalls.map((c) => c.tokens)).toEqual([[2], [3], [4]]);
  });
  test('maxNewTokens ends with finishReason length', async () => {
    const r = await runDecoding(counter(), prompt, { maxNewTokens: 2 });
    expect([...r.sequences[0]!.tokens]).toEqual([2, 3]);
    expect(r.sequences[0]!.finishReason).toBe('length');
  });
  test('minNewTokens suppresses EOS; extra eosTokenIds end generation', async () => {
    const r = await runDecoding(counter(), prompt, { maxNewTokens: 6, minNewTokens: 5 });
    // EOS is banned at step 4 (only 3 generated) → next best after 4 is a 0.02 tie → lowest id 1
    expect([...r.sequences[0]!.tokens].slice(0, 4)).toEqual([2, 3, 4, 1]);
    const r2 = await runDecoding(counter(), prompt, { maxNewTokens: 6, eosTokenIds: [3] });
    expect([...r2.sequences[0]!.tokens]).toEqual([2, 3]);
    expect(r2.sequences[0]!.finishReason).toBe('eos');
  });
  test('logprobs are under the raw distribution even when processors change the choice', async () => {
    const r = await runDecoding(counter(), prompt, { maxNewTokens: 1, suppressTokens: [2] });
    expect(r.sequences[0]!.tokens[0]).toBe(0); // all others tie at 0.02: lowest id
    expect(r.sequences[0]!.logprobs[0]).toBeCloseTo(Math.log(0.02), 5);
  });
  test('onToken sees every token', async () => {
    const seen: [number, number][] = [];
    await runDecoding(counter(), prompt, { maxNewTokens: 3 }, { onToken: (s, t) => seen.push([s, t]) });
    expect(seen).toEqual([[0, 2], [0, 3], [0, 4]]);
  });
});

describe('stop strings', () => {
  // token bytes: 1 "He", 2 "llo", 3 " wo", 4 "rld", 5 "!"
  const pieces = ['', 'He', 'llo', ' wo', 'rld', '!'];
  const b = () => new TableBackend(6, (prefix) => {
    const probs = new Array(6).fill(0.01);
    probs[Math.min(prefix[prefix.length - 1]! + 1, 5)] = 0.95;
    return logitsOf(probs);
  }, new Set([EOS]), (t) => new TextEncoder().encode(pieces[t]!));
  test('matched across token boundaries; trim gives the text before the stop string', async () => {
    const r = await runDecoding(b(), prompt, { maxNewTokens: 10, stop: ['lo w', 'zzz'] });
    const s = r.sequences[0]!;
    expect(s.finishReason).toBe('stop');
    expect([...s.tokens]).toEqual([2, 3]);
    const text = [...s.tokens].map((t) => pieces[t]).join('');
    expect('He' + text).toBe('Hello wo');
    expect(text.slice(0, text.length - s.stop!.trimChars)).toBe('l');
    expect(s.stop!.stop).toBe('lo w');
  });
});

describe('abort', () => {
  test('already aborted: rejects with ABORTED before evaluating the prompt', async () => {
    const b = counter();
    const ac = new AbortController();
    ac.abort();
    const err = await runDecoding(b, prompt, {}, { signal: ac.signal }).catch((e: unknown) => e);
    expect(isLoomError(err, 'ABORTED')).toBe(true);
    expect(b.prefillCalls).toBe(0);
  });
  test('aborted after two tokens: resolves with them and finishReason abort', async () => {
    const b = counter();
    const ac = new AbortController();
    const r = await runDecoding(b, prompt, { maxNewTokens: 10 }, { signal: ac.signal, onToken: (_s, t) => { if (t === 3) ac.abort(); } });
    expect([...r.sequences[0]!.tokens]).toEqual([2, 3]);
    expect(r.sequences[0]!.finishReason).toBe('abort');
    expect(b.advanceCalls).toHaveLength(1);
  });
});

describe('sampling', () => {
  // A wide, flat-ish model over 50 tokens so that different seeds diverge quickly.
  const flat = () => new TableBackend(50, (prefix) => Array.from({ length: 50 }, (_, i) => Math.sin(i * 7 + prefix.length)));
  test('same seed → same tokens; different seed → different tokens', async () => {
    const cfg = { doSample: true, topK: 0, maxNewTokens: 20 };
    const a = await runDecoding(flat(), prompt, { ...cfg, seed: 7 });
    const a2 = await runDecoding(flat(), prompt, { ...cfg, seed: 7 });
    const c = await runDecoding(flat(), prompt, { ...cfg, seed: 8 });
    expect([...a2.sequences[0]!.tokens]).toEqual([...a.sequences[0]!.tokens]);
    expect([...c.sequences[0]!.tokens]).not.toEqual([...a.sequences[0]!.tokens]);
  });
  test('top-k 1 equals greedy', async () => {
    const g = await runDecoding(flat(), prompt, { maxNewTokens: 15 });
    const s = await runDecoding(flat(), prompt, { doSample: true, topK: 1, seed: 3, maxNewTokens: 15 });
    expect([...s.sequences[0]!.tokens]).toEqual([...g.sequences[0]!.tokens]);
  });
  test('numReturnSequences run in parallel through one advance per step', async () => {
    const b = flat();
    const r = await runDecoding(b, prompt, { doSample: true, topK: 0, seed: 1, maxNewTokens: 5, numReturnSequences: 3 });
    expect(r.sequences).toHaveLength(3);
    expect(b.advanceCalls).toHaveLength(4);
    expect(b.advanceCalls[0]!.parents).toEqual([0, 0, 0]);
    for (const c of b.advanceCalls.slice(1)) expect(c.parents).toEqual([0, 1, 2]);
    const seqs = r.sequences.map((s) => [...s.tokens].join(','));
    expect(new Set(seqs).size).toBe(3);
  });
  test('frequencies match the distribution (chi-square, p > 0.001)', () => {
    const probs = [0.1, 0.2, 0.3, 0.4];
    const scores = Float32Array.from(logitsOf(probs));
    const rng = new Xoshiro128(2024);
    const weights = new Float32Array(4);
    const N = 40000;
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < N; i++) counts[sampleFromScores(scores, rng, weights)]!++;
    const chi2 = (expected: number[]) => counts.reduce((acc, c, i) => acc + (c - N * expected[i]!) ** 2 / (N * expected[i]!), 0);
    // 3 degrees of freedom: the 0.999 quantile of χ²(3) is 16.266
    expect(chi2(probs)).toBeLessThan(16.266);
    // the same test rejects a wrong distribution, so it has power
    expect(chi2([0.25, 0.25, 0.25, 0.25])).toBeGreaterThan(16.266);
  });
  test('sampling through runDecoding with temperature and top-p matches the processed distribution', async () => {
    // probs .5/.3/.15/.05; top-p .75 keeps {.5, .3} → renormalised .625/.375
    const b = new TableBackend(4, () => logitsOf([0.05, 0.5, 0.3, 0.15]));
    const N = 4000;
    const r = await runDecoding(b, prompt, { doSample: true, topK: 0, topP: 0.75, seed: 5, maxNewTokens: 1, numReturnSequences: N });
    const counts = [0, 0, 0, 0];
    for (const s of r.sequences) counts[s.tokens[0]!]!++;
    expect(counts[0]! + counts[3]!).toBe(0);
    const chi2 = (counts[1]! - N * 0.625) ** 2 / (N * 0.625) + (counts[2]! - N * 0.375) ** 2 / (N * 0.375);
    // 1 degree of freedom: the 0.999 quantile of χ²(1) is 10.828
    expect(chi2).toBeLessThan(10.828);
  });
});

describe('argument validation', () => {
  test('prompt ids and config are checked', async () => {
    await expect(runDecoding(counter(), Int32Array.of(9))).rejects.toThrow(new RangeError('promptIds[0] must be a token id in [0, 6); received 9'));
    await expect(runDecoding(counter(), new Int32Array(0))).rejects.toThrow(RangeError);
    await expect(runDecoding(counter(), prompt, { topP: 2 })).rejects.toThrow(new RangeError('topP must be a number in (0, 1]; received 2'));
    await expect(runDecoding(counter(), prompt, { suppressTokens: [6] })).rejects.toThrow(RangeError);
  });
});
