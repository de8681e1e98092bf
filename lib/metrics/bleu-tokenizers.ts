// The sacrebleu tokenizers BLEU can use: `13a` (mteval-v13a, the default), `intl`
// (mteval-v14 international), `char` and `none`. Each maps one segment to a string whose
// whitespace-separated pieces are the tokens.

import { codePoints, pySplit } from './text.js';

/** Tokenizer names accepted by {@link corpusBleu} and {@link sentenceBleu}. */
export const BLEU_TOKENIZERS = ['13a', 'none', 'intl', 'char'] as const;
/** One of {@link BLEU_TOKENIZERS}. */
export type BleuTokenizerName = (typeof BLEU_TOKENIZERS)[number];

// ASCII symbols and punctuation that 13a always splits off: { | } ~ [ \ ] ^ _ ` space ! " # $ % &
// ( ) * + : ; < = > ? @ /   (the apostrophe, period, comma and hyphen get special rules below).
const V13A_SYMBOLS = /([\x7b-\x7e\x5b-\x60\x20-\x26\x28-\x2b\x3a-\x40\x2f])/gu;
const V13A_PERIOD_COMMA_AFTER_NON_DIGIT = /([^0-9])([.,])/gu;
const V13A_PERIOD_COMMA_BEFORE_NON_DIGIT = /([.,])([^0-9])/gu;
const V13A_DASH_AFTER_DIGIT = /([0-9])(-)/gu;

function tokenize13a(line: string): string {
  let s = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (s.includes('&')) {
    s = s.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  }
  // The padding spaces let a period or comma at either end see a non-digit neighbour.
  s = ` ${s} `
    .replace(V13A_SYMBOLS, ' $1 ')
    .replace(V13A_PERIOD_COMMA_AFTER_NON_DIGIT, '$1 $2 ')
    .replace(V13A_PERIOD_COMMA_BEFORE_NON_DIGIT, ' $1 $2')
    .replace(V13A_DASH_AFTER_DIGIT, '$1 $2 ');
  return pySplit(s).join(' ');
}

// mteval-v14: split punctuation off unless it sits between digits, and split off every symbol.
const INTL_PUNCT_AFTER_NON_DIGIT = /(\P{N})(\p{P})/gu;
const INTL_PUNCT_BEFORE_NON_DIGIT = /(\p{P})(\P{N})/gu;
const INTL_SYMBOL = /(\p{S})/gu;

function tokenizeIntl(line: string): string {
  const s = line
    .replace(INTL_PUNCT_AFTER_NON_DIGIT, '$1 $2 ')
    .replace(INTL_PUNCT_BEFORE_NON_DIGIT, ' $1 $2')
    .replace(INTL_SYMBOL, ' $1 ');
  return pySplit(s).join(' ');
}

function tokenizeChar(line: string): string {
  return codePoints(line).join(' ');
}

/** Applies the named sacrebleu tokenizer to one segment. */
export function bleuTokenize(line: string, tokenizer: BleuTokenizerName): string {
  switch (tokenizer) {
    case '13a': return tokenize13a(line);
    case 'intl': return tokenizeIntl(line);
    case 'char': return tokenizeChar(line);
    case 'none': return line;
  }
}
