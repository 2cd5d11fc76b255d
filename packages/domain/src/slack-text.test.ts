import { describe, expect, it } from 'vitest';
import { ELLIPSIS, escapeMrkdwn, mentionFor, plainText, safeText, truncate } from './slack-text.ts';

const ZWJ = '\u200D';

describe('safeText', () => {
  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<!here>', '&lt;!here&gt;'],
    ['<!everyone>', '&lt;!everyone&gt;'],
    ['@channel', `@${ZWJ}channel`],
    ['@here please', `@${ZWJ}here please`],
    ['ping @Everyone and @HERE', `ping @${ZWJ}Everyone and @${ZWJ}HERE`],
    ['<@U123>', '&lt;@U123&gt;'],
    ['<!subteam^S1|ops>', '&lt;!subteam^S1|ops&gt;'],
    ['&lt;', '&amp;lt;'],
    ['a & b', 'a &amp; b'],
    ['<http://evil|click>', '&lt;http://evil|click&gt;'],
    ['<#C123>', '&lt;#C123&gt;'],
    ['mrkdwn *bold* _it_ ~s~', 'mrkdwn *bold* _it_ ~s~'],
    ['```code``` `x`', 'ˋˋˋcodeˋˋˋ ˋxˋ'],
    ['a\u0000b\u0007c\u001Bd\u007Fe\u0085f\u009Fg', 'abcdefg'],
    ['line1\nline2\r\n\tline3', 'line1 line2 line3'],
    ['  padded  ', 'padded'],
    ['trailing ', 'trailing'],
    ['a  b', 'a b'],
    ['abc\u202Edef\u2066ghi\u2069', 'abcdefghi'],
    ['مرحبا بالعالم', 'مرحبا بالعالم'],
    ['שלום עולם', 'שלום עולם'],
    ['\u200Fمرحبا\u200E', '\u200Fمرحبا\u200E'],
    ['bad \uD800 surrogate', 'bad \uFFFD surrogate'],
    ['👍🏽 👨‍👩‍👧‍👦', '👍🏽 👨‍👩‍👧‍👦'],
  ])('renders %j as %j', (input, expected) => {
    expect(safeText(input, { max: 200 })).toBe(expected);
  });

  it('gives the empty string for null, undefined and empty text', () => {
    expect(safeText(null, { max: 10 })).toBe('');
    expect(safeText(undefined, { max: 10 })).toBe('');
    expect(safeText('', { max: 10 })).toBe('');
  });

  it('keeps line breaks and indentation when multiline, collapsing blank runs', () => {
    expect(
      safeText('a \r\nb\n\n\n\n  at c\u0000 \t d  \n\tat e', { max: 100, multiline: true }),
    ).toBe('a\nb\n\n  at c \t d\n\tat e');
  });

  it('cuts 20 KB of text to max with an ellipsis', () => {
    const result = safeText('x'.repeat(20_000), { max: 100 });
    expect(result.length).toBe(100);
    expect(result.endsWith(ELLIPSIS)).toBe(true);
  });

  it('counts escaped length, never splitting an entity', () => {
    const result = safeText('<'.repeat(1000), { max: 100 });
    expect(result.length).toBeLessThanOrEqual(100);
    expect(result).toBe(`${'&lt;'.repeat(24)}${ELLIPSIS}`);
    expect(safeText('a&b', { max: 5 })).toBe('a…');
  });

  it('never splits an emoji, a skin tone or a ZWJ family', () => {
    // 👍🏽 is 4 code units, the family 11: a cut inside either drops the whole cluster.
    expect(safeText('ab👍🏽cd', { max: 5 })).toBe('ab…');
    expect(safeText('ab👍🏽cd', { max: 7 })).toBe('ab👍🏽…');
    expect(safeText('x👨‍👩‍👧‍👦y', { max: 10 })).toBe('x…');
    expect(safeText('x👨‍👩‍👧‍👦y', { max: 12 })).toBe('x…');
    expect(safeText('x👨‍👩‍👧‍👦yz', { max: 13 })).toBe('x👨‍👩‍👧‍👦…');
    for (let max = 1; max < 30; max += 1) {
      const result = safeText('👍🏽👨‍👩‍👧‍👦👍🏽👍🏽', { max });
      expect(result.length).toBeLessThanOrEqual(max);
      expect(result.toWellFormed()).toBe(result);
      expect(result).toMatch(/^(👍🏽|👨‍👩‍👧‍👦)*(…)?$/u);
      expect(result.endsWith(ELLIPSIS)).toBe(max < 23);
    }
  });

  it('adds the ellipsis when a long text was cut before sanitizing, even if the rest fits', () => {
    const text = `${'\u0000'.repeat(5_000)}visible`;
    expect(safeText(text, { max: 100 })).toBe(ELLIPSIS);
    expect(safeText(`visible${'\u0000'.repeat(5_000)}tail`, { max: 100 })).toBe(
      `visible${ELLIPSIS}`,
    );
  });

  it('does not let a cut bring back a broadcast', () => {
    const result = safeText('@channel@channel@channel', { max: 12 });
    expect(result).not.toMatch(/@channel/i);
  });

  it('gives only the ellipsis when max is 1 and nothing when 0', () => {
    expect(safeText('hello', { max: 1 })).toBe(ELLIPSIS);
    expect(safeText('hello', { max: 0 })).toBe('');
  });
});

describe('truncate', () => {
  it('leaves text that fits alone', () => {
    expect(truncate('hello', 5)).toBe('hello');
  });

  it('cuts on grapheme boundaries with an ellipsis', () => {
    expect(truncate('hello world', 6)).toBe('hello…');
    expect(truncate('ab👍🏽cd', 5)).toBe('ab…');
  });

  it('does not escape', () => {
    expect(truncate('<b>', 10)).toBe('<b>');
  });
});

describe('plainText', () => {
  it('sanitizes without escaping, on one line, cut to max', () => {
    expect(plainText('a & <b>\n\u0000c', 100)).toBe('a & <b> c');
    expect(plainText('x'.repeat(10_000), 150)).toBe(`${'x'.repeat(149)}${ELLIPSIS}`);
    expect(plainText(null, 10)).toBe('');
  });
});

describe('escapeMrkdwn', () => {
  it('escapes only & < >', () => {
    expect(escapeMrkdwn(`<a href="x">&'</a>`)).toBe(`&lt;a href="x"&gt;&amp;'&lt;/a&gt;`);
  });
});

describe('mentionFor', () => {
  it.each([
    ['U123ABC', '<@U123ABC>'],
    ['W0A1', '<@W0A1>'],
    ['S0ABC', '<!subteam^S0ABC>'],
  ])('mentions %s as %s', (id, mention) => {
    expect(mentionFor(id)).toBe(mention);
  });

  it.each([null, undefined, '', 'u123', 'U1', 'C123', '<!channel>', 'U123>', 'U12 3', 'here'])(
    'mentions nobody for %j',
    (id) => {
      expect(mentionFor(id)).toBeUndefined();
    },
  );
});
