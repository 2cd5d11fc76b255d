/**
 * Every Slack message schedmon sends, as data (eod-slack.md → "The status table message",
 * "Alerts"): Block Kit blocks plus the `text` fallback that notifications, screen readers and
 * the log notifier show. Pure: times, labels and the time zone are parameters.
 *
 * All producer text (names, ids, errors) goes through `safeText`; the only mentions are the
 * ones `mentionFor` builds from validated Slack ids. Producer text never goes into a
 * `plain_text` object (headers, buttons), which Slack would show unescaped.
 */
import type { SlackMessage } from './ports.ts';
import type { SchedulerRecord, Status } from './scheduler.ts';
import { escapeMrkdwn, mentionFor, plainText, safeText, truncate } from './slack-text.ts';

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

/** The `action_id` of the Acknowledge button on a failure alert. */
export const ACKNOWLEDGE_ACTION_ID = 'acknowledge_failure';

/** A running scheduler's silence, as stale detection found it. */
export type StaleInfo = {
  /** Whole minutes since `lastActivity`. */
  minutesSilent: number;
  /** ISO instant of the last heartbeat or status. */
  lastActivity: string;
};

/** One row of the status table: the record and tonight's status, decided by the caller. */
export type TableRow = {
  scheduler: SchedulerRecord;
  /** Tonight's status (eod-slack.md → "Tonight's status of a scheduler"). */
  status: Status;
  /** Set when `status` is `running` and the scheduler is stale; ignored otherwise. */
  stale: StaleInfo | null;
};

/** The labels of a table or summary title, formatted by the caller in the EOD zone. */
export type TitleLabels = {
  /** e.g. `15 Jan 2026`. */
  businessDateLabel: string;
  /** e.g. `02:00`. */
  timeLabel: string;
  /** e.g. `WIB`. */
  zoneLabel: string;
};

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
};

/** A failure alert's acknowledgement. */
export type FailureAcknowledgement = {
  /** Slack user id of who pressed Acknowledge. */
  userId: string;
  /** ISO instant of the press. */
  at: string;
};

/** Input of `renderFailureAlert`: the record as the failure event left it. */
export type FailureAlertInput = {
  scheduler: Pick<
    SchedulerRecord,
    | 'scheduler_id'
    | 'service_name'
    | 'job_name'
    | 'timestamp'
    | 'execution_time_ms'
    | 'error_message'
    | 'alert_user_id'
  >;
  /** The failure event's id, carried by the Acknowledge button. */
  eventId: string;
  /** IANA zone of the EOD window. */
  timeZone: string;
  /** e.g. `WIB`. */
  zoneLabel: string;
  /** Set: render the acknowledged state (no button). */
  acknowledgement?: FailureAcknowledgement | null;
};

/** What the Acknowledge button's `value` carries. */
export type AcknowledgeButtonValue = { scheduler_id: string; event_id: string };

/** Input of `renderStaleWarning`: one stale episode. */
export type StaleWarningInput = {
  scheduler: Pick<SchedulerRecord, 'scheduler_id' | 'service_name' | 'job_name' | 'alert_user_id'>;
  /** ISO instant of the last heartbeat or status. */
  lastActivity: string;
  /** Whole minutes since `lastActivity`. */
  minutesSilent: number;
  timeZone: string;
  zoneLabel: string;
};

/** One acknowledged failure, as the state table keeps it. */
export type Acknowledgement = {
  scheduler_id: string;
  event_id: string;
  /** Slack user id. */
  user_id: string;
  /** ISO instant. */
  at: string;
};

/** Input of `renderFinalSummary`. */
export type FinalSummaryInput = TitleLabels & {
  rows: readonly TableRow[];
  timeZone: string;
  acknowledgements: readonly Acknowledgement[];
};

// ---------------------------------------------------------------------------------------
// The status table

const TABLE_TITLE = '📊 EOD Process Status';
const COLUMN_HEADINGS = ['Service', 'Job Name', 'Status'] as const;
const SEPARATOR = ' │ ';
const LEGEND =
  'Legend: ⬜ Pending | 🟡 Running | ✅ Completed | ❌ Failed | ⚠️ Stale (no heartbeat)';
const NO_SCHEDULERS = 'No schedulers registered.';
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
 * Throws a `RangeError` for an unknown `timeZone`.
 */
export function renderStatusTable(input: StatusTableInput): SlackMessage[] {
  const { rows, timeZone } = input;
  const countsLine = formatCounts(countRows(rows));
  const lines = orderRows(rows).map((row) => tableLine(row, timeZone));
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

function titleOf(title: string, labels: TitleLabels): string {
  const { businessDateLabel, timeLabel, zoneLabel } = labels;
  const when = [businessDateLabel, timeLabel, zoneLabel]
    .map((label) => plainText(label, TEXT_LENGTHS.label))
    .filter((label) => label.length > 0)
    .join(' ');
  return when.length > 0 ? `${title} — ${when}` : title;
}

function headerText(title: string, suffix: string): string {
  return `${truncate(title, MESSAGE_BUDGET.maxHeaderChars - suffix.length)}${suffix}`;
}

function tableLine(row: TableRow, timeZone: string): string {
  const { scheduler } = row;
  return [
    safeText(scheduler.service_name, { max: TEXT_LENGTHS.rowName }),
    safeText(scheduler.job_name, { max: TEXT_LENGTHS.rowName }),
    statusCell(row, timeZone),
  ].join(SEPARATOR);
}

function statusCell(row: TableRow, timeZone: string): string {
  const { scheduler } = row;
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

function silence(minutesSilent: number): string {
  return `no heartbeat ${wholeMinutes(minutesSilent)} min`;
}

// ---------------------------------------------------------------------------------------
// Counting and ordering

type Counts = Record<Status, number> & { stale: number; total: number };

// Problems first (failed, then stale), then running, pending, completed.
const GROUP_ORDER: Readonly<Record<Status, number>> = {
  failed: 0,
  running: 2,
  pending: 3,
  completed: 4,
};
const STALE_GROUP = 1;

function isStale(row: TableRow): boolean {
  return row.status === 'running' && row.stale !== null;
}

/** Stale schedulers are running ones, so they count in `running` too. */
function countRows(rows: readonly TableRow[]): Counts {
  const counts: Counts = { pending: 0, running: 0, completed: 0, failed: 0, stale: 0, total: 0 };
  for (const row of rows) {
    counts[row.status] += 1;
    if (isStale(row)) counts.stale += 1;
    counts.total += 1;
  }
  return counts;
}

function formatCounts(counts: Counts): string {
  return [
    `✅ ${counts.completed} completed`,
    `🟡 ${counts.running} running`,
    `⬜ ${counts.pending} pending`,
    `❌ ${counts.failed} failed`,
    `⚠️ ${counts.stale} stale`,
  ].join(' · ');
}

function orderRows(rows: readonly TableRow[]): TableRow[] {
  const keyed = rows.map((row) => ({
    row,
    group: isStale(row) ? STALE_GROUP : GROUP_ORDER[row.status],
    service: row.scheduler.service_name.toLowerCase(),
    job: row.scheduler.job_name.toLowerCase(),
  }));
  keyed.sort(
    (a, b) =>
      a.group - b.group ||
      compareStrings(a.service, b.service) ||
      compareStrings(a.row.scheduler.service_name, b.row.scheduler.service_name) ||
      compareStrings(a.job, b.job) ||
      compareStrings(a.row.scheduler.job_name, b.row.scheduler.job_name) ||
      compareStrings(a.row.scheduler.scheduler_id, b.row.scheduler.scheduler_id),
  );
  return keyed.map((entry) => entry.row);
}

// Code-unit order: the same on every host, unlike `localeCompare`.
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------
// Failure alert

const NO_ERROR = '_No error message was reported._';

/**
 * The alert for one failure event: service, job, scheduler id, when (in the EOD zone),
 * execution time, an escaped excerpt of the error, the mention of `alert_user_id` when it is
 * a valid Slack id, and an Acknowledge button whose `value` carries the scheduler and event
 * ids. With `acknowledgement`, the same alert shows "Acknowledged by @x at 01:55 WIB" instead
 * of the button (for `chat.update`).
 *
 * Throws a `RangeError` for an unknown `timeZone`, or when the ids are too long for a button
 * value (impossible for ids the schemas accepted).
 */
export function renderFailureAlert(input: FailureAlertInput): SlackMessage {
  const { scheduler, timeZone, acknowledgement } = input;
  const zone = safeText(input.zoneLabel, { max: TEXT_LENGTHS.label });
  const service = safeText(scheduler.service_name, { max: TEXT_LENGTHS.alertName });
  const job = safeText(scheduler.job_name, { max: TEXT_LENGTHS.alertName });
  const id = safeText(scheduler.scheduler_id, { max: TEXT_LENGTHS.id });
  const when = `${formatDateTime(scheduler.timestamp, timeZone)} ${zone}`.trimEnd();
  const took =
    scheduler.execution_time_ms === null ? '—' : formatDuration(scheduler.execution_time_ms);
  const mention = mentionFor(scheduler.alert_user_id);
  const error = safeText(scheduler.error_message, {
    max: TEXT_LENGTHS.alertError,
    multiline: true,
  });

  const summary = `❌ ${service} › ${job} failed at ${when}`;
  const blocks: Record<string, unknown>[] = [
    headerBlock('❌ Job failed'),
    sectionBlock(mention === undefined ? summary : `${summary}\ncc ${mention}`),
    {
      type: 'section',
      fields: [
        mrkdwn(`*Service*\n${service}`),
        mrkdwn(`*Job*\n${job}`),
        mrkdwn(`*Scheduler id*\n\`${id}\``),
        mrkdwn(`*Failed at*\n${when}`),
        mrkdwn(`*Execution time*\n${took}`),
        mrkdwn(`*Event id*\n\`${safeText(input.eventId, { max: TEXT_LENGTHS.id })}\``),
      ],
    },
    // A code block keeps stack traces readable; backticks in the error were neutralized, so
    // it cannot close the block early.
    sectionBlock(error.length > 0 ? `*Error*\n\`\`\`${error}\`\`\`` : `*Error*\n${NO_ERROR}`),
  ];
  const ackLine =
    acknowledgement === undefined || acknowledgement === null
      ? undefined
      : acknowledgedLine(acknowledgement, timeZone, zone);
  if (ackLine === undefined) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: ACKNOWLEDGE_ACTION_ID,
          style: 'primary',
          text: { type: 'plain_text', text: 'Acknowledge', emoji: true },
          value: acknowledgeButtonValue({
            scheduler_id: scheduler.scheduler_id,
            event_id: input.eventId,
          }),
        },
      ],
    });
  } else {
    blocks.push(contextBlock(ackLine));
  }

  const shortError = safeText(scheduler.error_message, { max: TEXT_LENGTHS.rowError });
  const text = [
    `❌ Job failed: ${service} › ${job} (${id}) at ${when}`,
    shortError.length > 0 ? `: ${shortError}` : '',
    mention === undefined ? '' : ` cc ${mention}`,
    ackLine === undefined ? '' : ` — ${ackLine}`,
  ].join('');
  return message(text, blocks);
}

function acknowledgedLine(ack: FailureAcknowledgement, timeZone: string, zone: string): string {
  const who = mentionFor(ack.userId) ?? 'an unknown user';
  return `✅ Acknowledged by ${who} at ${`${formatClock(ack.at, timeZone)} ${zone}`.trimEnd()}`;
}

/**
 * The Acknowledge button's `value`: JSON of the scheduler and event ids. Throws a
 * `RangeError` when it would exceed Slack's 2,000 characters.
 */
export function acknowledgeButtonValue(value: AcknowledgeButtonValue): string {
  const json = JSON.stringify({ scheduler_id: value.scheduler_id, event_id: value.event_id });
  if (json.length > MESSAGE_BUDGET.maxButtonValueChars) {
    throw new RangeError('acknowledge button value exceeds 2,000 characters');
  }
  return json;
}

/** Reads an Acknowledge button's `value` back; `undefined` when it is not one of ours. */
export function parseAcknowledgeButtonValue(value: string): AcknowledgeButtonValue | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { scheduler_id, event_id } = parsed as Record<string, unknown>;
  if (typeof scheduler_id !== 'string' || typeof event_id !== 'string') return undefined;
  if (scheduler_id.length === 0 || event_id.length === 0) return undefined;
  return { scheduler_id, event_id };
}

// ---------------------------------------------------------------------------------------
// Stale warning

/**
 * The warning for one stale episode: which scheduler, when it was last heard from (in the
 * EOD zone) and how many minutes ago, and the mention of `alert_user_id` when it is valid.
 * The caller sends it once per episode.
 *
 * Throws a `RangeError` for an unknown `timeZone`.
 */
export function renderStaleWarning(input: StaleWarningInput): SlackMessage {
  const { scheduler } = input;
  const zone = safeText(input.zoneLabel, { max: TEXT_LENGTHS.label });
  const service = safeText(scheduler.service_name, { max: TEXT_LENGTHS.alertName });
  const job = safeText(scheduler.job_name, { max: TEXT_LENGTHS.alertName });
  const id = safeText(scheduler.scheduler_id, { max: TEXT_LENGTHS.id });
  const since = `${formatClock(input.lastActivity, input.timeZone)} ${zone}`.trimEnd();
  const minutes = wholeMinutes(input.minutesSilent);
  const mention = mentionFor(scheduler.alert_user_id);
  const summary = `⚠️ *Stale:* ${service} › ${job} — no heartbeat since ${since} (${minutes} min ago)`;
  const blocks = [
    sectionBlock(mention === undefined ? summary : `${summary}\ncc ${mention}`),
    contextBlock(
      `Scheduler \`${id}\` is still running; schedmon does not fail it. ` +
        'No further warning until it heartbeats or changes status and goes silent again.',
    ),
  ];
  const text =
    `⚠️ Stale: ${service} › ${job} (${id}) — no heartbeat since ${since} (${minutes} min ago)` +
    (mention === undefined ? '' : ` cc ${mention}`);
  return message(text, blocks);
}

// ---------------------------------------------------------------------------------------
// Final summary

const SUMMARY_TITLE = '🏁 EOD Summary';

/**
 * The 06:00 summary, one message: counts per status, "All clear ✅" when every scheduler
 * completed (and there is at least one), total and slowest (top 5) execution times of
 * tonight's finished runs, the failed, still-running and not-started lists, and the
 * acknowledgements. Each list is cut with "…and N more" so the message stays within
 * `MESSAGE_BUDGET`.
 *
 * Throws a `RangeError` for an unknown `timeZone`.
 */
export function renderFinalSummary(input: FinalSummaryInput): SlackMessage {
  const { rows, timeZone } = input;
  const zone = safeText(input.zoneLabel, { max: TEXT_LENGTHS.label });
  const counts = countRows(rows);
  const ordered = orderRows(rows);
  const header = headerText(titleOf(SUMMARY_TITLE, input), '');

  const overview = [formatCounts(counts)];
  if (counts.total === 0) overview.push(NO_SCHEDULERS);
  else if (counts.completed === counts.total) {
    overview.push(`*All clear ✅* — all ${counts.total} schedulers completed.`);
  }

  const sections = [overview.join('\n'), executionTimes(rows)];
  const lists = [
    summaryList(
      `*❌ Failed (${counts.failed})*`,
      ordered.filter((row) => row.status === 'failed'),
      (row) => {
        const error = safeText(row.scheduler.error_message, { max: TEXT_LENGTHS.rowError });
        const at = formatClock(row.scheduler.timestamp, timeZone);
        return `• ${entryName(row.scheduler)} — ${at}${error.length > 0 ? ` (${error})` : ''}`;
      },
    ),
    summaryList(
      `*🟡 Still running (${counts.running})*`,
      ordered.filter((row) => row.status === 'running'),
      (row) => {
        const since = `since ${formatClock(row.scheduler.timestamp, timeZone)}`;
        const stale = row.stale === null ? '' : ` ⚠️ ${silence(row.stale.minutesSilent)}`;
        return `• ${entryName(row.scheduler)} — ${since}${stale}`;
      },
    ),
    summaryList(
      `*⬜ Not started (${counts.pending})*`,
      ordered.filter((row) => row.status === 'pending'),
      (row) => `• ${entryName(row.scheduler)}`,
    ),
    acknowledgementList(input.acknowledgements, rows, timeZone, zone),
  ].filter((list) => list.count > 0);

  // The lists share what the fixed parts leave, equally, each within one section.
  const used = header.length + sections.reduce((sum, section) => sum + section.length, 0);
  const share = Math.floor((MESSAGE_BUDGET.maxBlocksTextChars - used) / Math.max(lists.length, 1));
  const listBudget = Math.min(MESSAGE_BUDGET.maxSectionChars, share);
  for (const list of lists) sections.push(listSection(list, listBudget));

  const blocks = [headerBlock(header), ...sections.map((section) => sectionBlock(section))];
  const text = [escapeMrkdwn(header), ...sections].join('\n\n');
  return message(text, blocks);
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
    const who = mentionFor(ack.user_id) ?? 'an unknown user';
    return `• ${what} — ${who} at ${`${formatClock(ack.at, timeZone)} ${zone}`.trimEnd()}`;
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

// ---------------------------------------------------------------------------------------
// Blocks, times and durations

function message(text: string, blocks: Record<string, unknown>[]): SlackMessage {
  return { text: truncate(text, MESSAGE_BUDGET.maxTextChars), blocks };
}

function headerBlock(text: string): Record<string, unknown> {
  return { type: 'header', text: { type: 'plain_text', text, emoji: true } };
}

// `verbatim`: Slack does not auto-link bare URLs or channel names in producer text; manual
// mentions (ours, `<@U…>`) still work.
function mrkdwn(text: string): Record<string, unknown> {
  return { type: 'mrkdwn', text, verbatim: true };
}

function sectionBlock(text: string): Record<string, unknown> {
  return { type: 'section', text: mrkdwn(text) };
}

function contextBlock(text: string): Record<string, unknown> {
  return { type: 'context', elements: [mrkdwn(text)] };
}

// One formatter per zone and shape: building an Intl.DateTimeFormat costs far more than
// using one, and a table formats a time per row.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string, withDate: boolean): Intl.DateTimeFormat {
  const key = `${withDate ? 'd' : 't'}|${timeZone}`;
  let formatter = formatters.get(key);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      ...(withDate ? { day: 'numeric', month: 'short', year: 'numeric' } : {}),
    });
    formatters.set(key, formatter);
  }
  return formatter;
}

function partsOf(iso: string | null, timeZone: string, withDate: boolean) {
  const ms = iso === null ? Number.NaN : Date.parse(iso);
  if (!Number.isFinite(ms)) return undefined;
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const part of formatterFor(timeZone, withDate).formatToParts(ms)) {
    parts[part.type] = part.value;
  }
  return parts;
}

/** `HH:MM` in the zone; `--:--` for a missing or unreadable instant. */
function formatClock(iso: string | null, timeZone: string): string {
  const parts = partsOf(iso, timeZone, false);
  return parts === undefined ? '--:--' : `${parts.hour}:${parts.minute}`;
}

/** `15 Jan 2026 01:42` in the zone; `unknown time` for a missing or unreadable instant. */
function formatDateTime(iso: string | null, timeZone: string): string {
  const parts = partsOf(iso, timeZone, true);
  if (parts === undefined) return 'unknown time';
  return `${parts.day} ${parts.month} ${parts.year} ${parts.hour}:${parts.minute}`;
}

function wholeMinutes(minutes: number): string {
  return Number.isFinite(minutes) ? String(Math.max(0, Math.floor(minutes))) : '?';
}

/** `850 ms`, `15.0 s`, `4 min 12 s`, `2 h 5 min`. */
function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 3_600) {
    const rest = seconds % 60;
    return rest === 0
      ? `${Math.floor(seconds / 60)} min`
      : `${Math.floor(seconds / 60)} min ${rest} s`;
  }
  const minutes = Math.round(ms / 60_000);
  const rest = minutes % 60;
  return rest === 0 ? `${Math.floor(minutes / 60)} h` : `${Math.floor(minutes / 60)} h ${rest} min`;
}
