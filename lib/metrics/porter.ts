// The Porter stemmer in NLTK's default NLTK_EXTENSIONS mode — the variant rouge-score stems
// with. It departs from Porter's 1980 paper in documented ways: an irregular-forms table
// (dying→die, news→news, innings→inning, …), words of ≤ 2 letters left alone, `ies`/`ied` on
// 4-letter words kept as `ie`, y→i only after a consonant, extra step-2 rules (bli, fulli, logi,
// recursive alli) and a 2-letter vowel-consonant word counting as *o.

import { checkString } from '../validate.js';

const IRREGULAR_FORMS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    sky: ['sky', 'skies'],
    die: ['dying'],
    lie: ['lying'],
    tie: ['tying'],
    news: ['news'],
    inning: ['innings', 'inning'],
    outing: ['outings', 'outing'],
    canning: ['cannings', 'canning'],
    howe: ['howe'],
    proceed: ['proceed'],
    exceed: ['exceed'],
    succeed: ['succeed'],
  }).flatMap(([stem, forms]) => forms.map((form) => [form, stem] as [string, string])),
);

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u']);

/** Per-letter consonant flags: `y` is a consonant at the start or after a vowel. */
function consonantFlags(word: readonly string[]): boolean[] {
  const flags: boolean[] = [];
  word.forEach((ch, i) => {
    if (VOWELS.has(ch)) flags.push(false);
    else if (ch === 'y') flags.push(i === 0 ? true : !flags[i - 1]);
    else flags.push(true);
  });
  return flags;
}

/** Words are handled as arrays of code points so indexing matches Python's. */
type Letters = readonly string[];

const isConsonant = (w: Letters, i: number): boolean => consonantFlags(w.slice(0, i + 1))[i]!;

/** m in [C](VC){m}[V]. */
function measure(stem: Letters): number {
  const flags = consonantFlags(stem);
  let m = 0;
  for (let i = 1; i < flags.length; i++) if (!flags[i - 1] && flags[i]) m++;
  return m;
}

const positiveMeasure = (stem: Letters): boolean => measure(stem) > 0;
const measureAbove1 = (stem: Letters): boolean => measure(stem) > 1;
const containsVowel = (stem: Letters): boolean => consonantFlags(stem).some((c) => !c);

function endsDoubleConsonant(w: Letters): boolean {
  return w.length >= 2 && w[w.length - 1] === w[w.length - 2] && isConsonant(w, w.length - 1);
}

/** *o: ends consonant-vowel-consonant with the last not w, x or y (or is a 2-letter vowel-consonant word). */
function endsCvc(w: Letters): boolean {
  const n = w.length;
  if (n >= 3) {
    return isConsonant(w, n - 3) && !isConsonant(w, n - 2) && isConsonant(w, n - 1) && !['w', 'x', 'y'].includes(w[n - 1]!);
  }
  return n === 2 && !isConsonant(w, 0) && isConsonant(w, 1);
}

const endsWith = (w: Letters, suffix: string): boolean => w.join('').endsWith(suffix);
const strip = (w: Letters, suffix: string): string[] => w.slice(0, w.length - Array.from(suffix).length);
const letters = (s: string): string[] => Array.from(s);

/** [suffix, replacement, condition on the stem left after removing the suffix]. */
type Rule = readonly [string, string, ((stem: Letters) => boolean) | null];

/** The first rule whose suffix matches decides: its condition either allows the rewrite or keeps the word. */
function applyRules(w: Letters, rules: readonly Rule[]): string[] {
  for (const [suffix, replacement, condition] of rules) {
    if (endsWith(w, suffix)) {
      const stem = strip(w, suffix);
      return condition === null || condition(stem) ? [...stem, ...letters(replacement)] : [...w];
    }
  }
  return [...w];
}

function step1a(w: Letters): string[] {
  if (endsWith(w, 'ies') && w.length === 4) return [...strip(w, 'ies'), 'i', 'e'];
  return applyRules(w, [['sses', 'ss', null], ['ies', 'i', null], ['ss', 'ss', null], ['s', '', null]]);
}

function step1b(w: Letters): string[] {
  if (endsWith(w, 'ied')) return [...strip(w, 'ied'), ...letters(w.length === 4 ? 'ie' : 'i')];
  if (endsWith(w, 'eed')) {
    const stem = strip(w, 'eed');
    return measure(stem) > 0 ? [...stem, 'e', 'e'] : [...w];
  }
  let stem: string[] | undefined;
  for (const suffix of ['ed', 'ing']) {
    if (endsWith(w, suffix) && containsVowel(strip(w, suffix))) {
      stem = strip(w, suffix);
      break;
    }
  }
  if (stem === undefined) return [...w];
  if (endsWith(stem, 'at')) return [...stem, 'e'];
  if (endsWith(stem, 'bl')) return [...stem, 'e'];
  if (endsWith(stem, 'iz')) return [...stem, 'e'];
  if (endsDoubleConsonant(stem)) {
    // hopp(ing) → hop, but fall(ing), hiss(ing), fizz(ed) keep both letters.
    return ['l', 's', 'z'].includes(stem[stem.length - 1]!) ? stem : stem.slice(0, -1);
  }
  return measure(stem) === 1 && endsCvc(stem) ? [...stem, 'e'] : stem;
}

function step1c(w: Letters): string[] {
  // y → i only after a consonant that is not the whole stem: happy → happi, enjoy, by unchanged.
  return applyRules(w, [['y', 'i', (stem) => stem.length > 1 && isConsonant(stem, stem.length - 1)]]);
}

function step2(w: Letters): string[] {
  if (endsWith(w, 'alli') && positiveMeasure(strip(w, 'alli'))) return step2([...strip(w, 'alli'), 'a', 'l']);
  const rules: Rule[] = [
    ['ational', 'ate', positiveMeasure],
    ['tional', 'tion', positiveMeasure],
    ['enci', 'ence', positiveMeasure],
    ['anci', 'ance', positiveMeasure],
    ['izer', 'ize', positiveMeasure],
    ['bli', 'ble', positiveMeasure],
    ['alli', 'al', positiveMeasure],
    ['entli', 'ent', positiveMeasure],
    ['eli', 'e', positiveMeasure],
    ['ousli', 'ous', positiveMeasure],
    ['ization', 'ize', positiveMeasure],
    ['ation', 'ate', positiveMeasure],
    ['ator', 'ate', positiveMeasure],
    ['alism', 'al', positiveMeasure],
    ['iveness', 'ive', positiveMeasure],
    ['fulness', 'ful', positiveMeasure],
    ['ousness', 'ous', positiveMeasure],
    ['aliti', 'al', positiveMeasure],
    ['iviti', 'ive', positiveMeasure],
    ['biliti', 'ble', positiveMeasure],
    ['fulli', 'ful', positiveMeasure],
    // NLTK measures the word minus "ogi" here (keeping the l), not the stem minus "logi".
    ['logi', 'log', () => positiveMeasure(w.slice(0, -3))],
  ];
  return applyRules(w, rules);
}

function step3(w: Letters): string[] {
  return applyRules(w, [
    ['icate', 'ic', positiveMeasure],
    ['ative', '', positiveMeasure],
    ['alize', 'al', positiveMeasure],
    ['iciti', 'ic', positiveMeasure],
    ['ical', 'ic', positiveMeasure],
    ['ful', '', positiveMeasure],
    ['ness', '', positiveMeasure],
  ]);
}

function step4(w: Letters): string[] {
  const suffixes = ['al', 'ance', 'ence', 'er', 'ic', 'able', 'ible', 'ant', 'ement', 'ment', 'ent'];
  const rules: Rule[] = suffixes.map((s) => [s, '', measureAbove1] as const);
  rules.push(['ion', '', (stem) => measure(stem) > 1 && ['s', 't'].includes(stem[stem.length - 1]!)]);
  for (const s of ['ou', 'ism', 'ate', 'iti', 'ous', 'ive', 'ize']) rules.push([s, '', measureAbove1]);
  return applyRules(w, rules);
}

function step5a(w: Letters): string[] {
  if (!endsWith(w, 'e')) return [...w];
  const stem = strip(w, 'e');
  const m = measure(stem);
  return m > 1 || (m === 1 && !endsCvc(stem)) ? stem : [...w];
}

function step5b(w: Letters): string[] {
  return applyRules(w, [['ll', 'l', () => measure(w.slice(0, -1)) > 1]]);
}

/**
 * Stems one word like NLTK's `PorterStemmer().stem(word)` (mode NLTK_EXTENSIONS, lowercasing on).
 * @example porterStem('dying') === 'die'; porterStem('generalization') === 'gener'
 */
export function porterStem(word: string): string {
  checkString('word', word);
  const lower = word.toLowerCase();
  const irregular = IRREGULAR_FORMS.get(lower);
  if (irregular !== undefined) return irregular;
  if (Array.from(word).length <= 2) return lower;
  let w = letters(lower);
  for (const step of [step1a, step1b, step1c, step2, step3, step4, step5a, step5b]) w = step(w);
  return w.join('');
}
