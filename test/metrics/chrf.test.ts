// Expected values: mjpost/sacrebleu test/test_chrf.py (EPSILON 1e-4), plus values printed by
// sacrebleu 2.6.0 for chrF++ and the README corpus (marked "sacrebleu 2.6.0").
import { chrfWords, corpusChrf, formatChrf, sentenceChrf } from '../../lib/metrics/index.js';

const close = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThan(1e-4);

describe('test_chrf.py: eps smoothing, beta 3 (test_cases)', () => {
  it.each([
    [['abcdefg'], ['hijklmnop'], 0.0],
    [['a'], ['b'], 0.0],
    [[''], ['b'], 0.0],
    [[''], ['ref'], 0.0],
    [[''], ['reference'], 0.0],
    [['aa'], ['ab'], 8.3333],
    [['a', 'b'], ['a', 'c'], 8.3333],
    [['a'], ['a'], 16.6667],
    [['a b c'], ['a b c'], 50.0],
    [['a b c'], ['abc'], 50.0],
    [[' risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .'],
      ['risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .'], 63.361730],
    [[' Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. '],
      ['Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.'], 64.1302698],
    [['Niemand hat die Absicht, eine Mauer zu errichten'], ['Niemand hat die Absicht, eine Mauer zu errichten'], 100.0],
  ])('%j vs %j → %f', (hyps, refs, expected) => {
    close(corpusChrf(hyps, [refs], { charOrder: 6, wordOrder: 0, beta: 3, epsSmoothing: true }).score, expected);
  });
});

describe('test_chrf.py: effective order, beta 3 (test_cases_effective_order)', () => {
  it.each([
    [['a'], ['a'], 100.0],
    [[''], ['reference'], 0.0],
    [['a b c'], ['a b c'], 100.0],
    [['a b c'], ['abc'], 100.0],
    [[''], ['c'], 0.0],
    [['a', 'b'], ['a', 'c'], 50.0],
    [['aa'], ['ab'], 25.0],
  ])('%j vs %j → %f', (hyps, refs, expected) => {
    close(corpusChrf(hyps, [refs], { beta: 3 }).score, expected);
  });
});

describe('test_chrf.py: keep whitespace (test_cases_keep_whitespace)', () => {
  it.each([
    ['Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich.',
      'Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.', 67.3481606],
    ['risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .',
      'risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .', 65.2414427],
  ])('%s', (hyp, ref, expected) => {
    close(corpusChrf([hyp], [[ref]], { beta: 3, whitespace: true }).score, expected);
  });
});

const czech: Array<[string, string, number, number, number]> = [
  // hypothesis, reference, eps-smoothed chrF (test_chrf_sentence_level), then sacrebleu 2.6.0's
  // default chrF and chrF++ for the same pair.
  ['Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.',
    'Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře.', 39.14078509, 39.14081690316369, 40.3769131075315],
  ['Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.',
    'A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři.', 31.22557079, 31.225641469352972, 28.927323825104185],
  ['Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.',
    'Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli.', 57.15704367, 57.157427512824064, 54.134581828446215],
];

describe('sentence level (test_chrf_sentence_level + sacrebleu 2.6.0)', () => {
  it.each(czech)('%s', (hyp, ref, eps, chrf, chrfpp) => {
    close(sentenceChrf(hyp, [ref], { epsSmoothing: true }).score, eps);
    close(sentenceChrf(hyp, [ref]).score, chrf);
    close(sentenceChrf(hyp, [ref], { wordOrder: 2 }).score, chrfpp);
  });

  it('picks the best of several references (sacrebleu 2.6.0)', () => {
    const refs = ['The man bit him first.', 'The man had bitten the dog.'];
    close(sentenceChrf('The man had just bitten him.', refs).score, 51.87740799504779);
    close(sentenceChrf('The man had just bitten him.', refs, { wordOrder: 2 }).score, 52.00714394858371);
  });

  it('counts characters by code point (sacrebleu 2.6.0)', () => {
    close(sentenceChrf('héllo 😀 wörld', ['hello 😀 world']).score, 37.59139009139009);
  });
});

describe('corpus chrF on the sacrebleu README example (sacrebleu 2.6.0)', () => {
  const refs = [
    ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
    ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
  ];
  const hyps = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
  it.each([
    [{}, 59.72751782684763, 50.043063606582294, 'chrF2', 'nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no'],
    [{ wordOrder: 2 }, 59.15310444399262, 51.7309698503746, 'chrF2++', 'nrefs:2|case:mixed|eff:yes|nc:6|nw:2|space:no'],
    [{ lowercase: true }, 60.02302725455764, 50.043063606582294, 'chrF2', 'nrefs:2|case:lc|eff:yes|nc:6|nw:0|space:no'],
    [{ whitespace: true }, 65.8764867358276, 54.41334637570895, 'chrF2', 'nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:yes'],
    [{ epsSmoothing: true }, 59.72734693786311, 50.04201680672269, 'chrF2', 'nrefs:2|case:mixed|eff:no|nc:6|nw:0|space:no'],
    [{ wordOrder: 2, epsSmoothing: true }, 59.134638657694325, 51.71218487394958, 'chrF2++', 'nrefs:2|case:mixed|eff:no|nc:6|nw:2|space:no'],
    [{ beta: 1 }, 59.011162893322386, 48.50881513690084, 'chrF1', 'nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no'],
    [{ charOrder: 4, wordOrder: 1 }, 66.56617510499893, 59.89967156721766, 'chrF2+', 'nrefs:2|case:mixed|eff:yes|nc:4|nw:1|space:no'],
  ])('%j', (options, twoRefs, firstRef, name, sig) => {
    const s = corpusChrf(hyps, refs, options);
    close(s.score, twoRefs);
    expect(s.name).toBe(name);
    expect(s.signature).toBe(`${sig}|version:llama-loom-0.1.0`);
    close(corpusChrf(hyps, [refs[0]!], options).score, firstRef);
  });

  it('formats like sacrebleu', () => {
    expect(formatChrf(corpusChrf(hyps, refs, { wordOrder: 2 }))).toBe('chrF2++ = 59.15');
  });
});

it('chrF++ splits one punctuation mark off word edges (sacrebleu 2.6.0 _remove_punctuation)', () => {
  expect(chrfWords('(hi) "quoted", end. a - b ,x x,')).toEqual(
    ['(hi', ')', '"quoted"', ',', 'end', '.', 'a', '-', 'b', ',', 'x', 'x', ','],
  );
});

it('validates arguments', () => {
  expect(() => corpusChrf(['a'], [['a'], ['b', 'c']])).toThrow(/references\[1\]/);
  expect(() => sentenceChrf('a', ['b'], { wordOrder: -1 })).toThrow(/options\.wordOrder/);
  expect(() => sentenceChrf('a', [])).toThrow(RangeError);
});
