import { open } from 'node:fs/promises';
import { LoomError } from '../errors.js';
import { checkNumber, checkObject, checkString } from '../validate.js';
import { FileCursor } from './file-cursor.js';
import { readCount, readString, readValue, readValueType, type GgufMetadataEntry } from './read-metadata.js';
import {
  GGML_MAX_DIMS, GGML_MAX_NAME, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, ggmlTypeById, type GgufValue,
} from './types.js';

/** One tensor described in a GGUF file's header. */
export interface GgufTensorInfo {
  name: string;
  /** ggml type name, e.g. `f32`, `q8_0`. */
  type: string;
  /** ggml type id as stored in the file. */
  typeId: number;
  /** Dimensions in ggml order: `shape[0]` (ne0) is the contiguous one. */
  shape: number[];
  /** Number of elements (product of `shape`). */
  elementCount: number;
  /** Offset of the data relative to the start of the data section, as stored in the file. */
  offset: number;
  /** Absolute offset of the data in the file (`dataOffset + offset`). */
  fileOffset: number;
  /** Bytes of tensor data. */
  byteSize: number;
}

/** The header, metadata and tensor directory of a GGUF file. Tensor data is not read. */
export interface GgufFile {
  path: string;
  /** Container version (2 or 3). */
  version: number;
  /** Alignment of the data section and of every tensor offset. */
  alignment: number;
  /** Metadata values by key, in file order. */
  metadata: Map<string, GgufValue>;
  /** The same metadata with each value's GGUF type (and full array length when truncated). */
  kv: Map<string, GgufMetadataEntry>;
  tensors: GgufTensorInfo[];
  /** Absolute file offset of the tensor data section. */
  dataOffset: number;
  fileSize: number;
}

/** Options of {@link readGguf}. */
export interface ReadGgufOptions {
  /** Keep at most this many elements of each metadata array (the entry's `length` keeps the full count). Default: all. */
  maxArrayLength?: number;
}

// Smallest encodings: a key/value pair is an 8-byte key length, a 1-byte key, a 4-byte type id
// and a 1-byte value; a tensor info is an 8-byte name length, n_dims, a type id and an offset.
const MIN_KV_BYTES = 8 + 1 + 4 + 1;
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;
const INT64_MAX = (1n << 63n) - 1n;

/**
 * Reads the header, metadata and tensor directory of a GGUF file without loading tensor data.
 * Every structural problem (bad magic or version, counts or lengths beyond the file, unknown
 * types, bad shapes, misaligned or out-of-file tensor data, duplicate keys or tensor names)
 * throws `LoomError('INVALID_GGUF')` naming the file and the problem; a path that does not exist or
 * is not a regular file (a directory) throws `LoomError('NOT_FOUND')`.
 */
export async function readGguf(path: string, options: ReadGgufOptions = {}): Promise<GgufFile> {
  checkString('path', path, { nonEmpty: true });
  checkObject('options', options);
  const maxArrayLength = options.maxArrayLength === undefined
    ? Number.MAX_SAFE_INTEGER
    : Math.floor(checkNumber('options.maxArrayLength', options.maxArrayLength, { min: 0, max: Infinity }));
  const fail = (what: string): never => {
    throw new LoomError('INVALID_GGUF', `${path}: ${what}`);
  };
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new LoomError(code === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_GGUF', `${path}: cannot open (${code ?? String(err)})`, { cause: err });
  }
  try {
    const stat = await fh.stat();
    // open() succeeds on a directory; reading it would throw a bare EISDIR.
    if (!stat.isFile()) throw new LoomError('NOT_FOUND', `${path}: not a regular file (${stat.isDirectory() ? 'a directory' : 'a device, socket or pipe'})`);
    const size = stat.size;
    const cur = new FileCursor(fh, size, fail);
    return await parse(path, cur, maxArrayLength, fail);
  } finally {
    await fh.close();
  }
}

async function parse(path: string, cur: FileCursor, maxArrayLength: number, fail: (what: string) => never): Promise<GgufFile> {
  await cur.need(8, 'the header');
  const magic = cur.u32();
  if (magic !== GGUF_MAGIC) fail(`bad magic 0x${magic.toString(16).padStart(8, '0')} (not a GGUF file)`);
  const version = cur.u32();
  if ((version & 0xffff) === 0) fail(`version ${version} is not valid (a big-endian file, or corrupt)`);
  if (version !== 2 && version !== 3) fail(`unsupported GGUF version ${version} (only 2 and 3 are supported)`);

  const nTensors = await readCount(cur, 'tensor count', Math.floor((cur.remaining - 16) / MIN_TENSOR_INFO_BYTES), fail);
  const nKv = await readCount(cur, 'metadata key count', Math.floor((cur.remaining - 8) / MIN_KV_BYTES), fail);

  const kv = new Map<string, GgufMetadataEntry>();
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < nKv; i++) {
    const key = await readString(cur, `key of metadata entry ${i}`, fail);
    if (key.length === 0) fail(`metadata entry ${i} has an empty key`);
    if (kv.has(key)) fail(`duplicate metadata key '${key}'`);
    const type = await readValueType(cur, `value type of '${key}'`, fail);
    const entry = await readValue(cur, key, type, maxArrayLength, fail);
    kv.set(key, entry);
    metadata.set(key, entry.value);
  }

  let alignment = GGUF_DEFAULT_ALIGNMENT;
  const alignEntry = kv.get('general.alignment');
  if (alignEntry) {
    if (alignEntry.type !== 'u32') fail(`general.alignment must be of type u32; found ${alignEntry.type}`);
    alignment = alignEntry.value as number;
    if (alignment === 0 || (alignment & (alignment - 1)) !== 0) fail(`general.alignment ${alignment} is not a power of two`);
  }

  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < nTensors; i++) {
    const name = await readString(cur, `name of tensor ${i}`, fail);
    if (Buffer.byteLength(name) >= GGML_MAX_NAME) fail(`tensor ${i} name '${name.slice(0, 80)}' is ${Buffer.byteLength(name)} bytes (at most ${GGML_MAX_NAME - 1})`);
    if (names.has(name)) fail(`duplicate tensor name '${name}'`);
    names.add(name);
    await cur.need(4, `dimension count of tensor '${name}'`);
    const nDims = cur.u32();
    if (nDims > GGML_MAX_DIMS) fail(`tensor '${name}' has ${nDims} dimensions (at most ${GGML_MAX_DIMS})`);
    await cur.need(8 * nDims + 4 + 8, `shape, type and offset of tensor '${name}'`);
    const shape: number[] = [];
    let elements = 1n;
    for (let d = 0; d < nDims; d++) {
      const ne = cur.i64();
      if (ne <= 0n) fail(`tensor '${name}' dimension ${d} is ${ne} (must be positive)`);
      elements *= ne;
      if (elements > BigInt(Number.MAX_SAFE_INTEGER)) fail(`tensor '${name}' has too many elements (shape overflows)`);
      shape.push(Number(ne));
    }
    const typeId = cur.i32();
    const type = ggmlTypeById(typeId);
    if (!type) fail(`tensor '${name}' has unknown ggml type ${typeId}`);
    const ne0 = shape.length > 0 ? shape[0]! : 1;
    if (ne0 % type.blockSize !== 0) fail(`tensor '${name}' of type ${type.name} has ${ne0} elements per row, not a multiple of the block size ${type.blockSize}`);
    const byteSize = (elements / BigInt(type.blockSize)) * BigInt(type.typeSize);
    const offset = cur.u64();
    if (offset % BigInt(alignment) !== 0n) fail(`tensor '${name}' offset ${offset} is not a multiple of the alignment ${alignment}`);
    if (offset > INT64_MAX || offset + byteSize > BigInt(cur.fileSize)) fail(`tensor '${name}' data (offset ${offset}, ${byteSize} bytes) lies outside the file (${cur.fileSize} bytes)`);
    tensors.push({ name, type: type.name, typeId, shape, elementCount: Number(elements), offset: Number(offset), fileOffset: 0, byteSize: Number(byteSize) });
  }

  const headerEnd = cur.offset;
  const dataOffset = nTensors > 0 ? Math.ceil(headerEnd / alignment) * alignment : headerEnd;
  if (dataOffset > cur.fileSize) fail(`data section would start at ${dataOffset}, past the end of the file (${cur.fileSize} bytes)`);
  for (const t of tensors) {
    t.fileOffset = dataOffset + t.offset;
    if (t.fileOffset + t.byteSize > cur.fileSize) {
      fail(`tensor '${t.name}' data (bytes ${t.fileOffset}…${t.fileOffset + t.byteSize}) lies outside the file (${cur.fileSize} bytes)`);
    }
  }
  const byOffset = [...tensors].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1]!, t = byOffset[i]!;
    if (t.offset < prev.offset + prev.byteSize) fail(`tensor '${t.name}' data overlaps tensor '${prev.name}'`);
  }
  return { path, version, alignment, metadata, kv, tensors, dataOffset, fileSize: cur.fileSize };
}
