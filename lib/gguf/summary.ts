// Human-oriented facts about a GGUF file, shared by `llama-loom inspect` and library users.
import type { GgufMetadataEntry } from './read-metadata.js';
import type { GgufFile } from './reader.js';
import { fileTypeName } from './types.js';

/** Tensor count and bytes for one ggml type. */
export interface TensorTypeSummary {
  type: string;
  count: number;
  bytes: number;
}

/** A special token's id and, when inside the vocabulary, its text. */
export interface SpecialToken {
  id: number;
  text?: string;
}

/** Headline facts about a GGUF file. */
export interface GgufSummary {
  architecture: string | undefined;
  name: string | undefined;
  /** Sum of the element counts of all tensors. */
  parameterCount: number;
  /** `general.file_type` and its llama_ftype name, when present. */
  fileType: { id: number; name: string } | undefined;
  fileSize: number;
  tensorCount: number;
  /** Per ggml type, most bytes first. */
  tensorTypes: TensorTypeSummary[];
  tokenizerModel: string | undefined;
  vocabSize: number | undefined;
  /** Special tokens by short name (`bos`, `eos`, `unknown`, …). */
  specialTokens: Record<string, SpecialToken>;
}

const SPECIAL_KEY = /^tokenizer\.ggml\.(\w+)_token_id$/;

/** Computes the {@link GgufSummary} of a file read with {@link readGguf}. */
export function summarizeGguf(file: GgufFile): GgufSummary {
  const str = (key: string): string | undefined => {
    const v = file.metadata.get(key);
    return typeof v === 'string' ? v : undefined;
  };
  const byType = new Map<string, TensorTypeSummary>();
  let parameterCount = 0;
  for (const t of file.tensors) {
    parameterCount += t.elementCount;
    const s = byType.get(t.type) ?? { type: t.type, count: 0, bytes: 0 };
    s.count++;
    s.bytes += t.byteSize;
    byType.set(t.type, s);
  }
  const ft = file.metadata.get('general.file_type');
  const tokensEntry = file.kv.get('tokenizer.ggml.tokens');
  const tokens = tokensEntry?.arrayType === 'str' ? (tokensEntry.value as string[]) : undefined;
  const specialTokens: Record<string, SpecialToken> = {};
  for (const [key, entry] of file.kv) {
    const m = SPECIAL_KEY.exec(key);
    if (!m || typeof entry.value !== 'number') continue;
    const id = entry.value;
    specialTokens[m[1]!] = tokens && id >= 0 && id < tokens.length ? { id, text: tokens[id] } : { id };
  }
  return {
    architecture: str('general.architecture'),
    name: str('general.name'),
    parameterCount,
    fileType: typeof ft === 'number' ? { id: ft, name: fileTypeName(ft) } : undefined,
    fileSize: file.fileSize,
    tensorCount: file.tensors.length,
    tensorTypes: [...byType.values()].sort((a, b) => b.bytes - a.bytes || a.type.localeCompare(b.type)),
    tokenizerModel: str('tokenizer.ggml.model'),
    vocabSize: tokensEntry ? (tokensEntry.length ?? (tokensEntry.value as string[]).length) : undefined,
    specialTokens,
  };
}

/** A JSON-safe rendering of one scalar (bigints as numbers when exact, else strings; non-finite floats as strings). */
export function jsonScalar(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}

/** A JSON-safe rendering of a metadata entry; arrays longer than `maxItems` keep their first `maxItems` elements. */
export function jsonMetadataValue(e: GgufMetadataEntry, maxItems: number): unknown {
  if (e.type !== 'arr') return { type: e.type, value: jsonScalar(e.value) };
  const arr = Array.from(e.value as ArrayLike<unknown>);
  const length = e.length ?? arr.length;
  const out: Record<string, unknown> = { type: 'arr', arrayType: e.arrayType, length };
  if (length <= maxItems) out.value = arr.map(jsonScalar);
  else out.first = arr.slice(0, maxItems).map(jsonScalar);
  return out;
}

/** One-line text rendering of a metadata value: long arrays as `[type × N] first, few, …`. */
export function formatMetadataValue(e: GgufMetadataEntry, maxItems = 8, maxString = 120): string {
  const one = (v: unknown): string => {
    if (typeof v === 'string') return JSON.stringify(v.length > maxString ? v.slice(0, maxString) + '…' : v);
    return String(v);
  };
  if (e.type !== 'arr') return one(e.value);
  const arr = e.value as ArrayLike<unknown>;
  const length = e.length ?? arr.length;
  const shown = Array.from({ length: Math.min(maxItems, arr.length) }, (_, i) => one(arr[i]));
  return `[${e.arrayType} × ${length}] ${shown.join(', ')}${length > shown.length ? ', …' : ''}`;
}
