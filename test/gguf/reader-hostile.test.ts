// Malformed files built byte by byte (layout per ggml/include/gguf.h); each must be refused
// with LoomError('INVALID_GGUF') naming the file and the defect, without huge allocations.
import { isLoomError } from '../../lib/errors.js';
import { readGguf } from '../../lib/gguf/reader.js';
import { G, Raw, T, tempFile } from './raw-gguf.js';

const kvU32 = (r: Raw, key: string, v: number): Raw => r.str(key).i32(T.u32).u32(v);
const tensorInfo = (r: Raw, name: string, dims: Array<number | bigint>, type: number, offset: number | bigint): Raw => {
  r.str(name).u32(dims.length);
  for (const d of dims) r.i64(d);
  return r.i32(type).u64(offset);
};

/** A valid file: two kv pairs, one f32 tensor of 32 elements at data offset 0. */
function good(): Buffer {
  const r = Raw.header(1, 2);
  r.str('general.architecture').i32(T.str).str('x');
  kvU32(r, 'a', 1);
  tensorInfo(r, 't', [32], G.f32, 0);
  return r.align(32).zeros(128).build();
}

async function rejects(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  const path = tempFile(bytes, 'bad');
  const err = await readGguf(path).then(() => undefined, (e: unknown) => e);
  expect(isLoomError(err, 'INVALID_GGUF')).toBe(true);
  expect((err as Error).message).toContain(path);
  expect((err as Error).message).toMatch(pattern);
}

test('the baseline file is accepted with the hand-computed layout', async () => {
  const f = await readGguf(tempFile(good()));
  // header 24 + kv 41 + kv 17 + tensor info 33 = 115 bytes, padded to 128
  expect(f.dataOffset).toBe(128);
  expect(f.fileSize).toBe(256);
  expect(f.version).toBe(3);
  expect(f.tensors).toEqual([{ name: 't', type: 'f32', typeId: 0, shape: [32], elementCount: 32, offset: 0, fileOffset: 128, byteSize: 128 }]);
  expect(f.metadata.get('a')).toBe(1);
});

test('version 2 files are read too', async () => {
  const b = good();
  b.writeUInt32LE(2, 4);
  expect((await readGguf(tempFile(b))).version).toBe(2);
});

const cases: Array<[string, () => Uint8Array, RegExp]> = [
  ['empty file', () => new Uint8Array(0), /unexpected end of file/],
  ['bad magic', () => { const b = good(); b.write('GGML', 0); return b; }, /bad magic/],
  ['version 1', () => { const b = good(); b.writeUInt32LE(1, 4); return b; }, /unsupported GGUF version 1/],
  ['version 4', () => { const b = good(); b.writeUInt32LE(4, 4); return b; }, /unsupported GGUF version 4/],
  ['big-endian version', () => { const b = good(); b.writeUInt32BE(3, 4); return b; }, /big-endian/],
  ['tensor count 2^63', () => { const b = good(); b.writeBigUInt64LE(1n << 63n, 8); return b; }, /tensor count is 9223372036854775808/],
  ['kv count 2^40', () => { const b = good(); b.writeBigUInt64LE(1n << 40n, 16); return b; }, /metadata key count is 1099511627776/],
  ['key length 2^62', () => Raw.header(0, 1).u64(1n << 62n).zeros(16).build(), /length of key of metadata entry 0 is/],
  ['string value longer than the file', () => Raw.header(0, 1).str('a').i32(T.str).u64(1000).zeros(10).build(), /length of value of 'a' is 1000/],
  ['unknown value type', () => Raw.header(0, 1).str('a').i32(13).u32(0).build(), /value type of 'a' is 13/],
  ['negative value type', () => Raw.header(0, 1).str('a').i32(-1).u32(0).build(), /value type of 'a' is -1/],
  ['nested array', () => Raw.header(0, 1).str('a').i32(T.arr).i32(T.arr).u64(1).zeros(16).build(), /nested arrays/],
  ['array length beyond the file', () => Raw.header(0, 1).str('a').i32(T.arr).i32(T.u32).u64(1n << 40n).zeros(64).build(), /length of array 'a' is 1099511627776/],
  ['string array length beyond the file', () => Raw.header(0, 1).str('a').i32(T.arr).i32(T.str).u64(1000).zeros(64).build(), /length of array 'a' is 1000/],
  ['file cut inside the metadata', () => good().subarray(0, 70), /unexpected end of file reading length of key of metadata entry 1/],
  ['duplicate key', () => kvU32(kvU32(Raw.header(0, 2), 'a', 1), 'a', 2).build(), /duplicate metadata key 'a'/],
  ['empty key', () => kvU32(Raw.header(0, 1), '', 1).build(), /empty key/],
  ['alignment not a power of two', () => tensorInfo(kvU32(Raw.header(1, 1), 'general.alignment', 48), 't', [32], G.f32, 0).align(48).zeros(128).build(), /alignment 48 is not a power of two/],
  ['alignment of the wrong type', () => Raw.header(0, 1).str('general.alignment').i32(T.i32).i32(32).build(), /general.alignment must be of type u32/],
  ['five dimensions', () => tensorInfo(Raw.header(1, 0), 't', [32, 1, 1, 1, 1], G.f32, 0).align(32).zeros(128).build(), /5 dimensions/],
  ['zero dimension', () => tensorInfo(Raw.header(1, 0), 't', [32, 0], G.f32, 0).align(32).build(), /dimension 1 is 0/],
  ['negative dimension', () => tensorInfo(Raw.header(1, 0), 't', [-32], G.f32, 0).align(32).build(), /dimension 0 is -32/],
  ['element count overflow', () => tensorInfo(Raw.header(1, 0), 't', [1n << 31n, 1n << 31n, 1n << 31n, 1n << 31n], G.f32, 0).align(32).build(), /too many elements/],
  ['removed ggml type (Q4_2 = 4)', () => tensorInfo(Raw.header(1, 0), 't', [32], 4, 0).align(32).zeros(64).build(), /unknown ggml type 4/],
  ['unknown ggml type', () => tensorInfo(Raw.header(1, 0), 't', [32], 99, 0).align(32).zeros(64).build(), /unknown ggml type 99/],
  ['row not a whole number of blocks', () => tensorInfo(Raw.header(1, 0), 't', [33], G.q8_0, 0).align(32).zeros(64).build(), /33 elements per row, not a multiple of the block size 32/],
  ['misaligned offset', () => tensorInfo(Raw.header(1, 0), 't', [32], G.f32, 16).align(32).zeros(256).build(), /offset 16 is not a multiple of the alignment 32/],
  ['data past the end of the file', () => good().subarray(0, 128 + 64), /outside the file/],
  ['offset near 2^64', () => tensorInfo(Raw.header(1, 0), 't', [32], G.f32, (1n << 64n) - 32n).align(32).zeros(128).build(), /outside the file/],
  ['duplicate tensor name', () => tensorInfo(tensorInfo(Raw.header(2, 0), 't', [32], G.f32, 0), 't', [32], G.f32, 128).align(32).zeros(256).build(), /duplicate tensor name 't'/],
  ['overlapping tensors', () => tensorInfo(tensorInfo(Raw.header(2, 0), 'a', [64], G.f32, 0), 'b', [32], G.f32, 128).align(32).zeros(256).build(), /tensor 'b' data overlaps tensor 'a'/],
  ['tensor name of 64 bytes', () => tensorInfo(Raw.header(1, 0), 'n'.repeat(64), [32], G.f32, 0).align(32).zeros(128).build(), /64 bytes \(at most 63\)/],
];

test.each(cases)('rejects: %s', async (_name, make, pattern) => {
  await rejects(make(), pattern);
});

test('a missing file is NOT_FOUND', async () => {
  await expect(readGguf('/nonexistent/model.gguf')).rejects.toMatchObject({ code: 'NOT_FOUND' });
});

test('arguments are validated', async () => {
  await expect(readGguf('' as string)).rejects.toThrow(RangeError);
  await expect(readGguf(5 as unknown as string)).rejects.toThrow(TypeError);
  await expect(readGguf(tempFile(good()), { maxArrayLength: -1 })).rejects.toThrow(RangeError);
});
