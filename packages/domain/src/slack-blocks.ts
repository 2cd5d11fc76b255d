/**
 * The Block Kit blocks schedmon's messages are made of, and Slack's limits on them. Every
 * message (docs/eod.md) is data: blocks plus the
 * `text` fallback that notifications, screen readers and the log notifier show. Pure: times,
 * labels and the time zone are parameters.
 *
 * All producer text (names, ids, errors) goes through `safeText`; the only mentions are the
 * ones `mentionFor` builds from validated Slack ids. Producer text never goes into a
 * `plain_text` object (headers, buttons), which Slack would show unescaped.
 */
import type { SlackMessage } from './ports.ts';
import { truncate } from './slack-text.ts';

/**
 * Slack's limits (the fake Slack server enforces the same), each with a margin, so a message
 * is still accepted should Slack count a little differently than `string.length`.
 */
export const MESSAGE_BUDGET = Object.freeze({
  /** Slack: 50 blocks per message. */
  maxBlocks: 45,
  /** Slack: 3,000 characters of a section's text. */
  maxSectionChars: 2_800,
  /** Slack: 2,000 characters of each section field. */
  maxFieldChars: 1_900,
  /** Slack: 150 characters of a header. */
  maxHeaderChars: 140,
  /** Slack: about 12,000 characters of text summed over all blocks of a message. */
  maxBlocksTextChars: 11_000,
  /** Slack: 40,000 characters of the top-level `text`. */
  maxTextChars: 35_000,
  /** Slack: 2,000 characters of a button's `value`. */
  maxButtonValueChars: 2_000,
  /**
   * Slack: 3,000 characters of a button's url, which the fake Slack holds links to as well;
   * a longer link (a long `UI_PUBLIC_URL` and id) is left out, its text kept.
   */
  maxUrlChars: 2_900,
});

/**
 * How much a message shows: of each producer string (escaped length, `…` included), and of
 * the summary's lists.
 */
export const TEXT_LENGTHS = Object.freeze({
  /**
   * A service or job name in a table row or a summary list: short enough that 50 problem
   * rows of the longest names still fit the first message.
   */
  rowName: 48,
  /** An error message in a table row or a summary list. */
  rowError: 100,
  /** A service or job name in an alert. */
  alertName: 300,
  /** A scheduler or event id (the schemas allow 255). */
  id: 260,
  /** The error excerpt of a failure alert. */
  alertError: 1_000,
  /** One caller-provided title label (date, time, zone). */
  label: 40,
  /** Entries per list of the final summary before "…and N more", whatever their length. */
  summaryListEntries: 50,
  /** Entries of the slowest-runs list of the final summary. */
  slowest: 5,
});

/** The labels of a table or summary title, formatted by the caller in the EOD zone. */
export type TitleLabels = {
  /** e.g. `15 Jan 2026`. */
  businessDateLabel: string;
  /** e.g. `02:00`. */
  timeLabel: string;
  /** e.g. `WIB`. */
  zoneLabel: string;
};

/** A header's text: the title cut so that the title and `suffix` fit Slack's header limit. */
export function headerText(title: string, suffix: string): string {
  return `${truncate(title, MESSAGE_BUDGET.maxHeaderChars - suffix.length)}${suffix}`;
}

/** A message: its blocks, and the `text` fallback cut to Slack's limit. */
export function message(text: string, blocks: Record<string, unknown>[]): SlackMessage {
  return { text: truncate(text, MESSAGE_BUDGET.maxTextChars), blocks };
}

export function headerBlock(text: string): Record<string, unknown> {
  return { type: 'header', text: { type: 'plain_text', text, emoji: true } };
}

// `verbatim`: Slack does not auto-link bare URLs or channel names in producer text; manual
// mentions (ours, `<@U…>`) still work.
export function mrkdwn(text: string): Record<string, unknown> {
  return { type: 'mrkdwn', text, verbatim: true };
}

export function sectionBlock(text: string): Record<string, unknown> {
  return { type: 'section', text: mrkdwn(text) };
}

export function contextBlock(text: string): Record<string, unknown> {
  return { type: 'context', elements: [mrkdwn(text)] };
}

// An address Slack can link as is: http(s), no whitespace or controls, and none of the
// characters that would end a mrkdwn link early (the ids in it are percent-encoded; this
// guards the configured base URL).
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point.
const LINKABLE = /^https?:\/\/[^\s<>|\u0000-\u001F\u007F-\u009F]+$/;

/**
 * `url` when a message can link to it (`UiLinks` builds it), else `undefined`: over
 * `MESSAGE_BUDGET.maxUrlChars`, or holding what would break a link.
 */
export function linkable(url: string | undefined): string | undefined {
  return url !== undefined && url.length <= MESSAGE_BUDGET.maxUrlChars && LINKABLE.test(url)
    ? url
    : undefined;
}

/**
 * A mrkdwn link, `<url|label>`, or the label alone when `url` is not `linkable`. `label` is
 * ours (`View incident`), never producer text; `&` in the url is written `&amp;`, as mrkdwn
 * wants, and Slack opens the url with `&`.
 */
export function mrkdwnLink(url: string | undefined, label: string): string {
  const target = linkable(url);
  return target === undefined ? label : `<${target.replaceAll('&', '&amp;')}|${label}>`;
}

/**
 * A table cell: `raw_text`, or with a `linkable` url a `rich_text` cell whose one element
 * links the text to it. Neither is parsed by Slack, so `text` is sanitized, not escaped;
 * Slack's text objects refuse empty text, so an empty cell is a dash.
 */
export function tableCell(text: string, url?: string): Record<string, unknown> {
  const shown = text === '' ? '–' : text;
  const target = linkable(url);
  if (target === undefined) return { type: 'raw_text', text: shown };
  return {
    type: 'rich_text',
    elements: [
      { type: 'rich_text_section', elements: [{ type: 'link', url: target, text: shown }] },
    ],
  };
}
