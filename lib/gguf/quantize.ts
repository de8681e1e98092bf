// Half-precision conversion and the Q8_0 / Q4_0 block formats, reproducing ggml's reference
// C code bit for bit. ggml computes in float32, so every intermediate goes through Math.fround;
// double arithmetic followed by one fround gives the float32 result for +, −, ×, ÷ because a
// double carries more than twice float32's precision.
import { fail } from '../validate.js';

// Module-level references: looking up the global Math per call is slow inside vm contexts (jest).
const { fround, abs, floor, trunc, min } = Math;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function bitsOf(f: number): number {
  f32[0] = f;
  return u32[0]!;
}

function fromBits(w: number): number {
  u32[0] = w;
  return f32[0]!;
}

/**
 * float32 → IEEE half bits, rounding to nearest-even, overflow to ±Inf, NaN to 0x7E00 (with
 * sign): the branch-free algorithm of ggml's `ggml_compute_fp32_to_fp16` (from Maratyszcza/FP16).
 */
export function fp32ToFp16(value: number): number {
  const f = fround(value);
  let base = fround(fround(abs(f) * 2 ** 112) * 2 ** -110);
  const w = bitsOf(f);
  const shl1w = (w * 2) % 2 ** 32;
  const sign = w >= 0x80000000 ? 0x8000 : 0;
  let bias = shl1w - (shl1w % 0x1000000); // shl1w & 0xFF000000
  if (bias < 0x71000000) bias = 0x71000000;
  base = fround(fromBits(bias / 2 + 0x07800000) + base);
  const bits = bitsOf(base);
  const nonsign = ((bits >>> 13) & 0x7c00) + (bits & 0x0fff);
  return sign | (shl1w > 0xff000000 ? 0x7e00 : nonsign);
}

/** IEEE half bits → number (exact; every half value is a float32 value). */
export function fp16ToFp32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/**
 * Converts float32 values to half bits with the same results as {@link fp32ToFp16}, using
 * integer arithmetic on the float bits (much faster for whole tensors).
 */
export function f32ToF16Array(x: ArrayLike<number>): Uint16Array {
  const src = x instanceof Float32Array ? x : Float32Array.from(x);
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < bits.length; i++) {
    const w = bits[i]!;
    const sign = (w >>> 16) & 0x8000;
    const a = w & 0x7fffffff;
    let h: number;
    if (a > 0x7f800000) h = 0x7e00; // NaN
    else if (a >= 0x477ff000) h = 0x7c00; // ≥ 65520 rounds to infinity
    else if (a >= 0x38800000) {
      // normal half: drop 13 mantissa bits, round to nearest even (a carry may bump the exponent)
      h = (a - 0x38000000) >>> 13;
      const rest = a & 0x1fff;
      if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++;
    } else if (a > 0x33000000) {
      // subnormal half: value / 2^-24 = mantissa · 2^(e − 126), rounded to nearest even
      const shift = 126 - (a >>> 23);
      const m = (a & 0x7fffff) | 0x800000;
      h = m >>> shift;
      const rest = m - (h << shift), halfway = 1 << (shift - 1);
      if (rest > halfway || (rest === halfway && (h & 1) === 1)) h++;
    } else h = 0; // at most 2^-25: rounds to zero
    out[i] = sign | h;
  }
  return out;
}

/** Converts half bits to float32 values. */
export function f16ToF32Array(h: ArrayLike<number>): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) out[i] = fp16ToFp32(h[i]!);
  return out;
}

/** Elements per Q8_0 / Q4_0 block. */
export const QK8_0 = 32;
export const QK4_0 = 32;
/** Bytes per block: a half-precision scale followed by the quants. */
export const Q8_0_BLOCK_BYTES = 2 + QK8_0;
export const Q4_0_BLOCK_BYTES = 2 + QK4_0 / 2;

function checkBlocks(name: string, n: number, qk: number): number {
  if (n % qk !== 0) fail(`${name}.length`, `a multiple of ${qk}`, n, 'range');
  return n / qk;
}

// C's roundf: halfway cases away from zero.
const roundf = (v: number): number => (v < 0 ? -floor(-v + 0.5) : floor(v + 0.5));

/**
 * Quantises to Q8_0 exactly like ggml's `quantize_row_q8_0_ref`: per block of 32,
 * d = amax/127 (stored as f16), q = roundf(x · (1/d)) as int8.
 */
export function quantizeQ8_0(x: ArrayLike<number>): Uint8Array {
  const nb = checkBlocks('x', x.length, QK8_0);
  const out = new Uint8Array(nb * Q8_0_BLOCK_BYTES);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < nb; i++) {
    let amax = 0;
    for (let j = 0; j < QK8_0; j++) {
      const a = abs(fround(x[i * QK8_0 + j]!));
      amax = amax > a ? amax : a; // ggml's MAX macro, NaN handling included
    }
    const d = fround(amax / 127);
    const id = d !== 0 ? fround(1 / d) : 0;
    const at = i * Q8_0_BLOCK_BYTES;
    dv.setUint16(at, fp32ToFp16(d), true);
    for (let j = 0; j < QK8_0; j++) {
      dv.setInt8(at + 2 + j, roundf(fround(fround(x[i * QK8_0 + j]!) * id)));
    }
  }
  return out;
}

/** Dequantises Q8_0 blocks (ggml's `dequantize_row_q8_0`): q · d. */
export function dequantizeQ8_0(bytes: Uint8Array): Float32Array {
  const nb = checkBlocks('bytes', bytes.length, Q8_0_BLOCK_BYTES);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(nb * QK8_0);
  for (let i = 0; i < nb; i++) {
    const at = i * Q8_0_BLOCK_BYTES;
    const d = fp16ToFp32(dv.getUint16(at, true));
    for (let j = 0; j < QK8_0; j++) out[i * QK8_0 + j] = dv.getInt8(at + 2 + j) * d;
  }
  return out;
}

/**
 * Quantises to Q4_0 exactly like ggml's `quantize_row_q4_0_ref`: per block of 32, the element
 * of largest magnitude (first one on ties) gives d = max/−8 (stored as f16); each element
 * becomes min(15, trunc(x/d + 8.5)); byte j holds element j in its low nibble and element
 * j+16 in its high nibble.
 */
export function quantizeQ4_0(x: ArrayLike<number>): Uint8Array {
  const nb = checkBlocks('x', x.length, QK4_0);
  const out = new Uint8Array(nb * Q4_0_BLOCK_BYTES);
  const dv = new DataView(out.buffer);
  const half = QK4_0 / 2;
  for (let i = 0; i < nb; i++) {
    let amax = 0, max = 0;
    for (let j = 0; j < QK4_0; j++) {
      const v = fround(x[i * QK4_0 + j]!);
      if (amax < abs(v)) {
        amax = abs(v);
        max = v;
      }
    }
    const d = fround(max / -8);
    const id = d !== 0 ? fround(1 / d) : 0;
    const at = i * Q4_0_BLOCK_BYTES;
    dv.setUint16(at, fp32ToFp16(d), true);
    for (let j = 0; j < half; j++) {
      const x0 = fround(fround(x[i * QK4_0 + j]!) * id);
      const x1 = fround(fround(x[i * QK4_0 + half + j]!) * id);
      const q0 = min(15, trunc(fround(x0 + 8.5)));
      const q1 = min(15, trunc(fround(x1 + 8.5)));
      out[at + 2 + j] = q0 | (q1 << 4);
    }
  }
  return out;
}

/** Dequantises Q4_0 blocks (ggml's `dequantize_row_q4_0`): (q − 8) · d. */
export function dequantizeQ4_0(bytes: Uint8Array): Float32Array {
  const nb = checkBlocks('bytes', bytes.length, Q4_0_BLOCK_BYTES);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(nb * QK4_0);
  const half = QK4_0 / 2;
  for (let i = 0; i < nb; i++) {
    const at = i * Q4_0_BLOCK_BYTES;
    const d = fp16ToFp32(dv.getUint16(at, true));
    for (let j = 0; j < half; j++) {
      const q = bytes[at + 2 + j]!;
      out[i * QK4_0 + j] = ((q & 0x0f) - 8) * d;
      out[i * QK4_0 + half + j] = ((q >> 4) - 8) * d;
    }
  }
  return out;
}

/** Tensor types {@link encodeTensor} can produce from float32 values. */
export type EncodableType = 'f32' | 'f16' | 'q8_0' | 'q4_0';

/** Encodes float32 values as the bytes ggml stores for `type` (f32 copies, f16 rounds, q8_0/q4_0 quantise). */
export function encodeTensor(type: EncodableType, x: Float32Array): ArrayBufferView {
  switch (type) {
    case 'f32': return x;
    case 'f16': return f32ToF16Array(x);
    case 'q8_0': return quantizeQ8_0(x);
    case 'q4_0': return quantizeQ4_0(x);
    default: return fail('type', 'one of "f32", "f16", "q8_0", "q4_0"', type, 'range');
  }
}
