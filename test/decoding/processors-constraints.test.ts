// Penalties and constraints against transformers' documented semantics (logits_process.py) and
// OpenAI's presence/frequency penalty definition; expected vectors derived by hand.
import {
  BadWordsProcessor, buildLogitsProcessors, ForcedEosProcessor, LogitBiasProcessor, LogitsProcessorList, MinNewTokensProcessor,
  NoRepeatNgramProcessor, PresenceFrequencyPenaltyProcessor, RepetitionPenaltyProcessor, SuppressTokensProcessor,
  TemperatureProcessor, TopKProcessor, TopPProcessor, MinPProcessor, TypicalProcessor, EpsilonProcessor, EtaProcessor,
  validateDecodingConfig, type LogitsProcessor,
} from '../../lib/decoding/index.js';

const ids = (...t: number[]) => Int32Array.from(t);
const run = (p: LogitsProcessor, input: Int32Array, scores: number[]) => [...p.process(input, Float32Array.from(scores))];
const X = -Infinity;

describe('RepetitionPenaltyProcessor', () => {
  test('negative scores are multiplied, others divided, once per distinct token', () => {
    // token 0 appears twice but is penalised once: 2/2; token 1: −2·2; token 3 (score 0) → 0/2
    expect(run(new RepetitionPenaltyProcessor(2), ids(0, 1, 0, 3), [2, -2, 1, 0, 0.5])).toEqual([1, -4, 1, 0, 0.5]);
  });
  test('penalty below 1 rewards repetition', () => {
    expect(run(new RepetitionPenaltyProcessor(0.5), ids(0, 1), [2, -2, 1])).toEqual([4, -1, 1]);
  });
  test('validation', () => {
    expect(() => new RepetitionPenaltyProcessor(0)).toThrow(new RangeError('repetitionPenalty must be a number in (0, ∞); received 0'));
  });
});

describe('PresenceFrequencyPenaltyProcessor', () => {
  test('only generated tokens count: score −= count·frequency + presence', () => {
    // prompt [3, 0], generated [1, 1, 2]: token 1 −(2·.25+.5) = −1, token 2 −(.25+.5) = −.75
    const p = new PresenceFrequencyPenaltyProcessor(0.5, 0.25, 2);
    expect(run(p, ids(3, 0, 1, 1, 2), [1, 1, 1, 1])).toEqual([1, 0, 0.25, 1]);
    // a second call gives the same answer (internal counts are cleared)
    expect(run(p, ids(3, 0, 1, 1, 2), [1, 1, 1, 1])).toEqual([1, 0, 0.25, 1]);
  });
});

describe('NoRepeatNgramProcessor', () => {
  test('bans the token that would repeat a bigram', () => {
    // context 1 2 3 1: last token 1 was followed by 2 before → ban 2
    expect(run(new NoRepeatNgramProcessor(2), ids(1, 2, 3, 1), [0, 0, 0, 0])).toEqual([0, 0, X, 0]);
  });
  test('trigram: prefix (1, 2) was followed by 3', () => {
    expect(run(new NoRepeatNgramProcessor(3), ids(1, 2, 3, 1, 2), [0, 0, 0, 0, 0])).toEqual([0, 0, 0, X, 0]);
  });
  test('several earlier windows ban several tokens; size 1 bans every seen token', () => {
    expect(run(new NoRepeatNgramProcessor(2), ids(5, 1, 5, 2, 5), [0, 0, 0, 0, 0, 0])).toEqual([0, X, X, 0, 0, 0]);
    expect(run(new NoRepeatNgramProcessor(1), ids(4, 1), [0, 0, 0, 0, 0])).toEqual([0, X, 0, 0, X]);
  });
  test('context shorter than n bans nothing', () => {
    expect(run(new NoRepeatNgramProcessor(3), ids(1, 1), [0, 0])).toEqual([0, 0]);
  });
  test('validation', () => {
    expect(() => new NoRepeatNgramProcessor(0)).toThrow(new RangeError('noRepeatNgramSize must be an integer in [1, ∞); received 0'));
  });
});

describe('BadWordsProcessor', () => {
  const p = new BadWordsProcessor([[4], [1, 2], [0, 3, 2]], []);
  test('single tokens always; longer sequences when their prefix ends the context', () => {
    expect(run(p, ids(7, 1), [0, 0, 0, 0, 0])).toEqual([0, 0, X, 0, X]);
    expect(run(p, ids(9, 0, 3), [0, 0, 0, 0, 0])).toEqual([0, 0, X, 0, X]);
    // transformers skips a sequence longer than the whole context
    expect(run(p, ids(0, 3), [0, 0, 0, 0, 0])).toEqual([0, 0, 0, 0, X]);
    expect(run(p, ids(3, 0), [0, 0, 0, 0, 0])).toEqual([0, 0, 0, 0, X]);
  });
  test('a single EOS id is not banned (transformers filters it out)', () => {
    expect(run(new BadWordsProcessor([[2], [3]], [2]), ids(0), [0, 0, 0, 0])).toEqual([0, 0, 0, X]);
  });
  test('validation', () => {
    expect(() => new BadWordsProcessor([[1, -1]])).toThrow(new RangeError('badWordsIds[0][1] must be a token id in [0, 2147483647]; received -1'));
    expect(() => new BadWordsProcessor([[]])).toThrow(RangeError);
    expect(() => new BadWordsProcessor('x' as never)).toThrow(TypeError);
  });
});

describe('LogitBiasProcessor', () => {
  test('per-token bias (object or Map), -Infinity bans', () => {
    expect(run(new LogitBiasProcessor({ 2: 1.5, 0: -Infinity }), ids(1), [1, 1, 1])).toEqual([X, 1, 2.5]);
    expect(run(new LogitBiasProcessor(new Map([[1, -1]])), ids(1), [1, 1, 1])).toEqual([1, 0, 1]);
  });
  test('sequence bias applies to the last token when the context ends with the rest', () => {
    const p = new LogitBiasProcessor([[[1, 3], 2], [[0], 1]]);
    expect(run(p, ids(0, 1), [0, 0, 0, 0])).toEqual([1, 0, 0, 2]);
    expect(run(p, ids(1, 0), [0, 0, 0, 0])).toEqual([1, 0, 0, 0]);
  });
  test('validation', () => {
    expect(() => new LogitBiasProcessor({ 1: Number.NaN })).toThrow(new TypeError('logitBias[1] must be a finite number; received NaN'));
    expect(() => new LogitBiasProcessor({ x: 1 } as never)).toThrow(RangeError);
  });
});

describe('EOS constraints', () => {
  test('MinNewTokensProcessor suppresses EOS until enough tokens were generated', () => {
    const p = new MinNewTokensProcessor(2, 2, [3]);
    expect(run(p, ids(9, 9, 1), [0, 0, 0, 5])).toEqual([0, 0, 0, X]);
    expect(run(p, ids(9, 9, 1, 1), [0, 0, 0, 5])).toEqual([0, 0, 0, 5]);
  });
  test('ForcedEosProcessor forces EOS as the last allowed token', () => {
    const p = new ForcedEosProcessor(5, [3]);
    expect(run(p, ids(1, 1, 1, 1), [4, 4, 4, -2])).toEqual([X, X, X, 0]);
    expect(run(p, ids(1, 1, 1), [4, 4, 4, -2])).toEqual([4, 4, 4, -2]);
  });
  test('SuppressTokensProcessor', () => {
    expect(run(new SuppressTokensProcessor([0, 2]), ids(), [1, 1, 1])).toEqual([X, 1, X]);
  });
});

describe('LogitsProcessorList', () => {
  test('applies processors in order', () => {
    // temperature then top-k: (4, 2, 0)/2 → (2, 1, 0) → top-1 keeps 2
    expect(run(new LogitsProcessorList([new TemperatureProcessor(2), new TopKProcessor(1)]), ids(), [4, 2, 0])).toEqual([2, X, X]);
    // repetition penalty before temperature: 4/2 = 2 then /2 = 1
    expect(run(new LogitsProcessorList([new RepetitionPenaltyProcessor(2), new TemperatureProcessor(2)]), ids(0), [4, 2])).toEqual([1, 1]);
  });
});

describe('buildLogitsProcessors', () => {
  const user: LogitsProcessor = { process: (_i, s) => s };
  const all = validateDecodingConfig({
    doSample: true, temperature: 0.7, topK: 40, topP: 0.9, minP: 0.05, typicalP: 0.95, epsilonCutoff: 3e-4, etaCutoff: 2e-3,
    repetitionPenalty: 1.1, presencePenalty: 0.1, noRepeatNgramSize: 3, badWordsIds: [[5]], logitBias: { 1: 1 },
    minNewTokens: 2, forcedEos: true, suppressTokens: [7], logitsProcessors: [user],
  });
  test('transformers order: constraints, user processors, then sampling filters', () => {
    const list = buildLogitsProcessors(all, 3, [0]).processors;
    expect(list.map((p) => p.constructor.name)).toEqual([
      'LogitBiasProcessor', 'RepetitionPenaltyProcessor', 'PresenceFrequencyPenaltyProcessor', 'NoRepeatNgramProcessor',
      'BadWordsProcessor', 'MinNewTokensProcessor', 'ForcedEosProcessor', 'SuppressTokensProcessor', 'Object',
      'TemperatureProcessor', 'TopKProcessor', 'TopPProcessor', 'MinPProcessor', 'TypicalProcessor', 'EpsilonProcessor', 'EtaProcessor',
    ]);
    expect(list[8]).toBe(user);
  });
  test('minTokensToKeep is 1 when sampling and #EOS + 1 under beams', () => {
    const single = buildLogitsProcessors(all, 3, [0, 1]).processors;
    expect((single.find((p) => p instanceof TopPProcessor) as TopPProcessor).minTokensToKeep).toBe(1);
    const beams = buildLogitsProcessors({ ...all, numBeams: 4 }, 3, [0, 1]).processors;
    for (const cls of [TopPProcessor, MinPProcessor, TypicalProcessor, EpsilonProcessor, EtaProcessor]) {
      expect((beams.find((p) => p instanceof cls) as unknown as { minTokensToKeep: number }).minTokensToKeep).toBe(3);
    }
    expect((beams.find((p) => p instanceof TopKProcessor) as TopKProcessor).topK).toBe(40);
  });
  test('sampling filters are left out when not sampling or at neutral values', () => {
    expect(buildLogitsProcessors({ ...all, doSample: false }, 3, [0]).processors.some((p) => p instanceof TemperatureProcessor)).toBe(false);
    expect(buildLogitsProcessors(validateDecodingConfig({ doSample: true, topK: 0 }), 3, [0]).length).toBe(0);
    // transformers' default top_k = 50 applies when sampling
    expect((buildLogitsProcessors(validateDecodingConfig({ doSample: true }), 3, []).processors[0] as TopKProcessor).topK).toBe(50);
  });
});

describe('validateDecodingConfig', () => {
  test('messages name the field, the expectation and the value', () => {
    expect(() => validateDecodingConfig({ topP: 2 })).toThrow(new RangeError('topP must be a number in (0, 1]; received 2'));
    expect(() => validateDecodingConfig({ numBeams: 0 })).toThrow(new RangeError('numBeams must be an integer in [1, ∞); received 0'));
    expect(() => validateDecodingConfig({ temperature: -1 })).toThrow(RangeError);
    expect(() => validateDecodingConfig({ temperature: -1 })).toThrow(/^temperature must be a number in \(0, ∞\); received -1$/);
    expect(() => validateDecodingConfig({ maxNewTokens: 1.5 })).toThrow(new RangeError('maxNewTokens must be an integer in [1, ∞); received 1.5'));
    expect(() => validateDecodingConfig({ doSample: 'yes' as never })).toThrow(new TypeError('doSample must be a boolean; received "yes"'));
    expect(() => validateDecodingConfig({ earlyStopping: 'soon' as never })).toThrow(/^earlyStopping must be one of true, false, "never"/);
    expect(() => validateDecodingConfig({ stop: [''] })).toThrow(new RangeError('stop[0] must be a non-empty string; received ""'));
    expect(() => validateDecodingConfig({ seed: -1 })).toThrow(/^seed must be an integer in \[0, 9007199254740991\]; received -1$/);
    expect(() => validateDecodingConfig({ logitsProcessors: [{}] as never })).toThrow(TypeError);
  });
  test('unknown (e.g. snake_case) fields are rejected', () => {
    expect(() => validateDecodingConfig({ top_p: 0.9 } as never)).toThrow(TypeError);
  });
  test('numReturnSequences limits', () => {
    expect(() => validateDecodingConfig({ numBeams: 2, numReturnSequences: 3 })).toThrow(/^numReturnSequences must be an integer in \[1, 2\]/);
    expect(() => validateDecodingConfig({ numReturnSequences: 2 })).toThrow(RangeError);
    expect(validateDecodingConfig({ numReturnSequences: 2, doSample: true }).numReturnSequences).toBe(2);
  });
  test('defaults follow transformers', () => {
    const d = validateDecodingConfig({});
    expect([d.temperature, d.topK, d.topP, d.numBeams, d.lengthPenalty, d.earlyStopping, d.repetitionPenalty]).toEqual([1, 50, 1, 1, 1, false, 1]);
  });
});
