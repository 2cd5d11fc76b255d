/**
 * The 06:00 summary of a night (docs/eod.md): counts, execution
 * times, what failed, still runs or never started, and who acknowledged which failure.
 */
import type { Acknowledgement } from './alerts.ts';
import { DEFAULT_BOARD_ID, DEFAULT_BOARD_TITLE } from './boards.ts';
import { acknowledgedBy } from './failure-alert-message.ts';
import { acknowledgerText, incidentMark } from './incident-messages.ts';
import type { Incident } from './incidents.ts';
import type { SlackMessage } from './ports.ts';
import type { SchedulerRecord } from './scheduler.ts';
import {
  contextBlock,
  headerBlock,
  linkable,
  MESSAGE_BUDGET,
  message,
  mrkdwnLink,
  sectionBlock,
  TEXT_LENGTHS,
} from './slack-blocks.ts';
import { escapeMrkdwn, mentionFor, safeText } from './slack-text.ts';
import { formatClock, formatDuration, formatElapsed, zoneText } from './slack-times.ts';
import type { BoardHeaderLabels } from './status-table-message.ts';
import { boardHeader } from './status-table-message.ts';
import type { TableRow } from './table-rows.ts';
import {
  activeIncidents,
  compareStrings,
  countIncidentRows,
  countRows,
  formatCounts,
  NO_SCHEDULERS,
  orderRows,
  pausedCell,
  silence,
} from './table-rows.ts';
import type { UiLinks } from './ui-links.ts';

/** Input of `renderFinalSummary`. */
export type FinalSummaryInput = BoardHeaderLabels & {
  rows: readonly TableRow[];
  timeZone: string;
  acknowledgements: readonly Acknowledgement[];
  /** Tonight's incidents (the open ones and those opened tonight), listed with durations. */
  incidents?: readonly Incident[];
  /** ISO instant of the summary: how long the still-open incidents have been open. */
  at?: string;
  /**
   * The board's `mention` (a `U…`/`W…` user or `S…` user group id), pinged when something
   * is wrong; anything else is ignored.
   */
  mention?: string | null;
  /** The board summarized, for the report link; default the default board. */
  boardId?: string;
  /** The dashboard's pages (`UI_PUBLIC_URL`): the summary links to the board's report. */
  links?: UiLinks;
};

/** The days of the report the summary links to. */
const REPORT_DAYS = 7;

const SUMMARY_MARK = '🏁 ';
// The default board's summary keeps the name it had before boards existed.
const DEFAULT_SUMMARY_TITLE = 'EOD Summary';

/**
 * The 06:00 summary, one message: counts per status, "All clear ✅" when every scheduler
 * completed (and there is at least one), total and slowest (top 5) execution times of
 * tonight's finished runs, the failed, still-running and not-started lists, and the
 * acknowledgements. Each list is cut with "…and N more" so the message stays within
 * `MESSAGE_BUDGET`.
 *
 * With `incidents`: "Incidents tonight" lists each (scheduler, kind, opening time, "resolved
 * after 1 h 31 min" or "open for 2 h", who acknowledged), the counts add
 * `· 🚨 N open incidents`, and it is not all clear while a scheduler's incident is open.
 *
 * With a valid `mention`, a summary that is not all clear (a scheduler failed, still runs or
 * never started, or an incident is open) pings it in its first section.
 *
 * With `links`, a last context line links to the board's report over the last 7 days
 * (`📈 7-day report`); a url too long for Slack is left out. The `text` fallback has no link.
 *
 * Throws a `RangeError` for an unknown `timeZone`.
 */
export function renderFinalSummary(input: FinalSummaryInput): SlackMessage {
  const { rows, timeZone } = input;
  const zone = zoneText(input.zoneLabel);
  const counts = countRows(rows);
  const ordered = orderRows(rows);
  const header = summaryHeader(input);
  const openIncidents = countIncidentRows(rows, activeIncidents(input.incidents));

  const overview = [formatCounts(counts, openIncidents)];
  const watched = counts.total - counts.paused;
  const allClear = watched > 0 && counts.completed === watched && openIncidents === 0;
  if (counts.total === 0) overview.push(NO_SCHEDULERS);
  else if (allClear) {
    const paused = counts.paused > 0 ? ` (${counts.paused} paused)` : '';
    overview.push(`*All clear ✅* — all ${watched} schedulers completed${paused}.`);
  }
  // Something is wrong when a watched scheduler did not complete or an incident is open.
  const mention = mentionFor(input.mention);
  if (mention !== undefined && watched > 0 && !allClear) {
    overview.push(`🔔 ${mention} — tonight needs attention.`);
  }
  const active = ordered.filter((row) => !row.paused);

  const sections = [overview.join('\n'), executionTimes(rows)];
  const lists = [
    incidentList(input.incidents ?? [], rows, timeZone, input.at),
    summaryList(
      `*❌ Failed (${counts.failed})*`,
      active.filter((row) => row.status === 'failed'),
      (row) => {
        const error = safeText(row.scheduler.error_message, { max: TEXT_LENGTHS.rowError });
        const at = formatClock(row.scheduler.timestamp, timeZone);
        return `• ${entryName(row.scheduler)} — ${at}${error.length > 0 ? ` (${error})` : ''}`;
      },
    ),
    summaryList(
      `*🟡 Still running (${counts.running})*`,
      active.filter((row) => row.status === 'running'),
      (row) => {
        const since = `since ${formatClock(row.scheduler.timestamp, timeZone)}`;
        const stale = row.stale === null ? '' : ` ⚠️ ${silence(row.stale.minutesSilent)}`;
        return `• ${entryName(row.scheduler)} — ${since}${stale}`;
      },
    ),
    summaryList(
      `*⬜ Not started (${counts.pending})*`,
      active.filter((row) => row.status === 'pending'),
      (row) => `• ${entryName(row.scheduler)}`,
    ),
    summaryList(
      `*⏸ Paused (${counts.paused})*`,
      ordered.filter((row) => row.paused),
      (row) => `• ${entryName(row.scheduler)} — ${pausedCell(row.scheduler, timeZone)}`,
    ),
    acknowledgementList(input.acknowledgements, rows, timeZone, zone),
  ].filter((list) => list.count > 0);

  const report = reportLine(input);
  // The lists share what the fixed parts leave, equally, each within one section.
  const used =
    header.length + report.length + sections.reduce((sum, section) => sum + section.length, 0);
  const share = Math.floor((MESSAGE_BUDGET.maxBlocksTextChars - used) / Math.max(lists.length, 1));
  const listBudget = Math.min(MESSAGE_BUDGET.maxSectionChars, share);
  for (const list of lists) sections.push(listSection(list, listBudget));

  const blocks = [headerBlock(header), ...sections.map((section) => sectionBlock(section))];
  if (report.length > 0) blocks.push(contextBlock(report));
  const text = [escapeMrkdwn(header), ...sections].join('\n\n');
  return message(text, blocks);
}

/**
 * `🏁 EOD Summary — night of 15 Jan 2026 · 15 Jan 06:00 WIB`; a board with its own title:
 * `🏁 Payments EOD summary — …`.
 */
function summaryHeader(input: FinalSummaryInput): string {
  const title = input.title?.trim() ?? '';
  return title.length === 0 || title === DEFAULT_BOARD_TITLE
    ? boardHeader(SUMMARY_MARK, DEFAULT_SUMMARY_TITLE, '', input, '')
    : boardHeader(SUMMARY_MARK, title, ' summary', input, '');
}

/** `📈 <url|7-day report>`, or '' without links (or a url Slack cannot take). */
function reportLine(input: FinalSummaryInput): string {
  const url = linkable(input.links?.report(input.boardId ?? DEFAULT_BOARD_ID, REPORT_DAYS));
  return url === undefined ? '' : `📈 ${mrkdwnLink(url, `${REPORT_DAYS}-day report`)}`;
}

function entryName(scheduler: Pick<SchedulerRecord, 'service_name' | 'job_name'>): string {
  const service = safeText(scheduler.service_name, { max: TEXT_LENGTHS.rowName });
  const job = safeText(scheduler.job_name, { max: TEXT_LENGTHS.rowName });
  return `${service} › ${job}`;
}

/** Total and slowest execution times of tonight's finished (completed or failed) runs. */
function executionTimes(rows: readonly TableRow[]): string {
  const timed = rows.filter(
    (row) =>
      (row.status === 'completed' || row.status === 'failed') &&
      row.scheduler.execution_time_ms !== null,
  );
  if (timed.length === 0) return '*Execution time:* no finished run reported one.';
  const took = (row: TableRow) => row.scheduler.execution_time_ms ?? 0;
  const total = timed.reduce((sum, row) => sum + took(row), 0);
  const slowest = orderRows(timed)
    .sort((a, b) => took(b) - took(a))
    .slice(0, TEXT_LENGTHS.slowest);
  const runs = timed.length === 1 ? 'run' : 'runs';
  return [
    `*Execution time:* ${formatDuration(total)} in total over ${timed.length} ${runs}`,
    `*Slowest:*`,
    ...slowest.map((row, index) => {
      const mark = row.status === 'failed' ? '❌' : '✅';
      return `${index + 1}. ${entryName(row.scheduler)} — ${formatDuration(took(row))} ${mark}`;
    }),
  ].join('\n');
}

function acknowledgementList(
  acknowledgements: readonly Acknowledgement[],
  rows: readonly TableRow[],
  timeZone: string,
  zone: string,
): SummaryList {
  const byId = new Map(rows.map((row) => [row.scheduler.scheduler_id, row.scheduler]));
  const sorted = [...acknowledgements].sort(
    (a, b) =>
      compareStrings(a.at, b.at) ||
      compareStrings(a.scheduler_id, b.scheduler_id) ||
      compareStrings(a.event_id, b.event_id),
  );
  return summaryList(`*👍 Acknowledged (${sorted.length})*`, sorted, (ack) => {
    const scheduler = byId.get(ack.scheduler_id);
    const what =
      scheduler === undefined
        ? `\`${safeText(ack.scheduler_id, { max: TEXT_LENGTHS.id })}\``
        : entryName(scheduler);
    return `• ${what} — ${acknowledgedBy(ack.user_id, ack.at, timeZone, zone)}`;
  });
}

function incidentList(
  incidents: readonly Incident[],
  rows: readonly TableRow[],
  timeZone: string,
  at: string | undefined,
): SummaryList {
  const byId = new Map(rows.map((row) => [row.scheduler.scheduler_id, row.scheduler]));
  const sorted = [...incidents].sort(
    (a, b) =>
      Date.parse(a.opened_at) - Date.parse(b.opened_at) ||
      compareStrings(a.scheduler_id, b.scheduler_id) ||
      compareStrings(a.incident_id, b.incident_id),
  );
  const opened = (incident: Incident) => Date.parse(incident.opened_at);
  return summaryList(`*🚨 Incidents tonight (${sorted.length})*`, sorted, (incident) => {
    const scheduler = byId.get(incident.scheduler_id);
    const what =
      scheduler === undefined
        ? `\`${safeText(incident.scheduler_id, { max: TEXT_LENGTHS.id })}\``
        : entryName(scheduler);
    const state =
      incident.state === 'resolved'
        ? `resolved after ${formatElapsed(Date.parse(incident.resolved_at ?? '') - opened(incident))}`
        : at === undefined
          ? 'still open'
          : `open for ${formatElapsed(Date.parse(at) - opened(incident))}`;
    const ack =
      incident.acknowledged_by === null
        ? ''
        : `, acknowledged by ${acknowledgerText(incident.acknowledged_by)}` +
          (incident.acknowledged_at === null
            ? ''
            : ` at ${formatClock(incident.acknowledged_at, timeZone)}`);
    const since = formatClock(incident.opened_at, timeZone);
    return `• ${what} — ${incidentMark(incident.kind)}, opened ${since}, ${state}${ack}`;
  });
}

/** A titled list of the summary; its lines are built only for the entries shown. */
type SummaryList = { title: string; count: number; line: (index: number) => string };

function summaryList<T>(
  title: string,
  items: readonly T[],
  line: (item: T) => string,
): SummaryList {
  return {
    title,
    count: items.length,
    line: (index) => {
      const item = items[index];
      return item === undefined ? '' : line(item);
    },
  };
}

/**
 * A list cut to `budget` characters and `TEXT_LENGTHS.summaryListEntries` entries, ending
 * with "…and N more" when anything was left out.
 */
function listSection(list: SummaryList, budget: number): string {
  // Room for the widest "…and N more" line, so adding it never overflows.
  const reserve = `\n…and ${list.count} more`.length;
  const kept = [list.title];
  let used = list.title.length;
  const shown = Math.min(list.count, TEXT_LENGTHS.summaryListEntries);
  for (let index = 0; index < shown; index += 1) {
    const line = list.line(index);
    if (used + 1 + line.length + reserve > budget) break;
    kept.push(line);
    used += 1 + line.length;
  }
  const left = list.count - (kept.length - 1);
  if (left > 0) kept.push(`…and ${left} more`);
  return kept.join('\n');
}
