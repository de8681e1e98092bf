// Processors that only filter tokens (min new tokens, suppressed tokens, bad words, no-repeat-ngram)
// or edit a few scores (repetition, presence and frequency penalties, logit bias) let greedy
// decoding and beam search skip the processed copy of each row: `maskedTokens` must name exactly
// what `process` filters, `editedTokens` every id `process` reads or writes, and decoding through
// those shortcuts must give what the full-row path gives (the path the transformers vectors in
// processors-*.test.ts check).
import { jest } from '@jest/globals';
import { runDecoding, type DecodingConfig } from '../../lib/decoding/index.js';
import { BadWordsProcessor } from '../../lib/decoding/processors/bad-words.js';
import { MinNewTokensProcessor, SuppressTokensProcessor } from '../../lib/decoding/processors/eos-constraints.js';
import { LogitBiasProcessor } from '../../lib/decoding/processors/logit-bias.js';
import { PresenceFrequencyPenaltyProcessor } from '../../lib/decoding/processors/presence-frequency.js';
import { RepetitionPenaltyProcessor } from '../../lib/decoding/processors/repetition-penalty.js';
import { SparseEdits } from '../../lib/decoding/select/sparse-edits.js';
import { NoRepeatNgramProcessor } from '../../lib/decoding/processors/no-repeat-ngram.js';
import { LogitsProcessorList, type LogitsProcessor } from '../../lib/decoding/processors/processor.js';
import { useSimdKernels } from '../../lib/decoding/select/kernels.js';
import { TableBackend, type NextLogits } from './helpers/table-backend.js';
import { xorshift } from '../helpers/xorshift.js';

const rng = xorshift;

/** The ids `process` sets to -Infinity on a row of zeros. */
function filteredBy(p: LogitsProcessor, ids: Int32Array, V: number): number[] {
  const out = p.process(ids, new Float32Array(V));
  return [...out.keys()].filter((i) => out[i] === -Infinity);
}

describe('maskedTokens names what process filters', () => {
  const V = 40;
  const u = rng(7);
  const contexts = Array.from({ length: 60 }, (_, n) => Int32Array.from({ length: 1 + (n % 12) }, () => Math.floor(u() * 6)));
  const processors: [string, LogitsProcessor][] = [
    ['min new tokens', new MinNewTokensProcessor(3, 5, [0, 2])],
    ['suppress tokens', new SuppressTokensProcessor([1, 4, 39])],
    ['bad words', new BadWordsProcessor([[3], [1, 2], [2, 2, 5], [0]], [0])],
    ['no-repeat-ngram 2', new NoRepeatNgramProcessor(2)],
    ['no-repeat-ngram 3', new NoRepeatNgramProcessor(3)],
  ];
  test.each(processors)('%s', (_, p) => {
    let someFiltered = false;
    for (const ids of contexts) {
      const named = [...new Set(p.maskedTokens!(ids))].sort((a, b) => a - b);
      expect(named).toEqual(filteredBy(p, ids, V));
      someFiltered ||= named.length > 0;
    }
    expect(someFiltered).toBe(true);
  });

  test('a list hands over each processor\'s touched ids, and is sparse while each filters or edits few ids', () => {
    const ids = Int32Array.of(1, 2, 1);
    const touched = (list: LogitsProcessorList): number[] | null => {
      const out: number[] = [];
      return list.visitTouched(ids, (t) => out.push(...t)) ? out.sort((a, b) => a - b) : null;
    };
    const masks = new LogitsProcessorList([new SuppressTokensProcessor([7]), new NoRepeatNgramProcessor(2)]);
    expect(masks.sparseOnly).toBe(true);
    expect(touched(masks)).toEqual([2, 7]);
    const edits = new LogitsProcessorList([new RepetitionPenaltyProcessor(1.2), new SuppressTokensProcessor([7])]);
    expect(edits.sparseOnly).toBe(true);
    expect(touched(edits)).toEqual([1, 1, 2, 7]); // the penalty touches the context's ids
    const mixed = new LogitsProcessorList([new SuppressTokensProcessor([7]), { process: (_i, s) => s }]);
    expect(mixed.sparseOnly).toBe(false);
    expect(touched(mixed)).toBeNull();
    // A nested list never passes for a sparse processor, whatever it holds.
    expect(new LogitsProcessorList([masks]).sparseOnly).toBe(false);
    expect(new LogitsProcessorList([]).sparseOnly).toBe(true);
  });
});

describe('editedTokens names every id process reads or writes', () => {
  const V = 40;
  const u = rng(11);
  const contexts = Array.from({ length: 60 }, (_, n) => Int32Array.from({ length: 1 + (n % 12) }, () => Math.floor(u() * 8)));
  const processors: [string, LogitsProcessor][] = [
    ['repetition penalty', new RepetitionPenaltyProcessor(1.3)],
    ['presence / frequency penalties', new PresenceFrequencyPenaltyProcessor(0.5, 0.25, 3)],
    ['logit bias, tokens and sequences', new LogitBiasProcessor([[[5], 2], [[9], -Infinity], [[1, 2], -3], [[2, 2, 6], 1.5]])],
  ];
  test.each(processors)('%s', (_, p) => {
    for (const ids of contexts) {
      const edited = new Set(p.editedTokens!(ids));
      // Writes: only edited ids change.
      const row = Float32Array.from({ length: V }, () => (u() - 0.5) * 8);
      const out = p.process(ids, Float32Array.from(row));
      for (let i = 0; i < V; i++) if (!edited.has(i)) expect(out[i]).toBe(row[i]);
      // Reads: changing every other entry changes nothing at the edited ids.
      const other = Float32Array.from(row, (x, i) => (edited.has(i) ? x : x + 100 * (u() - 0.5)));
      const out2 = p.process(ids, other);
      for (const i of edited) expect(out2[i]).toBe(out[i]);
    }
  });
});

/** A next-token model that likes EOS (0) and repeating itself, so every mask has work to do. */
function repetitiveModel(V: number, seed: number): NextLogits {
  return (prefix) => {
    const u = rng(seed * 7919 + prefix.reduce((h, t) => (h * 31 + t + 1) | 0, 17));
    const row = Array.from({ length: V }, () => u() * 4);
    row[0] = 5; // EOS is the argmax until suppressed
    const last = prefix[prefix.length - 1]!;
    row[last] = 4.5; // and the last token the runner-up: no-repeat-ngram has to act
    row[(last + 1) % V] = 4.4;
    return row;
  };
}

/** An identity processor without `maskedTokens`: it sends decoding down the full-row path. */
const fullRow: LogitsProcessor = { process: (_ids, scores) => scores };

describe('decoding through masks equals the full-row path', () => {
  afterAll(() => useSimdKernels(true));

  const configs: [string, DecodingConfig][] = [
    ['min new tokens', { minNewTokens: 9 }],
    ['suppress tokens', { suppressTokens: [3, 5, 8] }],
    ['bad words', { badWordsIds: [[4], [6, 7], [1, 2]] }],
    ['no-repeat-ngram 2', { noRepeatNgramSize: 2 }],
    ['all four', { minNewTokens: 6, suppressTokens: [3], badWordsIds: [[4], [6, 7]], noRepeatNgramSize: 2 }],
    ['repetition penalty', { repetitionPenalty: 1.8 }],
    ['presence and frequency penalties', { presencePenalty: 0.9, frequencyPenalty: 0.6 }],
    ['logit bias', { logitBias: [[[1], 3], [[2], -2], [[5, 6], 1.5], [[7], -Infinity]] }],
    ['edits and masks together', { repetitionPenalty: 1.5, frequencyPenalty: 0.3, minNewTokens: 5, noRepeatNgramSize: 3, logitBias: { 4: 0.8 } }],
  ];
  const strategies: [string, DecodingConfig][] = [
    ['greedy', {}],
    ['beam search, 4 beams', { numBeams: 4, numReturnSequences: 4 }],
    ['beam search, 3 beams, early stopping never', { numBeams: 3, numReturnSequences: 2, earlyStopping: 'never', lengthPenalty: 0.7 }],
  ];
  for (const [what, strategy] of strategies) {
    test.each(configs)(`${what}, %s`, async (_, masks) => {
      for (const V of [32, 3000]) {
        for (const simd of [true, false]) {
          useSimdKernels(simd);
          const run = (extra: DecodingConfig) =>
            runDecoding(new TableBackend(V, repetitiveModel(V, V), new Set([0])), Int32Array.of(1, 2), { maxNewTokens: 14, eosTokenIds: [0], ...strategy, ...masks, ...extra });
          const fast = await run({});
          const full = await run({ logitsProcessors: [fullRow] });
          expect(fast.sequences.map((s) => [...s.tokens])).toEqual(full.sequences.map((s) => [...s.tokens]));
          expect(fast.sequences.map((s) => s.finishReason)).toEqual(full.sequences.map((s) => s.finishReason));
          fast.sequences.forEach((s, i) => {
            const f = full.sequences[i]!;
            s.logprobs.forEach((lp, j) => expect(lp).toBeCloseTo(f.logprobs[j]!, 5));
            if (s.score !== undefined) expect(s.score).toBeCloseTo(f.score!, 5);
          });
        }
      }
    });
  }

  test('the shortcut is taken: only the touched ids are processed', async () => {
    useSimdKernels(true);
    const V = 3000;
    // Random rows where the suppressed token never leads.
    const next: NextLogits = (prefix) => {
      const u = rng(prefix.reduce((h, t) => (h * 31 + t + 1) | 0, 17));
      const row = Array.from({ length: V }, () => u() * 4);
      row[9] = -5;
      return row;
    };
    const apply = jest.spyOn(SparseEdits.prototype, 'apply');
    const masked = jest.spyOn(NoRepeatNgramProcessor.prototype, 'maskedTokens');
    try {
      const configs: DecodingConfig[] = [
        { suppressTokens: [9] },
        { suppressTokens: [9], noRepeatNgramSize: 2, numBeams: 4 },
        { repetitionPenalty: 1.4, logitBias: { 0: -10 } },
        { repetitionPenalty: 1.4, logitBias: { 0: -10 }, noRepeatNgramSize: 2, numBeams: 4 },
      ];
      for (const config of configs) {
        apply.mockClear();
        const run = (extra: DecodingConfig) => runDecoding(new TableBackend(V, next, new Set([0])), Int32Array.of(1, 2), { maxNewTokens: 10, eosTokenIds: [0], ...config, ...extra });
        const fast = await run({});
        expect(apply).toHaveBeenCalled();
        const full = await run({ logitsProcessors: [fullRow] });
        expect(fast.sequences.map((x) => [...x.tokens])).toEqual(full.sequences.map((x) => [...x.tokens]));
      }
      expect(masked).toHaveBeenCalled();
    } finally {
      apply.mockRestore();
      masked.mockRestore();
    }
  });

  test('min new tokens makes greedy pass over an EOS that is the argmax (hand-checked)', async () => {
    // Row: EOS (0) best, then the last token, then last + 1. Until 3 tokens exist EOS is out, and
    // the runner-up repeats the last token; the third step may end.
    const V = 16;
    const next: NextLogits = (prefix) => {
      const row = new Array<number>(V).fill(0);
      row[0] = 3;
      row[prefix[prefix.length - 1]!] = 2;
      return row;
    };
    const r = await runDecoding(new TableBackend(V, next, new Set([0])), Int32Array.of(5), { maxNewTokens: 6, minNewTokens: 3, eosTokenIds: [0] });
    expect([...r.sequences[0]!.tokens]).toEqual([5, 5, 5, 0]);
    expect(r.sequences[0]!.finishReason).toBe('eos');
    // Log-probabilities stay those of the raw row: ln(e^2 / (e^3 + e^2 + 14)).
    const lse = Math.log(Math.exp(3) + Math.exp(2) + 14);
    expect(r.sequences[0]!.logprobs[0]).toBeCloseTo(2 - lse, 5);
    expect(r.sequences[0]!.logprobs[3]).toBeCloseTo(3 - lse, 5);
  });
});
