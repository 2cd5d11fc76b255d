/**
 * The weekly report of a board (docs/web.md → Reports, docs/eod.md): one Slack message on
 * Monday with the figures of the week before (Monday–Sunday in the board's zone), the
 * board's totals and one line per scheduler, those that need attention first. Pure: the
 * figures come from `loadBoardReport`.
 */
import type { SlackMessage } from './ports.ts';
import type { BoardReport, Report, SchedulerReport } from './reports.ts';
import {
  contextBlock,
  headerBlock,
  headerText,
  MESSAGE_BUDGET,
  message,
  mrkdwnLink,
  sectionBlock,
  TEXT_LENGTHS,
} from './slack-blocks.ts';
import { escapeMrkdwn, plainText, safeText } from './slack-text.ts';
import { formatDuration } from './slack-times.ts';
import type { UiLinks } from './ui-links.ts';
import { addDays, formatBusinessDate } from './zoned-time.ts';

/** Input of `renderWeeklyReport`. */
export type WeeklyReportInput = {
  boardId: string;
  /** The board's title. */
  title: string;
  /** The board's zone (IANA), shown with the week. */
  timeZone: string;
  /** The Monday the week began on, `YYYY-MM-DD` in the board's zone. */
  weekStart: string;
  report: Pick<BoardReport, 'totals' | 'schedulers' | 'partial'>;
  /** With `UI_PUBLIC_URL`: the message links to the board's report page. */
  links?: UiLinks | undefined;
};

// What the overview, the notes and the link leave for the schedulers' lines at least.
const RESERVED_CHARS = 400;

/**
 * `📊 Payments EOD — weekly report`, then the week (`23–29 Nov 2026 (Asia/Jakarta)`), the
 * board's totals (runs by outcome, late and missed starts, on-time and failure rates,
 * MTTR, duration p50/p95 and trend), and a line per scheduler: those with a failed,
 * unfinished, late or missed run first (most problems first), then the others, each group
 * by name. Lines that do not fit Slack's limits are counted in "…and N more". Producer
 * text is escaped; nobody is mentioned. Throws a RangeError for a malformed `weekStart`.
 */
export function renderWeeklyReport(input: WeeklyReportInput): SlackMessage {
  const { totals, schedulers } = input.report;
  const header = headerText(
    `📊 ${plainText(input.title, MESSAGE_BUDGET.maxHeaderChars)}`,
    ' — weekly report',
  );
  const zone = safeText(input.timeZone, { max: TEXT_LENGTHS.label });
  const count = schedulers.length;
  const overview = [
    `*${weekLabel(input.weekStart)}* (${zone}) · ${count} ${count === 1 ? 'scheduler' : 'schedulers'}`,
    ...totalsLines(totals),
  ];
  if (input.report.partial) {
    overview.push(
      '⚠️ Partial: some schedulers have more history than a report reads; their figures cover their newest runs.',
    );
  }
  const reportUrl = input.links?.report(input.boardId, 7);
  const link =
    reportUrl === undefined ? undefined : `📈 ${mrkdwnLink(reportUrl, 'Open the report')}`;

  const attention = schedulers.filter((item) => problems(item.report) > 0);
  const good = schedulers.filter((item) => problems(item.report) === 0);
  attention.sort((a, b) => problems(b.report) - problems(a.report) || byName(a, b));
  good.sort(byName);
  const lines = [
    ...(attention.length > 0 ? [`*Needs attention (${attention.length})*`] : []),
    ...attention.map(schedulerLine),
    ...(good.length > 0 ? [`*All good (${good.length})*`] : []),
    ...good.map(schedulerLine),
  ];

  const overviewText = overview.join('\n');
  const budget =
    MESSAGE_BUDGET.maxBlocksTextChars -
    header.length -
    overviewText.length -
    (link?.length ?? 0) -
    RESERVED_CHARS;
  const sections: string[] = [];
  let current = '';
  let used = 0;
  let shown = 0;
  for (const line of lines) {
    if (used + line.length + 1 > budget || sections.length >= MESSAGE_BUDGET.maxBlocks - 6) break;
    if (current.length > 0 && current.length + line.length + 1 > MESSAGE_BUDGET.maxSectionChars) {
      sections.push(current);
      current = '';
    }
    current = current.length === 0 ? line : `${current}\n${line}`;
    used += line.length + 1;
    shown += 1;
  }
  const hidden = lines.length - shown;
  if (hidden > 0) {
    const more = `…and ${hidden} more${reportUrl === undefined ? '' : ` in ${mrkdwnLink(reportUrl, 'the report')}`}`;
    current = current.length === 0 ? more : `${current}\n${more}`;
  }
  if (current.length > 0) sections.push(current);

  const blocks = [
    headerBlock(header),
    sectionBlock(overviewText),
    ...sections.map((section) => sectionBlock(section)),
    ...(link === undefined ? [] : [contextBlock(link)]),
  ];
  const text = [escapeMrkdwn(header), overviewText, ...sections, ...(link ? [link] : [])].join(
    '\n\n',
  );
  return message(text, blocks);
}

/** `23–29 Nov 2026`, `28 Sep – 4 Oct 2026`, `28 Dec 2026 – 3 Jan 2027`. */
function weekLabel(weekStart: string): string {
  const [startDay, startMonth, startYear] = formatBusinessDate(weekStart).split(' ');
  const [endDay, endMonth, endYear] = formatBusinessDate(addDays(weekStart, 6)).split(' ');
  if (startYear !== endYear) {
    return `${startDay} ${startMonth} ${startYear} – ${endDay} ${endMonth} ${endYear}`;
  }
  if (startMonth !== endMonth)
    return `${startDay} ${startMonth} – ${endDay} ${endMonth} ${endYear}`;
  return `${startDay}–${endDay} ${endMonth} ${endYear}`;
}

function totalsLines(totals: Report): string[] {
  const runs = [
    `*Runs:* ${totals.runs}`,
    `✅ ${totals.completed} completed`,
    `❌ ${totals.failed} failed`,
    ...(totals.unfinished > 0 ? [`🟡 ${totals.unfinished} unfinished`] : []),
    `⏰ ${totals.late} late`,
    `❗ ${totals.missed} missed`,
  ];
  const rates = [
    `*On time:* ${rateText(totals.on_time_rate)}`,
    `*Failure rate:* ${rateText(totals.failure_rate)}`,
    `*MTTR:* ${totals.mttr_ms === null ? 'n/a' : formatDuration(totals.mttr_ms)}`,
  ];
  const durations =
    totals.duration_p50_ms === null || totals.duration_p95_ms === null
      ? '*Duration:* no completed run'
      : `*Duration:* p50 ${formatDuration(totals.duration_p50_ms)} · p95 ${formatDuration(totals.duration_p95_ms)}` +
        (totals.trend === null ? '' : ` · ${totals.trend.label} than the week before`);
  return [runs.join(' · '), rates.join(' · '), durations];
}

/** How many runs or starts of the week went wrong. */
function problems(report: Report): number {
  return report.failed + report.unfinished + report.late + report.missed;
}

function byName(a: SchedulerReport, b: SchedulerReport): number {
  const keyA = [a.scheduler.service_name, a.scheduler.job_name, a.scheduler.scheduler_id];
  const keyB = [b.scheduler.service_name, b.scheduler.job_name, b.scheduler.scheduler_id];
  for (let index = 0; index < keyA.length; index += 1) {
    const left = keyA[index] ?? '';
    const right = keyB[index] ?? '';
    if (left !== right) return left < right ? -1 : 1;
  }
  return 0;
}

/** `❌ Ledger › Settle — 6 runs · 1 failed · 1 missed · on time 71.4% · p50 21 min · slower +5%`. */
function schedulerLine(item: SchedulerReport): string {
  const { report } = item;
  const service = safeText(item.scheduler.service_name, { max: TEXT_LENGTHS.rowName });
  const job = safeText(item.scheduler.job_name, { max: TEXT_LENGTHS.rowName });
  const name = `${service} › ${job}`;
  const mark =
    report.failed > 0
      ? '❌'
      : report.missed > 0
        ? '❗'
        : report.late > 0
          ? '⏰'
          : report.unfinished > 0
            ? '🟡'
            : report.runs > 0
              ? '✅'
              : '⬜';
  if (report.runs === 0 && report.missed === 0) return `${mark} ${name} — no runs`;
  const parts = [
    `${report.runs} ${report.runs === 1 ? 'run' : 'runs'}`,
    ...(report.failed > 0 ? [`${report.failed} failed`] : []),
    ...(report.unfinished > 0 ? [`${report.unfinished} unfinished`] : []),
    ...(report.late > 0 ? [`${report.late} late`] : []),
    ...(report.missed > 0 ? [`${report.missed} missed`] : []),
    ...(report.on_time_rate === null ? [] : [`on time ${rateText(report.on_time_rate)}`]),
    ...(report.duration_p50_ms === null ? [] : [`p50 ${formatDuration(report.duration_p50_ms)}`]),
    ...(report.trend === null ? [] : [report.trend.label]),
  ];
  return `${mark} ${name} — ${parts.join(' · ')}`;
}

/** `85.7%`, `100%`; `n/a` for nothing to divide by. */
function rateText(rate: number | null): string {
  return rate === null ? 'n/a' : `${Math.round(rate * 1000) / 10}%`;
}
