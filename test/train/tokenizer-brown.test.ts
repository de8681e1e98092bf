// Trains a small vocabulary on part of the Brown corpus and checks it against the documented layout
// (<unk> <s> </s>, <0x00>..<0xFF>, characters, merges) and against a brute-force re-implementation
// of llama.cpp's SPM encoding rule (merge the adjacent pair whose concatenation is the
// highest-scoring token, leftmost on ties; unknown characters as UTF-8 byte tokens).
import { loadBrownCorpus, type BrownCorpus } from '../../lib/train/corpus.js';
import { SpmTokenizer, trainTokenizer, type TrainedTokenizer } from '../../lib/train/tokenizer/index.js';

let corpus: BrownCorpus;
let vocab: TrainedTokenizer;
let tok: SpmTokenizer;

beforeAll(() => {
  corpus = loadBrownCorpus();
  vocab = trainTokenizer(corpus.train.slice(0, 30), { vocabSize: 600 });
  tok = new SpmTokenizer(vocab);
});

/** Quadratic reference: rescan every adjacent pair after each merge. */
function bruteForceEncode(v: TrainedTokenizer, text: string): number[] {
  const ids = new Map(v.tokens.map((t, i) => [t, i]));
  const symbols = Array.from(('\u2581' + text).replaceAll(' ', '\u2581'));
  for (;;) {
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const id = ids.get(symbols[i]! + symbols[i + 1]!);
      if (id !== undefined && v.scores[id]! > bestScore) {
        best = i;
        bestScore = v.scores[id]!;
      }
    }
    if (best < 0) break;
    symbols.splice(best, 2, symbols[best]! + symbols[best + 1]!);
  }
  return symbols.flatMap((s) => {
    const id = ids.get(s);
    return id !== undefined ? [id] : [...new TextEncoder().encode(s)].map((b) => 3 + b);
  });
}

describe('vocabulary trained on 30 Brown files', () => {
  test('id and type layout', () => {
    expect(vocab.tokens).toHaveLength(600);
    expect(vocab.tokens.slice(0, 3)).toEqual(['<unk>', '<s>', '</s>']);
    expect([...vocab.types.slice(0, 3)]).toEqual([2, 3, 3]);
    expect(vocab.tokens[3]).toBe('<0x00>');
    expect(vocab.tokens[3 + 0x0a]).toBe('<0x0A>');
    expect(vocab.tokens[258]).toBe('<0xFF>');
    expect(vocab.types.slice(3, 259).every((t) => t === 6)).toBe(true);
    expect(vocab.types.slice(259).every((t) => t === 1)).toBe(true);
    expect(vocab.scores.slice(0, 259).every((s) => s === 0)).toBe(true);
    const chars = vocab.tokens.slice(259, 259 + vocab.charCount);
    expect(chars.every((c) => [...c].length === 1)).toBe(true);
    expect(chars).toEqual(expect.arrayContaining(['\u2581', 'e', 'T', '\n', '"']));
    expect(vocab.charCount + vocab.mergeCount).toBe(600 - 259);
    expect(new Set(vocab.tokens).size).toBe(600);
  });

  test('merge scores fall with rank and every character scores below every merge', () => {
    const merged = vocab.scores.slice(259 + vocab.charCount);
    for (let i = 1; i < merged.length; i++) expect(merged[i]!).toBeLessThan(merged[i - 1]!);
    const lowestMerge = merged[merged.length - 1]!;
    const charScores = vocab.scores.slice(259, 259 + vocab.charCount);
    expect(charScores.every((s) => s < lowestMerge)).toBe(true);
    // Every merged piece is the concatenation of two earlier tokens.
    vocab.tokens.slice(259 + vocab.charCount).forEach((piece, i) => {
      const [l, r] = vocab.merges[i]!;
      expect(l + r).toBe(piece);
    });
  });

  test('frequent English pieces are learned, none spans a word boundary', () => {
    for (const piece of ['\u2581the', '\u2581of', '\u2581and', '\u2581to', 'ing']) expect(vocab.tokens).toContain(piece);
    for (const piece of vocab.tokens.slice(259)) expect(piece.slice(1)).not.toMatch(/[\u2581\n]/);
  });

  test('training is deterministic', () => {
    const again = trainTokenizer(corpus.train.slice(0, 30), { vocabSize: 600 });
    expect(again.tokens).toEqual(vocab.tokens);
    expect(again.scores).toEqual(vocab.scores);
    expect(again.types).toEqual(vocab.types);
  });
});

describe('encoding held-out text', () => {
  test('matches the brute-force SPM reference', () => {
    for (const doc of corpus.heldOut.slice(0, 5)) {
      const sample = doc.slice(0, 1500);
      expect([...tok.encode(sample)]).toEqual(bruteForceEncode(vocab, sample));
    }
    const odd = 'Ünïcödé  spaces\tand\nlines — 東京 🙂 <s> </s>';
    expect([...tok.encode(odd)]).toEqual(bruteForceEncode(vocab, odd));
  });

  test('decode(encode(text)) round-trips every held-out file and non-ASCII text', () => {
    for (const doc of corpus.heldOut) expect(tok.decode(tok.encode(doc))).toBe(doc);
    const odd = 'naïve café — 東京 🙂';
    const ids = tok.encode(odd);
    expect(tok.decode(ids)).toBe(odd);
    // Brown is ASCII, so é (C3 A9) can only come out as byte tokens 3 + 0xC3, 3 + 0xA9.
    expect(vocab.tokens).not.toContain('é');
    expect([...ids].join(',')).toContain(`${3 + 0xc3},${3 + 0xa9}`);
  });

  test('compresses held-out text well below one token per character', () => {
    let chars = 0;
    let tokens = 0;
    for (const doc of corpus.heldOut) {
      chars += doc.length;
      tokens += tok.encode(doc).length;
    }
    expect(chars / tokens).toBeGreaterThan(2);
  });
});
