// Parsing of the HTTP `Content-Range` response header (RFC 9110 §14.4) for byte ranges.

/** `bytes first-last/complete` from a 206 answer; `complete` is undefined when the server sent `*`. */
export interface SatisfiedRange {
  kind: 'range';
  first: number;
  last: number;
  complete: number | undefined;
}

/** `bytes *\/complete` from a 416 answer: the requested range lay outside a representation of this size. */
export interface UnsatisfiedRange {
  kind: 'unsatisfied';
  complete: number;
}

const SATISFIED = /^bytes[ \t]+(\d+)-(\d+)\/(\d+|\*)$/i;
const UNSATISFIED = /^bytes[ \t]+\*\/(\d+)$/i;

/**
 * Parses a `Content-Range` header value. Returns undefined for a missing header, another unit,
 * or a range that is internally inconsistent (last before first, or past the complete length),
 * which RFC 9110 calls invalid and a client must not trust.
 */
export function parseContentRange(value: string | null | undefined): SatisfiedRange | UnsatisfiedRange | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  const unsatisfied = UNSATISFIED.exec(text);
  if (unsatisfied) return { kind: 'unsatisfied', complete: Number(unsatisfied[1]) };
  const m = SATISFIED.exec(text);
  if (!m) return undefined;
  const first = Number(m[1]);
  const last = Number(m[2]);
  const complete = m[3] === '*' ? undefined : Number(m[3]);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last < first) return undefined;
  if (complete !== undefined && (!Number.isSafeInteger(complete) || last >= complete)) return undefined;
  return { kind: 'range', first, last, complete };
}
