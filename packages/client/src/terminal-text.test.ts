import { describe, expect, it } from 'vitest';
import { terminalSafe } from './terminal-text.ts';

// Everything that can drive a terminal: C0 (ESC, BEL, CR, BS…), DEL, C1 (8-bit CSI, OSC…),
// line and paragraph separators, and the bidi controls that reorder what is shown.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point.
const DRIVES_A_TERMINAL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;

describe('terminalSafe', () => {
  it('shows control characters as \\u escapes, so nothing reaches the terminal as a sequence', () => {
    const hostile =
      'a\u001b[2J\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007\u009b31m\u0085\u007f\r\b\u202eb';
    const safe = terminalSafe(hostile);
    expect(safe).not.toMatch(DRIVES_A_TERMINAL);
    expect(safe).toBe(
      'a\\u001b[2J\\u001b]8;;https://evil.example\\u0007click\\u001b]8;;\\u0007\\u009b31m\\u0085\\u007f\\u000d\\u0008\\u202eb',
    );
  });

  it('turns a tab into a space and a line break into an escape, so a table row stays one row', () => {
    expect(terminalSafe('a\tb\nc\u2028d')).toBe('a b\\u000ac\\u2028d');
  });

  it('keeps line breaks when asked, for text printed as a block', () => {
    expect(terminalSafe('a\nb\u001bc', { newlines: true })).toBe('a\nb\\u001bc');
  });

  it('leaves printable text alone: accents, emoji, right-to-left scripts, the LRM mark', () => {
    const text = 'héllo 😀 👩‍👩‍👧 مرحبا \u200e שלום <b>&amp;</b> \\u001b';
    expect(terminalSafe(text)).toBe(text);
  });

  it('keeps JSON valid and equal: the escapes are JSON’s own', () => {
    const value = { note: 'x\u009b\u007f\u202ey', nested: ['\u0085'] };
    const printed = terminalSafe(JSON.stringify(value, null, 2), { newlines: true });
    expect(printed.replaceAll('\n', '')).not.toMatch(DRIVES_A_TERMINAL);
    expect(JSON.parse(printed)).toEqual(value);
  });
});
