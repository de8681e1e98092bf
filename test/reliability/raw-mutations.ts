// Byte-level edits of a serialised GGUF file: truncations, bit flips, and overwriting the counts,
// value types, tensor dimensions, types and offsets that the container header stores. The
// positions are found from the header's own encoding (gguf.h: u64-length-prefixed strings), so
// each edit hits the field it names.
import type { Rng } from '../../lib/gguf/random.js';
import type { GgufFile } from '../../lib/gguf/reader.js';

/** One byte-level mutation: what it did, and the edited copy of the file. */
export interface RawEdit {
  category: string;
  description: string;
  bytes: Buffer;
}

const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng.uniform() * list.length)]!;
const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng.uniform() * (hi - lo + 1));

/** Offset of the first byte after the u64-length-prefixed string `s` in the header, or -1. */
function afterString(bytes: Buffer, s: string, end: number): number {
  const body = Buffer.from(s, 'utf8');
  const needle = Buffer.alloc(8 + body.length);
  needle.writeBigUInt64LE(BigInt(body.length));
  body.copy(needle, 8);
  const at = bytes.subarray(0, end).indexOf(needle);
  return at < 0 ? -1 : at + needle.length;
}

/** Where one tensor's directory entry keeps n_dims, its dims, its type id and its offset. */
function tensorFields(bytes: Buffer, file: GgufFile, name: string): { nDims: number; dims: number; type: number; offset: number } | undefined {
  const at = afterString(bytes, name, file.dataOffset);
  if (at < 0) return undefined;
  const nDims = bytes.readUInt32LE(at);
  return { nDims: at, dims: at + 4, type: at + 4 + 8 * nDims, offset: at + 8 + 8 * nDims };
}

const HUGE_U64 = [1n << 63n, (1n << 64n) - 1n, 1n << 40n, 0xffffffffn, 1n << 32n];

type RawMaker = (rng: Rng, bytes: Buffer, file: GgufFile) => RawEdit | undefined;

const truncate: RawMaker = (rng, bytes, file) => {
  const inHeader = rng.uniform() < 0.6;
  const cut = inHeader ? int(rng, 0, file.dataOffset) : int(rng, file.dataOffset, bytes.length - 1);
  return { category: 'truncation', description: `truncated to ${cut} of ${bytes.length} bytes`, bytes: Buffer.from(bytes.subarray(0, cut)) };
};

const bitFlips: RawMaker = (rng, bytes, file) => {
  const out = Buffer.from(bytes);
  const n = int(rng, 1, 4);
  const where: number[] = [];
  for (let i = 0; i < n; i++) {
    const pos = int(rng, 0, file.dataOffset - 1);
    out[pos]! ^= 1 << int(rng, 0, 7);
    where.push(pos);
  }
  return { category: 'bit-flip', description: `flipped bits at header bytes ${where.join(', ')}`, bytes: out };
};

const hugeCount: RawMaker = (rng, bytes, file) => {
  const out = Buffer.from(bytes);
  const value = pick(rng, HUGE_U64);
  const target = pick(rng, ['tensor count', 'metadata key count', 'array length', 'string length'] as const);
  if (target === 'tensor count' || target === 'metadata key count') {
    out.writeBigUInt64LE(value, target === 'tensor count' ? 8 : 16);
    return { category: 'huge-count', description: `${target} set to ${value}`, bytes: out };
  }
  const arrays = [...file.kv].filter(([, e]) => e.type === 'arr').map(([k]) => k);
  const strings = [...file.kv].filter(([, e]) => e.type === 'str').map(([k]) => k);
  const key = pick(rng, target === 'array length' ? arrays : strings);
  const at = afterString(out, key, file.dataOffset);
  if (at < 0) return undefined;
  // arr: type id, element type id, u64 count; str: type id, u64 length.
  out.writeBigUInt64LE(value, target === 'array length' ? at + 8 : at + 4);
  return { category: 'huge-count', description: `${target} of '${key}' set to ${value}`, bytes: out };
};

const valueTypeId: RawMaker = (rng, bytes, file) => {
  const out = Buffer.from(bytes);
  const key = pick(rng, [...file.kv.keys()]);
  const at = afterString(out, key, file.dataOffset);
  if (at < 0) return undefined;
  const id = pick(rng, [13, 255, -1, 0x7fffffff, 9, 8, 4, 6]);
  out.writeInt32LE(id, at);
  return { category: 'metadata-type', description: `type id of '${key}' overwritten with ${id}`, bytes: out };
};

const tensorHeader: RawMaker = (rng, bytes, file) => {
  const out = Buffer.from(bytes);
  const t = pick(rng, file.tensors);
  const f = tensorFields(out, file, t.name);
  if (!f) return undefined;
  const field = pick(rng, ['n_dims', 'dim', 'type', 'offset', 'offset'] as const);
  let what: string;
  if (field === 'n_dims') {
    const v = pick(rng, [0, 5, 0xffffffff, t.shape.length + 1]);
    out.writeUInt32LE(v, f.nDims);
    what = `n_dims = ${v}`;
  } else if (field === 'dim') {
    const d = int(rng, 0, t.shape.length - 1);
    const v = pick(rng, [0n, -1n, -(1n << 62n), 1n << 40n, BigInt(t.shape[d]! * 2), BigInt(t.shape[d]! + 1)]);
    out.writeBigInt64LE(v, f.dims + 8 * d);
    what = `dim ${d} = ${v}`;
  } else if (field === 'type') {
    const v = pick(rng, [-1, 4, 5, 31, 39, 40, 1000, 24, 2, 8, 30]);
    out.writeInt32LE(v, f.type);
    what = `type id = ${v}`;
  } else {
    const v = pick(rng, [BigInt(t.offset + 1), BigInt(t.offset + 32), 0n, BigInt(bytes.length), 1n << 62n, (1n << 64n) - 32n]);
    out.writeBigUInt64LE(v, f.offset);
    what = `data offset = ${v}`;
  }
  return { category: 'tensor-header', description: `tensor '${t.name}': ${what}`, bytes: out };
};

const versionOrMagic: RawMaker = (rng, bytes) => {
  const out = Buffer.from(bytes);
  if (rng.uniform() < 0.5) {
    const v = pick(rng, [0, 1, 4, 0x03000000, 0xffffffff]);
    out.writeUInt32LE(v, 4);
    return { category: 'bit-flip', description: `version = ${v}`, bytes: out };
  }
  out.write('GGML', 0, 'latin1');
  return { category: 'bit-flip', description: 'magic = GGML', bytes: out };
};

const RAW_MAKERS: ReadonlyArray<[RawMaker, number]> = [
  [truncate, 3], [bitFlips, 4], [hugeCount, 2], [valueTypeId, 2], [tensorHeader, 3], [versionOrMagic, 1],
];
const RAW_WEIGHT = RAW_MAKERS.reduce((s, [, w]) => s + w, 0);

/** One random byte-level edit of `bytes` (a valid file described by `file`). */
export function rawMutation(rng: Rng, bytes: Buffer, file: GgufFile): RawEdit {
  for (;;) {
    let r = rng.uniform() * RAW_WEIGHT;
    const maker = RAW_MAKERS.find(([, w]) => (r -= w) < 0)?.[0] ?? truncate;
    const edit = maker(rng, bytes, file);
    if (edit) return edit;
  }
}
