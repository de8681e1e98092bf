import { readFileSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pyFixed } from '../../lib/metrics/format.js';
import { LLAMA_LOOM_VERSION, readSegments, splitSegments } from '../../lib/metrics/index.js';
import { pySplit, pyRstrip } from '../../lib/metrics/text.js';

describe('pyFixed matches Python format(x, ".Nf")', () => {
  // Python: f"{0.125:.2f}" == '0.12', f"{0.375:.2f}" == '0.38', f"{2.5:.0f}" == '2',
  // f"{3.5:.0f}" == '4', f"{-0.5:.0f}" == '-0', f"{12.25:.1f}" == '12.2', f"{0.1:.1f}" == '0.1',
  // f"{1.005:.2f}" == '1.00' (1.005 is stored just below the tie), f"{48.530827:.2f}" == '48.53'.
  it.each([
    [0.125, 2, '0.12'], [0.375, 2, '0.38'], [2.5, 0, '2'], [3.5, 0, '4'], [-0.5, 0, '-0'],
    [12.25, 1, '12.2'], [0.1, 1, '0.1'], [1.005, 2, '1.00'], [48.530827, 2, '48.53'], [-2.675, 2, '-2.67'],
  ])('%f with %d digits → %s', (x, digits, expected) => {
    expect(pyFixed(x, digits)).toBe(expected);
  });
});

describe('Python string semantics', () => {
  it('split() uses Python whitespace (includes \\x1c-\\x1f and \\x85, not \\ufeff)', () => {
    expect(pySplit(' a\x1cb\x85c\u3000d\ufeffe \t')).toEqual(['a', 'b', 'c', 'd\ufeffe']);
    expect(pyRstrip('ab \r\n\x1f')).toBe('ab');
  });
});

describe('segments are read like sacrebleu reads lines', () => {
  it('splits on \\n only, ignores one final newline, strips trailing whitespace', () => {
    expect(splitSegments('a b \r\nc\n')).toEqual(['a b', 'c']);
    expect(splitSegments('a\n\nb')).toEqual(['a', '', 'b']);
    expect(splitSegments('')).toEqual([]);
    expect(splitSegments('\n')).toEqual(['']);
  });

  it('reads files and stdin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loom-seg-'));
    const file = join(dir, 'x.txt');
    writeFileSync(file, 'one\ntwo\n');
    expect(await readSegments(file, Readable.from([]))).toEqual(['one', 'two']);
    expect(await readSegments(undefined, Readable.from([Buffer.from('x\ny')]))).toEqual(['x', 'y']);
    expect(await readSegments('-', Readable.from(['p\n']))).toEqual(['p']);
  });
});

it('signature version follows package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  expect(LLAMA_LOOM_VERSION).toBe(pkg.version);
});
