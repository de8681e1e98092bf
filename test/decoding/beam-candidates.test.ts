// Beam search's SIMD candidate pass (RowKernels.collectTop) against a sort of the row, and beam
// search through that pass against the same search on the scalar full-row path, on rows built to
// stress it: ties at the boundary, flat rows wider than the collection buffer, NaN and ±Infinity.
import { runDecoding } from '../../lib/decoding/index.js';
import { rowKernels, useSimdKernels } from '../../lib/decoding/select/kernels.js';
import { TableBackend, type NextLogits } from './helpers/table-backend.js';
import { xorshift } from '../helpers/xorshift.js';

const kernels = rowKernels()!;

const rng = xorshift;

/** The k-th largest number of the row (NaN and -Infinity left out), or -Infinity. */
function kthLargest(row: Float32Array, k: number): number {
  const finite = [...row].filter((v) => v === v && v !== -Infinity).sort((a, b) => b - a);
  return finite.length >= k ? finite[k - 1]! : -Infinity;
}

function refLogSumExp(row: Float32Array): number {
  let max = -Infinity;
  for (const v of row) if (v > max) max = v;
  let sum = 0;
  for (const v of row) if (v === v) sum += Math.exp(v - max);
  return max + Math.log(sum);
}

function checkCollected(row: Float32Array, k: number, out: Int32Array) {
  const n = kernels.collectTop(row, k, out);
  const t = kernels.lastThreshold;
  expect(n).toBeGreaterThanOrEqual(0);
  const got = [...out.subarray(0, n)];
  // Exactly the entries ≥ the threshold, in index order.
  const expected = [...row.keys()].filter((i) => row[i]! >= t);
  expect(got).toEqual(expected);
  // Enough of them: at least k, or every finite entry when fewer exist.
  const finite = [...row].filter((v) => v === v && v !== -Infinity).length;
  expect(n).toBeGreaterThanOrEqual(Math.min(k, finite));
  // So the k best entries are all inside.
  if (finite >= k) expect(kthLargest(row, k)).toBeGreaterThanOrEqual(t);
  expect(kernels.lastLogSumExp).toBeCloseTo(refLogSumExp(row), 4);
  return n;
}

describe('collectTop', () => {
  test.each([1, 17, 1000, 32000, 152064])('random rows hold their k best (length %i)', (V) => {
    const u = rng(V);
    const row = Float32Array.from({ length: V }, () => (u() - 0.5) * 30);
    for (const k of [1, 4, 8, 64]) checkCollected(row, k, new Int32Array(4096));
  });

  test('a peaked row, a flat row and a row with a plateau at the boundary', () => {
    const V = 20000;
    const out = new Int32Array(4096);
    const peaked = new Float32Array(V).fill(-50);
    peaked[123] = 10;
    peaked[7] = 9.5;
    // The 3rd best ties with 19 997 others: they fit a buffer of V, not one of 4096.
    expect(checkCollected(peaked, 8, new Int32Array(V))).toBe(V);
    expect(kernels.collectTop(peaked, 8, out)).toBe(-1);
    expect(checkCollected(peaked, 2, out)).toBe(2);
    const plateau = new Float32Array(V).fill(-5);
    for (let i = 0; i < 6; i++) plateau[i * 1000] = 3;
    checkCollected(plateau, 8, new Int32Array(V)); // the 7th and 8th best tie with 19 994 others
  });

  test('NaN, -Infinity and padding never count; fewer finite entries than k takes them all', () => {
    const row = Float32Array.of(Number.NaN, -Infinity, 2, Number.NaN, 1, -Infinity, 0.5);
    const out = new Int32Array(64);
    expect(kernels.collectTop(row, 8, out)).toBe(3);
    expect([...out.subarray(0, 3)]).toEqual([2, 4, 6]);
    expect(kernels.collectTop(Float32Array.of(-Infinity, Number.NaN), 4, out)).toBe(0);
    expect(kernels.lastLogSumExp).toBe(-Infinity);
  });

  test('+Infinity and ties wider than the buffer hand the row back to the caller (-1)', () => {
    expect(kernels.collectTop(Float32Array.of(1, Infinity, 2), 2, new Int32Array(16))).toBe(-1);
    expect(kernels.collectTop(new Float32Array(10000).fill(1.5), 4, new Int32Array(4096))).toBe(-1);
  });
});

/** A next-token model over V tokens: a seeded function of the last two tokens, logits rounded
 * to a coarse grid so that ties (within a row and across beams) are frequent. */
function tiedModel(V: number, seed: number, grid: number): NextLogits {
  return (prefix) => {
    const a = prefix[prefix.length - 1]!;
    const b = prefix.length > 1 ? prefix[prefix.length - 2]! : 0;
    const u = rng(seed + 7919 * a + 104729 * b);
    const row = Array.from({ length: V }, () => Math.round(((u() - 0.5) * 12) / grid) * grid);
    row[(a * 31 + b) % V] = -Infinity;
    return row;
  };
}

describe('beam search through the candidate pass equals the scalar full-row search', () => {
  afterAll(() => useSimdKernels(true));

  test.each([
    [50, 2, 0.5, 1],
    [300, 4, 0.25, 2],
    [5000, 4, 1, 3],
    [5000, 8, 0.01, 4],
  ])('V=%i, %i beams, logit grid %f (seed %i)', async (V, numBeams, grid, seed) => {
    const next = tiedModel(V, seed, grid);
    const run = async (simd: boolean) => {
      useSimdKernels(simd);
      const backend = new TableBackend(V, next, new Set([0]));
      return runDecoding(backend, Int32Array.of(1, 2), { numBeams, numReturnSequences: numBeams, maxNewTokens: 12, eosTokenIds: [0] });
    };
    const fast = await run(true);
    const scalar = await run(false);
    expect(fast.sequences.map((s) => [...s.tokens])).toEqual(scalar.sequences.map((s) => [...s.tokens]));
    expect(fast.sequences.map((s) => s.score)).toEqual(scalar.sequences.map((s) => s.score));
    expect(fast.sequences.map((s) => [...s.logprobs])).toEqual(scalar.sequences.map((s) => [...s.logprobs]));
  });
});
