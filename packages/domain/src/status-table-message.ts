/**
 * The living status table (docs/eod.md): tonight's rows, split
 * over as many messages as Slack's limits need.
 */
import { DEFAULT_BOARD_TITLE } from './boards.ts';
import { incidentMark } from './incident-messages.ts';
import type { Incident } from './incidents.ts';
import type { SlackMessage } from './ports.ts';
import type { TitleLabels } from './slack-blocks.ts';
import {
  contextBlock,
  headerBlock,
  headerText,
  linkable,
  MESSAGE_BUDGET,
  message,
  sectionBlock,
  TEXT_LENGTHS,
  tableCell,
} from './slack-blocks.ts';
import { escapeMrkdwn, plainText, safeText, truncate } from './slack-text.ts';
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
import type { UiLinks } from './ui-links.ts';
import {
  formatBusinessDate,
  formatDayMonth,
  formatWallTime,
  zoneAbbreviation,
} from './zoned-time.ts';

/**
 * The labels of a board's header: the business date (`night of 15 Jan 2026`) and the moment
 * (`15 Jan 02:00 WIB`), named apart, since outside the window they are on different days.
 */
export type BoardHeaderLabels = TitleLabels & {
  /** The board's title (1–150 chars), cut to fit the header; default `DEFAULT_BOARD_TITLE`. */
  title?: string;
  /** The moment's date in the EOD zone (`formatDayMonth`), e.g. `1 Dec`; absent: no day. */
  dayLabel?: string;
};

/**
 * The header labels of a board's table or summary for the night `businessDate`, as of
 * `atMs`, in `zone`: "night of 2 Dec 2026 · 1 Dec 16:24 WIB".
 */
export function headerLabelsOf(
  businessDate: string,
  atMs: number,
  zone: string,
): Required<Omit<BoardHeaderLabels, 'title'>> {
  return {
    businessDateLabel: formatBusinessDate(businessDate),
    dayLabel: formatDayMonth(atMs, zone),
    timeLabel: formatWallTime(atMs, zone),
    zoneLabel: zoneAbbreviation(atMs, zone),
  };
}

/** Input of `renderStatusTable`. */
export type StatusTableInput = BoardHeaderLabels & {
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
  /** The dashboard's pages (`UI_PUBLIC_URL`): each row's job name links to its scheduler's. */
  links?: UiLinks;
};

const TABLE_MARK = '📊 ';
const COLUMN_HEADINGS = ['Service', 'Job', 'Status', 'Time', 'Detail'] as const;
/** The column whose cell links to the scheduler's page. */
const JOB_COLUMN = 1;
// The `text` fallback keeps its one-line rows: the terminal table parses them, and
// notifications show them.
const FALLBACK_HEADINGS = ['Service', 'Job Name', 'Status'] as const;
const SEPARATOR = ' │ ';
const PLAIN_HEADING = FALLBACK_HEADINGS.join(SEPARATOR);
const LEGEND =
  'Legend: ⬜ Pending | 🟡 Running | ✅ Completed | ❌ Failed | ⚠️ Stale (no heartbeat) | ⏸ Paused';
const NO_FURTHER_ROWS = '_No further rows: the table now fits in fewer messages._';

/** Slack: 100 rows per table block, the heading row included. */
const MAX_TABLE_ROWS = 100;
/** A detail cell: an error or pause reason, with an incident beside it. */
const MAX_DETAIL_CHARS = TEXT_LENGTHS.rowError + 60;
// Names and details wrap; status and time are short and read best on one line.
const COLUMN_SETTINGS = [
  { is_wrapped: true },
  { is_wrapped: true },
  { is_wrapped: false },
  { is_wrapped: false },
  { is_wrapped: true },
];

/**
 * The living status table, split over as many messages as Slack's limits need.
 *
 * Layout: a header (`📊 EOD Process Status — night of 15 Jan 2026 · 15 Jan 02:00 WIB`), the
 * counts line (first message only), the legend as a context block, then the rows as one
 * Block Kit `table` block (Slack shows a table at the bottom of its message): a heading row
 * and one row per scheduler with the cells Service, Job, Status (`❌ Failed`), Time (`01:42`)
 * and Detail (`disk full`, `15.0 s`, `⚠️ no heartbeat 14 min`, an incident). Cells are
 * `raw_text`, which Slack never parses, so producer text in them is sanitized (controls out,
 * broadcasts broken, cut with `…`) but not entity-escaped. The `text` fallback carries the
 * same rows as `Service │ Job │ Status` lines.
 *
 * With `links`, each row's Job cell is a `rich_text` cell linking the job name (sanitized
 * alike) to `links.scheduler(id)`; a url too long for Slack is left out, the name kept. The
 * urls count toward the message's text budget, so linked tables may take more messages. The
 * `text` fallback is the same with links or without.
 *
 * Rows are ordered failed, stale, running, pending, completed; inside a group by service,
 * then job, then scheduler id (case-insensitive code-unit order, never locale-dependent).
 * They are packed greedily in that order, at most 99 a message (Slack's 100 table rows, the
 * heading included), so the first message carries every problem row unless the problems
 * alone overflow it; then they continue, still first, in the next messages, each its own
 * table with the heading row. Continuations say "(continued 2/3)". Every message stays
 * within `MESSAGE_BUDGET`. The same input always gives the same messages.
 *
 * With `incidents`, a row with an unresolved incident shows it in the detail
 * (`❗ Missed since 01:10`) and counts as a problem row (after the failed ones); the counts
 * line adds `· 🚨 N open incidents`. A paused row shows only as paused.
 *
 * Throws a `RangeError` for an unknown `timeZone`.
 */
export function renderStatusTable(input: StatusTableInput): SlackMessage[] {
  const { rows, timeZone } = input;
  const active = activeIncidents(input.incidents);
  const countsLine = formatCounts(countRows(rows), countIncidentRows(rows, active));
  const shown = orderRows(rows, active).map((row) => shownRow(row, timeZone, active, input.links));
  const pages = shown.length === 0 ? [] : paginate(shown, countsLine.length);
  const total = Math.max(pages.length, Math.floor(input.minMessages ?? 0), 1);
  // A blank title (none reaches here from a validated board) shows the default.
  const title = input.title?.trim() ? input.title : DEFAULT_BOARD_TITLE;
  const messages: SlackMessage[] = [];
  for (let index = 0; index < total; index += 1) {
    const suffix = pageSuffix(index, total, input.final === true);
    const header = boardHeader(TABLE_MARK, title, '', input, suffix);
    const blocks: Record<string, unknown>[] = [headerBlock(header)];
    const text: string[] = [escapeMrkdwn(header)];
    if (index === 0) {
      blocks.push(sectionBlock(countsLine));
      text.push(countsLine);
    }
    const page = pages[index];
    if (page === undefined) {
      const note = shown.length === 0 ? NO_SCHEDULERS : NO_FURTHER_ROWS;
      blocks.push(sectionBlock(note));
      text.push(note);
    }
    blocks.push(contextBlock(LEGEND));
    if (page !== undefined) {
      blocks.push(tableBlock(page));
      // Each message opens its rows with the column headings, so it reads on its own.
      text.push(PLAIN_HEADING, ...page.map((row) => row.line));
    }
    text.push(LEGEND);
    messages.push(message(text.join('\n'), blocks));
  }
  return messages;
}

/**
 * A board's header: `{mark}{title}{trail} — night of 15 Jan 2026 · 1 Dec 16:24 WIB{suffix}`.
 * The business date and the moment are named apart, as they fall on different days outside
 * the window; empty labels are left out. The title alone is cut (with `…`) so the date, the
 * moment and `suffix` always show within Slack's header limit.
 */
export function boardHeader(
  mark: string,
  title: string,
  trail: string,
  labels: BoardHeaderLabels,
  suffix: string,
): string {
  const label = (value: string | undefined) => plainText(value, TEXT_LENGTHS.label);
  const date = label(labels.businessDateLabel);
  const moment = [label(labels.dayLabel), label(labels.timeLabel), label(labels.zoneLabel)]
    .filter((part) => part.length > 0)
    .join(' ');
  const when = [date.length > 0 ? `night of ${date}` : '', moment]
    .filter((part) => part.length > 0)
    .join(' · ');
  const tail = `${trail}${when.length > 0 ? ` — ${when}` : ''}`;
  const room = MESSAGE_BUDGET.maxHeaderChars - mark.length - tail.length - suffix.length;
  // Should the labels alone be too long, `headerText` cuts the end instead.
  const cutTitle = plainText(title, Math.max(room, 1));
  return headerText(`${mark}${cutTitle}${tail}`, suffix);
}

/**
 * A row as the table shows it: its cells, the url its job name links to, its line of the
 * `text` fallback, and what it costs of the message's text budget (the url included).
 */
type ShownRow = { cells: readonly string[]; link: string | undefined; line: string; chars: number };

function shownRow(
  row: TableRow,
  timeZone: string,
  active: ActiveIncidents,
  links: UiLinks | undefined,
): ShownRow {
  const cells = rowCells(row, timeZone, active);
  const link = linkable(links?.scheduler(row.scheduler.scheduler_id));
  return {
    cells,
    link,
    line: tableLine(row, timeZone, active),
    chars: cells.reduce((sum, cell) => sum + cell.length, 0) + (link?.length ?? 0),
  };
}

function tableBlock(page: readonly ShownRow[]): Record<string, unknown> {
  return {
    type: 'table',
    column_settings: COLUMN_SETTINGS,
    rows: [
      COLUMN_HEADINGS.map((heading) => tableCell(heading)),
      ...page.map((row) =>
        row.cells.map((text, column) =>
          tableCell(text, column === JOB_COLUMN ? row.link : undefined),
        ),
      ),
    ],
  };
}

const HEADING_CHARS = COLUMN_HEADINGS.reduce((sum, heading) => sum + heading.length, 0);

/**
 * Packs the rows into pages (messages), greedily in order, so earlier rows (the problems)
 * land in earlier messages; linear in the rows. A page holds at most 99 rows (the heading
 * row makes Slack's 100) and as many as its text budget allows, link urls included.
 */
function paginate(rows: readonly ShownRow[], countsChars: number): ShownRow[][] {
  // What every page spends besides its rows: the header at its longest, the legend and the
  // heading row; the first page also the counts.
  const fixed = MESSAGE_BUDGET.maxHeaderChars + LEGEND.length + HEADING_CHARS;
  const pages: ShownRow[][] = [];
  let current: ShownRow[] = [];
  let pageChars = 0;
  for (const row of rows) {
    if (
      pages.length === 0 ||
      current.length + 1 >= MAX_TABLE_ROWS ||
      pageChars + row.chars > MESSAGE_BUDGET.maxBlocksTextChars
    ) {
      pageChars = fixed + (pages.length === 0 ? countsChars : 0);
      current = [];
      pages.push(current);
    }
    current.push(row);
    pageChars += row.chars;
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

/** The row's cells: service, job, status, time and detail, producer text sanitized. */
function rowCells(row: TableRow, timeZone: string, active: ActiveIncidents): string[] {
  const { scheduler } = row;
  const { status, time, detail } = statusCells(row, timeZone);
  const incident = rowIncident(row, active);
  const noted =
    incident === undefined ? detail : withIncidentDetail(detail, row, incident, timeZone);
  return [
    plainText(scheduler.service_name, TEXT_LENGTHS.rowName),
    plainText(scheduler.job_name, TEXT_LENGTHS.rowName),
    status,
    time,
    truncate(noted, MAX_DETAIL_CHARS),
  ];
}

/** An incident before the detail: `❗ Missed since 01:10 (ack'd) · disk full`. */
function withIncidentDetail(
  detail: string,
  row: TableRow,
  incident: Incident,
  timeZone: string,
): string {
  const ack = incident.state === 'acknowledged' ? " (ack'd)" : '';
  // A failed incident of a failed row is the failed row itself, which already says why.
  if (incident.kind === 'failed' && row.status === 'failed') return `${detail}${ack}`.trim();
  const since = formatClock(incident.opened_at, timeZone);
  const note = `${incidentMark(incident.kind)} since ${since}${ack}`;
  return detail.length > 0 ? `${note} · ${detail}` : note;
}

function statusCells(
  row: TableRow,
  timeZone: string,
): { status: string; time: string; detail: string } {
  const { scheduler } = row;
  if (row.paused) {
    const until = scheduler.paused_until
      ? `until ${formatClock(scheduler.paused_until, timeZone)}`
      : '';
    const reason = plainText(scheduler.pause_reason, TEXT_LENGTHS.rowError);
    const detail = [until, reason.length > 0 ? `(${reason})` : ''].filter((p) => p.length > 0);
    return { status: '⏸ Paused', time: '', detail: detail.join(' ') };
  }
  const time = formatClock(scheduler.timestamp, timeZone);
  switch (row.status) {
    case 'failed':
      return {
        status: '❌ Failed',
        time,
        detail: plainText(scheduler.error_message, TEXT_LENGTHS.rowError),
      };
    case 'running':
      return {
        status: '🟡 Running',
        time,
        detail: row.stale === null ? '' : `⚠️ ${silence(row.stale.minutesSilent)}`,
      };
    case 'completed': {
      const took = scheduler.execution_time_ms;
      return { status: '✅ Completed', time, detail: took === null ? '' : formatDuration(took) };
    }
    case 'pending':
      return { status: '⬜ Pending', time: '', detail: '' };
  }
}

/** The row's line of the `text` fallback: `Service │ Job │ ❌ Failed 01:42 (disk full)`. */
function tableLine(row: TableRow, timeZone: string, active: ActiveIncidents): string {
  const { scheduler } = row;
  const incident = rowIncident(row, active);
  const status = statusLine(row, timeZone);
  return [
    safeText(scheduler.service_name, { max: TEXT_LENGTHS.rowName }),
    safeText(scheduler.job_name, { max: TEXT_LENGTHS.rowName }),
    incident === undefined ? status : withIncident(status, row.status, incident, timeZone),
  ].join(SEPARATOR);
}

function statusLine(row: TableRow, timeZone: string): string {
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

/** One row of a board's table as the dashboard shows it: the Slack table's cells. */
export type BoardTableRow = {
  schedulerId: string;
  /** A failed or stale row, or one with an unresolved incident: the problem group. */
  problem: boolean;
  /** Service, Job, Status, Time, Detail: the cells of the Slack table, producer text sanitized. */
  cells: readonly string[];
};

/**
 * A board's rows for the web dashboard (docs/web.md) by the Slack table's rules: the same
 * status words, the same order (problems first) and the same counts line, without
 * Slack's pagination. The cells are plain text: the page escapes them.
 */
export function boardTableOf(input: Pick<StatusTableInput, 'rows' | 'timeZone' | 'incidents'>): {
  counts: string;
  rows: BoardTableRow[];
} {
  const active = activeIncidents(input.incidents);
  return {
    counts: formatCounts(countRows(input.rows), countIncidentRows(input.rows, active)),
    rows: orderRows(input.rows, active).map((row) => ({
      schedulerId: row.scheduler.scheduler_id,
      problem:
        !row.paused &&
        (row.status === 'failed' ||
          (row.status === 'running' && row.stale !== null) ||
          rowIncident(row, active) !== undefined),
      cells: rowCells(row, input.timeZone, active),
    })),
  };
}
