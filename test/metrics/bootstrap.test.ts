// Cases from google-research rouge/scoring_test.py (testConsistentPercentiles,
// testLargeConfidence — exact to 1e-8 for any resampling) and numpy's percentile definition.
import { BootstrapAggregator, percentileSorted, rougeScores } from '../../lib/metrics/index.js';

const three = [
  { precision: 1, recall: 1 / 3, fmeasure: 1 / 2 },
  { precision: 0, recall: 0, fmeasure: 0 },
  { precision: 1, recall: 1, fmeasure: 1 },
];

function expectAggregate(agg: { low: Record<string, number>; mid: Record<string, number>; high: Record<string, number> },
  p: number[], r: number[], f: number[]) {
  ['low', 'mid', 'high'].forEach((bound, i) => {
    const s = agg[bound as 'low']!;
    expect(Math.abs(s.precision! - p[i]!)).toBeLessThan(1e-8);
    expect(Math.abs(s.recall! - r[i]!)).toBeLessThan(1e-8);
    expect(Math.abs(s.fmeasure! - f[i]!)).toBeLessThan(1e-8);
  });
}

describe('BootstrapAggregator (scoring_test.py)', () => {
  it('testConsistentPercentiles (confidence 0.9)', () => {
    const agg = new BootstrapAggregator({ confidenceInterval: 0.9 });
    for (const s of three) agg.addScores({ rouge1: s });
    expectAggregate(agg.aggregate().rouge1!, [1 / 3, 2 / 3, 1], [1 / 9, 4 / 9, 7 / 9], [1 / 6, 3 / 6, 5 / 6]);
  });

  it('testLargeConfidence (confidence 0)', () => {
    const agg = new BootstrapAggregator({ confidenceInterval: 0 });
    for (const s of three) agg.addScores({ rouge1: s });
    expectAggregate(agg.aggregate().rouge1!, [2 / 3, 2 / 3, 2 / 3], [4 / 9, 4 / 9, 4 / 9], [3 / 6, 3 / 6, 3 / 6]);
  });

  it('keeps every score type and is deterministic for a seed', () => {
    const run = (seed?: number) => {
      const agg = new BootstrapAggregator(seed === undefined ? {} : { seed });
      for (let i = 0; i < 20; i++) agg.addScores({ rouge1: { precision: i / 20, recall: (i % 7) / 7, fmeasure: (i % 3) / 3 }, rougeL: three[i % 3]! });
      return agg.aggregate();
    };
    const a = run();
    expect(Object.keys(a).sort()).toEqual(['rouge1', 'rougeL']);
    expect(run()).toEqual(a);
    // low ≤ mid ≤ high, and mid near the mean 0.475 of precision i/20.
    expect(a.rouge1!.low.precision).toBeLessThanOrEqual(a.rouge1!.mid.precision!);
    expect(a.rouge1!.mid.precision).toBeLessThanOrEqual(a.rouge1!.high.precision!);
    expect(Math.abs(a.rouge1!.mid.precision! - 0.475)).toBeLessThan(0.05);
  });

  it('a single segment gives that segment for low, mid and high', () => {
    const agg = new BootstrapAggregator();
    agg.addScores({ rouge2: { precision: 0.25, recall: 0.5, fmeasure: 1 / 3 } });
    const r = agg.aggregate().rouge2!;
    expect(r.low).toEqual({ precision: 0.25, recall: 0.5, fmeasure: 1 / 3 });
    expect(r.high).toEqual(r.low);
  });

  it('aggregates rougeScores output directly', () => {
    const agg = new BootstrapAggregator();
    agg.addScores(rougeScores('testing one two', 'testing'));
    agg.addScores(rougeScores('testing one two', 'testing one two'));
    const r = agg.aggregate();
    expect(Object.keys(r).sort()).toEqual(['rouge1', 'rouge2', 'rougeL', 'rougeLsum']);
    // rouge1 recall per segment: 1/3 and 1 → bootstrap means lie in [1/3, 1].
    expect(r.rouge1!.low.recall).toBeGreaterThanOrEqual(1 / 3 - 1e-12);
    expect(r.rouge1!.high.recall).toBeLessThanOrEqual(1 + 1e-12);
    expect(agg.count('rouge1')).toBe(2);
  });

  it('validates', () => {
    expect(() => new BootstrapAggregator({ confidenceInterval: 1.5 })).toThrow(/options\.confidenceInterval/);
    expect(() => new BootstrapAggregator({ nSamples: 0 })).toThrow(/options\.nSamples/);
    const agg = new BootstrapAggregator();
    agg.addScores({ rouge1: { precision: 1, recall: 1, fmeasure: 1 } });
    expect(() => agg.addScores({ rouge1: { precision: 1 } as never })).toThrow(RangeError);
  });
});

it('percentileSorted matches numpy.percentile (linear)', () => {
  // numpy: np.percentile([1,2,3,4], [2.5, 25, 50, 97.5]) == [1.075, 1.75, 2.5, 3.925]
  [[2.5, 1.075], [25, 1.75], [50, 2.5], [97.5, 3.925]].forEach(([q, v]) => expect(percentileSorted([1, 2, 3, 4], q!)).toBeCloseTo(v!, 12));
  expect(percentileSorted([5], 97.5)).toBe(5);
});
