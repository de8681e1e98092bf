// `llama-loom bench --overhead` (lib/bench/overhead.ts): every layer of the generation path is
// measured in one process, and the four greedy implementations it compares — llama.cpp's loop, the
// JS argmax loop and generate() with decodes inline and off the JS thread — pick the same tokens.
import { describe, expect, it } from '@jest/globals';
import { benchOverhead, formatOverhead } from '../../lib/bench/overhead.js';
import { fixturePath } from '../helpers/fixtures.js';

describe('bench --overhead', () => {
  it('measures each layer against its baseline, and the greedy picks agree', async () => {
    const model = await fixturePath('tiny-f16');
    const r = await benchOverhead({ model, tokens: 24, threads: 1, budgetMs: 0, beams: 2 });
    expect(r.rounds).toBe(4); // the minimum, whatever the budget
    expect(r.rows.map((x) => x.name)).toEqual([
      'llama.cpp greedy loop', 'llama.cpp tg loop (no logits read)', 'JS loop of synchronous decodes', '  + reading each row, argmax',
      'generate() greedy, inline decodes', 'generate() greedy, library default', '2-row decodes (JS loop, inline)', 'generate() beam search, 2 beams, inline',
    ]);
    for (const row of r.rows) {
      expect(row.rate.n).toBe(4);
      expect(row.rate.median).toBeGreaterThan(0);
      expect(Number.isFinite(row.ratio.median)).toBe(true);
    }
    expect(r.rows[0]!.ratio.median).toBe(1);
    expect(r.rows.find((x) => x.name.startsWith('2-row'))!.baseline).toBe('JS loop of synchronous decodes');
    expect(r.rows.find((x) => x.name.includes('beam'))!.baseline).toBe('generate() greedy, inline decodes');
    const picks = Object.values(r.lastTokens);
    expect(Object.keys(r.lastTokens).sort()).toEqual(['  + reading each row, argmax', 'generate() greedy, inline decodes', 'generate() greedy, library default', 'llama.cpp greedy loop'].sort());
    expect(new Set(picks).size).toBe(1);
    const text = formatOverhead(r);
    for (const row of r.rows) expect(text).toContain(row.name.trim());
  });

  it('rejects bad options before loading anything', async () => {
    await expect(benchOverhead({ tokens: 1 })).rejects.toThrow(/tokens must be an integer in \[2, 4096\]; received 1/);
    await expect(benchOverhead({ model: '' })).rejects.toThrow(/model must be a non-empty string/);
    await expect(benchOverhead({ beams: -1 })).rejects.toThrow(/beams/);
  });
});
