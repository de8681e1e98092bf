// Sampling filters against transformers' documented semantics (logits_process.py), with expected
// vectors derived by hand in the comments.
import { fastExp } from '../../lib/decoding/select/fast-exp.js';
import { expectNucleus } from './helpers/nucleus.js';
import { EpsilonProcessor, EtaProcessor, MinPProcessor, TemperatureProcessor, TopKProcessor, TopPProcessor, TypicalProcessor } from '../../lib/decoding/index.js';

const NONE = new Int32Array(0);
const run = (p: { process(i: Int32Array, s: Float32Array): Float32Array }, scores: number[]) => [...p.process(NONE, Float32Array.from(scores))];
const kept = (out: number[]) => out.flatMap((v, i) => (v === -Infinity ? [] : [i]));
// Probabilities 0.3, 0.05, 0.5, 0.15 placed out of order so index handling is exercised.
const P = [0.3, 0.05, 0.5, 0.15];
const L = P.map(Math.log);

describe('TemperatureProcessor', () => {
  test('divides every score', () => {
    expect(run(new TemperatureProcessor(2), [1, 2, -3])).toEqual([0.5, 1, -1.5]);
  });
  test('rejects non-positive temperatures naming the parameter', () => {
    expect(() => new TemperatureProcessor(0)).toThrow(new RangeError('temperature must be a number in (0, ∞); received 0'));
    expect(() => new TemperatureProcessor(-1)).toThrow(RangeError);
    expect(() => new TemperatureProcessor('1' as unknown as number)).toThrow(TypeError);
  });
});

describe('TopKProcessor', () => {
  test('removes scores strictly below the k-th largest', () => {
    // sorted: 3,3,2,1,0 → k=3 threshold 2
    expect(run(new TopKProcessor(3), [1, 3, 3, 2, 0])).toEqual([-Infinity, 3, 3, 2, -Infinity]);
  });
  test('keeps every token tied with the k-th', () => {
    // k=2: 2nd largest is 4, and all three 4s stay
    expect(run(new TopKProcessor(2), [5, 4, 4, 4, 1])).toEqual([5, 4, 4, 4, -Infinity]);
  });
  test('minTokensToKeep raises k', () => {
    expect(kept(run(new TopKProcessor(1, 3), [0, 9, 8, 7, 6]))).toEqual([1, 2, 3]);
  });
  test('k beyond the vocabulary keeps everything', () => {
    expect(run(new TopKProcessor(10), [1, 2])).toEqual([1, 2]);
  });
  test.each([
    [100, 5], [2048, 40], [32000, 1], [32000, 50], [32000, 5000], [152064, 40],
  ])('large rows with ties, NaN and -Infinity: the sorted reference (V=%i, k=%i)', (V, k) => {
    // Scores on a coarse grid so ties at the k-th are common; a plateau of 6000 entries makes
    // the k-th fall in a tie wider than the SIMD selection's buffer for one of the rows.
    let s = V * 7 + k;
    const u = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (const plateau of [false, true]) {
      const row = Array.from({ length: V }, (_, i) => (i % 97 === 5 ? NaN : i % 89 === 3 ? -Infinity : Math.round(u() * 40) / 4));
      if (plateau) for (let i = 0; i < Math.min(V, 6000); i++) row[(i * 7) % V] = 12;
      const finite = row.filter((v) => v === v && v !== -Infinity).sort((a, b) => b - a);
      const kth = finite.length >= k ? finite[k - 1]! : -Infinity;
      const expected = row.map((v) => (v === v && v >= kth ? v : -Infinity));
      expect(run(new TopKProcessor(k), row)).toEqual(expected);
    }
  });
  test('validation', () => {
    expect(() => new TopKProcessor(0)).toThrow(new RangeError('topK must be an integer in [1, ∞); received 0'));
    expect(() => new TopKProcessor(1.5)).toThrow(RangeError);
    expect(() => new TopKProcessor(2, 0)).toThrow(new RangeError('minTokensToKeep must be an integer in [1, ∞); received 0'));
  });
});

describe('TopPProcessor', () => {
  test('keeps the smallest set whose mass reaches p', () => {
    // sorted masses .5, .3, .15, .05; cumulative .5, .8, .95, 1
    expect(kept(run(new TopPProcessor(0.45), L))).toEqual([2]); // .5 ≥ .45
    expect(kept(run(new TopPProcessor(0.75), L))).toEqual([0, 2]); // .5 < .75 ≤ .8
    expect(kept(run(new TopPProcessor(0.81), L))).toEqual([0, 2, 3]); // .8 < .81 ≤ .95
    expect(kept(run(new TopPProcessor(0.96), L))).toEqual([0, 1, 2, 3]);
  });
  test('kept scores are untouched', () => {
    const out = run(new TopPProcessor(0.75), L);
    expect(out[2]).toBe(Math.fround(L[2]!));
    expect(out[0]).toBe(Math.fround(L[0]!));
  });
  test('never fewer than minTokensToKeep', () => {
    expect(kept(run(new TopPProcessor(0.45, 3), L))).toEqual([0, 2, 3]);
  });
  test('p = 1 keeps everything', () => {
    expect(kept(run(new TopPProcessor(1), L))).toEqual([0, 1, 2, 3]);
  });
  test('equal probabilities: the minimal set, cut by ascending id', () => {
    // 1000 equal tokens, p = 0.5 → exactly 500 are needed
    const out = run(new TopPProcessor(0.5), new Array(1000).fill(0.25));
    expect(kept(out)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });
  test('matches a full-sort reference on large random rows', () => {
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (const [n, p] of [[5000, 0.9], [32000, 0.95], [32000, 0.5], [20000, 0.999]] as const) {
      // Gaussian logits (Box–Muller) with a few peaks, like a language model's output.
      const row = Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand()) * 2.5);
      for (let j = 0; j < 5; j++) row[Math.floor(rand() * n)] = 10 + j;
      const f = Float32Array.from(row);
      // Reference: sort by score desc, keep while the mass strictly before a token is < p.
      const order = [...f.keys()].sort((a, b) => f[b]! - f[a]! || a - b);
      const max = f[order[0]!]!;
      const w = order.map((i) => Math.exp(f[i]! - max));
      const total = w.reduce((a, b) => a + b, 0);
      expectNucleus(kept([...new TopPProcessor(p).process(NONE, f.slice())]), order, w, p * total);
    }
  });
  test('flat rows and long runs of exact ties match the full-sort reference', () => {
    let seed = 777;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const rows: number[][] = [
      Array.from({ length: 40000 }, () => rand() * 0.5), // nearly uniform: the nucleus is most of the row
      Array.from({ length: 30000 }, () => Math.floor(rand() * 3)), // three values, thousands of ties each
      Array.from({ length: 30000 }, () => -rand() * 200), // spread over more than the histogram's range
    ];
    for (const row of rows) {
      for (const p of [0.3, 0.9]) {
        const f = Float32Array.from(row);
        const order = [...f.keys()].sort((a, b) => f[b]! - f[a]! || a - b);
        const w = order.map((i) => Math.exp(f[i]! - f[order[0]!]!));
        const total = w.reduce((a, b) => a + b, 0);
        expectNucleus(kept([...new TopPProcessor(p).process(NONE, f.slice())]), order, w, p * total);
      }
    }
  });
  test('validation', () => {
    expect(() => new TopPProcessor(2)).toThrow(new RangeError('topP must be a number in (0, 1]; received 2'));
    expect(() => new TopPProcessor(0)).toThrow(RangeError);
  });
});

describe('MinPProcessor', () => {
  test('drops tokens below minP × the top probability', () => {
    // top .5: minP .2 → cut .1 drops .05; minP .5 → cut .25 drops .15 and .05
    expect(kept(run(new MinPProcessor(0.2), L))).toEqual([0, 2, 3]);
    expect(kept(run(new MinPProcessor(0.5), L))).toEqual([0, 2]);
  });
  test('minTokensToKeep and bounds', () => {
    expect(kept(run(new MinPProcessor(0.9, 3), L))).toEqual([0, 2, 3]);
    expect(() => new MinPProcessor(1.5)).toThrow(new RangeError('minP must be a number in [0, 1]; received 1.5'));
  });
});

describe('TypicalProcessor', () => {
  // H = −Σ p ln p = .34657 + .36119 + .28457 + .14979 = 1.14212 nats.
  // |−ln p − H|: p=.5 → .4490, p=.3 → .0619, p=.15 → .7550, p=.05 → 1.8536
  // typical order: .3 (id 0), .5 (id 2), .15 (id 3), .05 (id 1); cumulative .3, .8, .95, 1
  test('keeps the most typical tokens until the mass is reached', () => {
    expect(kept(run(new TypicalProcessor(0.2), L))).toEqual([0]);
    expect(kept(run(new TypicalProcessor(0.5), L))).toEqual([0, 2]);
    expect(kept(run(new TypicalProcessor(0.85), L))).toEqual([0, 2, 3]);
  });
  test('can drop the most likely token; minTokensToKeep', () => {
    expect(run(new TypicalProcessor(0.2), L)[2]).toBe(-Infinity);
    expect(kept(run(new TypicalProcessor(0.2, 2), L))).toEqual([0, 2]);
  });
  test('validation', () => {
    expect(() => new TypicalProcessor(0)).toThrow(new RangeError('typicalP must be a number in (0, 1]; received 0'));
  });
});

describe('EpsilonProcessor', () => {
  test('drops probabilities below epsilon, keeping the best minTokensToKeep', () => {
    expect(kept(run(new EpsilonProcessor(0.1), L))).toEqual([0, 2, 3]);
    expect(kept(run(new EpsilonProcessor(0.6), L))).toEqual([2]);
    expect(kept(run(new EpsilonProcessor(0.6, 2), L))).toEqual([0, 2]);
  });
  test('validation', () => {
    expect(() => new EpsilonProcessor(1)).toThrow(new RangeError('epsilonCutoff must be a number in (0, 1); received 1'));
  });
});

describe('EtaProcessor', () => {
  // e^−H = e^−1.14212 = .31915
  test('cutoff is min(ε, √ε·e^−H)', () => {
    // ε=.2: √.2·.31915 = .14273 → η=.14273 drops only .05
    expect(kept(run(new EtaProcessor(0.2), L))).toEqual([0, 2, 3]);
    // ε=.5: √.5·.31915 = .22568 → η=.22568 drops .15 and .05
    expect(kept(run(new EtaProcessor(0.5), L))).toEqual([0, 2]);
    // ε=.1: √.1·.31915 = .10092 → η=ε=.1 drops .05
    expect(kept(run(new EtaProcessor(0.1), L))).toEqual([0, 2, 3]);
  });
  test('validation', () => {
    expect(() => new EtaProcessor(0)).toThrow(new RangeError('etaCutoff must be a number in (0, 1); received 0'));
  });
});

describe('fastExp', () => {
  test('agrees with Math.exp to 1e-8 relative over the range used', () => {
    for (let x = -745; x <= 0; x += 0.0731) {
      const e = Math.exp(x);
      expect(Math.abs(fastExp(x) - e)).toBeLessThanOrEqual(1e-8 * e + 1e-300);
    }
    expect(fastExp(-Infinity)).toBe(0);
    expect(fastExp(0)).toBe(1);
    expect(fastExp(2)).toBeCloseTo(Math.exp(2), 12);
  });
});
