// Expected tokenizations were printed by sacrebleu 2.6.0's Tokenizer13a,
// TokenizerV14International and TokenizerChar for the same input lines.
import { bleuTokenize } from '../../lib/metrics/index.js';

const cases: Array<[string, string, string, string]> = [
  [
    'Hello, world! It costs $3.50, or 1,000.5 yen.',
    'Hello , world ! It costs $ 3.50 , or 1,000.5 yen .',
    'Hello , world ! It costs $ 3.50 , or 1,000.5 yen .',
    'H e l l o ,   w o r l d !   I t   c o s t s   $ 3 . 5 0 ,   o r   1 , 0 0 0 . 5   y e n .',
  ],
  [
    'A &quot;quoted&quot; &amp; &lt;b&gt; text-with-dashes 1990-2000 end.',
    'A " quoted " & < b > text-with-dashes 1990 - 2000 end .',
    'A & quot ; quoted & quot ; & amp ; & lt ; b & gt ; text - with - dashes 1990-2000 end .',
    'A   & q u o t ; q u o t e d & q u o t ;   & a m p ;   & l t ; b & g t ;   t e x t - w i t h - d a s h e s   1 9 9 0 - 2 0 0 0   e n d .',
  ],
  [
    "Don't stop—„Zitat“ «guillemets» 5.000,00€ ok?",
    "Don't stop—„Zitat“ «guillemets» 5.000,00€ ok ?",
    "Don ' t stop — „ Zitat “ « guillemets » 5.000,00 € ok ?",
    "D o n ' t   s t o p — „ Z i t a t “   « g u i l l e m e t s »   5 . 0 0 0 , 0 0 €   o k ?",
  ],
  [
    'E-mail: a@b.com (yes) [no] {maybe} ~tilde^ `back`',
    'E-mail : a @ b . com ( yes ) [ no ] { maybe } ~ tilde ^ ` back `',
    'E - mail : a @ b . com ( yes ) [ no ] { maybe } ~ tilde ^ ` back `',
    'E - m a i l :   a @ b . c o m   ( y e s )   [ n o ]   { m a y b e }   ~ t i l d e ^   ` b a c k `',
  ],
  ['2019. year 3.5 .5 5. a.b', '2019 . year 3.5 . 5 5 . a . b', '2019 . year 3.5 . 5 5 . a . b', '2 0 1 9 .   y e a r   3 . 5   . 5   5 .   a . b'],
  ['你好，世界。', '你好，世界。', '你好 ， 世界 。', '你 好 ， 世 界 。'],
  ['<skipped>x-\ny', 'xy', '< skipped > x - y', '< s k i p p e d > x - \n y'],
];

describe('BLEU tokenizers equal sacrebleu 2.6.0', () => {
  it.each(cases)('%j', (line, v13a, intl, char) => {
    expect(bleuTokenize(line, '13a')).toBe(v13a);
    expect(bleuTokenize(line, 'intl')).toBe(intl);
    expect(bleuTokenize(line, 'char')).toBe(char);
    expect(bleuTokenize(line, 'none')).toBe(line);
  });

  it('char tokenizer splits by code point, not UTF-16 unit', () => {
    expect(bleuTokenize('a😀b', 'char')).toBe('a 😀 b');
  });
});
