/**
 * Text for Slack messages (docs/eod.md): everything a producer
 * sent (names, ids, error messages, metadata) goes through `safeText` before it is put into
 * a message, so it can never mention anyone, become a link, or break the layout. Mentions we
 * add ourselves are built by `mentionFor`, only from validated Slack ids.
 *
 * Lengths here are UTF-16 code units (`string.length`): that is how the fake Slack server
 * measures Slack's limits, and never less than what Slack counts, so a string cut to `max`
 * always fits the budget it was cut for.
 */

/** What a cut string ends with. */
export const ELLIPSIS = '…';

// A Slack user (U…/W…) or user group (S…) id, as `AlertUserIdSchema` accepts it.
const SLACK_ID_PATTERN = /^[UWS][A-Z0-9]{2,63}$/;

/** Options of `safeText`. */
export type SafeTextOptions = {
  /** The most UTF-16 code units of the result, escaping and ellipsis included (≥ 1). */
  max: number;
  /**
   * Keep line breaks and indentation (error excerpts). Otherwise every run of white space,
   * line breaks included, becomes one space, so producer text cannot start a line of its
   * own (a `>` quote, a fake table row).
   */
  multiline?: boolean;
};

// Grapheme clusters, so a cut never splits a surrogate pair, a skin-tone modifier or a
// ZWJ family emoji.
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

// C0 controls except tab and line breaks, DEL, C1 controls; and the bidi embedding,
// override and isolate controls, which could visually reorder the rest of a table row.
// Plain RTL text (Arabic, Hebrew) and the LRM/RLM marks are kept.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;
const LINE_BREAKS = /\r\n?|[\u2028\u2029]/g;
const WHITESPACE_RUN = /\s+/g;
const TRAILING_SPACES = /[^\S\n]+$/gm;
const BLANK_LINES = /\n{3,}/g;
// A zero-width joiner after `@`: still reads as "@channel", but is no longer the keyword
// Slack (with `link_names`) or a client could turn into a broadcast.
const BROADCASTS = /@(?=channel|here|everyone)/gi;
// A producer's backtick could open inline code or a code block that swallows the rest of a
// row (or closes the code block we put an error excerpt in). Every other mrkdwn character
// (`*`, `_`, `~`) is left alone: Slack confines those to one line, so the worst they do is
// emphasize part of a row, and keeping them keeps ids like `eod_job` copyable.
const BACKTICK = /`/g;
const MODIFIER_GRAVE = '\u02CB';
const ZWJ = '\u200D';
const HAS_ENTITY_CHAR = /[&<>]/;
const AMPERSANDS = /&/g;
const LESS_THAN = /</g;
const GREATER_THAN = />/g;
// Printable ASCII without `@` and backtick, single-spaced: nothing to sanitize. Most names
// and many errors are like that, and a big table sanitizes thousands of them.
const PLAIN_ASCII = /^[!-?A-_a-~]+(?: [!-?A-_a-~]+)*$/;

/**
 * Escapes the three characters Slack's mrkdwn treats as control characters, so `<!here>`,
 * `<@U1>` and `<http://x|y>` show literally and `&lt;` shows as `&lt;`, not `<`.
 */
export function escapeMrkdwn(text: string): string {
  if (!HAS_ENTITY_CHAR.test(text)) return text;
  return text.replace(AMPERSANDS, '&amp;').replace(LESS_THAN, '&lt;').replace(GREATER_THAN, '&gt;');
}

/**
 * Cuts `text` to at most `max` UTF-16 code units, ending it with `…` when anything was cut.
 * Never splits a grapheme cluster (emoji with modifiers, surrogate pairs, combining marks).
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return cut(text, max, unitLength);
}

/**
 * Makes producer text safe for a mrkdwn text object or a message's `text` fallback: control
 * and bidi-override characters removed, broken surrogates replaced, white space collapsed
 * (unless `multiline`), backticks replaced by a look-alike, `@channel`/`@here`/`@everyone`
 * neutralized, `&` `<` `>` escaped, and the result cut to `max` code units with `…`.
 * `null`/`undefined` give the empty string.
 */
export function safeText(text: string | null | undefined, options: SafeTextOptions): string {
  if (text === null || text === undefined || text.length === 0) return '';
  const { max, multiline = false } = options;
  const { clean, dropped } = prepare(text, max, multiline);
  const escaped = escapeMrkdwn(clean);
  if (!dropped && escaped.length <= max) return escaped;
  // Cut on the unescaped text, costing each character its escaped length, so an entity
  // like `&amp;` is never split and the escaped result still fits `max`.
  return escapeMrkdwn(cut(clean, max, escapedLength));
}

/**
 * Makes text safe for a `plain_text` object (a header, a button label), which Slack shows
 * verbatim: sanitized like `safeText` but not entity-escaped (`&amp;` would show as such),
 * always on one line, cut to `max` code units with `…`.
 */
export function plainText(text: string | null | undefined, max: number): string {
  if (text === null || text === undefined || text.length === 0) return '';
  const { clean, dropped } = prepare(text, max, false);
  if (!dropped && clean.length <= max) return clean;
  return cut(clean, max, unitLength);
}

/**
 * The mention of an alert recipient: `<@U…>` for a user (U…/W…), `<!subteam^S…>` for a user
 * group (S…). `undefined` when there is no id or it is not a valid Slack id, so nothing a
 * producer wrote can ever become a mention.
 */
export function mentionFor(slackId: string | null | undefined): string | undefined {
  if (slackId === null || slackId === undefined || !SLACK_ID_PATTERN.test(slackId))
    return undefined;
  return slackId.startsWith('S') ? `<!subteam^${slackId}>` : `<@${slackId}>`;
}

/**
 * Sanitizes the part of `text` that can be shown. Only a prefix can ever be: sanitizing a
 * 10,000-char error for every row of a big table would be wasted work. Every kept character
 * costs at least one unit, so 4×max + 64 raw units are enough unless most of them are
 * stripped, and then the excerpt is merely shorter. `dropped`: the prefix is not all of it.
 */
function prepare(
  text: string,
  max: number,
  multiline: boolean,
): { clean: string; dropped: boolean } {
  const prefixLength = Math.max(0, Math.floor(max)) * 4 + 64;
  if (text.length <= prefixLength) return { clean: sanitize(text, multiline), dropped: false };
  // Keep a surrogate pair whole at the cut, so it is not turned into U+FFFD.
  const end = isHighSurrogate(text.charCodeAt(prefixLength - 1)) ? prefixLength + 1 : prefixLength;
  return { clean: sanitize(text.slice(0, end), multiline), dropped: true };
}

function sanitize(text: string, multiline: boolean): string {
  if (PLAIN_ASCII.test(text)) return text;
  let clean = text.toWellFormed().replace(LINE_BREAKS, '\n').replace(CONTROLS, '');
  clean = multiline
    ? // Indentation is kept: it is what makes a stack trace readable.
      clean.replace(TRAILING_SPACES, '').replace(BLANK_LINES, '\n\n')
    : clean.replace(WHITESPACE_RUN, ' ');
  return clean.trim().replace(BACKTICK, MODIFIER_GRAVE).replace(BROADCASTS, `@${ZWJ}`);
}

// The length a code unit has once escaped: `&amp;` 5, `&lt;` and `&gt;` 4, others 1.
function escapedLength(charCode: number): number {
  if (charCode === 0x26) return 5;
  return charCode === 0x3c || charCode === 0x3e ? 4 : 1;
}

/**
 * The longest grapheme-aligned prefix of `text` whose cost leaves room for the ellipsis,
 * followed by it. Callers only come here when something has to go.
 */
function cut(text: string, max: number, cost: (charCode: number) => number): string {
  const budget = Math.floor(max) - ELLIPSIS.length;
  if (budget < 0) return '';
  let used = 0;
  let end = 0;
  while (end < text.length) {
    const next = used + cost(text.charCodeAt(end));
    if (next > budget) break;
    used = next;
    end += 1;
  }
  if (end < text.length) end = graphemeStartAtOrBefore(text, end);
  return `${text.slice(0, end).trimEnd()}${ELLIPSIS}`;
}

/**
 * The start of the grapheme cluster holding `text[index]`. Between two code units below
 * U+0300 (no combining marks, joiners or surrogates there) there is always a boundary,
 * except inside CR LF, which answers the common case without asking ICU: segmenting costs
 * microseconds per call, noticeable over thousands of rows.
 */
function graphemeStartAtOrBefore(text: string, index: number): number {
  if (index === 0) return 0;
  const before = text.charCodeAt(index - 1);
  const at = text.charCodeAt(index);
  if (before < 0x300 && at < 0x300 && !(before === 0x0d && at === 0x0a)) return index;
  return graphemes.segment(text).containing(index)?.index ?? index;
}

function unitLength(): number {
  return 1;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
