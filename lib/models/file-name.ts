import { fail } from '../validate.js';

// Characters Windows refuses in file names, plus control characters; replaced so a URL-derived
// name is valid on every platform and a cache folder can be shared.
const UNSAFE_CHAR = /[<>:"|?*\u0000-\u001f]/;
const UNSAFE_CHARS = new RegExp(UNSAFE_CHAR.source, 'g');

/**
 * Checks a caller-chosen file name for a download: one path component, no separators.
 * @param name - the parameter name used in error messages
 */
export function checkFileName(name: string, value: unknown): string {
  if (typeof value !== 'string') fail(name, 'a file name string', value);
  if (value.length === 0 || value === '.' || value === '..' || /[/\\]/.test(value) || UNSAFE_CHAR.test(value)) {
    fail(name, 'a plain file name without path separators or reserved characters', value, 'range');
  }
  return value;
}

/**
 * The file name a URL downloads to: its last path segment, percent-decoded, with characters that
 * are not portable in file names replaced by `_`. The query string never takes part, so signed CDN
 * URLs map to the same name. Throws RangeError when the path ends without a name (e.g. `/`).
 */
export function fileNameFromUrl(url: URL): string {
  const segments = url.pathname.split('/');
  const last = segments[segments.length - 1] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(last);
  } catch {
    decoded = last;
  }
  const safe = decoded.replace(/[/\\]/g, '_').replace(UNSAFE_CHARS, '_');
  if (safe === '' || safe === '.' || safe === '..') {
    fail('url', 'a URL whose path ends in a file name (or pass a file name explicitly)', url.href, 'range');
  }
  return safe;
}
