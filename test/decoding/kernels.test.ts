// The SIMD row kernels (lib/decoding/select/kernels.wat) against float64 reference loops written
// here, and the scalar fallbacks against the same references, on rows that hold NaN, ±Infinity,
// ties and lengths that are not multiples of the kernels' padding.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { rowKernels, useSimdKernels } from '../../lib/decoding/select/kernels.js';
import { argmax, expWeights, logSumExp, rowLogSumExp, rowMax } from '../../lib/decoding/select/row-stats.js';
import { sampleFromScores } from '../../lib/decoding/select/sample.js';
import { TemperatureProcessor, TopPProcessor } from '../../lib/decoding/index.js';
import { expectNucleus } from './helpers/nucleus.js';
import { Xoshiro128 } from '../../lib/decoding/prng.js';
import { repoRoot as root } from '../helpers/paths.js';
import { xorshift } from '../helpers/xorshift.js';

const LENGTHS = [0, 1, 3, 15, 16, 17, 33, 1000, 32000, 152064];

function makeRow(n: number, seed: number, specials = true): Float32Array {
  const u = xorshift(seed);
  const row = new Float32Array(n);
  for (let i = 0; i < n; i++) row[i] = (u() - 0.5) * 40;
  if (specials && n > 8) {
    row[1] = Number.NaN;
    row[2] = -Infinity;
    row[n - 1] = -Infinity;
    row[n >> 1] = Number.NaN;
  }
  return row;
}

function refMax(row: Float32Array): { max: number; index: number } {
  let max = -Infinity;
  let index = 0;
  for (let i = 0; i < row.length; i++) if (row[i]! > max) [max, index] = [row[i]!, i];
  return { max, index };
}

function refWeights(row: Float32Array, shift: number, scale = 1): number[] {
  return [...row].map((v) => (Number.isNaN(v) ? 0 : Math.exp((v - shift) * scale)));
}

const kernels = rowKernels();

test('WebAssembly SIMD is available on Node 20, so the kernels load', () => {
  expect(kernels).not.toBeNull();
});

test('kernels-wasm.ts is the assembly of kernels.wat', () => {
  expect(() => execFileSync(process.execPath, [join(root, 'scripts', 'build-wasm.mjs'), '--check'], { stdio: 'pipe' })).not.toThrow();
});

describe.each([
  ['SIMD', true],
  ['scalar', false],
])('%s row statistics', (_name, simd) => {
  beforeAll(() => useSimdKernels(simd));
  afterAll(() => useSimdKernels(true));

  test.each(LENGTHS)('max and argmax skip NaN, keep the first of ties (length %i)', (n) => {
    const row = makeRow(n, n + 1);
    if (n > 20) row[n - 3] = row[7] = 25; // a tie above every other entry: the lower index wins
    const ref = refMax(row);
    expect(rowMax(row)).toBe(ref.max);
    expect(argmax(row)).toBe(ref.index);
  });

  test('rows without a number: max -Infinity, argmax 0', () => {
    expect(rowMax(new Float32Array(0))).toBe(-Infinity);
    expect(rowMax(Float32Array.of(Number.NaN, -Infinity, Number.NaN))).toBe(-Infinity);
    expect(argmax(Float32Array.of(-Infinity, Number.NaN, -Infinity))).toBe(0);
    expect(argmax(Float32Array.of(-Infinity, -Infinity, 5, Infinity, Infinity))).toBe(3);
  });

  test.each(LENGTHS.filter((n) => n > 0))('logSumExp and expWeights match float64 exp (length %i)', (n) => {
    const row = makeRow(n, 3 * n + 7);
    const max = refMax(row).max;
    const ref = refWeights(row, max);
    const total = ref.reduce((a, b) => a + b, 0);
    expect(Math.abs(logSumExp(row, max) - (max + Math.log(total)))).toBeLessThan(1e-6);
    expect(Math.abs(rowLogSumExp(row) - (max + Math.log(total)))).toBeLessThan(1e-6);
    const w = new Float32Array(n).fill(42);
    const sum = expWeights(row, max, w);
    expect(Math.abs(sum - total) / total).toBeLessThan(1e-6);
    // One expect per row (per-entry expects would dominate the run time on 152k entries).
    const bad: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = ref[i]!;
      // float32 has ~6e-8 relative precision; (x - max) is rounded to float32 before exp.
      const ok = r === 0 ? w[i] === 0 : r > 1e-30 ? Math.abs(w[i]! - r) / r < 2e-6 : w[i]! < 2e-30;
      if (!ok && bad.length < 5) bad.push(`[${i}] x=${row[i]} got ${w[i]} want ${r}`);
    }
    expect(bad).toEqual([]);
  });

  test('probabilities far below the maximum underflow to zero, never to garbage', () => {
    const row = Float32Array.of(0, -50, -87, -87.5, -100, -200, -1e30, -Infinity, 1e-3);
    const w = new Float32Array(row.length);
    expWeights(row, 1e-3, w);
    const ref = refWeights(row, 1e-3);
    for (let i = 0; i < row.length; i++) {
      expect(w[i]).toBeGreaterThanOrEqual(0);
      expect(Math.abs(w[i]! - ref[i]!)).toBeLessThanOrEqual(Math.max(1e-6 * ref[i]!, 2e-38));
    }
  });

  test('TemperatureProcessor divides in float32, as torch does', () => {
    for (const t of [0.7, 0.3, 1.3, 2, 1e-3]) {
      const row = makeRow(1001, 99, false);
      const out = new TemperatureProcessor(t).process(new Int32Array(0), row.slice());
      const tf = Math.fround(t);
      let mismatches = 0;
      for (let i = 0; i < row.length; i++) if (!Object.is(out[i], Math.fround(row[i]! / tf))) mismatches++;
      expect(mismatches).toBe(0);
    }
  });

  test('sampling by inversion picks the index whose cumulative band holds u', () => {
    const row = makeRow(5000, 11);
    const max = refMax(row).max;
    const w = refWeights(row, max);
    const total = w.reduce((a, b) => a + b, 0);
    const rng = new Xoshiro128(5);
    const draws = new Xoshiro128(5);
    const scratch = new Float32Array(row.length);
    for (let k = 0; k < 300; k++) {
      const u = draws.nextFloat();
      const got = sampleFromScores(row, rng, scratch);
      // Reference inversion in float64; float32 weights may move a draw only across a boundary
      // that u × total lies within 1e-5 of.
      let acc = 0;
      let ref = -1;
      for (let i = 0; i < w.length; i++) {
        acc += w[i]!;
        if (acc > u * total) {
          ref = i;
          break;
        }
      }
      if (got !== ref) {
        let before = 0;
        for (let i = 0; i < Math.min(got, ref); i++) before += w[i]!;
        const edge = before + w[Math.min(got, ref)]!;
        expect(Math.abs(edge - u * total)).toBeLessThan(1e-5 * total);
      }
      expect(Number.isNaN(row[got]!) || row[got] === -Infinity).toBe(false);
    }
  });

  test('top-p keeps the float64 full-sort nucleus on peaked, flat, tied and wide rows', () => {
    const peaked = makeRow(152064, 21, false).map((v) => v / 8);
    for (let j = 0; j < 6; j++) peaked[(j * 7919) % peaked.length] = 14 + j;
    const rows = [
      peaked,
      makeRow(40000, 22, false).map((v) => v / 80), // nearly flat: the nucleus is most of the row
      makeRow(30000, 23, false).map((v) => Math.floor(v / 15)), // a few values, thousands of ties each
      makeRow(30000, 24, false).map((v) => v * 10), // spread beyond the histogram's 64 nats
      makeRow(1001, 25), // NaN and -Infinity entries
      // One dominant token and a tail 17 nats down holding 0.6 % of the mass: at p = 0.999 the
      // boundary lies deeper than the kernels' first, 16-nat histogram, so they rescan.
      Float32Array.from({ length: 152064 }, (_, i) => (i === 77 ? 0 : -17 - (i % 97) / 1000)),
    ];
    for (const row of rows) {
      for (const p of [0.3, 0.9, 0.999]) {
        const order = [...row.keys()].filter((i) => row[i]! > -Infinity).sort((a, b) => row[b]! - row[a]! || a - b);
        const w = order.map((i) => Math.exp(row[i]! - row[order[0]!]!));
        const total = w.reduce((a, b) => a + b, 0);
        const out = new TopPProcessor(p).process(new Int32Array(0), row.slice());
        const kept: number[] = [];
        out.forEach((v, i) => v > -Infinity && kept.push(i));
        expectNucleus(kept, order, w, p * total);
      }
    }
  });

  test('sampling never draws masked entries and returns -1 on a fully masked row', () => {
    const row = new Float32Array(100).fill(-Infinity);
    row[37] = 0;
    row[90] = Number.NaN;
    const rng = new Xoshiro128(1);
    const scratch = new Float32Array(100);
    for (let k = 0; k < 50; k++) expect(sampleFromScores(row, rng, scratch)).toBe(37);
    expect(sampleFromScores(new Float32Array(10).fill(-Infinity), rng, scratch)).toBe(-1);
  });
});

describe('kernel memory', () => {
  test('a longer row grows the staging memory; later shorter rows still compute correctly', () => {
    const k = kernels!;
    const small = makeRow(40, 1);
    const big = makeRow(300000, 2);
    expect(k.max(small)).toBe(refMax(small).max);
    expect(k.argmax(big)).toBe(refMax(big).index);
    expect(k.max(small)).toBe(refMax(small).max);
    const w = new Float32Array(40);
    k.expWeights(small, refMax(small).max, w);
    expect(w[1]).toBe(0); // NaN entry
  });

  test('argmaxLogSumExp stages once and matches the float64 reference', () => {
    const k = kernels!;
    for (const n of [1, 17, 32000]) {
      const row = makeRow(n, 40 + n);
      const { max, index } = refMax(row);
      expect(k.argmaxLogSumExp(row)).toBe(index);
      const total = refWeights(row, max).reduce((a, b) => a + b, 0);
      expect(Math.abs(k.lastLogSumExp - (max + Math.log(total)))).toBeLessThan(1e-6);
    }
    expect(k.argmaxLogSumExp(Float32Array.of(-Infinity, Number.NaN))).toBe(0);
    expect(k.lastLogSumExp).toBe(-Infinity);
    expect(k.argmaxLogSumExp(Float32Array.of(1, Infinity, 2))).toBe(1);
    expect(k.lastLogSumExp).toBe(Infinity);
  });

  test('sumExpPrecise: float64 terms, or llama-perplexity\'s expf(float - float) terms', () => {
    const k = kernels!;
    for (const n of [5, 64, 32000, 152064]) {
      const row = makeRow(n, 70 + n, false);
      const max = refMax(row).max;
      let exact = 0;
      let llama = 0;
      for (let i = 0; i < n; i++) {
        exact += Math.exp(row[i]! - max);
        llama += Math.fround(Math.exp(Math.fround(row[i]! - max)));
      }
      expect(Math.abs(k.sumExpPrecise(row, max, false) - exact) / exact).toBeLessThan(1e-13);
      expect(Math.abs(k.sumExpPrecise(row, max, true) - llama) / llama).toBeLessThan(1e-13);
    }
    // -Infinity and NaN terms count 0; terms below e^-700 too.
    expect(k.sumExpPrecise(Float32Array.of(0, -Infinity, Number.NaN, -800), 0, false)).toBe(1);
  });

  test('maskOutside keeps entries above the key and ties up to the index, in place', () => {
    const row = Float32Array.of(1, 3, 2, 3, Number.NaN, 3, 0.5, -Infinity);
    kernels!.maskOutside(row, 3, 3);
    expect([...row]).toEqual([-Infinity, 3, -Infinity, 3, -Infinity, -Infinity, -Infinity, -Infinity]);
    const all = Float32Array.of(1, 2, Number.NaN);
    kernels!.maskOutside(all, -Infinity, 3);
    expect([...all]).toEqual([1, 2, -Infinity]);
  });
});
