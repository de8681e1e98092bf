// Expected values are derived by hand from IEEE 754 binary16 (round to nearest, ties to even)
// and from ggml's documented block layouts (ggml/src/ggml-common.h, ggml-quants.c):
//   Q8_0: { f16 d; int8 qs[32] },  d = amax/127,   q = roundf(x/d)  (ties away from zero)
//   Q4_0: { f16 d; u8 qs[16] },    d = max/-8 (max = first element of largest |x|),
//         q = min(15, trunc(x/d + 8.5)), byte j = q[j] | q[j+16] << 4, value = (q-8)·d
import {
  dequantizeQ4_0, dequantizeQ8_0, encodeTensor, f16ToF32Array, f32ToF16Array, fp16ToFp32, fp32ToFp16,
  quantizeQ4_0, quantizeQ8_0,
} from '../../lib/gguf/quantize.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const block = (values: Record<number, number>): Float32Array => {
  const x = new Float32Array(32);
  for (const [i, v] of Object.entries(values)) x[Number(i)] = v;
  return x;
};

describe('fp32ToFp16', () => {
  test.each([
    [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800],
    [65504, 0x7bff], // largest finite half
    [65520, 0x7c00], // exactly halfway between 65504 and 2^16: ties to even overflows to +Inf
    [65519, 0x7bff],
    [Infinity, 0x7c00], [-Infinity, 0xfc00],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // halfway between 0 and 2^-24: ties to even (0)
    [1.5 * 2 ** -25, 0x0001],
    [3 * 2 ** -25, 0x0002], // halfway between 1 and 2 ulps: even (2)
    [1 + 2 ** -11, 0x3c00], // halfway between 1 and 1+2^-10: even mantissa 0
    [1 + 3 * 2 ** -11, 0x3c02], // halfway between mantissas 1 and 2: even (2)
    [1 / 3, 0x3555], // 0.0101010101|01… rounds down
    [0.1, 0x2e66], // 1.1001100110|011… × 2^-4 rounds down
  ])('%p → 0x%s', (x, bits) => {
    expect(fp32ToFp16(x)).toBe(bits);
  });

  test('NaN becomes the quiet NaN 0x7E00', () => {
    expect(fp32ToFp16(NaN) & 0x7fff).toBe(0x7e00);
  });

  test('every finite half survives half → float → half, and decodes by the IEEE formula', () => {
    for (let h = 0; h < 0x10000; h++) {
      const e = (h >> 10) & 0x1f, m = h & 0x3ff, s = h & 0x8000 ? -1 : 1;
      if (e === 0x1f) continue;
      const expected = e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
      const v = fp16ToFp32(h);
      if (v !== expected || fp32ToFp16(v) !== h) throw new Error(`half 0x${h.toString(16)} decoded to ${v}`);
    }
  });

  test('every midpoint between neighbouring positive halves rounds to the even one; nudged ones to the nearer', () => {
    for (let h = 0; h < 0x7bff; h++) {
      const lo = fp16ToFp32(h), hi = fp16ToFp32(h + 1);
      const mid = (lo + hi) / 2; // exact in float32: one more bit than a half mantissa
      const even = h % 2 === 0 ? h : h + 1;
      const below = Math.fround(mid - (hi - lo) / 64), above = Math.fround(mid + (hi - lo) / 64);
      if (fp32ToFp16(mid) !== even || fp32ToFp16(below) !== h || fp32ToFp16(above) !== h + 1) {
        throw new Error(`rounding around half 0x${h.toString(16)} is wrong`);
      }
    }
  });

  test('array helpers convert element-wise', () => {
    expect(Array.from(f32ToF16Array([1, -2, 65520]))).toEqual([0x3c00, 0xc000, 0x7c00]);
    expect(Array.from(f16ToF32Array(new Uint16Array([0x3c00, 0x0001, 0xfc00])))).toEqual([1, 2 ** -24, -Infinity]);
  });
});

describe('Q8_0', () => {
  test('hand-checked block: d = 127/127 = 1, quants round half away from zero', () => {
    const x = block({ 0: 127, 1: 2.5, 2: -0.5, 3: 1.5, 4: -2.5, 5: -127, 6: 0.25, 7: 126.5 });
    // d = 1.0 → f16 0x3C00 (bytes 00 3c); q = 127, 3, -1, 2, -3, -127, 0, 127, then zeros
    expect(hex(quantizeQ8_0(x))).toBe('003c' + '7f03ff02fd81007f' + '00'.repeat(24));
  });

  test('negative max: amax = |-254| gives d = 2, 127 → 63.5 → 64', () => {
    const x = block({ 0: -254, 1: 127, 2: 1, 3: -1, 4: 3 });
    expect(hex(quantizeQ8_0(x))).toBe('0040' + '8140' + '01ff02' + '00'.repeat(27));
  });

  test('all-zero block stores d = 0 and zero quants', () => {
    expect(hex(quantizeQ8_0(new Float32Array(32)))).toBe('00'.repeat(34));
  });

  test('dequantises q·d', () => {
    const bytes = Uint8Array.from(Buffer.from('0040' + '8140' + '01ff02' + '00'.repeat(27), 'hex'));
    const y = dequantizeQ8_0(bytes);
    expect(Array.from(y.slice(0, 6))).toEqual([-254, 128, 2, -2, 4, 0]);
  });

  test('round trip error stays within half a step plus the f16 rounding of the scale', () => {
    let seed = 12345;
    const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5;
    const x = Float32Array.from({ length: 32 * 64 }, (_, i) => rand() * 10 ** ((i >> 5) % 5 - 2));
    const y = dequantizeQ8_0(quantizeQ8_0(x));
    for (let b = 0; b < 64; b++) {
      const xs = x.subarray(b * 32, b * 32 + 32);
      const d = Math.max(...Array.from(xs, Math.abs)) / 127;
      for (let j = 0; j < 32; j++) {
        // |q·d16 − x| ≤ d/2 + 127·|d16 − d| and |d16 − d| ≤ d·2^-11
        expect(Math.abs(y[b * 32 + j]! - xs[j]!)).toBeLessThanOrEqual(d * (0.5 + 127 * 2 ** -11) + 1e-30);
      }
    }
  });

  test('rejects lengths that are not whole blocks', () => {
    expect(() => quantizeQ8_0(new Float32Array(31))).toThrow(RangeError);
    expect(() => dequantizeQ8_0(new Uint8Array(35))).toThrow(RangeError);
  });
});

describe('Q4_0', () => {
  test('hand-checked block with a negative max: d = -8/-8 = 1', () => {
    const x = block({ 0: -8, 1: 7, 2: 7.6, 3: 0, 4: -0.6, 5: 0.5, 16: 3, 17: -3, 31: -7.9 });
    // q = trunc(x + 8.5) capped at 15: 0, 15, 15 (16.1 capped), 8, 7, 9 … ; q16 = 11, q17 = 5, q31 = 0
    expect(hex(quantizeQ4_0(x))).toBe('003c' + 'b05f8f888789' + '88'.repeat(9) + '08');
  });

  test('positive max and a tie in magnitude: the first element wins, d = 4/-8 = -0.5', () => {
    const x = block({ 0: 4, 1: -4, 2: 2, 3: -1 });
    // x/d = -8, 8, -4, 2 → q = 0, 15 (16 capped), 4, 10; zeros → 8
    expect(hex(quantizeQ4_0(x))).toBe('00b8' + '808f848a' + '88'.repeat(12));
  });

  test('all-zero block: d = 0/-8 = -0 (f16 0x8000), every quant is trunc(8.5) = 8', () => {
    expect(hex(quantizeQ4_0(new Float32Array(32)))).toBe('0080' + '88'.repeat(16));
  });

  test('dequantises (q − 8)·d, showing the clamp of the top quant', () => {
    const y = dequantizeQ4_0(Uint8Array.from(Buffer.from('00b8' + '808f848a' + '88'.repeat(12), 'hex')));
    expect(Array.from(y.slice(0, 4))).toEqual([4, -3.5, 2, -1]);
    expect(y[16]).toBe(-0); // q = 8 → 0 · -0.5
  });

  test('round trip error is at most one step |d|', () => {
    let seed = 99;
    const rand = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
    const x = Float32Array.from({ length: 32 * 64 }, () => rand() * 3);
    const y = dequantizeQ4_0(quantizeQ4_0(x));
    for (let b = 0; b < 64; b++) {
      const xs = x.subarray(b * 32, b * 32 + 32);
      const d = Math.max(...Array.from(xs, Math.abs)) / 8;
      for (let j = 0; j < 32; j++) expect(Math.abs(y[b * 32 + j]! - xs[j]!)).toBeLessThanOrEqual(d * (1 + 2 ** -9));
    }
  });
});

test('encodeTensor dispatches by type', () => {
  const x = block({ 0: 1 });
  expect(encodeTensor('f32', x)).toBe(x);
  expect((encodeTensor('f16', x) as Uint16Array)[0]).toBe(0x3c00);
  expect((encodeTensor('q8_0', x) as Uint8Array).length).toBe(34);
  expect((encodeTensor('q4_0', x) as Uint8Array).length).toBe(18);
  expect(() => encodeTensor('q5_0' as never, x)).toThrow(RangeError);
});

test('the bulk f16 conversion agrees with the scalar ggml algorithm on every half boundary and random bits', () => {
  const probes: number[] = [];
  for (let h = 0; h < 0x7c00; h++) {
    const lo = fp16ToFp32(h), hi = h < 0x7bff ? fp16ToFp32(h + 1) : 65536;
    const mid = (lo + hi) / 2;
    probes.push(lo, -lo, mid, -mid, Math.fround(mid * (1 + 2 ** -20)), Math.fround(mid * (1 - 2 ** -20)));
  }
  const bits = new Uint32Array(1 << 16);
  let s = 7;
  for (let i = 0; i < bits.length; i++) bits[i] = s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  probes.push(...new Float32Array(bits.buffer), Infinity, -Infinity, NaN, 1e-45, 3e38);
  const x = Float32Array.from(probes);
  const bulk = f32ToF16Array(x);
  for (let i = 0; i < x.length; i++) {
    const scalar = fp32ToFp16(x[i]!);
    if (Number.isNaN(x[i]!) ? (bulk[i]! & 0x7fff) !== 0x7e00 : bulk[i] !== scalar) {
      throw new Error(`mismatch for ${x[i]}: bulk 0x${bulk[i]!.toString(16)} scalar 0x${scalar.toString(16)}`);
    }
  }
});
