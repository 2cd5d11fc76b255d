/**
 * The EOD actions of the cron app (docs/eod.md, docs/boards.md): for each board, post
 * tonight's table in its channel, edit it in place, the final edit and summary; and the
 * history sweep. Each is idempotent per board, business date and slot through the
 * `EodRunStore`, so a restart, a catch-up or a second replica never posts a second
 * table, edit or summary. Without stored boards there is one board, the default one,
 * exactly as before boards existed.
 */
import type {
  AcknowledgementStore,
  BoardSettings,
  BoardStore,
  Clock,
  EodConfig,
  EodMarker,
  EodRunStore,
  EodSlot,
  HistoryStore,
  IncidentRecord,
  IncidentStore,
  MessageRef,
  Night,
  Notifier,
  SchedulerRecord,
  SchedulerStore,
  SlackMessage,
  TableRow,
  UiLinks,
} from '@schedmon/domain';
import {
  allBoards,
  DEFAULT_BOARD_ID,
  defaultBoardOf,
  eodConfigOfBoard,
  formatTimestamp,
  headerLabelsOf,
  isQuietNight,
  membersOf,
  renderFinalSummary,
  renderStatusTable,
  slotOf,
  tonightRows,
  windowFor,
} from '@schedmon/domain';
import type { Logger } from '@schedmon/runtime';
import { postWeeklyReport, postWeeklyReports } from './weekly-report.ts';

export const ACTIONS = ['post', 'update', 'final', 'sweep', 'weekly-report'] as const;
export type Action = (typeof ACTIONS)[number];

export type ActionDeps = {
  schedulers: SchedulerStore;
  history: HistoryStore;
  eodRuns: EodRunStore;
  acknowledgements: AcknowledgementStore;
  notifier: Notifier;
  clock: Clock;
  /** The shared EOD settings, and the default board's window and zone. */
  eod: EodConfig;
  logger: Logger;
  /** Tonight's incidents in the table and the summary; without it they show none. */
  incidents?: IncidentStore;
  /** The stored boards; without it (or with none stored), only the default board. */
  boards?: BoardStore;
  /**
   * The dashboard's pages (`UI_PUBLIC_URL`): table rows link to their schedulers' pages and
   * the summary to the board's report; without it, no links.
   */
  links?: UiLinks;
  /** `HISTORY_RETENTION_DAYS`, for the weekly report. */
  retentionDays?: number;
};

export type ActionResult = { action: Action; board: string; businessDate: string; done: string };

const DAY_SECONDS = 86_400;
// Markers outlive the night comfortably, then the table's TTL (or the sweep) drops them.
const MARKER_DAYS = 8;

const expiresAt = (nowMs: number) => Math.floor(nowMs / 1000) + MARKER_DAYS * DAY_SECONDS;

/** Incidents listed at most, newest first: the open ones and tonight's resolved ones. */
const INCIDENTS_SHOWN = 500;

/**
 * What one tick or action reads once and every board shares: the boards, the schedulers
 * and the newest incidents. Read lazily, so an action that needs none reads none.
 */
type Snapshot = {
  boards(): Promise<{ all: BoardSettings[]; stored: number }>;
  records(): Promise<SchedulerRecord[]>;
  incidents(): Promise<IncidentRecord[]>;
};

function snapshotOf(deps: ActionDeps, atMs: number): Snapshot {
  const now = formatTimestamp(atMs);
  const lazily = <T>(read: () => Promise<T>) => {
    let value: Promise<T> | undefined;
    return () => {
      value ??= read();
      return value;
    };
  };
  return {
    boards: lazily(async () => {
      const stored = deps.boards ? await deps.boards.list(now) : [];
      // The default board posts where the notifier posts (SLACK_CHANNEL_ID): no channel.
      return { all: allBoards(stored, defaultBoardOf(deps.eod, undefined)), stored: stored.length };
    }),
    records: lazily(() => deps.schedulers.list()),
    incidents: lazily(async () =>
      deps.incidents
        ? (await deps.incidents.incidents({ limit: INCIDENTS_SHOWN }, now)).incidents
        : [],
    ),
  };
}

/** One board's night as an action sees it. */
type BoardNight = {
  board: BoardSettings;
  eod: EodConfig;
  night: Night;
  members(): Promise<SchedulerRecord[]>;
  /** The channel to post in: the board's, or undefined for the notifier's own. */
  channel: string | undefined;
};

function boardNightOf(
  deps: ActionDeps,
  snapshot: Snapshot,
  board: BoardSettings,
  all: readonly BoardSettings[],
  businessDate: string,
): BoardNight {
  return {
    board,
    eod: eodConfigOfBoard(board, deps.eod),
    night: { board: board.board_id, businessDate },
    members: async () => membersOf(board, await snapshot.records(), all),
    channel: board.slack_channel_id === '' ? undefined : board.slack_channel_id,
  };
}

async function tableRows(night: BoardNight, atMs: number): Promise<TableRow[]> {
  return tonightRows(await night.members(), atMs, night.eod);
}

async function labels(snapshot: Snapshot, night: BoardNight, atMs: number) {
  return {
    title: night.board.title,
    ...headerLabelsOf(night.night.businessDate, atMs, night.eod.timeZone),
    incidents: await tonightIncidents(snapshot, night),
  };
}

/** The members' incidents still open, and those opened since tonight's window began. */
async function tonightIncidents(snapshot: Snapshot, night: BoardNight) {
  const since = formatTimestamp(windowFor(night.night.businessDate, night.eod).start);
  const incidents = await snapshot.incidents();
  if (incidents.length === 0) return [];
  const members = new Set((await night.members()).map((record) => record.scheduler_id));
  return incidents.filter(
    (incident) =>
      members.has(incident.scheduler_id) &&
      (incident.state !== 'resolved' || incident.opened_at >= since),
  );
}

function readRefs(deps: ActionDeps, night: Night, now: string) {
  return deps.eodRuns.tableRefs(night, now);
}

async function saveRefs(deps: ActionDeps, night: Night, refs: MessageRef[], nowMs: number) {
  await deps.eodRuns.saveTableRefs(night, refs, formatTimestamp(nowMs), expiresAt(nowMs));
}

/** Runs `work` once per (board night, step): the step is marked done after it succeeds. */
async function once(
  deps: ActionDeps,
  night: Night,
  marker: EodMarker,
  nowMs: number,
  work: () => Promise<void>,
): Promise<boolean> {
  const now = formatTimestamp(nowMs);
  if (await deps.eodRuns.isDone(night, marker, now)) return false;
  await work();
  await deps.eodRuns.markDone(night, marker, now, expiresAt(nowMs));
  return true;
}

/** Posts each message of the table; the refs are saved after every post, so none is lost. */
async function postTable(
  deps: ActionDeps,
  night: BoardNight,
  messages: SlackMessage[],
  nowMs: number,
) {
  const refs: MessageRef[] = [];
  for (const message of messages) {
    refs.push(await deps.notifier.post(message, night.channel));
    await saveRefs(deps, night.night, refs, nowMs);
  }
  return refs;
}

/**
 * Edits tonight's table in place (posting it when there is none yet: catch-up), adding
 * messages when the table grew and padding when it shrank, so every stored message stays
 * part of it.
 */
async function editTable(
  deps: ActionDeps,
  snapshot: Snapshot,
  night: BoardNight,
  atMs: number,
  final: boolean,
) {
  const now = formatTimestamp(atMs);
  const rows = await tableRows(night, atMs);
  const refs = (await readRefs(deps, night.night, now)) ?? [];
  const messages = renderStatusTable({
    rows,
    timeZone: night.eod.timeZone,
    ...(await labels(snapshot, night, atMs)),
    final,
    minMessages: refs.length,
    links: deps.links,
  });
  if (refs.length === 0) return postTable(deps, night, messages, atMs);
  const updated = [...refs];
  for (const [index, message] of messages.entries()) {
    const ref = refs[index];
    if (ref) await deps.notifier.update(ref, message);
    else {
      updated.push(await deps.notifier.post(message, night.channel));
      await saveRefs(deps, night.night, updated, atMs);
    }
  }
  return updated;
}

/**
 * Runs one action as of `atMs` for the night that instant belongs to on `options.board`
 * (default: the default board); `sweep` is the installation's, whatever the board.
 * `force` (ops' `once post`) posts a fresh table even if tonight already has one.
 * Failure: store errors (`EngineUnavailableError`) and Slack errors (`NotifierError`)
 * reject; nothing is marked done, so the next tick or slot tries again. An unknown board
 * rejects with a RangeError naming the boards there are.
 */
export async function runAction(
  deps: ActionDeps,
  action: Action,
  atMs: number,
  options: { force?: boolean; board?: string } = {},
): Promise<ActionResult> {
  const snapshot = snapshotOf(deps, atMs);
  const boardId = options.board ?? DEFAULT_BOARD_ID;
  if (action === 'sweep') {
    const deleted = await deps.history.deleteExpired(formatTimestamp(atMs));
    return {
      action,
      board: boardId,
      businessDate: slotOf(atMs, deps.eod).businessDate,
      done: `${deleted} expired history row(s) deleted`,
    };
  }
  const { all } = await snapshot.boards();
  const board = all.find((candidate) => candidate.board_id === boardId);
  if (board === undefined) {
    throw new RangeError(
      `no board '${boardId}'; the boards are ${all.map((b) => b.board_id).join(', ')}`,
    );
  }
  // By hand (`once weekly-report`): the week before `atMs`, posted whatever is marked.
  if (action === 'weekly-report') {
    return postWeeklyReport(deps, board, all, snapshot.records, atMs);
  }
  const slot = slotOf(atMs, eodConfigOfBoard(board, deps.eod));
  return runBoardAction(
    deps,
    snapshot,
    boardNightOf(deps, snapshot, board, all, slot.businessDate),
    slot,
    action,
    atMs,
    options,
  );
}

async function runBoardAction(
  deps: ActionDeps,
  snapshot: Snapshot,
  night: BoardNight,
  slot: EodSlot,
  action: Exclude<Action, 'sweep' | 'weekly-report'>,
  atMs: number,
  options: { force?: boolean },
): Promise<ActionResult> {
  const now = formatTimestamp(atMs);
  const result = (done: string): ActionResult => ({
    action,
    board: night.board.board_id,
    businessDate: night.night.businessDate,
    done,
  });
  switch (action) {
    case 'post': {
      const existing = await readRefs(deps, night.night, now);
      if (existing?.length && !options.force) return result('table already posted');
      const rows = await tableRows(night, atMs);
      const messages = renderStatusTable({
        rows,
        timeZone: night.eod.timeZone,
        ...(await labels(snapshot, night, atMs)),
        links: deps.links,
      });
      await postTable(deps, night, messages, atMs);
      return result(`posted ${messages.length} message(s)`);
    }
    case 'update': {
      const marker: EodMarker = {
        kind: 'update',
        slot: slot.kind === 'update' ? String(slot.index) : `at-${now}`,
      };
      const ran = await once(deps, night.night, marker, atMs, async () => {
        await editTable(deps, snapshot, night, atMs, false);
      });
      return result(ran ? 'table updated' : 'slot already updated');
    }
    case 'final': {
      const edited = await once(deps, night.night, { kind: 'final' }, atMs, async () => {
        await editTable(deps, snapshot, night, atMs, true);
      });
      const summarized = await once(deps, night.night, { kind: 'summary' }, atMs, async () => {
        const rows = await tableRows(night, atMs);
        await deps.notifier.post(
          renderFinalSummary({
            rows,
            timeZone: night.eod.timeZone,
            ...(await labels(snapshot, night, atMs)),
            // Failure alerts of the versions before incidents: the default board's only.
            acknowledgements:
              night.board.board_id === DEFAULT_BOARD_ID
                ? await deps.acknowledgements.list(night.night.businessDate, now)
                : [],
            mention: night.board.mention,
            at: now,
            boardId: night.board.board_id,
            links: deps.links,
          }),
          night.channel,
        );
      });
      return result(
        `${edited ? 'final edit' : 'final edit already done'}; ${summarized ? 'summary posted' : 'summary already posted'}`,
      );
    }
  }
}

/**
 * How long an empty default board is not listed again: without it, every tick of its
 * window would read every scheduler to find none. A scheduler registered into it waits
 * at most this for its catch-up post; a new slot or a change of boards looks at once.
 */
const EMPTY_RECHECK_MS = 10 * 60_000;
/**
 * Per deps (one cron app), where the default board was last found empty, and when: its
 * night and slot, and the boards as they were (a board deleted or narrowed since may
 * have given it members).
 */
const emptyDefault = new WeakMap<ActionDeps, { key: string; atMs: number }>();

/**
 * Whether the default board has no members tonight, listing them at most every 10 min
 * within one slot and one set of boards.
 */
async function defaultBoardEmpty(
  deps: ActionDeps,
  night: BoardNight,
  slot: EodSlot,
  all: readonly BoardSettings[],
  atMs: number,
) {
  const boards = all.map((board) => [board.board_id, board.members]);
  const key = JSON.stringify([night.night.businessDate, slot.index, boards]);
  const seen = emptyDefault.get(deps);
  if (seen?.key === key && atMs >= seen.atMs && atMs - seen.atMs < EMPTY_RECHECK_MS) {
    return true;
  }
  const empty = (await night.members()).length === 0;
  if (empty) emptyDefault.set(deps, { key, atMs });
  else emptyDefault.delete(deps);
  return empty;
}

/**
 * What the schedule does at `atMs` (a tick), for every board apart: the action of its
 * current slot, catching up a missed post or final; and the daily sweep outside the
 * default window (silent running jobs are the watchdog's: a `stale` deadline); on Monday
 * from 09:00 in a board's zone, its weekly report (`weekly-report.ts`). A board
 * skips a quiet night, and the default board a night it has no members in once boards
 * exist. One board's failure does not hold the others: the tick rejects after all ran,
 * with every failure. Every step is idempotent, so ticking twice is harmless.
 */
export async function tick(deps: ActionDeps, atMs: number): Promise<ActionResult[]> {
  const snapshot = snapshotOf(deps, atMs);
  const results: ActionResult[] = [];
  const failures: unknown[] = [];
  const now = formatTimestamp(atMs);
  const { all, stored } = await snapshot.boards();
  for (const board of all) {
    try {
      const eod = eodConfigOfBoard(board, deps.eod);
      const slot = slotOf(atMs, eod);
      if (slot.kind === 'outside') continue;
      const night = boardNightOf(deps, snapshot, board, all, slot.businessDate);
      const posted = Boolean((await readRefs(deps, night.night, now))?.length);
      // A quiet night posts nothing; one made quiet after its table was posted still
      // ends with its final edit and summary, so no table is left looking live.
      if (!posted && isQuietNight(board, slot.businessDate)) continue;
      // With boards, the default board holds only what no board names: often nothing.
      if (!posted && stored > 0 && board.board_id === DEFAULT_BOARD_ID) {
        if (await defaultBoardEmpty(deps, night, slot, all, atMs)) continue;
      }
      const run = (action: Exclude<Action, 'sweep' | 'weekly-report'>) =>
        runBoardAction(deps, snapshot, night, slot, action, atMs, {});
      if (slot.kind === 'post' || slot.kind === 'update') {
        // Catch-up: a table that was never posted tonight is posted now.
        if (!posted) results.push(await run('post'));
        else if (slot.kind === 'update') results.push(await run('update'));
      } else {
        results.push(await run('final'));
      }
    } catch (error) {
      deps.logger.error(
        { err: error, board: board.board_id },
        `board ${board.board_id}: cron step failed`,
      );
      failures.push(error);
    }
  }
  // Monday from 09:00 in each board's zone: last week's report, once (weekly-report.ts).
  try {
    results.push(...(await postWeeklyReports(deps, all, snapshot.records, atMs)));
  } catch (error) {
    failures.push(error);
  }
  const slot = slotOf(atMs, deps.eod);
  if (slot.kind === 'outside') {
    // Outside the default window: the daily sweep, once per night.
    try {
      await once(
        deps,
        { board: DEFAULT_BOARD_ID, businessDate: slot.businessDate },
        { kind: 'sweep' },
        atMs,
        async () => {
          results.push(await runAction(deps, 'sweep', atMs));
        },
      );
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1)
    throw new AggregateError(failures, `${failures.length} cron steps failed`);
  return results;
}
