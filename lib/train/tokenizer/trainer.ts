// Byte-pair-encoding trainer producing an SPM ("llama") vocabulary. It works on a table of
// distinct words (text split at every ▁ and at control whitespace) with their frequencies and
// keeps pair counts up to date incrementally, so each merge only touches the words that contain
// the merged pair.

import { checkInteger, checkObject, fail } from '../../validate.js';
import { BinaryHeap } from './heap.js';
import { escapeForSpm, splitSegments } from './text.js';
import { FIRST_PIECE_ID, reservedTokens, TokenType, type SpmVocab } from './vocab.js';

/** Options of {@link trainTokenizer}. */
export interface TrainTokenizerOptions {
  /** Total number of tokens wanted, reserved ones included. Default 2048. */
  vocabSize?: number;
  /** A pair seen fewer times than this is never merged (training may then stop early). Default 2. */
  minFrequency?: number;
  /** Keep at most this many single characters, the most frequent; the rest use byte fallback. */
  maxChars?: number;
}

/** A trained vocabulary plus what the training did. */
export interface TrainedTokenizer extends SpmVocab {
  /** Number of single-character tokens (ids `259 … 259 + charCount - 1`). */
  readonly charCount: number;
  /** Number of tokens created by merges (the ids after the characters). */
  readonly mergeCount: number;
  /** Every merge applied, in order, as [left, right] token texts; a merge that re-creates an existing token adds no id. */
  readonly merges: ReadonlyArray<readonly [string, string]>;
}

// Pair (a, b) of symbol ids is keyed as a * KEY_BASE + b, exact in a double for ids below 2^24.
const KEY_BASE = 2 ** 24;

type HeapEntry = readonly [count: number, key: number];
// Most frequent pair first; among equals the smaller key (earlier ids), which makes training deterministic.
const firstEntry = (x: HeapEntry, y: HeapEntry): boolean => x[0] > y[0] || (x[0] === y[0] && x[1] < y[1]);

function countWords(texts: readonly string[]): Map<string, number> {
  const words = new Map<string, number>();
  for (const text of texts) {
    for (const w of splitSegments(escapeForSpm(text))) words.set(w, (words.get(w) ?? 0) + 1);
  }
  return words;
}

function pickCharacters(words: Map<string, number>, limit: number): string[] {
  const counts = new Map<string, number>();
  for (const [w, f] of words) for (const ch of w) counts.set(ch, (counts.get(ch) ?? 0) + f);
  return [...counts]
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
    .slice(0, limit)
    .map(([ch]) => ch);
}

/** `word` with every non-overlapping (a, b), scanned left to right, replaced by `id`. */
function mergeWord(word: Int32Array, a: number, b: number, id: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < word.length; i++) {
    if (word[i] === a && word[i + 1] === b) {
      out.push(id);
      i++;
    } else out.push(word[i]!);
  }
  return Int32Array.from(out);
}

/**
 * Learns an SPM-style BPE vocabulary from `texts`: `<unk>`=0, `<s>`=1, `</s>`=2 (types UNKNOWN,
 * CONTROL, CONTROL), byte tokens `<0x00>`…`<0xFF>`=3…258 (BYTE), then every character seen (the
 * most frequent first, capped by `maxChars` and the vocabulary size), then merged pieces in the
 * order they were learned. Each step merges the most frequent adjacent pair within a word (ties:
 * lowest ids), never across words, so every piece is a substring of one word, possibly with a
 * leading `▁`. Scores: reserved tokens 0, the merged piece of rank r (0-based) −r, and the
 * character of frequency rank i −(mergeCount + i), below every merge, so llama.cpp's
 * highest-score-first merging replays the learned order. Deterministic for a given input.
 */
export function trainTokenizer(texts: readonly string[], options: TrainTokenizerOptions = {}): TrainedTokenizer {
  if (!Array.isArray(texts)) fail('texts', 'an array of strings', texts);
  texts.forEach((t, i) => typeof t === 'string' || fail(`texts[${i}]`, 'a string', t));
  checkObject('options', options);
  const vocabSize = checkInteger('options.vocabSize', options.vocabSize ?? 2048, { min: FIRST_PIECE_ID + 1, max: KEY_BASE });
  const minFrequency = checkInteger('options.minFrequency', options.minFrequency ?? 2, { min: 1 });
  const maxChars = options.maxChars === undefined ? Infinity : checkInteger('options.maxChars', options.maxChars, { min: 1 });

  const { tokens, types } = reservedTokens();
  const reserved = new Set(tokens);
  const ids = new Map<string, number>(tokens.map((t, i) => [t, i]));
  const wordTable = countWords(texts);
  for (const ch of pickCharacters(wordTable, Math.min(maxChars, vocabSize - FIRST_PIECE_ID))) {
    ids.set(ch, tokens.length);
    tokens.push(ch);
  }
  const charCount = tokens.length - FIRST_PIECE_ID;

  // Words as symbol-id arrays; a character without a token is -1 and never pairs.
  const words: Int32Array[] = [];
  const freq: number[] = [];
  for (const [w, f] of wordTable) {
    words.push(Int32Array.from(w, (ch) => ids.get(ch) ?? -1));
    freq.push(f);
  }

  const pairCount = new Map<number, number>();
  // Words that contained the pair when it was counted; may hold stale entries, checked on use.
  const pairWords = new Map<number, Set<number>>();
  const blocked = new Set<number>();
  const touched = new Set<number>();
  const addPairs = (w: number, sign: 1 | -1): void => {
    const word = words[w]!;
    for (let i = 0; i + 1 < word.length; i++) {
      const a = word[i]!;
      const b = word[i + 1]!;
      if (a < 0 || b < 0) continue;
      const key = a * KEY_BASE + b;
      if (blocked.has(key)) continue;
      pairCount.set(key, (pairCount.get(key) ?? 0) + sign * freq[w]!);
      touched.add(key);
      if (sign > 0) {
        let set = pairWords.get(key);
        if (!set) pairWords.set(key, (set = new Set()));
        set.add(w);
      }
    }
  };
  for (let w = 0; w < words.length; w++) addPairs(w, 1);
  const heap = new BinaryHeap<HeapEntry>(firstEntry);
  const requeueTouched = (): void => {
    for (const key of touched) {
      const c = pairCount.get(key)!;
      if (c > 0) heap.push([c, key]);
      else pairCount.delete(key);
    }
    touched.clear();
  };
  requeueTouched();

  const merges: Array<readonly [string, string]> = [];
  while (tokens.length < vocabSize) {
    const top = heap.pop();
    if (top === undefined) break;
    const [count, key] = top;
    if (pairCount.get(key) !== count) continue; // superseded by a newer entry
    if (count < minFrequency) break;
    const a = Math.floor(key / KEY_BASE);
    const b = key % KEY_BASE;
    const text = tokens[a]! + tokens[b]!;
    if (reserved.has(text)) {
      // Never let a merge spell <s>, </s>, <unk> or a byte token.
      blocked.add(key);
      pairCount.delete(key);
      continue;
    }
    let id = ids.get(text);
    if (id === undefined) {
      id = tokens.length;
      tokens.push(text);
      ids.set(text, id);
    }
    merges.push([tokens[a]!, tokens[b]!]);
    for (const w of pairWords.get(key)!) {
      const merged = mergeWord(words[w]!, a, b, id);
      if (merged.length === words[w]!.length) continue; // stale: the pair is no longer in this word
      addPairs(w, -1);
      words[w] = merged;
      addPairs(w, 1);
    }
    pairWords.delete(key);
    requeueTouched();
  }

  const mergeCount = tokens.length - FIRST_PIECE_ID - charCount;
  const scores = new Float32Array(tokens.length);
  for (let i = 0; i < charCount; i++) scores[FIRST_PIECE_ID + i] = -(mergeCount + i);
  for (let r = 0; r < mergeCount; r++) scores[FIRST_PIECE_ID + charCount + r] = 0 - r; // +0, not -0, for rank 0
  const allTypes = Int32Array.from(tokens, (_, i) => (i < types.length ? types[i]! : TokenType.NORMAL));
  return { tokens, scores, types: allTypes, charCount, mergeCount, merges };
}
