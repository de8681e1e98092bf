// Argument checks shared by the metric entry points (built on lib/validate.ts).

import { checkString, fail } from '../validate.js';

/** An array of strings; returns it typed. */
export function checkStringArray(name: string, value: unknown): string[] {
  if (!Array.isArray(value)) fail(name, 'an array of strings', value);
  value.forEach((v, i) => checkString(`${name}[${i}]`, v));
  return value as string[];
}

/**
 * Reference streams in sacrebleu's layout (`references[k][i]` = k-th reference of segment i):
 * at least one stream, each as long as the hypotheses.
 */
export function checkReferenceStreams(name: string, value: unknown, segments: number): string[][] {
  if (!Array.isArray(value) || value.length === 0) fail(name, 'a non-empty array of reference streams (arrays of strings)', value);
  return value.map((stream, k) => {
    const checked = checkStringArray(`${name}[${k}]`, stream);
    if (checked.length !== segments) {
      fail(`${name}[${k}]`, `an array of ${segments} strings (one per hypothesis)`, checked, 'range');
    }
    return checked;
  });
}
