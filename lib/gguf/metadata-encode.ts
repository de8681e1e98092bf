// Turns caller-supplied metadata values into typed GGUF values and serialises them.
import { fail } from '../validate.js';
import { GGUF_VALUE_TYPE_IDS, type GgufScalarType, type GgufTypedValue, type GgufValue } from './types.js';

/** An explicitly typed metadata value for the writer; arrays may also be plain JS arrays. */
export interface GgufTypedInput {
  type: GgufTypedValue['type'];
  arrayType?: GgufScalarType;
  value: GgufValue | readonly number[] | readonly bigint[] | readonly boolean[] | readonly string[];
}

/** A metadata value for the writer: a plain value (type inferred) or an explicitly typed one. */
export type GgufMetadataInput = GgufValue | number[] | bigint[] | GgufTypedInput;

const INT64_MIN = -(1n << 63n), INT64_MAX = (1n << 63n) - 1n, UINT64_MAX = (1n << 64n) - 1n;

const TYPED_ARRAY_TYPES: ReadonlyArray<[Function, GgufScalarType]> = [
  [Uint8Array, 'u8'], [Int8Array, 'i8'], [Uint16Array, 'u16'], [Int16Array, 'i16'], [Uint32Array, 'u32'],
  [Int32Array, 'i32'], [Float32Array, 'f32'], [Float64Array, 'f64'], [BigUint64Array, 'u64'], [BigInt64Array, 'i64'],
];

function inferScalar(name: string, v: unknown): GgufScalarType {
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return v > INT64_MAX ? 'u64' : 'i64';
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || !Number.isInteger(v)) return 'f32';
    if (v >= 0 && v <= 0xffffffff) return 'u32';
    if (v >= -0x80000000 && v < 0) return 'i32';
    return 'i64';
  }
  return fail(name, 'a string, boolean, number, bigint, array or { type, value }', v);
}

/**
 * Infers the GGUF type of a plain value: strings → str, booleans → bool, non-negative 32-bit
 * integers → u32, negative 32-bit integers → i32, other integers → i64, other numbers → f32,
 * bigints → i64 (u64 above the i64 range), typed arrays → their element type, number arrays →
 * i32 when every element fits, else u32, else f32. `{ type, value }` objects are kept as given.
 */
export function toTypedValue(name: string, input: GgufMetadataInput): GgufTypedInput {
  if (typeof input === 'object' && input !== null && !Array.isArray(input) && !ArrayBuffer.isView(input)) {
    const t = input as GgufTypedInput;
    if (!(t.type in GGUF_VALUE_TYPE_IDS)) fail(`${name}.type`, 'a GGUF value type name (u8 … f64, str, bool, arr)', t.type);
    if (t.type === 'arr' && (t.arrayType === undefined || t.arrayType === ('arr' as string) || !(t.arrayType in GGUF_VALUE_TYPE_IDS))) {
      fail(`${name}.arrayType`, 'a GGUF scalar type name', t.arrayType);
    }
    return t;
  }
  if (ArrayBuffer.isView(input)) {
    const hit = TYPED_ARRAY_TYPES.find(([ctor]) => input instanceof ctor);
    if (!hit) fail(name, 'a supported typed array', input);
    return { type: 'arr', arrayType: hit[1], value: input as GgufValue };
  }
  if (Array.isArray(input)) {
    if (input.length === 0) fail(name, 'a non-empty array (give { type: "arr", arrayType, value: [] } for an empty one)', input, 'range');
    const first = inferScalar(`${name}[0]`, input[0]);
    let arrayType: GgufScalarType = first;
    if (typeof input[0] === 'number') {
      const nums = input as number[];
      if (nums.every((x) => Number.isInteger(x) && x >= -0x80000000 && x <= 0x7fffffff)) arrayType = 'i32';
      else if (nums.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff)) arrayType = 'u32';
      else arrayType = 'f32';
    } else if (typeof input[0] === 'bigint') {
      arrayType = (input as bigint[]).some((x) => x > INT64_MAX) ? 'u64' : 'i64';
    }
    return { type: 'arr', arrayType, value: input as GgufValue };
  }
  return { type: inferScalar(name, input), value: input };
}

/** Growable little-endian byte buffer. */
export class ByteSink {
  private buf = Buffer.alloc(1 << 16);
  private len = 0;

  private reserve(n: number): number {
    if (this.len + n > this.buf.length) {
      const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    const at = this.len;
    this.len += n;
    return at;
  }

  get length(): number { return this.len; }
  bytes(): Buffer { return this.buf.subarray(0, this.len); }

  u8(v: number): void { const at = this.reserve(1); this.buf.writeUInt8(v, at); }
  i8(v: number): void { const at = this.reserve(1); this.buf.writeInt8(v, at); }
  u16(v: number): void { const at = this.reserve(2); this.buf.writeUInt16LE(v, at); }
  i16(v: number): void { const at = this.reserve(2); this.buf.writeInt16LE(v, at); }
  u32(v: number): void { const at = this.reserve(4); this.buf.writeUInt32LE(v, at); }
  i32(v: number): void { const at = this.reserve(4); this.buf.writeInt32LE(v, at); }
  f32(v: number): void { const at = this.reserve(4); this.buf.writeFloatLE(v, at); }
  f64(v: number): void { const at = this.reserve(8); this.buf.writeDoubleLE(v, at); }
  u64(v: bigint): void { const at = this.reserve(8); this.buf.writeBigUInt64LE(v, at); }
  i64(v: bigint): void { const at = this.reserve(8); this.buf.writeBigInt64LE(v, at); }
  str(s: string): void {
    const n = Buffer.byteLength(s);
    this.u64(BigInt(n));
    const at = this.reserve(n);
    this.buf.write(s, at, 'utf8');
  }
  zeros(n: number): void { const at = this.reserve(n); this.buf.fill(0, at, this.len); }
}

function intIn(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) fail(name, `an integer in [${lo}, ${hi}]`, v, typeof v === 'number' ? 'range' : 'type');
  return v;
}

function bigIn(name: string, v: unknown, lo: bigint, hi: bigint): bigint {
  const b = typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v;
  if (typeof b !== 'bigint' || b < lo || b > hi) fail(name, `a bigint (or safe integer) in [${lo}, ${hi}]`, v, typeof b === 'bigint' ? 'range' : 'type');
  return b;
}

function writeScalar(out: ByteSink, name: string, type: GgufScalarType, v: unknown): void {
  switch (type) {
    case 'u8': return out.u8(intIn(name, v, 0, 0xff));
    case 'i8': return out.i8(intIn(name, v, -0x80, 0x7f));
    case 'u16': return out.u16(intIn(name, v, 0, 0xffff));
    case 'i16': return out.i16(intIn(name, v, -0x8000, 0x7fff));
    case 'u32': return out.u32(intIn(name, v, 0, 0xffffffff));
    case 'i32': return out.i32(intIn(name, v, -0x80000000, 0x7fffffff));
    case 'f32':
    case 'f64':
      if (typeof v !== 'number') fail(name, 'a number', v);
      return type === 'f32' ? out.f32(v) : out.f64(v);
    case 'bool':
      if (typeof v !== 'boolean') fail(name, 'a boolean', v);
      return out.u8(v ? 1 : 0);
    case 'str':
      if (typeof v !== 'string') fail(name, 'a string', v);
      return out.str(v);
    case 'u64': return out.u64(bigIn(name, v, 0n, UINT64_MAX));
    case 'i64': return out.i64(bigIn(name, v, INT64_MIN, INT64_MAX));
  }
}

/** Appends one key/value pair in GGUF encoding, checking the value against its type. */
export function encodeKv(out: ByteSink, key: string, tv: GgufTypedInput): void {
  out.str(key);
  out.i32(GGUF_VALUE_TYPE_IDS[tv.type]);
  if (tv.type !== 'arr') {
    writeScalar(out, key, tv.type, tv.value);
    return;
  }
  const elemType = tv.arrayType!;
  const arr = tv.value as ArrayLike<unknown>;
  if (typeof arr !== 'object' || arr === null || typeof arr.length !== 'number') fail(key, 'an array', tv.value);
  out.i32(GGUF_VALUE_TYPE_IDS[elemType]);
  out.u64(BigInt(arr.length));
  for (let i = 0; i < arr.length; i++) writeScalar(out, `${key}[${i}]`, elemType, arr[i]);
}
