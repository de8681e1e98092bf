// Text preparation shared by the trainer and the encoder, mirroring what llama.cpp does to a raw
// text fragment before its SPM tokenizer runs (llama-vocab.cpp: add_space_prefix, then
// llama_escape_whitespace).

import { SPACE_MARK } from './vocab.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces lone UTF-16 surrogates by U+FFFD, which is what converting the string to UTF-8 does. */
export function toWellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** The string llama.cpp's SPM tokenizer sees: a dummy-prefix space, then every space as U+2581. */
export function escapeForSpm(text: string): string {
  return (' ' + toWellFormed(text)).replaceAll(' ', SPACE_MARK);
}

// A segment is a control whitespace character on its own, or a run that contains neither U+2581
// nor such whitespace except for one leading U+2581. Pieces never span two segments.
const SEGMENT = /[\t\n\v\f\r]|\u2581[^\u2581\t\n\v\f\r]*|[^\u2581\t\n\v\f\r]+/g;

/** Splits escaped text into the units the trainer learns merges within (words with their ▁). */
export function splitSegments(escaped: string): string[] {
  return escaped.match(SEGMENT) ?? [];
}
