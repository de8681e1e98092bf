// Differential check against sacrebleu 2.6.0 on random inputs: fixtures/sacrebleu-random-cases.json
// holds segments, options and the scores/statistics sacrebleu itself returned for them.
import { readFileSync } from 'node:fs';
import { corpusBleu, corpusChrf, type BleuOptions, type ChrfOptions } from '../../lib/metrics/index.js';

interface Case {
  hyps: string[];
  refs: string[][];
  bleu: Omit<BleuOptions, 'smoothValue'> & { smoothValue: number | null };
  bleuScore: number;
  counts: number[];
  totals: number[];
  sysLen: number;
  refLen: number;
  chrf: ChrfOptions;
  chrfScore: number;
}

const { cases } = JSON.parse(readFileSync(new URL('./fixtures/sacrebleu-random-cases.json', import.meta.url), 'utf8')) as { cases: Case[] };

describe('random segments agree with sacrebleu 2.6.0', () => {
  it.each(cases.map((c, i) => [i, c] as const))('case %d', (_, c) => {
    const b = corpusBleu(c.hyps, c.refs, { ...c.bleu, smoothValue: c.bleu.smoothValue ?? undefined });
    expect(b.score).toBeCloseTo(c.bleuScore, 8);
    expect(b.counts).toEqual(c.counts);
    expect(b.totals).toEqual(c.totals);
    expect([b.sysLen, b.refLen]).toEqual([c.sysLen, c.refLen]);
    expect(corpusChrf(c.hyps, c.refs, c.chrf).score).toBeCloseTo(c.chrfScore, 8);
  });
});
