// Evaluation datasets as JSON Lines: one `{"prompt": …, "reference": …}` or
// `{"prompt": …, "references": [...]}` object per line. Other fields (ids, tags) are ignored.

import { readFile } from 'node:fs/promises';
import { checkString } from '../validate.js';

/** One prompt with the texts a good continuation resembles. */
export interface EvalItem {
  prompt: string;
  /** At least one reference. */
  references: string[];
}

/** A malformed dataset line; `line` is 1-based (0 for problems with the whole file). */
export class DatasetError extends Error {
  readonly source: string;
  readonly line: number;
  constructor(source: string, line: number, message: string) {
    super(line > 0 ? `${source}:${line}: ${message}` : `${source}: ${message}`);
    this.name = 'DatasetError';
    this.source = source;
    this.line = line;
  }
}

function item(value: unknown, source: string, line: number): EvalItem {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DatasetError(source, line, `expected a JSON object with "prompt" and "reference" or "references"; found ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  }
  const o = value as Record<string, unknown>;
  if (typeof o.prompt !== 'string' || o.prompt.length === 0) {
    throw new DatasetError(source, line, `"prompt" must be a non-empty string; found ${o.prompt === undefined ? 'none' : JSON.stringify(o.prompt)}`);
  }
  const hasOne = 'reference' in o;
  const hasMany = 'references' in o;
  if (hasOne === hasMany) {
    throw new DatasetError(source, line, hasOne ? 'give either "reference" or "references", not both' : 'missing "reference" (a string) or "references" (an array of strings)');
  }
  if (hasOne) {
    if (typeof o.reference !== 'string') throw new DatasetError(source, line, `"reference" must be a string; found ${JSON.stringify(o.reference)}`);
    return { prompt: o.prompt, references: [o.reference] };
  }
  const refs = o.references;
  if (!Array.isArray(refs) || refs.length === 0) throw new DatasetError(source, line, `"references" must be a non-empty array of strings; found ${JSON.stringify(refs)}`);
  refs.forEach((r, i) => {
    if (typeof r !== 'string') throw new DatasetError(source, line, `"references"[${i}] must be a string; found ${JSON.stringify(r)}`);
  });
  return { prompt: o.prompt, references: [...(refs as string[])] };
}

/**
 * Parses JSON Lines text into items. Blank lines are skipped; any other problem throws a
 * {@link DatasetError} naming `source` and the 1-based line number.
 */
export function parseJsonlDataset(text: string, source = 'dataset'): EvalItem[] {
  checkString('text', text);
  checkString('source', source);
  const items: EvalItem[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new DatasetError(source, i + 1, `invalid JSON (${(err as Error).message})`);
    }
    items.push(item(value, source, i + 1));
  });
  if (items.length === 0) throw new DatasetError(source, 0, 'no items (expected one JSON object per line)');
  return items;
}

/** Reads and parses a JSON Lines dataset file (see {@link parseJsonlDataset}). */
export async function loadJsonlDataset(path: string): Promise<EvalItem[]> {
  checkString('path', path, { nonEmpty: true });
  return parseJsonlDataset(await readFile(path, 'utf8'), path);
}
