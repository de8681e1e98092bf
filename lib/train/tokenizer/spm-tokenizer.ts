// Encoder/decoder for an SPM vocabulary that reproduces llama.cpp's `llama` tokenizer
// (llama-vocab.cpp, llm_tokenizer_spm_session) token for token, so that the ids the training
// pipeline sees are exactly the ids llama.cpp will produce for the same text.

import { checkBoolean, checkObject, checkString, checkTokens, fail } from '../../validate.js';
import { BinaryHeap } from './heap.js';
import { escapeForSpm } from './text.js';
import { BOS_ID, byteTokenText, checkVocab, SPACE_MARK, TokenType, type SpmVocab } from './vocab.js';

/** Options of {@link SpmTokenizer.encode}. */
export interface EncodeOptions {
  /** Put `<s>` first, as llama.cpp does for `llama` vocabularies with add_bos_token. Default false. */
  addBos?: boolean;
}

interface Bigram {
  left: number;
  right: number;
  score: number;
  /** Combined length when queued; a different sum later means one side has changed since. */
  size: number;
}

// llama.cpp's queue order: higher score first, then the leftmost pair.
const firstBigram = (a: Bigram, b: Bigram): boolean => a.score > b.score || (a.score === b.score && a.left < b.left);

const utf8 = new TextEncoder();

/**
 * SentencePiece-style BPE tokenizer over an {@link SpmVocab}, equivalent to llama.cpp's SPM
 * tokenizer with `add_space_prefix` on and special-token parsing off: the text gets a leading space,
 * spaces become `▁`, the text is split into characters, and the adjacent pair whose concatenation
 * is a token with the highest score (leftmost on ties) is merged until no pair forms a token.
 * Characters without a token fall back to their UTF-8 bytes (`<0xXX>`).
 */
export class SpmTokenizer {
  /** The vocabulary this tokenizer uses. */
  readonly vocab: SpmVocab;
  private readonly ids: Map<string, number>;
  private readonly byteIds = new Int32Array(256);

  constructor(vocab: SpmVocab) {
    this.ids = checkVocab('vocab', vocab);
    this.vocab = vocab;
    for (let b = 0; b < 256; b++) {
      // llama.cpp byte_to_token: the <0xXX> token, else a token that is that single byte.
      const id = this.ids.get(byteTokenText(b)) ?? (b < 0x80 ? this.ids.get(String.fromCharCode(b)) : undefined);
      if (id === undefined) fail('vocab.tokens', `a vocabulary with a byte-fallback token for every byte (${byteTokenText(b)} is missing)`, vocab.tokens, 'range');
      this.byteIds[b] = id;
    }
  }

  /** Number of tokens in the vocabulary. */
  get size(): number {
    return this.vocab.tokens.length;
  }

  /** The id of a token text, or undefined. */
  tokenToId(token: string): number | undefined {
    return this.ids.get(checkString('token', token));
  }

  /** Token ids of `text`; the empty string gives no tokens (only `<s>` with `addBos`). */
  encode(text: string, options: EncodeOptions = {}): Int32Array {
    checkString('text', text);
    checkObject('options', options);
    const addBos = options.addBos === undefined ? false : checkBoolean('options.addBos', options.addBos);
    const out: number[] = addBos ? [BOS_ID] : [];
    if (text.length > 0) this.encodeEscaped(escapeForSpm(text), out);
    return Int32Array.from(out);
  }

  private encodeEscaped(s: string, out: number[]): void {
    // One symbol per code point: start offset and length in UTF-16 units, doubly linked.
    const start: number[] = [];
    for (let i = 0; i < s.length; i += s.codePointAt(i)! > 0xffff ? 2 : 1) start.push(i);
    const n = start.length;
    const len = new Int32Array(n);
    const prev = new Int32Array(n);
    const next = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      len[i] = (i + 1 < n ? start[i + 1]! : s.length) - start[i]!;
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    const queue = new BinaryHeap<Bigram>(firstBigram);
    const tryAdd = (left: number, right: number): void => {
      if (left < 0 || right < 0) return;
      const size = len[left]! + len[right]!;
      const id = this.ids.get(s.slice(start[left]!, start[left]! + size));
      if (id !== undefined) queue.push({ left, right, score: this.vocab.scores[id]!, size });
    };
    for (let i = 1; i < n; i++) tryAdd(i - 1, i);
    for (let b = queue.pop(); b !== undefined; b = queue.pop()) {
      if (len[b.left] === 0 || len[b.right] === 0 || len[b.left]! + len[b.right]! !== b.size) continue;
      len[b.left] = b.size;
      len[b.right] = 0;
      next[b.left] = next[b.right]!;
      if (next[b.right]! >= 0) prev[next[b.right]!] = b.left;
      tryAdd(prev[b.left]!, b.left);
      tryAdd(b.left, next[b.left]!);
    }
    for (let i = 0; i !== -1; i = next[i]!) {
      const piece = s.slice(start[i]!, start[i]! + len[i]!);
      const id = this.ids.get(piece);
      if (id !== undefined) out.push(id);
      else for (const byte of utf8.encode(piece)) out.push(this.byteIds[byte]!);
    }
  }

  /**
   * Text of token ids: `▁` becomes a space, byte tokens are reassembled into UTF-8 (invalid
   * sequences decode to U+FFFD), control and unknown tokens contribute nothing, and the one
   * leading space that {@link encode} adds is removed, so `decode(encode(t)) === t` for any
   * well-formed `t`.
   */
  decode(ids: Int32Array | readonly number[]): string {
    const tokens = checkTokens('ids', ids, this.size);
    const bytes: number[] = [];
    let first = true;
    for (const id of tokens) {
      const type = this.vocab.types[id];
      const text = this.vocab.tokens[id]!;
      let piece: Uint8Array | undefined;
      if (type === TokenType.NORMAL) piece = utf8.encode(text.replaceAll(SPACE_MARK, ' '));
      else if (type === TokenType.USER_DEFINED) piece = utf8.encode(text);
      else if (type === TokenType.BYTE) piece = Uint8Array.of(parseInt(text.slice(3), 16));
      if (piece === undefined) continue;
      let from = 0;
      if (first && piece[0] === 0x20) from = 1;
      first = false;
      for (let i = from; i < piece.length; i++) bytes.push(piece[i]!);
    }
    return new TextDecoder().decode(Uint8Array.from(bytes));
  }
}
