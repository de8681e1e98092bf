// SPM encoding semantics are those of llama.cpp's llm_tokenizer_spm_session (src/llama-vocab.cpp):
// dummy-prefix space, spaces as U+2581, repeatedly merge the adjacent pair whose concatenation is
// a token with the highest score (leftmost on ties), unknown characters as <0xXX> byte tokens.
// Every expected id list below was traced by hand from those rules.
import { SpmTokenizer, toGgufMetadata, trainTokenizer, type SpmVocab } from '../../lib/train/tokenizer/index.js';

/** Reserved layout written out independently: <unk> <s> </s>, then <0x00>..<0xFF>, then `pieces` from id 259. */
function handVocab(pieces: Array<[text: string, score: number]>): SpmVocab {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [2, 3, 3];
  const scores = [0, 0, 0];
  const hex = '0123456789ABCDEF';
  for (let b = 0; b < 256; b++) {
    tokens.push('<0x' + hex[b >> 4] + hex[b & 15] + '>');
    types.push(6);
    scores.push(0);
  }
  for (const [text, score] of pieces) {
    tokens.push(text);
    types.push(1);
    scores.push(score);
  }
  return { tokens, scores: Float32Array.from(scores), types: Int32Array.from(types) };
}

// ids: ▁ 259, a 260, b 261, c 262, bc 263, ab 264, ▁a 265, abc 266, ▁abc 267
const abcPieces: Array<[string, number]> = [
  ['▁', -10], ['a', -11], ['b', -12], ['c', -13],
  ['bc', 0], ['ab', -1], ['▁a', -2], ['abc', -3], ['▁abc', -4],
];

describe('SpmTokenizer.encode follows llama.cpp merge-by-score', () => {
  test('highest score first; a pair whose side already merged is stale', () => {
    // "▁abc": bc(0) → [▁ a bc]; ab(-1) is stale; ▁a(-2) → [▁a bc]; abc(-3) stale; ▁abc(-4) → [▁abc]
    expect([...new SpmTokenizer(handVocab(abcPieces)).encode('abc')]).toEqual([267]);
    // Without ▁abc the walk stops at [▁a bc], although "abc" is a token and "ab" outranks "▁a".
    expect([...new SpmTokenizer(handVocab(abcPieces.slice(0, 8))).encode('abc')]).toEqual([265, 263]);
  });

  test('a higher-scoring "ab" changes the result', () => {
    // scores: ab 0 > bc -1: [▁ ab c] → ▁a is stale, abc(-3) → [▁ abc]; ▁abc is not in this vocabulary
    const v = handVocab([['▁', -10], ['a', -11], ['b', -12], ['c', -13], ['bc', -1], ['ab', 0], ['▁a', -2], ['abc', -3]]);
    expect([...new SpmTokenizer(v).encode('abc')]).toEqual([259, 266]);
  });

  test('equal scores merge the leftmost pair first', () => {
    // ids: ▁ 259, a 260, aa 261. "▁aaa": two "aa" pairs tie, the left one wins → [▁ aa a]
    const tok = new SpmTokenizer(handVocab([['▁', -1], ['a', -2], ['aa', 0]]));
    expect([...tok.encode('aaa')]).toEqual([259, 261, 260]);
    expect([...tok.encode('aaaa')]).toEqual([259, 261, 261]);
  });

  test('spaces become ▁ and the text gets one leading ▁', () => {
    const tok = new SpmTokenizer(handVocab(abcPieces));
    // " a  b" → "▁▁a▁▁b": ▁a(-2) is the only token pair → [▁ ▁a ▁ ▁ b]
    expect([...tok.encode(' a  b')]).toEqual([259, 265, 259, 259, 261]);
    expect([...tok.encode('')]).toEqual([]);
    expect([...tok.encode('', { addBos: true })]).toEqual([1]);
    expect([...tok.encode('a', { addBos: true })]).toEqual([1, 265]);
  });

  test('characters without a token fall back to their UTF-8 bytes', () => {
    const tok = new SpmTokenizer(handVocab(abcPieces));
    // é = C3 A9 → ids 3 + 0xC3 = 198, 3 + 0xA9 = 172; 🙂 = F0 9F 99 82
    expect([...tok.encode('é')]).toEqual([259, 198, 172]);
    expect([...tok.encode('a🙂')]).toEqual([265, 3 + 0xf0, 3 + 0x9f, 3 + 0x99, 3 + 0x82]);
    // No ▁ token at all: the prefix space itself is E2 96 81.
    const bare = new SpmTokenizer(handVocab([['a', 0]]));
    expect([...bare.encode('a')]).toEqual([3 + 0xe2, 3 + 0x96, 3 + 0x81, 259]);
    // A lone surrogate is U+FFFD (EF BF BD) once the text is UTF-8.
    expect([...bare.encode('\uD800')].slice(3)).toEqual([3 + 0xef, 3 + 0xbf, 3 + 0xbd]);
  });
});

describe('SpmTokenizer.decode', () => {
  const tok = new SpmTokenizer(handVocab(abcPieces));

  test('inverts encode, dropping control tokens and the prefix space', () => {
    for (const text of ['abc', ' a  b', 'cab bac', 'é🙂 ok', '\n\tx']) {
      expect(tok.decode(tok.encode(text, { addBos: true }))).toBe(text);
    }
    expect(tok.decode([1, 265, 263, 2])).toBe('abc');
    // The prefix space removed is the first one produced, even after a skipped <unk>.
    expect(tok.decode([0, 259, 260])).toBe('a');
    expect(tok.decode([260, 259, 260])).toBe('a a');
  });

  test('a truncated byte sequence decodes to U+FFFD; ids are validated', () => {
    expect(tok.decode([265, 198])).toBe('a\uFFFD');
    expect(() => tok.decode([268])).toThrow(RangeError);
    expect(() => tok.decode([1.5])).toThrow(/ids\[0\]/);
  });
});

describe('SpmTokenizer validates the vocabulary', () => {
  test('duplicate tokens, length mismatches and missing byte tokens are rejected', () => {
    expect(() => new SpmTokenizer(handVocab([['a', 0], ['a', -1]]))).toThrow(/vocab\.tokens\[260\]/);
    const v = handVocab([['a', 0]]);
    expect(() => new SpmTokenizer({ ...v, scores: new Float32Array(3) })).toThrow(RangeError);
    expect(() => new SpmTokenizer({ tokens: ['<unk>', 'a'], scores: new Float32Array(2), types: Int32Array.of(2, 1) })).toThrow(/<0x00>/);
  });
});

describe('trainTokenizer on hand-traced corpora', () => {
  test('most frequent pair first, ties to the lowest ids, scores by rank', () => {
    // Words: ▁ab ×3, ▁abc ×1. Characters ▁ a b: 4 each, c: 1; equal counts order by text
    // ('a' < 'b' < '▁') → a 259, b 260, ▁ 261, c 262. Pairs ▁a and ab both 4: ab has the lower
    // ids → "ab" 263; then ▁+ab (4) → "▁ab" 264; then ▁ab+c (1) → "▁abc" 265.
    const v = trainTokenizer(['ab ab ab', 'abc'], { vocabSize: 266, minFrequency: 1 });
    expect(v.tokens.slice(259)).toEqual(['a', 'b', '▁', 'c', 'ab', '▁ab', '▁abc']);
    expect([...v.scores.slice(259)]).toEqual([-3, -4, -5, -6, 0, -1, -2]);
    expect([...v.types.slice(259)]).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(v.charCount).toBe(4);
    expect(v.mergeCount).toBe(3);
    expect(v.merges).toEqual([['a', 'b'], ['▁', 'ab'], ['▁ab', 'c']]);
    expect([...new SpmTokenizer(v).encode('ab abc')]).toEqual([264, 265]);
  });

  test('minFrequency stops training, maxChars leaves rare characters to byte fallback', () => {
    const v = trainTokenizer(['ab ab ab', 'abc'], { vocabSize: 300, minFrequency: 2 });
    expect(v.tokens.slice(259)).toEqual(['a', 'b', '▁', 'c', 'ab', '▁ab']);
    const capped = trainTokenizer(['ab ab ab', 'abc'], { vocabSize: 300, maxChars: 3 });
    expect(capped.tokens.slice(259, 262)).toEqual(['a', 'b', '▁']);
    expect(capped.tokens).not.toContain('c');
    expect([...new SpmTokenizer(capped).encode('abc')]).toEqual([263, 3 + 0x63]); // ▁ab, then c as <0x63>
  });

  test('never spells a reserved token, and validates its options', () => {
    const v = trainTokenizer(['\n<s>\n<s>\n<s>'], { vocabSize: 300, minFrequency: 1 });
    expect(v.tokens.filter((t) => t === '<s>')).toHaveLength(1);
    expect(new Set(v.tokens).size).toBe(v.tokens.length);
    expect(() => trainTokenizer(['x'], { vocabSize: 259 })).toThrow(/options\.vocabSize/);
    expect(() => trainTokenizer(['x'], { minFrequency: 0 })).toThrow(RangeError);
    expect(() => trainTokenizer([1] as never)).toThrow(/texts\[0\]/);
  });
});

describe('toGgufMetadata', () => {
  test('emits the tokenizer.ggml keys llama.cpp reads for an SPM vocabulary', () => {
    const v = handVocab(abcPieces);
    const entries = toGgufMetadata(v);
    const byKey = new Map(entries.map((e) => [e.key, e.value]));
    expect(byKey.get('tokenizer.ggml.model')).toEqual({ type: 'string', value: 'llama' });
    expect(byKey.get('tokenizer.ggml.tokens')).toEqual({ type: 'array', itemType: 'string', value: v.tokens });
    expect(byKey.get('tokenizer.ggml.scores')).toEqual({ type: 'array', itemType: 'float32', value: v.scores });
    expect(byKey.get('tokenizer.ggml.token_type')).toEqual({ type: 'array', itemType: 'int32', value: v.types });
    expect(byKey.get('tokenizer.ggml.bos_token_id')).toEqual({ type: 'uint32', value: 1 });
    expect(byKey.get('tokenizer.ggml.eos_token_id')).toEqual({ type: 'uint32', value: 2 });
    expect(byKey.get('tokenizer.ggml.unknown_token_id')).toEqual({ type: 'uint32', value: 0 });
    expect(byKey.get('tokenizer.ggml.add_bos_token')).toEqual({ type: 'bool', value: true });
    expect(byKey.get('tokenizer.ggml.add_eos_token')).toEqual({ type: 'bool', value: false });
    expect(byKey.get('tokenizer.ggml.add_space_prefix')).toEqual({ type: 'bool', value: true });
    expect(entries).toHaveLength(10);
  });

  test('rejects a vocabulary without <unk> <s> </s> at ids 0-2', () => {
    const v = handVocab([]);
    expect(() => toGgufMetadata({ ...v, tokens: ['<s>', '<unk>', ...v.tokens.slice(2)] })).toThrow(/vocab\.tokens\[0\]/);
  });
});
