// String helpers that reproduce Python's `str` semantics, because the reference metrics
// (sacrebleu, rouge-score) are defined by what Python's `split()`, `rstrip()` and code-point
// indexing do — JavaScript's `\s` and UTF-16 indexing differ in corner cases.

/**
 * Characters Python's `str.isspace()` accepts (what `str.split()` with no argument splits on).
 * Differs from JS `\s`: includes U+001C–U+001F and U+0085, excludes U+FEFF.
 */
const PY_WHITESPACE = '\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_SPLIT_RE = new RegExp(`[${PY_WHITESPACE}]+`, 'u');
const PY_RSTRIP_RE = new RegExp(`[${PY_WHITESPACE}]+$`, 'u');

/** Python's `s.split()`: split on runs of whitespace, dropping empty pieces. */
export function pySplit(s: string): string[] {
  return s.split(PY_SPLIT_RE).filter((p) => p.length > 0);
}

/** Python's `s.rstrip()`: remove trailing whitespace. */
export function pyRstrip(s: string): string {
  return s.replace(PY_RSTRIP_RE, '');
}

/** Code points of `s` (Python indexes strings by code point, not UTF-16 unit). */
export function codePoints(s: string): string[] {
  return Array.from(s);
}

/** Multiset of strings, like Python's `collections.Counter`. */
export type Counts = Map<string, number>;

/** Adds one occurrence of `key` to `counts`. */
export function increment(counts: Counts, key: string, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

/** Sum of all counts. */
export function totalCount(counts: Counts): number {
  let sum = 0;
  for (const c of counts.values()) sum += c;
  return sum;
}

/**
 * Counts the contiguous n-grams of `items`, each keyed by its members joined with a space; callers
 * pass whitespace-free tokens, so distinct n-grams never share a key.
 */
export function ngramCounts(items: readonly string[], n: number): Counts {
  const counts: Counts = new Map();
  for (let i = 0; i + n <= items.length; i++) increment(counts, items.slice(i, i + n).join(' '));
  return counts;
}
