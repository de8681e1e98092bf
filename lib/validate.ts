// Argument checks shared by every public entry point. Messages name the parameter, what was
// expected and what was received, e.g. `top_p must be a number in (0, 1]; received 2`.

/** Short, safe rendering of a received value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${Object.prototype.toString.call(value).slice(8, -1)}`;
  if (typeof value === 'function') return 'a function';
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

export function fail(name: string, expected: string, value: unknown, kind: 'type' | 'range' = 'type'): never {
  const msg = `${name} must be ${expected}; received ${describe(value)}`;
  throw kind === 'type' ? new TypeError(msg) : new RangeError(msg);
}

export interface NumberBounds {
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  gt?: number;
  /** Exclusive upper bound. */
  lt?: number;
}

function boundsText(b: NumberBounds): string {
  const lo = b.gt !== undefined ? `(${b.gt}` : b.min !== undefined ? `[${b.min}` : '(-∞';
  const hi = b.lt !== undefined ? `${b.lt})` : b.max !== undefined ? `${b.max}]` : '∞)';
  return `${lo}, ${hi}`;
}

/** A finite number within the bounds; TypeError for non-numbers, RangeError when out of range. */
export function checkNumber(name: string, value: unknown, bounds: NumberBounds = {}): number {
  const what = Object.keys(bounds).length ? `a number in ${boundsText(bounds)}` : 'a finite number';
  if (typeof value !== 'number' || Number.isNaN(value)) fail(name, what, value);
  if (!Number.isFinite(value) && !(bounds.max === Infinity && value === Infinity)) fail(name, what, value, 'range');
  if ((bounds.min !== undefined && value < bounds.min) || (bounds.max !== undefined && value > bounds.max) ||
      (bounds.gt !== undefined && value <= bounds.gt) || (bounds.lt !== undefined && value >= bounds.lt)) {
    fail(name, what, value, 'range');
  }
  return value;
}

/** An integer within the bounds. */
export function checkInteger(name: string, value: unknown, bounds: NumberBounds = {}): number {
  const what = Object.keys(bounds).length ? `an integer in ${boundsText(bounds)}` : 'an integer';
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(name, what, value, typeof value === 'number' && Number.isFinite(value) ? 'range' : 'type');
  if ((bounds.min !== undefined && value < bounds.min) || (bounds.max !== undefined && value > bounds.max) ||
      (bounds.gt !== undefined && value <= bounds.gt) || (bounds.lt !== undefined && value >= bounds.lt)) {
    fail(name, what, value, 'range');
  }
  return value;
}

export function checkString(name: string, value: unknown, { nonEmpty = false } = {}): string {
  if (typeof value !== 'string') fail(name, nonEmpty ? 'a non-empty string' : 'a string', value);
  if (nonEmpty && value.length === 0) fail(name, 'a non-empty string', value, 'range');
  return value;
}

export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(name, 'a boolean', value);
  return value;
}

export function checkFunction<T extends (...args: never[]) => unknown>(name: string, value: unknown): T {
  if (typeof value !== 'function') fail(name, 'a function', value);
  return value as T;
}

export function checkObject(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(name, 'an object', value);
  return value as Record<string, unknown>;
}

/** One of the listed literal values. */
export function checkOneOf<T extends string | number | boolean>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) fail(name, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value, typeof value === typeof allowed[0] ? 'range' : 'type');
  return value as T;
}

/** An AbortSignal, or undefined. */
export function checkSignal(name: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) fail(name, 'an AbortSignal', value);
  return value;
}

/**
 * Realm-independent typed-array test: arrays made by the addon, another vm context or a worker
 * fail `instanceof` against this realm's constructors.
 */
export function isTypedArrayOf(value: unknown, kind: 'Int32Array' | 'Uint32Array' | 'Uint8Array' | 'Float32Array' | 'Float64Array'): boolean {
  return ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === `[object ${kind}]`;
}

/** Token ids: an Int32Array or array of integers, each within [0, vocabSize). Returns an Int32Array. */
export function checkTokens(name: string, value: unknown, vocabSize?: number): Int32Array {
  let out: Int32Array;
  if (isTypedArrayOf(value, 'Int32Array')) out = value as Int32Array;
  else if (Array.isArray(value) || isTypedArrayOf(value, 'Uint32Array')) {
    const list = value as ArrayLike<unknown>;
    out = new Int32Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const t = list[i];
      if (typeof t !== 'number' || !Number.isInteger(t)) fail(`${name}[${i}]`, 'an integer token id', t);
      out[i] = t;
    }
  } else return fail(name, 'an Int32Array or an array of token ids', value);
  if (vocabSize !== undefined) {
    for (let i = 0; i < out.length; i++) {
      if (out[i]! < 0 || out[i]! >= vocabSize) fail(`${name}[${i}]`, `a token id in [0, ${vocabSize})`, out[i], 'range');
    }
  }
  return out;
}
