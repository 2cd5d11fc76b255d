/**
 * The living status table (docs/eod.md): tonight's rows, split
 * over as many messages as Slack's limits need.
 */
import type { Incident } from './incidents.ts';
import type { SlackMessage } from './ports.ts';
import type { TitleLabels } from './slack-blocks.ts';
import {
  contextBlock,
  headerBlock,
  headerText,
  MESSAGE_BUDGET,
  message,
  sectionBlock,
  TEXT_LENGTHS,
  titleOf,
} from './slack-blocks.ts';
import { escapeMrkdwn, safeText } from './slack-text.ts';
import { formatClock, formatDuration } from './slack-times.ts';
import type { ActiveIncidents, TableRow } from './table-rows.ts';
import {
  activeIncidents,
  countIncidentRows,
  countRows,
  formatCounts,
  NO_SCHEDULERS,
  orderRows,
  pausedCell,
  rowIncident,
  silence,
  withIncident,
} from './table-rows.ts';

/** Input of `renderStatusTable`. */
export type StatusTableInput = TitleLabels & {
  rows: readonly TableRow[];
  /** IANA zone the row times are shown in, e.g. `Asia/Jakarta`. */
  timeZone: string;
  /** The 06:00 edit: the title says so. */
  final?: boolean;
  /**
   * How many messages tonight's table already has: the result is padded with "no further
   * rows" messages to at least this many, so every stored message can still be edited and
   * the numbering stays consistent when the table shrinks.
   */
  minMessages?: number;
  /**
   * Tonight's incidents (the open ones and those opened tonight): a row whose scheduler has
   * an open or acknowledged one shows it and is a problem row. Resolved ones change nothing.
   */
  incidents?: readonly Incident[];
};

const TABLE_TITLE = '📊 EOD Process Status';
const COLUMN_HEADINGS = ['Service', 'Job Name', 'Status'] as const;
const SEPARATOR = ' │ ';
const LEGEND =
  'Legend: ⬜ Pending | 🟡 Running | ✅ Completed | ❌ Failed | ⚠️ Stale (no heartbeat) | ⏸ Paused';
const NO_FURTHER_ROWS = '_No further rows: the table now fits in fewer messages._';

/**
 * The living status table, split over as many messages as Slack's limits need.
 *
 * Layout: a header with the title, the counts line (first message only), then the rows as
 * mrkdwn sections, several rows per section, one row a line (`Service │ Job │ Status`), and
 * the legend as a context block. Rows are ordered failed, stale, running, pending, completed;
 * inside a group by service, then job, then scheduler id (case-insensitive code-unit order,
 * never locale-dependent). Rows are packed greedily in that order, so the first message
 * carries every problem row unless the problems alone overflow it; then they continue, still
 * first, in the next messages. Continuations say "(continued 2/3)". Every message stays
 * within `MESSAGE_BUDGET`. The same input always gives the same messages.
 *
 * With `incidents`, a row with an unresolved incident shows it beside its status
 * (`❗ Missed since 01:10 · ⬜ Pending`) and counts as a problem row (after the failed ones);
 * the counts line adds `· 🚨 N open incidents`. A paused row shows only as paused.
 *
 * Throws a `RangeError` for an unknown `timeZone`.
 */
export function renderStatusTable(input: StatusTableInput): SlackMessage[] {
  const { rows, timeZone } = input;
  const active = activeIncidents(input.incidents);
  const countsLine = formatCounts(countRows(rows), countIncidentRows(rows, active));
  const lines = orderRows(rows, active).map((row) => tableLine(row, timeZone, active));
  const pages = lines.length === 0 ? [] : paginate(lines, countsLine.length);
  const total = Math.max(pages.length, Math.floor(input.minMessages ?? 0), 1);
  const title = titleOf(TABLE_TITLE, input);
  const messages: SlackMessage[] = [];
  for (let index = 0; index < total; index += 1) {
    const header = headerText(title, pageSuffix(index, total, input.final === true));
    const blocks: Record<string, unknown>[] = [headerBlock(header)];
    const text: string[] = [escapeMrkdwn(header)];
    if (index === 0) {
      blocks.push(sectionBlock(countsLine));
      text.push(countsLine);
    }
    const page = pages[index];
    if (page === undefined) {
      const note = lines.length === 0 ? NO_SCHEDULERS : NO_FURTHER_ROWS;
      blocks.push(sectionBlock(note));
      text.push(note);
    } else {
      page.forEach((section, sectionIndex) => {
        const body = section.join('\n');
        // Each message opens its rows with the column headings, so it reads on its own.
        blocks.push(sectionBlock(sectionIndex === 0 ? `${MRKDWN_HEADING}\n${body}` : body));
        text.push(sectionIndex === 0 ? `${PLAIN_HEADING}\n${body}` : body);
      });
    }
    blocks.push(contextBlock(LEGEND));
    text.push(LEGEND);
    messages.push(message(text.join('\n'), blocks));
  }
  return messages;
}

const MRKDWN_HEADING = COLUMN_HEADINGS.map((heading) => `*${heading}*`).join(SEPARATOR);
const PLAIN_HEADING = COLUMN_HEADINGS.join(SEPARATOR);

/**
 * Packs the row lines into pages (messages) of sections (blocks of lines), greedily in
 * order, so earlier rows (the problems) land in earlier messages; linear in the rows. The
 * column headings that open each page's first section are counted here, added by the caller.
 */
function paginate(lines: readonly string[], countsChars: number): string[][][] {
  // What every page spends besides its rows: the header at its longest and the legend; the
  // first page also the counts. Line breaks count: they are part of a section's text.
  const fixed = MESSAGE_BUDGET.maxHeaderChars + LEGEND.length;
  const pages: string[][][] = [];
  let sections: string[][] = [];
  let current: string[] = [];
  let sectionChars = 0;
  let pageChars = 0;
  let pageBlocks = 0;
  const openSection = (line: string, extraChars: number) => {
    current = [line];
    sections.push(current);
    sectionChars = extraChars + line.length;
    pageChars += sectionChars;
    pageBlocks += 1;
  };
  const openPage = (line: string, first: boolean) => {
    sections = [];
    pages.push(sections);
    pageChars = fixed + (first ? countsChars : 0);
    pageBlocks = first ? 3 : 2; // header, legend, and the counts on the first
    openSection(line, MRKDWN_HEADING.length + 1);
  };
  for (const line of lines) {
    const added = line.length + 1;
    if (pages.length === 0) openPage(line, true);
    else if (pageChars + added > MESSAGE_BUDGET.maxBlocksTextChars) openPage(line, false);
    else if (sectionChars + added <= MESSAGE_BUDGET.maxSectionChars) {
      current.push(line);
      sectionChars += added;
      pageChars += added;
    } else if (pageBlocks + 1 <= MESSAGE_BUDGET.maxBlocks) openSection(line, 0);
    else openPage(line, false);
  }
  return pages;
}

function pageSuffix(index: number, total: number, final: boolean): string {
  const finalMark = final ? ' · final' : '';
  if (total === 1) return finalMark;
  return index === 0
    ? `${finalMark} (1/${total})`
    : `${finalMark} (continued ${index + 1}/${total})`;
}

function tableLine(row: TableRow, timeZone: string, active: ActiveIncidents): string {
  const { scheduler } = row;
  const incident = rowIncident(row, active);
  const status = statusCell(row, timeZone);
  return [
    safeText(scheduler.service_name, { max: TEXT_LENGTHS.rowName }),
    safeText(scheduler.job_name, { max: TEXT_LENGTHS.rowName }),
    incident === undefined ? status : withIncident(status, row.status, incident, timeZone),
  ].join(SEPARATOR);
}

function statusCell(row: TableRow, timeZone: string): string {
  const { scheduler } = row;
  if (row.paused) return pausedCell(scheduler, timeZone);
  const at = formatClock(scheduler.timestamp, timeZone);
  switch (row.status) {
    case 'failed': {
      const error = safeText(scheduler.error_message, { max: TEXT_LENGTHS.rowError });
      return error.length > 0 ? `❌ Failed ${at} (${error})` : `❌ Failed ${at}`;
    }
    case 'running': {
      const running = `🟡 Running since ${at}`;
      return row.stale === null ? running : `${running} ⚠️ ${silence(row.stale.minutesSilent)}`;
    }
    case 'completed': {
      const took = scheduler.execution_time_ms;
      return took === null ? `✅ Completed ${at}` : `✅ Completed ${at} (${formatDuration(took)})`;
    }
    case 'pending':
      return '⬜ Pending';
  }
}
