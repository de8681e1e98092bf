// A small SentencePiece-style ("llama") vocabulary for test models: control tokens, the 256
// byte-fallback tokens, '▁' and printable ASCII characters, plus merges learned by byte-pair
// encoding over a list of common English words, scored by merge rank so llama.cpp's SPM
// tokenizer joins text into multi-character pieces.
import { LLAMA_TOKEN_TYPES } from './types.js';

/** Token strings, scores and types ready for the `tokenizer.ggml.*` metadata keys. */
export interface TinyVocab {
  tokens: string[];
  scores: Float32Array;
  tokenTypes: Int32Array;
  /** Number of learned merge tokens. */
  nMerges: number;
}

/** Number of merges learned for the tiny vocabulary. */
export const TINY_VOCAB_MERGES = 320;

// Common English words, most frequent first; the list position sets the word's weight (Zipf).
const WORDS = (
  'the of and to a in is it you that he was for on are with as i his they be at one have this from or had by ' +
  'word but what some we can out other were all there when up use your how said an each she which do their ' +
  'time if will way about many then them write would like so these her long make thing see him two has look ' +
  'more day could go come did number sound no most people my over know water than call first who may down ' +
  'side been now find any new work part take get place made live where after back little only round man year ' +
  'came show every good me give our under name very through just form sentence great think say help low line ' +
  'differ turn cause much mean before move right boy old too same tell does set three want air well also play ' +
  'small end put home read hand port large spell add even land here must big high such follow act why ask men ' +
  'change went light kind off need house picture try us again animal point mother world near build self earth ' +
  'father head stand own page should country found answer school grow study still learn plant cover food sun ' +
  'four between state keep eye never last let thought city tree cross farm hard start might story saw far sea ' +
  'draw left late run while press close night real life few north open seem together next white children begin ' +
  'got walk example ease paper group always music those both mark often letter until mile river car feet care ' +
  'second book carry took science eat room friend began idea fish mountain stop once base hear horse cut sure ' +
  'watch color face wood main enough plain girl usual young ready above ever red list though feel talk bird soon ' +
  'body dog family direct pose leave song measure door product black short numeral class wind question happen ' +
  'complete ship area half rock order fire south problem piece told knew pass since top whole king space heard ' +
  'best hour better true during hundred five remember step early hold west ground interest reach fast verb sing ' +
  'listen six table travel less morning ten simple several vowel toward war lay against pattern slow center love ' +
  'person money serve appear road map rain rule govern pull cold notice voice unit power town fine certain fly ' +
  'fall lead cry dark machine note wait plan figure star box noun field rest correct able pound done beauty drive ' +
  'stood contain front teach week final gave green quick develop ocean warm free minute strong special mind ' +
  'behind clear tail produce fact street inch multiply nothing course stay wheel full force blue object decide ' +
  'surface deep moon island foot system busy test record boat common gold possible plane instead dry wonder laugh'
).split(' ');

function learnMerges(count: number): string[] {
  // Each distinct word is a sequence of symbols with a Zipf weight; merges join the most
  // frequent adjacent pair (ties broken by the pair's text so the result is deterministic).
  const words = WORDS.map((w, rank) => ({ symbols: ['▁', ...w], weight: Math.round(10000 / (rank + 1)) }));
  const merges: string[] = [];
  while (merges.length < count) {
    const freq = new Map<string, { left: string; right: string; n: number }>();
    for (const { symbols, weight } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = symbols[i] + '\u0000' + symbols[i + 1];
        const e = freq.get(key);
        if (e) e.n += weight;
        else freq.set(key, { left: symbols[i]!, right: symbols[i + 1]!, n: weight });
      }
    }
    let best: { key: string; left: string; right: string; n: number } | undefined;
    for (const [key, e] of freq) {
      if (!best || e.n > best.n || (e.n === best.n && key < best.key)) best = { key, ...e };
    }
    if (!best) break;
    const joined = best.left + best.right;
    // Different splits can spell the same piece ('▁t'+'he', '▁th'+'e'); the vocabulary keeps it once.
    if (!merges.includes(joined)) merges.push(joined);
    for (const w of words) {
      const out: string[] = [];
      for (let i = 0; i < w.symbols.length; i++) {
        if (i + 1 < w.symbols.length && w.symbols[i] === best.left && w.symbols[i + 1] === best.right) {
          out.push(joined);
          i++;
        } else out.push(w.symbols[i]!);
      }
      w.symbols = out;
    }
  }
  return merges;
}

let cached: TinyVocab | undefined;

/** Builds (once) the tiny SPM vocabulary: `<unk>`=0, `<s>`=1, `</s>`=2, bytes, characters, merges. */
export function tinyVocab(): TinyVocab {
  if (cached) return cached;
  const tokens: string[] = ['<unk>', '<s>', '</s>'];
  const types: number[] = [LLAMA_TOKEN_TYPES.UNKNOWN, LLAMA_TOKEN_TYPES.CONTROL, LLAMA_TOKEN_TYPES.CONTROL];
  const scores: number[] = [0, 0, 0];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(LLAMA_TOKEN_TYPES.BYTE);
    scores.push(0);
  }
  const merges = learnMerges(TINY_VOCAB_MERGES);
  merges.forEach((m, rank) => {
    tokens.push(m);
    types.push(LLAMA_TOKEN_TYPES.NORMAL);
    scores.push(-(rank + 1));
  });
  const chars = ['▁'];
  for (let c = 0x21; c <= 0x7e; c++) chars.push(String.fromCharCode(c));
  chars.forEach((ch, i) => {
    tokens.push(ch);
    types.push(LLAMA_TOKEN_TYPES.NORMAL);
    scores.push(-(merges.length + 1 + i));
  });
  cached = { tokens, scores: Float32Array.from(scores), tokenTypes: Int32Array.from(types), nMerges: merges.length };
  return cached;
}
