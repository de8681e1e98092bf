// Constant tables of the GGUF container format and the ggml tensor types it carries.
// Numbering follows ggml/include/gguf.h, ggml/include/ggml.h and include/llama.h of llama.cpp.

/** Names of the GGUF metadata value types, in the spelling `gguf_type_name` uses. */
export type GgufScalarType =
  | 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'bool' | 'str' | 'u64' | 'i64' | 'f64';

/** A GGUF metadata value type: a scalar type or `arr` (an array of one scalar type). */
export type GgufValueType = GgufScalarType | 'arr';

/** On-disk id (int32) of each GGUF value type. */
export const GGUF_VALUE_TYPE_IDS: Readonly<Record<GgufValueType, number>> = {
  u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, str: 8, arr: 9, u64: 10, i64: 11, f64: 12,
};

/** Value type by on-disk id; `undefined` marks ids no GGUF version defines. */
export const GGUF_VALUE_TYPE_BY_ID: readonly GgufValueType[] = [
  'u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'bool', 'str', 'arr', 'u64', 'i64', 'f64',
];

/** Encoded size in bytes of the fixed-size scalar types (strings are length-prefixed instead). */
export const GGUF_SCALAR_SIZE: Readonly<Record<Exclude<GgufScalarType, 'str'>, number>> = {
  u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, bool: 1, u64: 8, i64: 8, f64: 8,
};

/** A decoded metadata array. Numeric arrays use the typed array of their element type. */
export type GgufArray =
  | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array
  | BigUint64Array | BigInt64Array | boolean[] | string[];

/** A decoded metadata value: 64-bit integers are bigints, other numbers are numbers. */
export type GgufValue = number | bigint | boolean | string | GgufArray;

/** A metadata value together with its GGUF type, as read from or written to a file. */
export interface GgufTypedValue {
  type: GgufValueType;
  /** Element type when `type` is `arr`. */
  arrayType?: GgufScalarType;
  value: GgufValue;
}

/** Magic bytes at the start of every GGUF file ("GGUF"). */
export const GGUF_MAGIC = 0x46554747; // "GGUF" read as little-endian uint32
/** Alignment of the tensor data section when `general.alignment` is absent. */
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** The GGUF version the writer produces. */
export const GGUF_VERSION = 3;
/** ggml keeps tensor names in a 64-byte buffer including the terminating NUL. */
export const GGML_MAX_NAME = 64;
/** ggml tensors have at most four dimensions. */
export const GGML_MAX_DIMS = 4;

/** Block geometry of one ggml tensor type. */
export interface GgmlTypeInfo {
  /** On-disk id (ggml_type). */
  id: number;
  /** ggml's name, e.g. `q8_0`. */
  name: string;
  /** Elements per block. */
  blockSize: number;
  /** Bytes per block. */
  typeSize: number;
}

const QK_K = 256;

// [name, blockSize, typeSize] indexed by ggml_type id; null for ids ggml removed from files
// (Q4_2, Q4_3 and the runtime-repacked Q4_0_x_x / IQ4_NL_x_x layouts).
const GGML_TYPE_ROWS: ReadonlyArray<readonly [string, number, number] | null> = [
  ['f32', 1, 4],
  ['f16', 1, 2],
  ['q4_0', 32, 2 + 16],
  ['q4_1', 32, 2 + 2 + 16],
  null,
  null,
  ['q5_0', 32, 2 + 4 + 16],
  ['q5_1', 32, 2 + 2 + 4 + 16],
  ['q8_0', 32, 2 + 32],
  ['q8_1', 32, 4 + 4 + 32],
  ['q2_K', QK_K, 2 + 2 + QK_K / 16 + QK_K / 4],
  ['q3_K', QK_K, 2 + QK_K / 4 + QK_K / 8 + 12],
  ['q4_K', QK_K, 2 + 2 + QK_K / 2 + 12],
  ['q5_K', QK_K, 2 + 2 + QK_K / 2 + QK_K / 8 + 12],
  ['q6_K', QK_K, 2 + QK_K / 2 + QK_K / 4 + QK_K / 16],
  ['q8_K', QK_K, 4 + QK_K + QK_K / 8],
  ['iq2_xxs', QK_K, 2 + QK_K / 4],
  ['iq2_xs', QK_K, 2 + QK_K / 4 + QK_K / 32],
  ['iq3_xxs', QK_K, 2 + QK_K / 4 + QK_K / 8],
  ['iq1_s', QK_K, 2 + QK_K / 8 + QK_K / 16],
  ['iq4_nl', 32, 2 + 16],
  ['iq3_s', QK_K, 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4],
  ['iq2_s', QK_K, 2 + QK_K / 4 + QK_K / 16],
  ['iq4_xs', QK_K, 2 + 2 + QK_K / 2 + QK_K / 64],
  ['i8', 1, 1],
  ['i16', 1, 2],
  ['i32', 1, 4],
  ['i64', 1, 8],
  ['f64', 1, 8],
  ['iq1_m', QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32],
  ['bf16', 1, 2],
  null,
  null,
  null,
  ['tq1_0', QK_K, 2 + 4 * 13],
  ['tq2_0', QK_K, 2 + 64],
  null,
  null,
  null,
  ['mxfp4', 32, 1 + 16],
  ['nvfp4', 64, 4 + 32],
  ['q1_0', 128, 2 + 16],
  ['q2_0', 64, 2 + 16],
];

/** Every ggml tensor type a GGUF file may carry, keyed by ggml's name. */
export const GGML_TYPES: ReadonlyMap<string, GgmlTypeInfo> = new Map(
  GGML_TYPE_ROWS.flatMap((row, id) => (row ? [[row[0], { id, name: row[0], blockSize: row[1], typeSize: row[2] }]] : [])),
);

const GGML_TYPES_BY_ID: ReadonlyArray<GgmlTypeInfo | undefined> = GGML_TYPE_ROWS.map((row, id) =>
  row ? GGML_TYPES.get(row[0]) : undefined);

/** The ggml type with this on-disk id, or `undefined` for ids that are unknown or removed. */
export function ggmlTypeById(id: number): GgmlTypeInfo | undefined {
  return Number.isInteger(id) ? GGML_TYPES_BY_ID[id] : undefined;
}

/** The ggml type with this name (`f32`, `q8_0`, `q4_K` …), or `undefined`. */
export function ggmlTypeByName(name: string): GgmlTypeInfo | undefined {
  return GGML_TYPES.get(name);
}

/**
 * Bytes a tensor of this type and shape occupies (ggml_nbytes for a contiguous tensor):
 * rows of `shape[0]` elements stored as whole blocks. Throws RangeError when `shape[0]` is not
 * a multiple of the block size.
 */
export function ggmlTensorBytes(type: GgmlTypeInfo, shape: readonly number[]): number {
  const ne0 = shape.length > 0 ? shape[0]! : 1;
  if (ne0 % type.blockSize !== 0) {
    throw new RangeError(`shape[0] must be a multiple of ${type.blockSize} for type ${type.name}; received ${ne0}`);
  }
  let rows = 1;
  for (let i = 1; i < shape.length; i++) rows *= shape[i]!;
  return (ne0 / type.blockSize) * type.typeSize * rows;
}

/** `llama_ftype` values (`general.file_type`) by their enum name without the `LLAMA_FTYPE_` prefix. */
export const LLAMA_FILE_TYPES: Readonly<Record<string, number>> = {
  ALL_F32: 0, MOSTLY_F16: 1, MOSTLY_Q4_0: 2, MOSTLY_Q4_1: 3, MOSTLY_Q4_1_SOME_F16: 4,
  MOSTLY_Q8_0: 7, MOSTLY_Q5_0: 8, MOSTLY_Q5_1: 9, MOSTLY_Q2_K: 10, MOSTLY_Q3_K_S: 11, MOSTLY_Q3_K_M: 12,
  MOSTLY_Q3_K_L: 13, MOSTLY_Q4_K_S: 14, MOSTLY_Q4_K_M: 15, MOSTLY_Q5_K_S: 16, MOSTLY_Q5_K_M: 17,
  MOSTLY_Q6_K: 18, MOSTLY_IQ2_XXS: 19, MOSTLY_IQ2_XS: 20, MOSTLY_Q2_K_S: 21, MOSTLY_IQ3_XS: 22,
  MOSTLY_IQ3_XXS: 23, MOSTLY_IQ1_S: 24, MOSTLY_IQ4_NL: 25, MOSTLY_IQ3_S: 26, MOSTLY_IQ3_M: 27,
  MOSTLY_IQ2_S: 28, MOSTLY_IQ2_M: 29, MOSTLY_IQ4_XS: 30, MOSTLY_IQ1_M: 31, MOSTLY_BF16: 32,
  MOSTLY_Q4_0_4_4: 33, MOSTLY_Q4_0_4_8: 34, MOSTLY_Q4_0_8_8: 35, MOSTLY_TQ1_0: 36, MOSTLY_TQ2_0: 37,
  MOSTLY_MXFP4_MOE: 38, MOSTLY_NVFP4: 39, MOSTLY_Q1_0: 40, MOSTLY_Q2_0: 41,
};

const FILE_TYPE_NAMES = new Map(Object.entries(LLAMA_FILE_TYPES).map(([name, id]) => [id, name]));

/** Name of a `general.file_type` value, e.g. 7 → `MOSTLY_Q8_0`; `UNKNOWN(n)` for other values. */
export function fileTypeName(fileType: number): string {
  return FILE_TYPE_NAMES.get(fileType) ?? `UNKNOWN(${fileType})`;
}

/** `tokenizer.ggml.token_type` values (llama_token_type). */
export const LLAMA_TOKEN_TYPES = {
  UNDEFINED: 0, NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6,
} as const;
