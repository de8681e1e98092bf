// rouge-score's DefaultTokenizer: lowercase, every run of characters other than a–z and 0–9
// becomes a space, split, optionally Porter-stem (NLTK mode) the tokens longer than 3 characters.

import { checkBoolean, checkString } from '../validate.js';
import { porterStem } from './porter.js';

const NON_ALPHANUMERIC = /[^a-z0-9]+/g;
const VALID_TOKEN = /^[a-z0-9]+$/;

/** Tokens of `text` as rouge-score sees them. */
export function rougeTokenize(text: string, stem = false): string[] {
  checkString('text', text);
  checkBoolean('stem', stem);
  const tokens = text.toLowerCase().replace(NON_ALPHANUMERIC, ' ').split(/\s+/);
  const stemmed = stem ? tokens.map((t) => (t.length > 3 ? porterStem(t) : t)) : tokens;
  // Stemming cannot introduce other characters, but the reference re-checks; so do we.
  return stemmed.filter((t) => VALID_TOKEN.test(t));
}
