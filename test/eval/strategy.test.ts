// Strategy specs → DecodingConfig: each spec must switch on exactly the method it names (the
// transformers default top-k 50 is switched off for the other sampling methods).
import { parseStrategy, STRATEGY_SPECS } from '../../lib/eval/strategy.js';
import { validateDecodingConfig } from '../../lib/decoding/config.js';

describe('parseStrategy', () => {
  test.each([
    ['greedy', undefined, 'greedy', {}],
    ['beam:4', 7, 'beam:4', { numBeams: 4 }],
    ['top-p:0.9', 7, 'top-p:0.9', { doSample: true, topK: 0, topP: 0.9, seed: 7 }],
    ['top-k:40', 7, 'top-k:40', { doSample: true, topK: 40, seed: 7 }],
    ['min-p:0.05', 7, 'min-p:0.05', { doSample: true, topK: 0, minP: 0.05, seed: 7 }],
    ['typical:0.9', undefined, 'typical:0.9', { doSample: true, topK: 0, typicalP: 0.9 }],
    ['sample', 3, 'sample', { doSample: true, topK: 0, seed: 3 }],
    [' TOP-P:1 ', 1, 'top-p:1', { doSample: true, topK: 0, topP: 1, seed: 1 }],
    ['top-p:.5', 1, 'top-p:0.5', { doSample: true, topK: 0, topP: 0.5, seed: 1 }],
  ] as const)('%s', (spec, seed, label, config) => {
    const s = parseStrategy(spec, seed);
    expect(s.label).toBe(label);
    expect(s.config).toEqual(config);
    // Every config is one the decoder accepts.
    expect(() => validateDecodingConfig(s.config)).not.toThrow();
  });

  test('the greedy and beam configs do not sample; the seed only reaches sampling', () => {
    expect(validateDecodingConfig(parseStrategy('greedy', 5).config).doSample).toBe(false);
    expect(parseStrategy('beam:2', 5).config).toEqual({ numBeams: 2 });
  });

  test.each([
    ['nucleus', TypeError, 'strategy must be one of greedy, beam:N, top-p:P, top-k:K, min-p:P, typical:P, sample; received "nucleus"'],
    ['beam', TypeError, 'strategy "beam" must be a beam count: an integer >= 1 after the colon; received ""'],
    ['beam:two', TypeError, 'strategy "beam:two" must be a beam count: an integer >= 1 after the colon; received "two"'],
    ['beam:0', RangeError, 'strategy "beam:0" must be a beam count: an integer >= 1 after the colon; received "0"'],
    ['beam:1.5', RangeError, 'received "1.5"'],
    ['top-p:0', RangeError, 'strategy "top-p:0" must be a probability mass in (0, 1] after the colon; received "0"'],
    ['top-p:1.2', RangeError, 'in (0, 1]'],
    ['top-k:0', RangeError, 'an integer >= 1'],
    ['min-p:-0.1', RangeError, 'a ratio in [0, 1]'],
    ['typical:', TypeError, 'received ""'],
    ['greedy:2', RangeError, 'strategy "greedy:2" must be "greedy" without a parameter; received "2"'],
    ['sample:1', RangeError, '"sample" without a parameter'],
    ['', RangeError, 'strategy must be a non-empty string; received ""'],
  ] as const)('%j is refused', (spec, type, message) => {
    expect(() => parseStrategy(spec)).toThrow(type);
    expect(() => parseStrategy(spec)).toThrow(message);
  });

  test('seed and spec types are checked', () => {
    expect(() => parseStrategy('sample', -1)).toThrow('seed must be an integer in [0, 9007199254740991]; received -1');
    expect(() => parseStrategy(4 as unknown as string)).toThrow(TypeError);
    expect(STRATEGY_SPECS).toContain('beam:N');
  });
});
