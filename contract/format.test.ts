/** printableText: what a run's log shows of names a member chose. */
import { describe, expect, it } from 'vitest';
import { printableText } from './format.js';

describe('printableText', () => {
  it('keeps newlines, tabs and ordinary text, including accents and emoji', () => {
    expect(printableText('moved\tfotos/Ünïcödé 🎉.jpg\nnext line\n')).toBe('moved\tfotos/Ünïcödé 🎉.jpg\nnext line\n');
  });

  it('escapes terminal escape sequences, carriage returns and bidi overrides', () => {
    expect(printableText('a\u001b[2Jb')).toBe('a\\u{1b}[2Jb');
    expect(printableText('ok\rFAILED')).toBe('ok\\u{d}FAILED');
    expect(printableText('invoice\u202Efdp.exe')).toBe('invoice\\u{202e}fdp.exe');
    expect(printableText('\u009b31m')).toBe('\\u{9b}31m');
  });
});
