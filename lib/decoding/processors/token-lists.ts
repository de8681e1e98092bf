import { checkNumber, fail, isTypedArrayOf } from '../../validate.js';

/** A list of token ids: integers ≥ 0, returned as an Int32Array. */
export function checkTokenList(name: string, value: unknown, { nonEmpty = false } = {}): Int32Array {
  if (!Array.isArray(value) && !isTypedArrayOf(value, 'Int32Array')) fail(name, 'an array of token ids', value);
  const list = value as ArrayLike<unknown>;
  if (nonEmpty && list.length === 0) fail(name, 'a non-empty array of token ids', value, 'range');
  const out = new Int32Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const t = list[i];
    if (typeof t !== 'number' || !Number.isInteger(t)) fail(`${name}[${i}]`, 'an integer token id', t);
    if (t < 0 || t > 0x7fffffff) fail(`${name}[${i}]`, 'a token id in [0, 2147483647]', t, 'range');
    out[i] = t;
  }
  return out;
}

/** A list of token sequences, each non-empty. */
export function checkSequenceList(name: string, value: unknown): Int32Array[] {
  if (!Array.isArray(value)) fail(name, 'an array of token-id arrays', value);
  return value.map((seq, i) => checkTokenList(`${name}[${i}]`, seq, { nonEmpty: true }));
}

/** A bias: a finite number, or -Infinity to ban. */
export function checkBias(name: string, value: unknown): number {
  if (value === -Infinity) return value;
  return checkNumber(name, value);
}

/**
 * True when `ids` ends with `seq[0 .. seq.length-1)`, i.e. the next token `seq[seq.length-1]` would
 * complete `seq`. As in transformers, a sequence longer than the context never matches.
 */
export function completesSequence(ids: Int32Array, seq: Int32Array): boolean {
  const m = seq.length - 1;
  if (seq.length > ids.length) return false;
  const off = ids.length - m;
  for (let j = 0; j < m; j++) if (ids[off + j] !== seq[j]) return false;
  return true;
}
