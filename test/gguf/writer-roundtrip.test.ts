import { readFileSync } from 'node:fs';
import { readGguf } from '../../lib/gguf/reader.js';
import type { GgufTypedInput } from '../../lib/gguf/metadata-encode.js';
import { writeGguf } from '../../lib/gguf/writer.js';
import { tempPath } from './raw-gguf.js';

test('a single u8 pair is encoded byte for byte as gguf.h describes', async () => {
  const path = tempPath();
  await writeGguf(path, { metadata: { a: { type: 'u8', value: 7 } } });
  const expected = Buffer.concat([
    Buffer.from('GGUF'), Buffer.from([3, 0, 0, 0]), // magic, version 3
    Buffer.alloc(8), Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]), // 0 tensors, 1 kv
    Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('a'), // key: u64 length + bytes
    Buffer.from([0, 0, 0, 0]), Buffer.from([7]), // type GGUF_TYPE_UINT8, value
  ]);
  expect(readFileSync(path)).toEqual(expected);
});

test('every scalar and array type survives writer → reader', async () => {
  const path = tempPath();
  const metadata = {
    u8: { type: 'u8', value: 255 }, i8: { type: 'i8', value: -128 }, u16: { type: 'u16', value: 65535 },
    i16: { type: 'i16', value: -32768 }, u32: { type: 'u32', value: 0xffffffff }, i32: { type: 'i32', value: -0x80000000 },
    f32: { type: 'f32', value: 0.1 }, bool: { type: 'bool', value: true }, str: { type: 'str', value: 'héllo ▁ 日本 🦙' },
    empty: { type: 'str', value: '' }, u64: { type: 'u64', value: (1n << 64n) - 1n }, i64: { type: 'i64', value: -(1n << 63n) },
    f64: { type: 'f64', value: Math.PI },
    a_u8: { type: 'arr', arrayType: 'u8', value: [0, 255] }, a_i8: { type: 'arr', arrayType: 'i8', value: [-128, 127] },
    a_u16: { type: 'arr', arrayType: 'u16', value: [1, 65535] }, a_i16: { type: 'arr', arrayType: 'i16', value: [-32768, 5] },
    a_u32: { type: 'arr', arrayType: 'u32', value: [0xffffffff] }, a_i32: { type: 'arr', arrayType: 'i32', value: [-1, 2, -3] },
    a_f32: { type: 'arr', arrayType: 'f32', value: [1.5, -0.1] }, a_bool: { type: 'arr', arrayType: 'bool', value: [true, false, true] },
    a_str: { type: 'arr', arrayType: 'str', value: ['a', '', '▁b'] }, a_u64: { type: 'arr', arrayType: 'u64', value: [1n, 1n << 63n] },
    a_i64: { type: 'arr', arrayType: 'i64', value: [-5n] }, a_f64: { type: 'arr', arrayType: 'f64', value: [1e300, -2.5] },
    a_empty: { type: 'arr', arrayType: 'i32', value: [] },
  } satisfies Record<string, GgufTypedInput>;
  await writeGguf(path, { metadata });
  const f = await readGguf(path);
  expect([...f.kv.keys()]).toEqual(Object.keys(metadata));
  const m = f.metadata;
  expect(m.get('u8')).toBe(255);
  expect(m.get('i8')).toBe(-128);
  expect(m.get('u16')).toBe(65535);
  expect(m.get('i16')).toBe(-32768);
  expect(m.get('u32')).toBe(0xffffffff);
  expect(m.get('i32')).toBe(-0x80000000);
  expect(m.get('f32')).toBe(Math.fround(0.1));
  expect(m.get('bool')).toBe(true);
  expect(m.get('str')).toBe('héllo ▁ 日本 🦙');
  expect(m.get('empty')).toBe('');
  expect(m.get('u64')).toBe((1n << 64n) - 1n);
  expect(m.get('i64')).toBe(-(1n << 63n));
  expect(m.get('f64')).toBe(Math.PI);
  expect(m.get('a_u8')).toEqual(Uint8Array.from([0, 255]));
  expect(m.get('a_i8')).toEqual(Int8Array.from([-128, 127]));
  expect(m.get('a_u16')).toEqual(Uint16Array.from([1, 65535]));
  expect(m.get('a_i16')).toEqual(Int16Array.from([-32768, 5]));
  expect(m.get('a_u32')).toEqual(Uint32Array.from([0xffffffff]));
  expect(m.get('a_i32')).toEqual(Int32Array.from([-1, 2, -3]));
  expect(m.get('a_f32')).toEqual(Float32Array.from([1.5, -0.1]));
  expect(m.get('a_bool')).toEqual([true, false, true]);
  expect(m.get('a_str')).toEqual(['a', '', '▁b']);
  expect(m.get('a_u64')).toEqual(BigUint64Array.from([1n, 1n << 63n]));
  expect(m.get('a_i64')).toEqual(BigInt64Array.from([-5n]));
  expect(m.get('a_f64')).toEqual(Float64Array.from([1e300, -2.5]));
  expect(m.get('a_empty')).toEqual(new Int32Array(0));
  for (const [key, spec] of Object.entries(metadata)) {
    expect(f.kv.get(key)!.type).toBe(spec.type);
    if (spec.type === 'arr') expect(f.kv.get(key)!.arrayType).toBe(spec.arrayType);
  }
});

test('plain values get documented inferred types', async () => {
  const path = tempPath();
  await writeGguf(path, {
    metadata: {
      s: 'x', b: false, n: 42, neg: -3, big: 2 ** 40, frac: 0.5, bi: 5n, ints: [1, -2], uints: [3000000000], floats: [0.5, 1],
      strs: ['a'], f32s: new Float32Array([1]), u8s: new Uint8Array([1]),
    },
  });
  const kv = (await readGguf(path)).kv;
  const types = Object.fromEntries([...kv].map(([k, e]) => [k, e.type === 'arr' ? `arr:${e.arrayType}` : e.type]));
  expect(types).toEqual({
    s: 'str', b: 'bool', n: 'u32', neg: 'i32', big: 'i64', frac: 'f32', bi: 'i64', ints: 'arr:i32', uints: 'arr:u32',
    floats: 'arr:f32', strs: 'arr:str', f32s: 'arr:f32', u8s: 'arr:u8',
  });
});

test('tensors: directory, alignment padding and data bytes round trip', async () => {
  const path = tempPath();
  const a = Float32Array.from({ length: 3 * 32 }, (_, i) => i - 0.5);
  const b = Uint16Array.from({ length: 32 }, (_, i) => i);
  const q = Uint8Array.from({ length: 34 * 2 }, (_, i) => (i * 7) & 0xff);
  await writeGguf(path, {
    alignment: 64,
    metadata: { 'general.architecture': 'test' },
    tensors: [
      { name: 'a', type: 'f32', shape: [32, 3], data: a },
      { name: 'b', type: 'f16', shape: [32], data: () => b },
      { name: 'q', type: 'q8_0', shape: [64], data: async () => q },
    ],
  });
  const f = await readGguf(path);
  expect(f.alignment).toBe(64);
  expect(f.metadata.get('general.alignment')).toBe(64);
  expect(f.dataOffset % 64).toBe(0);
  // a: 384 bytes; b: 64 bytes at 384; q: 2 blocks × 34 = 68 bytes at 448 (each start padded to 64)
  expect(f.tensors.map((t) => [t.name, t.type, t.shape, t.offset, t.byteSize])).toEqual([
    ['a', 'f32', [32, 3], 0, 384], ['b', 'f16', [32], 384, 64], ['q', 'q8_0', [64], 448, 68],
  ]);
  const bytes = readFileSync(path);
  const at = (name: string): Buffer => {
    const t = f.tensors.find((x) => x.name === name)!;
    return bytes.subarray(t.fileOffset, t.fileOffset + t.byteSize);
  };
  expect(at('a')).toEqual(Buffer.from(a.buffer));
  expect(at('b')).toEqual(Buffer.from(b.buffer));
  expect(at('q')).toEqual(Buffer.from(q));
});

test('maxArrayLength keeps a prefix and the full length', async () => {
  const path = tempPath();
  await writeGguf(path, { metadata: { s: ['a', 'b', 'c', 'd'], n: new Int32Array([1, 2, 3, 4, 5]), after: 9 } });
  const f = await readGguf(path, { maxArrayLength: 2 });
  expect(f.metadata.get('s')).toEqual(['a', 'b']);
  expect(f.kv.get('s')).toMatchObject({ length: 4, truncated: true });
  expect(f.metadata.get('n')).toEqual(Int32Array.from([1, 2]));
  expect(f.kv.get('n')).toMatchObject({ length: 5, truncated: true });
  expect(f.metadata.get('after')).toBe(9);
});

describe('writer argument checks', () => {
  const cases: Array<[string, Parameters<typeof writeGguf>[1], ErrorConstructor]> = [
    ['u8 out of range', { metadata: { a: { type: 'u8', value: 256 } } }, RangeError],
    ['string for u32', { metadata: { a: { type: 'u32', value: 'x' as unknown as number } } }, TypeError],
    ['unknown value type', { metadata: { a: { type: 'u128' as 'u8', value: 1 } } }, TypeError],
    ['empty plain array', { metadata: { a: [] } }, RangeError],
    ['wrong tensor byte size', { tensors: [{ name: 't', type: 'f32', shape: [4], data: new Float32Array(3) }] }, RangeError],
    ['unknown tensor type', { tensors: [{ name: 't', type: 'q9_9', shape: [4], data: new Float32Array(4) }] }, RangeError],
    ['row not whole blocks', { tensors: [{ name: 't', type: 'q8_0', shape: [33], data: new Uint8Array(34) }] }, RangeError],
    ['duplicate tensor', { tensors: [{ name: 't', type: 'f32', shape: [1], data: new Float32Array(1) }, { name: 't', type: 'f32', shape: [1], data: new Float32Array(1) }] }, RangeError],
    ['zero dimension', { tensors: [{ name: 't', type: 'f32', shape: [0], data: new Float32Array(0) }] }, RangeError],
    ['alignment not a power of two', { alignment: 48 }, RangeError],
  ];
  test.each(cases)('%s', async (_n, opts, ctor) => {
    await expect(writeGguf(tempPath(), opts)).rejects.toThrow(ctor);
  });
});
