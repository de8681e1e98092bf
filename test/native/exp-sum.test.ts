// The addon's exp pass (native/row-stats.cpp, ggml's SIMD expf) against a float64 reference
// written here, and the decoding kernels' log-sum-exp with it against the WebAssembly pass it
// replaces for long rows: every strategy's log-probs come from it.
import { native } from '../../lib/native.js';
import { COLLECT_CAPACITY, rowKernels, useNativeExpSum } from '../../lib/decoding/select/kernels.js';

function makeRow(n: number, seed: number, minusInf = true): Float32Array {
  let s = seed >>> 0 || 1;
  const row = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    row[i] = ((s >>> 0) / 2 ** 32 - 0.5) * 40;
  }
  if (minusInf && n > 4) {
    row[0] = -Infinity;
    row[n - 1] = -Infinity;
  }
  return row;
}

/** Σ exp(row[i] − shift) in float64, NaN skipped and -Infinity adding 0. */
function refExpSum(row: Float32Array, shift: number): number {
  let sum = 0;
  for (const v of row) if (v === v) sum += Math.exp(v - shift);
  return sum;
}

const maxOf = (row: Float32Array): number => row.reduce((m, v) => (v > m ? v : m), -Infinity);

describe('native expSum', () => {
  const expSum = native().expSum!;

  it.each([1, 15, 16, 17, 1000, 1024, 32000, 32001, 152064])('matches a float64 sum over %i entries (-Infinity adds 0)', (n) => {
    const row = makeRow(n, n);
    for (const shift of [maxOf(row), maxOf(row) - 3, 0]) {
      if (!Number.isFinite(shift)) continue;
      const want = refExpSum(row, shift);
      expect(Math.abs(expSum(row, shift) - want)).toBeLessThanOrEqual(2e-6 * want);
    }
  });

  it('is 0 for an empty row and NaN where the caller must take its own path', () => {
    expect(expSum(new Float32Array(0), 0)).toBe(0);
    const withNaN = makeRow(2000, 3);
    withNaN[700] = Number.NaN;
    expect(expSum(withNaN, 0)).toBeNaN();
    const row = makeRow(2000, 4);
    for (const shift of [Infinity, -Infinity, Number.NaN]) expect(expSum(row, shift)).toBeNaN();
  });

  it('names the parameter it rejects', () => {
    expect(() => expSum(new Float64Array(4) as unknown as Float32Array, 0)).toThrow(/row/);
    expect(() => expSum(new Float32Array(4), '1' as unknown as number)).toThrow(/shift/);
  });
});

describe('log-sum-exp of the decoding kernels with the addon pass', () => {
  const k = rowKernels()!;
  afterAll(() => useNativeExpSum(true));

  const both = <T>(f: () => T): [T, T] => {
    useNativeExpSum(false);
    const wasm = f();
    useNativeExpSum(true);
    return [wasm, f()];
  };

  it.each([2048, 32000, 152064])('agrees with the WebAssembly pass on %i-entry rows (logSumExp, argmaxLogSumExp, collectTop)', (n) => {
    const row = makeRow(n, 7 + n);
    const want = maxOf(row) + Math.log(refExpSum(row, maxOf(row)));
    const [a, b] = both(() => k.logSumExp(row));
    expect(Math.abs(a - want)).toBeLessThan(1e-6);
    expect(Math.abs(b - want)).toBeLessThan(1e-6);
    const [g1, g2] = both(() => [k.argmaxLogSumExp(row), k.lastLogSumExp]);
    expect(g2[0]).toBe(g1[0]);
    expect(Math.abs(g2[1]! - want)).toBeLessThan(1e-6);
    const out = new Int32Array(COLLECT_CAPACITY);
    const [c1, c2] = both(() => [k.collectTop(row, 8, out), k.lastLogSumExp]);
    expect(c2[0]).toBe(c1[0]);
    expect(Math.abs(c2[1]! - want)).toBeLessThan(1e-6);
  });

  it('falls back to the WebAssembly pass, which skips NaN, for a row holding NaN', () => {
    const row = makeRow(32000, 11);
    row[123] = Number.NaN;
    const m = maxOf(row);
    expect(Math.abs(k.logSumExp(row) - (m + Math.log(refExpSum(row, m))))).toBeLessThan(1e-6);
    expect(Math.abs(k.sumExp(row, m) - refExpSum(row, m))).toBeLessThanOrEqual(2e-6 * refExpSum(row, m));
  });
});
