// Argument checks specific to downloads, in the style of lib/validate.ts.
import { checkObject, checkString, fail } from '../validate.js';

/** An absolute http(s) URL string, returned parsed. */
export function checkHttpUrl(name: string, value: unknown): URL {
  checkString(name, value, { nonEmpty: true });
  let url: URL | undefined;
  try {
    url = new URL(value as string);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) fail(name, 'an http(s) URL', value, 'range');
  return url;
}

/** 64 hex digits, returned in lowercase (the form digests are compared in). */
export function checkSha256(name: string, value: unknown): string {
  checkString(name, value);
  if (!/^[0-9a-fA-F]{64}$/.test(value as string)) fail(name, 'a SHA-256 digest of 64 hex digits', value, 'range');
  return (value as string).toLowerCase();
}

/** A plain object of header names to string values. */
export function checkHeaders(name: string, value: unknown): Record<string, string> {
  const obj = checkObject(name, value);
  for (const [key, v] of Object.entries(obj)) checkString(`${name}.${key}`, v);
  return obj as Record<string, string>;
}
