// JSONL datasets: accepted shapes and line-numbered errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetError, loadJsonlDataset, parseJsonlDataset } from '../../lib/eval/dataset.js';
import { referenceStreams } from '../../lib/eval/harness.js';

describe('parseJsonlDataset', () => {
  test('reference and references forms, blank lines and CRLF, extra fields ignored', () => {
    const text = '{"prompt":"a","reference":"b","id":1}\r\n\n  \n{"prompt":"c","references":["d","e"]}\n';
    expect(parseJsonlDataset(text)).toEqual([
      { prompt: 'a', references: ['b'] },
      { prompt: 'c', references: ['d', 'e'] },
    ]);
  });

  test.each([
    ['{"prompt":"a","reference":"b"}\n{"prompt":"a",', 2, 'invalid JSON'],
    ['{"prompt":"a","reference":"b"}\n\n[1,2]', 3, 'expected a JSON object with "prompt" and "reference" or "references"; found an array'],
    ['"text"', 1, 'expected a JSON object'],
    ['{"reference":"b"}', 1, '"prompt" must be a non-empty string; found none'],
    ['{"prompt":"","reference":"b"}', 1, '"prompt" must be a non-empty string; found ""'],
    ['{"prompt":"a"}', 1, 'missing "reference" (a string) or "references" (an array of strings)'],
    ['{"prompt":"a","reference":"b","references":["c"]}', 1, 'give either "reference" or "references", not both'],
    ['{"prompt":"a","reference":3}', 1, '"reference" must be a string; found 3'],
    ['{"prompt":"a","references":[]}', 1, '"references" must be a non-empty array of strings; found []'],
    ['{"prompt":"a","references":["x",null]}', 1, '"references"[1] must be a string; found null'],
  ])('%j fails at line %d', (text, line, message) => {
    let error: unknown;
    try {
      parseJsonlDataset(text, 'set.jsonl');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).line).toBe(line);
    expect((error as DatasetError).message).toContain(`set.jsonl:${line}: ${message}`);
  });

  test('an empty file is an error for the whole file', () => {
    expect(() => parseJsonlDataset('\n\n', 'empty.jsonl')).toThrow('empty.jsonl: no items (expected one JSON object per line)');
  });
});

describe('loadJsonlDataset', () => {
  test('reads a file and names it in errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loom-ds-'));
    try {
      const good = join(dir, 'good.jsonl');
      writeFileSync(good, '{"prompt":"p","reference":"r"}\n');
      await expect(loadJsonlDataset(good)).resolves.toEqual([{ prompt: 'p', references: ['r'] }]);
      const bad = join(dir, 'bad.jsonl');
      writeFileSync(bad, '{"prompt":"p","reference":"r"}\n{oops}\n');
      await expect(loadJsonlDataset(bad)).rejects.toThrow(`${bad}:2: invalid JSON`);
      await expect(loadJsonlDataset(join(dir, 'missing.jsonl'))).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(loadJsonlDataset('')).rejects.toThrow('path must be a non-empty string');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('referenceStreams', () => {
  test('sacrebleu layout, shorter reference lists padded with their last reference', () => {
    expect(referenceStreams([
      { prompt: 'a', references: ['r1', 'r2', 'r3'] },
      { prompt: 'b', references: ['s1'] },
      { prompt: 'c', references: ['t1', 't2'] },
    ])).toEqual([['r1', 's1', 't1'], ['r2', 's1', 't2'], ['r3', 's1', 't2']]);
  });
});
