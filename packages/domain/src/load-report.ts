/**
 * Reading what a report needs (docs/web.md → Reports): each member's history through the
 * `HistoryStore`, paged and bounded, turned into runs (`runsOf`) and figures
 * (`reportOf`). The dashboard's report and scheduler pages, their CSV and the weekly
 * Slack report all come through here, so they agree.
 */
import type { HistoryRow } from './events.ts';
import type { HistoryStore } from './ports.ts';
import type { BoardReport, SchedulerReport } from './reports.ts';
import { reportOf } from './reports.ts';
import type { RunSubject } from './runs.ts';
import { runsOf } from './runs.ts';
import type { SchedulerRecord } from './scheduler.ts';
import { formatTimestamp } from './scheduler.ts';
import { HOUR_MS, offsetMs } from './zoned-time.ts';

const DAY_MS = 24 * HOUR_MS;
/** Rows per history query (the port takes up to 1001). */
const PAGE_ROWS = 1_000;
/**
 * Rows read per member at most: a job heartbeating every 30 s writes 20,000 rows a week.
 * Past it the member's figures cover only its newest rows and say `partial`.
 */
const DEFAULT_MAX_ROWS = 10_000;
const DEFAULT_CONCURRENCY = 8;
/**
 * History read before the period (a run's `running` event before a terminal one in it, the
 * start an early run is for) and after it (the end of a run that started in it).
 */
const MARGIN_MS = DAY_MS;

/** The ports a report reads. */
export type ReportDeps = { history: HistoryStore };

/** A member as a report needs it: a scheduler record has all of it. */
type ReportMember = RunSubject & Pick<SchedulerRecord, 'service_name' | 'job_name'>;

/** What `loadBoardReport` reports on. */
export type BoardReportRequest = {
  /** The board's members (`membersOf`), or one scheduler for its own page. */
  members: readonly ReportMember[];
  /** The board's zone: days are its wall-clock days, and schedules without a zone read in it. */
  timeZone: string;
  /** The period's length in days (7 or 30 on the pages). */
  days: number;
  /** Now, UTC ISO. */
  now: string;
  /** The period's end (exclusive), UTC ISO; default now. The weekly report's is Monday 00:00. */
  to?: string;
  /**
   * `HISTORY_RETENTION_DAYS`: a previous period older than that is not read (no trend), and
   * a period older than that is `partial`. Unset: everything is assumed kept.
   */
  retentionDays?: number;
  /** Instants nothing is expected at: the board's quiet dates (`isQuietAt`). */
  quietAt?: (instantMs: number) => boolean;
  /** Rows read per member at most (default 10,000). */
  maxRowsPerScheduler?: number;
  /** Members read at once at most (default 8). */
  concurrency?: number;
};

/**
 * A board's report over the `days` before `to` (default now): each member's runs and
 * figures and the board's totals (all members' runs together), with the trend against
 * the period before. Each member's history is read newest first, page by page, at most
 * `maxRowsPerScheduler` rows (then that member is `partial`, and only its newest rows
 * count), `concurrency` members at a time.
 *
 * Failure: rejects with the store's error (`EngineUnavailableError`) when a read fails.
 */
export async function loadBoardReport(
  deps: ReportDeps,
  request: BoardReportRequest,
): Promise<BoardReport> {
  const nowMs = Date.parse(request.now);
  const toMs = Date.parse(request.to ?? request.now);
  const fromMs = daysBefore(toMs, request.days, request.timeZone);
  const previousFromMs = daysBefore(fromMs, request.days, request.timeZone);
  const keptFromMs =
    request.retentionDays === undefined
      ? Number.NEGATIVE_INFINITY
      : nowMs - request.retentionDays * DAY_MS;
  const withTrend = previousFromMs >= keptFromMs;
  const firstMs = withTrend ? previousFromMs : fromMs;
  const readFromMs = Math.max(firstMs - MARGIN_MS, keptFromMs);
  const readToMs = Math.min(nowMs, toMs + MARGIN_MS);
  const range = { fromMs, toMs, previousFromMs: withTrend ? previousFromMs : fromMs };
  const tooOld = fromMs < keptFromMs;

  const read = await mapWithConcurrency(
    request.members,
    request.concurrency ?? DEFAULT_CONCURRENCY,
    async (member) => {
      const { rows, complete } = await readHistory(deps.history, member.scheduler_id, {
        from: formatTimestamp(readFromMs),
        to: formatTimestamp(readToMs),
        now: request.now,
        maxRows: request.maxRowsPerScheduler ?? DEFAULT_MAX_ROWS,
      });
      // Newest first: what was not read is older than the last row.
      const oldest = rows.at(-1);
      const historyFromMs =
        complete || oldest === undefined
          ? readFromMs
          : Math.max(readFromMs, Date.parse(oldest.timestamp));
      // This period's runs and, for the trend, the previous period's.
      const runs = runsOf(rows, member, {
        fromMs: firstMs,
        toMs,
        nowMs,
        timeZone: request.timeZone,
        historyFromMs,
        ...(request.quietAt && { quietAt: request.quietAt }),
      });
      const item: SchedulerReport = {
        scheduler: {
          scheduler_id: member.scheduler_id,
          service_name: member.service_name,
          job_name: member.job_name,
          schedule: member.schedule,
        },
        report: reportOf(runs, range),
        runs: runs.filter((run) => {
          const at = Date.parse(run.expected_at ?? run.started_at ?? '');
          return at >= fromMs && at < toMs;
        }),
        partial: !complete || tooOld,
      };
      return { item, runs };
    },
  );
  const schedulers = read.map(({ item }) => item);
  return {
    from: formatTimestamp(fromMs),
    to: formatTimestamp(toMs),
    days: request.days,
    totals: reportOf(
      read.flatMap(({ runs }) => runs),
      range,
    ),
    schedulers,
    partial: tooOld || schedulers.some((item) => item.partial),
  };
}

/**
 * The instant `days` wall-clock days before `ms` in `zone` (a day of a DST change is 23 or
 * 25 hours long).
 */
function daysBefore(ms: number, days: number, zone: string): number {
  const guess = ms - days * DAY_MS;
  return guess + (offsetMs(ms, zone) - offsetMs(guess, zone));
}

/**
 * One member's rows in [from, to], newest first, page after page (`after` the last row's
 * sort key), at most `maxRows`; `complete` is false when more were left unread.
 */
async function readHistory(
  history: HistoryStore,
  schedulerId: string,
  bounds: { from: string; to: string; now: string; maxRows: number },
): Promise<{ rows: HistoryRow[]; complete: boolean }> {
  const rows: HistoryRow[] = [];
  let after: string | undefined;
  for (;;) {
    const room = bounds.maxRows - rows.length;
    // One row more than there is room for says whether anything is left.
    const limit = Math.min(PAGE_ROWS, room + 1);
    const page = await history.query(schedulerId, {
      limit,
      from: bounds.from,
      to: bounds.to,
      now: bounds.now,
      ...(after !== undefined && { after }),
    });
    rows.push(...page.slice(0, room));
    if (page.length > room) return { rows, complete: false };
    if (page.length < limit) return { rows, complete: true };
    after = page.at(-1)?.sk;
  }
}

/** `work` over `items`, at most `limit` at a time; the results in the items' order. */
async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
