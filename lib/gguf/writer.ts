import { open } from 'node:fs/promises';
import { checkInteger, checkObject, checkString, fail } from '../validate.js';
import { ByteSink, encodeKv, toTypedValue, type GgufMetadataInput, type GgufTypedInput } from './metadata-encode.js';
import {
  GGML_MAX_DIMS, GGML_MAX_NAME, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, ggmlTensorBytes, ggmlTypeByName,
} from './types.js';

/** Tensor bytes, or a function producing them when the writer reaches the tensor (so only one tensor is in memory at a time). */
export type GgufTensorData = ArrayBufferView | (() => ArrayBufferView | Promise<ArrayBufferView>);

/** One tensor to write. */
export interface GgufTensorInput {
  name: string;
  /** ggml type name (`f32`, `f16`, `q8_0`, `q4_0`, …). */
  type: string;
  /** Dimensions in ggml order (ne0 first). */
  shape: readonly number[];
  /** Raw little-endian tensor bytes in ggml's layout for `type` (e.g. a Float32Array for f32, f16 bits in a Uint16Array). */
  data: GgufTensorData;
}

/** What {@link writeGguf} writes. */
export interface WriteGgufOptions {
  /** Metadata in the order it should appear; see `toTypedValue` for how plain values are typed. */
  metadata?: Record<string, GgufMetadataInput> | Map<string, GgufMetadataInput>;
  tensors?: readonly GgufTensorInput[];
  /** Data alignment (power of two); when not 32 it is recorded as `general.alignment`. Default 32 or the metadata's value. */
  alignment?: number;
}

const pad = (n: number, a: number): number => Math.ceil(n / a) * a;

function resolveAlignment(opts: WriteGgufOptions, entries: Array<[string, GgufTypedInput]>): number {
  const meta = entries.find(([k]) => k === 'general.alignment');
  let alignment = opts.alignment;
  if (alignment !== undefined) checkInteger('options.alignment', alignment, { min: 1, max: 0x80000000 });
  if (meta) {
    if (meta[1].type !== 'u32') fail('metadata["general.alignment"]', 'of type u32', meta[1].type);
    if (alignment !== undefined && meta[1].value !== alignment) fail('metadata["general.alignment"]', `equal to options.alignment (${alignment})`, meta[1].value, 'range');
    alignment = meta[1].value as number;
  } else if (alignment !== undefined && alignment !== GGUF_DEFAULT_ALIGNMENT) {
    entries.push(['general.alignment', { type: 'u32', value: alignment }]);
  }
  alignment ??= GGUF_DEFAULT_ALIGNMENT;
  if ((alignment & (alignment - 1)) !== 0) fail('alignment', 'a power of two', alignment, 'range');
  return alignment;
}

function checkTensor(t: GgufTensorInput, i: number, seen: Set<string>): number {
  checkObject(`tensors[${i}]`, t);
  const name = checkString(`tensors[${i}].name`, t.name, { nonEmpty: true });
  if (Buffer.byteLength(name) >= GGML_MAX_NAME) fail(`tensors[${i}].name`, `shorter than ${GGML_MAX_NAME} bytes`, name, 'range');
  if (seen.has(name)) fail(`tensors[${i}].name`, 'unique', name, 'range');
  seen.add(name);
  const type = ggmlTypeByName(t.type);
  if (!type) fail(`tensors[${i}].type`, 'a ggml type name such as "f32", "f16", "q8_0"', t.type, 'range');
  if (!Array.isArray(t.shape) || t.shape.length < 1 || t.shape.length > GGML_MAX_DIMS) fail(`tensors[${i}].shape`, `an array of 1…${GGML_MAX_DIMS} dimensions`, t.shape);
  t.shape.forEach((d, j) => checkInteger(`tensors[${i}].shape[${j}]`, d, { min: 1, max: Number.MAX_SAFE_INTEGER }));
  if (t.shape[0]! % type.blockSize !== 0) fail(`tensors[${i}].shape[0]`, `a multiple of ${type.blockSize} (the ${type.name} block size)`, t.shape[0], 'range');
  if (!ArrayBuffer.isView(t.data) && typeof t.data !== 'function') fail(`tensors[${i}].data`, 'an ArrayBufferView or a function returning one', t.data);
  const bytes = ggmlTensorBytes(type, t.shape);
  if (ArrayBuffer.isView(t.data) && t.data.byteLength !== bytes) {
    fail(`tensors[${i}].data`, `${bytes} bytes for ${t.type} ${JSON.stringify(t.shape)}`, `${t.data.byteLength} bytes`, 'range');
  }
  return bytes;
}

/**
 * Writes a GGUF v3 file: header, metadata (in the given order), tensor directory, then each
 * tensor's data padded to the alignment. Tensor data given as functions is produced and written
 * one tensor at a time. Arguments are checked before the file is created, except the size of
 * data returned by functions, which is checked when it is produced.
 */
export async function writeGguf(path: string, options: WriteGgufOptions): Promise<void> {
  checkString('path', path, { nonEmpty: true });
  checkObject('options', options);
  const metaIn = options.metadata ?? {};
  const pairs = metaIn instanceof Map ? [...metaIn.entries()] : Object.entries(checkObject('options.metadata', metaIn));
  const entries: Array<[string, GgufTypedInput]> = pairs.map(([k, v]) => {
    checkString('metadata key', k, { nonEmpty: true });
    return [k, toTypedValue(`metadata[${JSON.stringify(k)}]`, v as GgufMetadataInput)];
  });
  const alignment = resolveAlignment(options, entries);
  const tensors = options.tensors ?? [];
  if (!Array.isArray(tensors)) fail('options.tensors', 'an array', tensors);
  const seen = new Set<string>();
  const sizes = tensors.map((t, i) => checkTensor(t, i, seen));

  const head = new ByteSink();
  head.u32(GGUF_MAGIC);
  head.u32(GGUF_VERSION);
  head.u64(BigInt(tensors.length));
  head.u64(BigInt(entries.length));
  for (const [k, tv] of entries) encodeKv(head, k, tv);
  let offset = 0;
  tensors.forEach((t, i) => {
    head.str(t.name);
    head.u32(t.shape.length);
    for (const d of t.shape) head.i64(BigInt(d));
    head.i32(ggmlTypeByName(t.type)!.id);
    head.u64(BigInt(offset));
    offset += pad(sizes[i]!, alignment);
  });
  if (tensors.length > 0) head.zeros(pad(head.length, alignment) - head.length);

  const fh = await open(path, 'w');
  try {
    let pos = 0;
    const put = async (bytes: Uint8Array): Promise<void> => {
      for (let done = 0; done < bytes.length;) {
        const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, pos);
        done += bytesWritten;
        pos += bytesWritten;
      }
    };
    await put(head.bytes());
    for (let i = 0; i < tensors.length; i++) {
      const t = tensors[i]!;
      const view = typeof t.data === 'function' ? await t.data() : t.data;
      if (!ArrayBuffer.isView(view)) fail(`tensors[${i}].data()`, 'an ArrayBufferView', view);
      if (view.byteLength !== sizes[i]) fail(`tensors[${i}].data`, `${sizes[i]} bytes for ${t.type} ${JSON.stringify(t.shape)}`, `${view.byteLength} bytes`, 'range');
      await put(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
      const padding = pad(sizes[i]!, alignment) - sizes[i]!;
      if (padding > 0) await put(new Uint8Array(padding));
    }
  } finally {
    await fh.close();
  }
}
