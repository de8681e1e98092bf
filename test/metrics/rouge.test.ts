// Cases transcribed from google-research/google-research rouge/rouge_scorer_test.py and
// rouge/tokenize_test.py; their expected values are ROUGE-1.5.5 runs (5 decimals) or exact
// fractions. Test inputs are the package's testdata files (fixtures/rouge-testdata.json).
import { readFileSync } from 'node:fs';
import { lcsIndices, lcsLength, rougeScores, rougeTokenize, summaryLevelLcs, unionLcs } from '../../lib/metrics/index.js';

const data = JSON.parse(readFileSync(new URL('./fixtures/rouge-testdata.json', import.meta.url), 'utf8')) as {
  targets: string[];
  predictions: string[];
  targetMulti0: string;
  predictionMulti0: string;
};

const close = (actual: number, expected: number, places = 5) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(0.5 * 10 ** -places);

describe('tokenize_test.py', () => {
  it('lowercases and splits on non-alphanumerics', () => {
    expect(rougeTokenize('one Two three')).toEqual(['one', 'two', 'three']);
    expect(rougeTokenize('one\n Two \nthree')).toEqual(['one', 'two', 'three']);
  });

  it('stems only tokens longer than 3 characters', () => {
    // NLTK stems runner→runner, running→run, ties→tie; "ies" has only 3 characters and is kept.
    expect(rougeTokenize("The runner's running, ies-ties!", true)).toEqual(['the', 'runner', 's', 'run', 'ies', 'tie']);
    expect(rougeTokenize('café ÜBER', false)).toEqual(['caf', 'ber']);
  });
});

describe('rouge_scorer_test.py', () => {
  it.each(['rouge1', 'rouge9', 'rougeL', 'rougeLsum'] as const)('valid type %s', (type) => {
    expect(Object.keys(rougeScores('testing one two', 'testing', { types: [type] }))).toEqual([type]);
  });

  it.each(['rougen', 'rouge0', 'rouge10'])('invalid type %s', (type) => {
    expect(() => rougeScores('testing one two', 'testing', { types: [type as never] })).toThrow(RangeError);
  });

  it('testRouge1', () => {
    const r = rougeScores('testing one two', 'testing', { types: ['rouge1'] }).rouge1;
    close(r.precision, 1); close(r.recall, 1 / 3); close(r.fmeasure, 1 / 2);
  });

  it.each(['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const)('testRougeEmpty %s', (type) => {
    expect(rougeScores('testing one two', '', { types: [type] })[type]).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
  });

  it('testRouge2', () => {
    const r = rougeScores('testing one two', 'testing one', { types: ['rouge2'] }).rouge2;
    close(r.precision, 1); close(r.recall, 1 / 2); close(r.fmeasure, 2 / 3);
  });

  it.each([['testing one'], ['testing two']])('testRougeL (consecutive and not): %s', (prediction) => {
    const r = rougeScores('testing one two', prediction, { types: ['rougeL'] }).rougeL;
    close(r.precision, 1); close(r.recall, 2 / 3); close(r.fmeasure, 4 / 5);
  });

  it('testMultipleRougeTypes', () => {
    const r = rougeScores('testing one two', 'testing one', { types: ['rouge1', 'rougeL'] });
    expect(Object.keys(r).sort()).toEqual(['rouge1', 'rougeL']);
    for (const s of [r.rouge1, r.rougeL]) { close(s.precision, 1); close(s.recall, 2 / 3); close(s.fmeasure, 4 / 5); }
  });

  // [type, stem, example, recall, precision, fmeasure] — ROUGE-1.5.5 values from the suite.
  it.each([
    ['rouge1', false, 0, 0.40741, 0.68750, 0.51163],
    ['rouge1', false, 1, 0.40476, 0.65385, 0.50000],
    ['rouge1', true, 0, 0.40741, 0.68750, 0.51163],
    ['rouge1', true, 1, 0.42857, 0.69231, 0.52941],
    ['rouge2', false, 0, 0.30769, 0.53333, 0.39024],
    ['rouge2', false, 1, 0.29268, 0.48000, 0.36364],
    ['rouge2', true, 0, 0.30769, 0.53333, 0.39024],
    ['rouge2', true, 1, 0.29268, 0.48000, 0.36364],
    ['rougeL', false, 0, 0.40741, 0.68750, 0.51163],
    ['rougeL', false, 1, 0.40476, 0.65385, 0.50000],
  ] as const)('%s stem=%s against ROUGE-1.5.5 on example %d', (type, stem, i, recall, precision, f) => {
    const r = rougeScores(data.targets[i]!, data.predictions[i]!, { types: [type], stem })[type];
    close(r.recall, recall); close(r.precision, precision); close(r.fmeasure, f);
  });

  it('testRougeLSumAgainstRouge155WithStemming', () => {
    const r = rougeScores(data.targetMulti0, data.predictionMulti0, { types: ['rougeLsum'], stem: true }).rougeLsum;
    close(r.recall, 0.36538); close(r.precision, 0.66667); close(r.fmeasure, 0.47205);
  });

  it('testLcsTable', () => {
    const ref = ['1', '2', '3', '4', '5'];
    const c1 = ['2', '5', '3', '4'];
    expect(lcsLength(ref, c1)).toBe(3);
    expect(lcsIndices(ref, c1)).toEqual([1, 2, 3]);
    expect(lcsIndices(ref, c1).map((i) => ref[i])).toEqual(['2', '3', '4']);
    expect(lcsLength(ref, ['8', '9'])).toBe(0);
    expect(lcsIndices(ref, ['8', '9'])).toEqual([]);
  });

  it('testUnionLcs', () => {
    const ref = ['1', '2', '3', '4', '5'];
    const c1 = ['1', '2', '6', '7', '8'];
    const c2 = ['1', '3', '8', '9', '5'];
    expect(unionLcs(ref, [c1, c2])).toEqual(['1', '2', '3', '5']);
    expect(unionLcs(ref, [c2, c1])).toEqual(['1', '2', '3', '5']);
  });

  it('testSummaryLevelLcs', () => {
    const s = summaryLevelLcs([['1', '2', '3', '4', '5']], [['1', '2', '6', '7', '8'], ['1', '3', '8', '9', '5']]);
    expect(s.recall).toBe(0.8);
    expect(s.precision).toBe(0.4);
    close(s.fmeasure, 0.5333, 3);
    expect(summaryLevelLcs([['reference']], [[]]).recall).toBe(0);
  });

  it('testRougeLsum', () => {
    const r = rougeScores('w1 w2 w3 w4 w5', 'w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5', { types: ['rougeLsum'] }).rougeLsum;
    close(r.recall, 0.8); close(r.precision, 0.4); close(r.fmeasure, 0.5333, 3);
    for (const [t, p] of [['w1 w2 w3 w4 w5', ''], ['', 'w1'], ['w1 w2 w3 w4 w5', '/']]) {
      expect(rougeScores(t!, p!, { types: ['rougeLsum'] }).rougeLsum).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
    }
  });
});

describe('score_multi (max F-measure over targets, first on ties)', () => {
  it('takes the best target per type', () => {
    // Hand-computed: vs "testing one two" rouge1 P=1 R=1/3 F=1/2; vs "testing" P=R=F=1.
    const r = rougeScores(['testing one two', 'testing'], 'testing', { types: ['rouge1', 'rouge2'] });
    expect(r.rouge1).toEqual({ precision: 1, recall: 1, fmeasure: 1 });
    // rouge2: both F=0 (no bigram in the prediction) → the first target's score.
    expect(r.rouge2).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
  });

  it('different types may pick different targets', () => {
    // "a b c d" vs "a b x x": rouge1 F=1/2, rouge2 F=1/3; vs "d c b a": rouge1 F=1, rouge2 F=0.
    const r = rougeScores(['a b x x', 'd c b a'], 'a b c d', { types: ['rouge1', 'rouge2'] });
    expect(r.rouge1.fmeasure).toBe(1);
    close(r.rouge2.fmeasure, 1 / 3, 12);
  });

  it('defaults to rouge1, rouge2, rougeL, rougeLsum without stemming', () => {
    const r = rougeScores('The cats are running', 'the cat runs');
    expect(Object.keys(r)).toEqual(['rouge1', 'rouge2', 'rougeL', 'rougeLsum']);
    close(r.rouge1.fmeasure, 2 * (1 / 3) * (1 / 4) / (1 / 3 + 1 / 4), 12); // only "the" matches
    const stemmed = rougeScores('The cats are running', 'the cat runs', { stem: true });
    close(stemmed.rouge1.recall, 3 / 4, 12); // the, cat, run match; "are" (3 chars) does not
  });
});

it('validates arguments', () => {
  expect(() => rougeScores([], 'x')).toThrow(RangeError);
  expect(() => rougeScores('x', 3 as never)).toThrow(/prediction must be a string/);
  expect(() => rougeScores('x', 'y', { stem: 'yes' as never })).toThrow(/options\.stem/);
});
