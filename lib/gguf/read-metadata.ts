// Decoding of GGUF metadata values from a FileCursor, every length checked against the bytes
// left in the file before anything is allocated.
import type { FileCursor } from './file-cursor.js';
import {
  GGUF_SCALAR_SIZE, GGUF_VALUE_TYPE_BY_ID, type GgufArray, type GgufScalarType, type GgufTypedValue, type GgufValue,
} from './types.js';

/** A decoded metadata entry; `length` is the array's length in the file even when only a prefix was kept. */
export interface GgufMetadataEntry extends GgufTypedValue {
  /** Number of elements in the file (arrays only). */
  length?: number;
  /** True when the array held more than `maxArrayLength` elements and only the first ones were kept. */
  truncated?: boolean;
}

type Fail = (what: string) => never;

/** Reads a u64 length/count and returns it as a number, failing when it exceeds `limit`. */
export async function readCount(cur: FileCursor, what: string, limit: number, fail: Fail): Promise<number> {
  await cur.need(8, what);
  const n = cur.u64();
  if (n > BigInt(limit)) fail(`${what} is ${n}, more than the ${limit} the rest of the file can hold`);
  return Number(n);
}

/** Reads a length-prefixed UTF-8 string. */
export async function readString(cur: FileCursor, what: string, fail: Fail): Promise<string> {
  const len = await readCount(cur, `length of ${what}`, cur.remaining - 8, fail);
  await cur.need(len, what);
  return cur.takeUtf8(len);
}

async function skipString(cur: FileCursor, what: string, fail: Fail): Promise<void> {
  const len = await readCount(cur, `length of ${what}`, cur.remaining - 8, fail);
  await cur.skip(len, what);
}

/** Reads an int32 value-type id and maps it to its name, failing on ids GGUF does not define. */
export async function readValueType(cur: FileCursor, what: string, fail: Fail): Promise<GgufScalarType | 'arr'> {
  await cur.need(4, what);
  const id = cur.i32();
  const type = GGUF_VALUE_TYPE_BY_ID[id];
  if (type === undefined) fail(`${what} is ${id}, not a GGUF value type (0…12)`);
  return type;
}

function readScalarSync(cur: FileCursor, type: Exclude<GgufScalarType, 'str'>): number | bigint | boolean {
  switch (type) {
    case 'u8': return cur.u8();
    case 'i8': return cur.i8();
    case 'u16': return cur.u16();
    case 'i16': return cur.i16();
    case 'u32': return cur.u32();
    case 'i32': return cur.i32();
    case 'f32': return cur.f32();
    case 'bool': return cur.i8() !== 0;
    case 'u64': return cur.u64();
    case 'i64': return cur.i64();
    case 'f64': return cur.f64();
  }
}

function allocArray(type: Exclude<GgufScalarType, 'str'>, n: number): GgufArray {
  switch (type) {
    case 'u8': return new Uint8Array(n);
    case 'i8': return new Int8Array(n);
    case 'u16': return new Uint16Array(n);
    case 'i16': return new Int16Array(n);
    case 'u32': return new Uint32Array(n);
    case 'i32': return new Int32Array(n);
    case 'f32': return new Float32Array(n);
    case 'f64': return new Float64Array(n);
    case 'u64': return new BigUint64Array(n);
    case 'i64': return new BigInt64Array(n);
    case 'bool': return new Array<boolean>(n).fill(false);
  }
}

async function readArray(cur: FileCursor, key: string, maxArrayLength: number, fail: Fail): Promise<GgufMetadataEntry> {
  const elemType = await readValueType(cur, `element type of array '${key}'`, fail);
  if (elemType === 'arr') fail(`array '${key}' has element type arr; nested arrays are not allowed`);
  const minElem = elemType === 'str' ? 8 : GGUF_SCALAR_SIZE[elemType];
  const n = await readCount(cur, `length of array '${key}'`, Math.floor((cur.remaining - 8) / minElem), fail);
  const keep = Math.min(n, maxArrayLength);
  let value: GgufArray;
  if (elemType === 'str') {
    const strings = new Array<string>(keep);
    for (let i = 0; i < keep; i++) {
      // Most tokens are short: decode straight from the buffer, refilling only when it runs dry.
      let s = cur.tryString();
      if (s === undefined) {
        await cur.need(Math.min(cur.remaining, 1 << 16), `array '${key}'`);
        s = cur.tryString() ?? await readString(cur, `element ${i} of array '${key}'`, fail);
      }
      strings[i] = s;
    }
    for (let i = keep; i < n; i++) await skipString(cur, `element ${i} of array '${key}'`, fail);
    value = strings;
  } else {
    const size = GGUF_SCALAR_SIZE[elemType];
    const arr = allocArray(elemType, keep) as unknown as { [i: number]: number | bigint | boolean };
    const perChunk = Math.max(1, Math.floor((1 << 20) / size));
    for (let i = 0; i < keep;) {
      const k = Math.min(perChunk, keep - i);
      await cur.need(k * size, `array '${key}'`);
      for (let j = 0; j < k; j++) arr[i + j] = readScalarSync(cur, elemType);
      i += k;
    }
    await cur.skip((n - keep) * size, `array '${key}'`);
    value = arr as unknown as GgufArray;
  }
  const entry: GgufMetadataEntry = { type: 'arr', arrayType: elemType, value, length: n };
  if (keep < n) entry.truncated = true;
  return entry;
}

/** Reads one value of the given type (the type id has already been read). */
export async function readValue(
  cur: FileCursor, key: string, type: GgufScalarType | 'arr', maxArrayLength: number, fail: Fail,
): Promise<GgufMetadataEntry> {
  if (type === 'arr') return readArray(cur, key, maxArrayLength, fail);
  if (type === 'str') return { type, value: await readString(cur, `value of '${key}'`, fail) };
  await cur.need(GGUF_SCALAR_SIZE[type], `value of '${key}'`);
  return { type, value: readScalarSync(cur, type) as GgufValue };
}
