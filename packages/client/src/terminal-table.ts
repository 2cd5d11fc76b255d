/**
 * Tonight's table for a terminal (`schedmon status`). The rows, their order, the counts
 * and every cell's wording come from the domain's Slack renderer itself, so the terminal
 * and the Slack channel can never disagree; this file only lays the text out in aligned
 * columns and colours the status cells.
 */
import type { EodConfig, SchedulerRecord } from '@schedmon/domain';
import { headerLabelsOf, renderStatusTable, slotOf, tonightRows } from '@schedmon/domain';
import { terminalSafe } from './terminal-text.ts';

const SEPARATOR = ' │ ';
const HEADING = ['Service', 'Job Name', 'Status'].join(SEPARATOR);

const ANSI = {
  reset: '\u001B[0m',
  bold: '\u001B[1m',
  dim: '\u001B[2m',
  red: '\u001B[31m',
  green: '\u001B[32m',
  yellow: '\u001B[33m',
} as const;

/** Whether to colour: a terminal, and `NO_COLOR` unset or empty (https://no-color.org). */
export function wantsColor(
  stream: { isTTY?: boolean },
  environment: Readonly<Record<string, string | undefined>>,
): boolean {
  return stream.isTTY === true && (environment.NO_COLOR ?? '') === '';
}

// Slack's mrkdwn escapes undone, so the terminal shows producer text as it was sent; and
// made terminal-safe, though the Slack renderer already drops controls: this file owes the
// terminal its own guarantee.
function plainText(text: string): string {
  return terminalSafe(
    text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&'),
  );
}

function colourOf(status: string): string {
  // First: a pause's reason is producer text, and may contain any of the marks below.
  if (status.startsWith('⏸')) return ANSI.dim;
  if (status.includes('⚠️')) return ANSI.bold + ANSI.red;
  if (status.startsWith('❌')) return ANSI.bold + ANSI.red;
  if (status.startsWith('🟡')) return ANSI.yellow;
  if (status.startsWith('✅')) return ANSI.green;
  return ANSI.dim;
}

/**
 * Tonight's table at `nowMs` as terminal text: title, counts, aligned rows (problems
 * first, as in Slack), legend. `title` is the board's (default `DEFAULT_BOARD_TITLE`).
 * Throws a RangeError for an EOD config the domain rejects.
 */
export function renderTerminalTable(
  records: readonly SchedulerRecord[],
  nowMs: number,
  eod: EodConfig,
  options: { color: boolean; title?: string },
): string {
  const slot = slotOf(nowMs, eod);
  const messages = renderStatusTable({
    rows: tonightRows(records, nowMs, eod),
    timeZone: eod.timeZone,
    title: options.title,
    ...headerLabelsOf(slot.businessDate, nowMs, eod.timeZone),
  });
  // Slack splits a long table over messages; a terminal shows one table: the first
  // message's title and counts, every message's rows in order, one legend.
  const [first, ...rest] = messages.map((message) => message.text.split('\n'));
  const title = (first?.[0] ?? '').replace(/ \(1\/\d+\)$/, '');
  const counts = first?.[1] ?? '';
  const legend = first?.at(-1) ?? '';
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const [index, lines] of [first ?? [], ...rest].entries()) {
    const body = lines.slice(index === 0 ? 2 : 1, -1);
    for (const line of body) {
      if (line === HEADING) continue;
      const [service = '', job = '', ...status] = plainText(line).split(SEPARATOR);
      // An error message may contain the separator too: the status cell is all the rest.
      if (status.length > 0) rows.push([service, job, status.join(SEPARATOR)]);
      else notes.push(plainText(line));
    }
  }
  const paint = (text: string, code: string) =>
    options.color ? `${code}${text}${ANSI.reset}` : text;
  const out = [paint(plainText(title), ANSI.bold), counts, ''];
  if (rows.length > 0) {
    const widths = [0, 1].map((column) =>
      Math.max(
        HEADING.split(SEPARATOR)[column]?.length ?? 0,
        ...rows.map((row) => row[column]?.length ?? 0),
      ),
    );
    const line = (cells: readonly string[], status: string) =>
      [...cells.slice(0, 2).map((cell, column) => cell.padEnd(widths[column] ?? 0)), status].join(
        SEPARATOR,
      );
    out.push(paint(line(HEADING.split(SEPARATOR), 'Status'), ANSI.bold));
    for (const row of rows) {
      const status = row[2] ?? '';
      out.push(line(row, paint(status, colourOf(status))));
    }
  }
  out.push(...notes, '', paint(legend, ANSI.dim));
  return `${out.join('\n')}\n`;
}
