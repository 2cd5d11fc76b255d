/**
 * The weekly report (docs/eod.md → The weekly report): on Monday from 09:00 in each
 * board's zone, one message in the board's channel with the figures of the week before
 * (Monday 00:00 – Monday 00:00, board time), once per board and week through the
 * `EodRunStore` marker `weekly-report` on the night of that week's Monday. A cron app that
 * was down at 09:00 posts it at its first tick later that Monday (until 24:00 board time);
 * after Monday it is not posted by itself (`cron once weekly-report` posts it by hand).
 */
import type {
  BoardSettings,
  EodConfig,
  EodRunStore,
  HistoryStore,
  Night,
  Notifier,
  SchedulerRecord,
  UiLinks,
} from '@schedmon/domain';
import {
  addDays,
  formatTimestamp,
  instantOf,
  isQuietAt,
  loadBoardReport,
  membersOf,
  renderWeeklyReport,
  wallClock,
} from '@schedmon/domain';
import type { Logger } from '@schedmon/runtime';

/** What the weekly report needs of the cron app's deps (`ActionDeps` has it all). */
export type WeeklyReportDeps = {
  history: HistoryStore;
  eodRuns: EodRunStore;
  notifier: Notifier;
  /** The shared EOD settings (a board's quiet dates are read with them). */
  eod: EodConfig;
  logger: Logger;
  links?: UiLinks | undefined;
  /** `HISTORY_RETENTION_DAYS`: a week older than it is partial (docs/web.md → Reports). */
  retentionDays?: number | undefined;
};

/** What one board's weekly report did, as the other actions report it. */
export type WeeklyReportResult = {
  action: 'weekly-report';
  board: string;
  /** The Monday the week began on. */
  businessDate: string;
  done: string;
};

/** The wall time on Monday from which the week before is reported. */
const POST_TIME = '09:00';
// The marker outlives the Monday it is checked on, then the table's TTL drops it.
const MARKER_SECONDS = 8 * 86_400;
const MARKER: { kind: 'weekly-report' } = { kind: 'weekly-report' };

/** Per deps (one cron app), the board weeks already posted or found empty: not read again. */
const settled = new WeakMap<WeeklyReportDeps, Set<string>>();

/** Today's date and ISO weekday in `zone`. */
function today(atMs: number, zone: string): { date: string; weekday: number } {
  const wall = wallClock(atMs, zone);
  const pad = (value: number) => String(value).padStart(2, '0');
  return { date: `${wall.year}-${pad(wall.month)}-${pad(wall.day)}`, weekday: wall.weekday };
}

/** The last whole Monday–Sunday week before `atMs` in `zone`: its Monday and its end. */
function weekBefore(atMs: number, zone: string): { weekStart: string; toMs: number } {
  const { date, weekday } = today(atMs, zone);
  const monday = addDays(date, 1 - weekday);
  return { weekStart: addDays(monday, -7), toMs: instantOf({ date: monday, time: '00:00' }, zone) };
}

/** Whether `atMs` is on a Monday from 09:00 on, in `zone`: when the report is due. */
function isDue(atMs: number, zone: string): boolean {
  const { date, weekday } = today(atMs, zone);
  return weekday === 1 && atMs >= instantOf({ date, time: POST_TIME }, zone);
}

/**
 * Posts `board`'s report of the week before `atMs` now, whatever is marked (ops' `once
 * weekly-report`), and marks that week's report done. A board without members posts
 * nothing.
 * Failure: store errors (`EngineUnavailableError`) and Slack errors (`NotifierError`)
 * reject, and nothing is marked done.
 */
export async function postWeeklyReport(
  deps: WeeklyReportDeps,
  board: BoardSettings,
  all: readonly BoardSettings[],
  records: () => Promise<SchedulerRecord[]>,
  atMs: number,
): Promise<WeeklyReportResult> {
  return (
    (await reportWeek(deps, board, all, records, atMs)) ?? {
      action: 'weekly-report',
      board: board.board_id,
      businessDate: weekBefore(atMs, board.timezone).weekStart,
      done: 'no members: no weekly report',
    }
  );
}

/** `postWeeklyReport`; undefined when the board has no members. */
async function reportWeek(
  deps: WeeklyReportDeps,
  board: BoardSettings,
  all: readonly BoardSettings[],
  records: () => Promise<SchedulerRecord[]>,
  atMs: number,
): Promise<WeeklyReportResult | undefined> {
  const { weekStart, toMs } = weekBefore(atMs, board.timezone);
  const members = membersOf(board, await records(), all);
  if (members.length === 0) return undefined;
  const now = formatTimestamp(atMs);
  const report = await loadBoardReport(deps, {
    members,
    timeZone: board.timezone,
    days: 7,
    now,
    to: formatTimestamp(toMs),
    quietAt: (instantMs) => isQuietAt(board, instantMs, deps.eod),
    ...(deps.retentionDays === undefined ? {} : { retentionDays: deps.retentionDays }),
  });
  const message = renderWeeklyReport({
    boardId: board.board_id,
    title: board.title,
    timeZone: board.timezone,
    weekStart,
    report,
    links: deps.links,
  });
  // The default board posts where the notifier posts (SLACK_CHANNEL_ID), as its tables do.
  await deps.notifier.post(
    message,
    board.slack_channel_id === '' ? undefined : board.slack_channel_id,
  );
  const night: Night = { board: board.board_id, businessDate: weekStart };
  await deps.eodRuns.markDone(night, MARKER, now, Math.floor(atMs / 1000) + MARKER_SECONDS);
  return {
    action: 'weekly-report',
    board: board.board_id,
    businessDate: weekStart,
    done: `weekly report posted (${members.length} schedulers)`,
  };
}

/**
 * What a tick does for the weekly reports at `atMs`: every board whose zone is on a Monday
 * from 09:00 on and whose report of the week before is not marked done posts it (a
 * restart, a second replica or a later tick finds the marker and posts nothing). A
 * board's quiet dates do not stop the report (it is no table and no incident); starts
 * expected on them are not counted against anybody. One board's failure does not hold
 * the others: it rejects after all ran, with every failure, and the failed ones are tried
 * again at the next tick.
 */
export async function postWeeklyReports(
  deps: WeeklyReportDeps,
  all: readonly BoardSettings[],
  records: () => Promise<SchedulerRecord[]>,
  atMs: number,
): Promise<WeeklyReportResult[]> {
  const results: WeeklyReportResult[] = [];
  const failures: unknown[] = [];
  let done = settled.get(deps);
  for (const board of all) {
    try {
      if (!isDue(atMs, board.timezone)) continue;
      const { weekStart } = weekBefore(atMs, board.timezone);
      const key = `${board.board_id}\u0000${weekStart}`;
      if (done?.has(key)) continue;
      const night: Night = { board: board.board_id, businessDate: weekStart };
      if (!(await deps.eodRuns.isDone(night, MARKER, formatTimestamp(atMs)))) {
        const posted = await reportWeek(deps, board, all, records, atMs);
        if (posted) results.push(posted);
      }
      if (!done) {
        done = new Set();
        settled.set(deps, done);
      }
      // A week ago's keys are of no use any more.
      if (done.size > 10_000) done.clear();
      done.add(key);
    } catch (error) {
      deps.logger.error(
        { err: error, board: board.board_id },
        `board ${board.board_id}: weekly report failed; the next tick retries`,
      );
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    throw new AggregateError(failures, `${failures.length} weekly reports failed`);
  }
  return results;
}
