// Reading one-segment-per-line files the way sacrebleu's CLI does: split on "\n" only, a final
// newline does not start another segment, and each line loses its trailing whitespace
// (including a "\r" from CRLF files).

import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { checkString } from '../validate.js';
import { pyRstrip } from './text.js';

/** Segments of a text: one per line, trailing whitespace removed. */
export function splitSegments(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map(pyRstrip);
}

async function readStream(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Segments of a UTF-8 file, or of `stdin` when `path` is undefined or "-". */
export async function readSegments(path: string | undefined, stdin: Readable): Promise<string[]> {
  if (path === undefined || path === '-') return splitSegments(await readStream(stdin));
  return splitSegments(await readFile(checkString('path', path, { nonEmpty: true }), 'utf8'));
}
