/**
 * The run-level view of a scheduler's history (docs/web.md → Reports): each run's start,
 * end, duration and outcome, and whether it started on time against the schedule, plus
 * the expected starts nobody made. Computed once here and reused by the dashboard's pages,
 * the CSV export and the weekly Slack report. Pure: the history comes in as rows.
 *
 * "On time" means what the watchdog's `missed` rule means (docs/schedules.md): a run
 * counts for the expected start nearest to it within `grace_seconds` (so one that began a
 * little early is that start's, one that began on time or late the previous start's); it
 * is on time when it began by that start + grace, late otherwise (the watchdog paged a
 * `missed` for it). An expected start no run counts for, whose deadline has passed, is
 * `missed`. Each expected start is counted once: on time, late or missed.
 */
import { Cron } from 'croner';
import type { HistoryRow } from './events.ts';
import { nextOccurrence, periodOf } from './schedule.ts';
import type { SchedulerRecord } from './scheduler.ts';
import { formatTimestamp, STATUS_RANK } from './scheduler.ts';
import { MINUTE_MS, offsetMs } from './zoned-time.ts';

/**
 * `running`: the run never reported an end (still going, or ended by a `pending`, a
 * `running` of another `run_id`, or a crash); `missed`: an expected start without a run.
 */
export type RunOutcome = 'completed' | 'failed' | 'running' | 'missed';

/** One run of a scheduler, or one expected start nobody made (`missed`). */
export type Run = {
  scheduler_id: string;
  outcome: RunOutcome;
  /** The expected start it counts for; null without a schedule, or for an extra run. */
  expected_at: string | null;
  /** Its first `running` event, else its end less `execution_time_ms`; null when missed. */
  started_at: string | null;
  /** Its terminal event; null while unfinished or missed. */
  ended_at: string | null;
  /** `execution_time_ms` of the terminal event, else end − start; null when unknown. */
  duration_ms: number | null;
  /**
   * Whether it started by its expected start + grace; false for a missed start; null when
   * not judged (no schedule, an extra run, a start during a pause or on a quiet date).
   */
  on_time: boolean | null;
  /** Start − expected start (negative: early); null when not judged or missed. */
  delay_ms: number | null;
  run_id: string | null;
  error_message: string | null;
};

/** What `runsOf` needs of a scheduler: its schedule and when it was watched. */
export type RunSubject = Pick<
  SchedulerRecord,
  | 'scheduler_id'
  | 'schedule'
  | 'timezone'
  | 'grace_seconds'
  | 'created_at'
  | 'paused_at'
  | 'paused_until'
  | 'archived_at'
>;

/** Which runs `runsOf` returns, and what it knows. */
export type RunRange = {
  /** Runs whose expected start (else start) lies in [fromMs, toMs). */
  fromMs: number;
  toMs: number;
  /** Now: an expected start is missed only once its deadline (start + grace) is ≤ now. */
  nowMs: number;
  /** The zone of a schedule without its own `timezone` (the board's). */
  timeZone: string;
  /**
   * From when the rows given are the whole history (where the read began): nothing before
   * it is judged, and a run that started before it is left out. Default `fromMs`.
   */
  historyFromMs?: number;
  /** Instants nothing is expected at (a board's quiet dates, `isQuietAt`). */
  quietAt?: (instantMs: number) => boolean;
};

/** A run as the events say, before the schedule judges it. */
type Started = {
  startMs: number;
  endMs: number | undefined;
  outcome: 'completed' | 'failed' | 'running';
  duration_ms: number | null;
  run_id: string | null;
  error_message: string | null;
  /** Still open at the end of the history (no event after its start ended it). */
  open: boolean;
};

type StatusRow = HistoryRow & { status: NonNullable<HistoryRow['status']> };

// An `every` chain or a minute-by-minute cron judged over months stops here.
const MAX_EXPECTED = 100_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * The runs of one scheduler in `range`, oldest first (by expected start, else start),
 * from its history rows in any order. Heartbeats are ignored; a row given twice (same
 * event id) counts once; later `running` events of a run do not move its start (as the
 * record's `run_started_at`), unless they carry another `run_id`; a terminal event that
 * repeats the last one (same status, and the same time or `run_id`) adds no run. With a
 * schedule each run is judged and the missed starts are added (see the top of this file;
 * nothing is expected before registration, during a pause, after archiving, on a quiet
 * instant, before `historyFromMs`, or after the start of a run still open). A schedule
 * in an unknown zone is not judged. Never throws.
 */
export function runsOf(rows: readonly HistoryRow[], subject: RunSubject, range: RunRange): Run[] {
  const historyFromMs = range.historyFromMs ?? range.fromMs;
  const started = startedRuns(rows, subject.scheduler_id).filter(
    (run) => run.startMs >= historyFromMs,
  );
  let runs: Run[];
  try {
    runs = judged(started, subject, { ...range, historyFromMs });
  } catch {
    // An unknown zone (registration refuses one; a zone dropped from the host's data).
    runs = started.map((run) => runOf(subject.scheduler_id, run, undefined, null));
  }
  return runs
    .map((run) => ({ run, at: countedAt(run) }))
    .filter(({ at }) => at >= range.fromMs && at < range.toMs)
    .sort((a, b) => a.at - b.at || startOf(a.run) - startOf(b.run))
    .map(({ run }) => run);
}

/** The instant a run is counted at: the start it is for, else its start. */
function countedAt(run: Run): number {
  return Date.parse(run.expected_at ?? run.started_at ?? '');
}

function startOf(run: Run): number {
  return run.started_at === null ? Number.NEGATIVE_INFINITY : Date.parse(run.started_at);
}

/** The runs the events describe, in order of start. */
function startedRuns(rows: readonly HistoryRow[], schedulerId: string): Started[] {
  const seen = new Set<string>();
  const events: { row: StatusRow; ms: number }[] = [];
  for (const row of rows) {
    if (row.scheduler_id !== schedulerId || row.type !== 'status' || row.status === null) continue;
    if (seen.has(row.id)) continue;
    const ms = Date.parse(row.timestamp);
    if (!Number.isFinite(ms)) continue;
    seen.add(row.id);
    events.push({ row: row as StatusRow, ms });
  }
  // Event order: time, then a terminal after `running` after `pending`, then id.
  events.sort(
    (a, b) =>
      a.ms - b.ms ||
      STATUS_RANK[a.row.status] - STATUS_RANK[b.row.status] ||
      (a.row.id < b.row.id ? -1 : a.row.id > b.row.id ? 1 : 0),
  );
  const runs: Started[] = [];
  let open: Started | undefined;
  let last: Started | undefined;
  const closeOpen = () => {
    if (open) open.open = false;
    open = undefined;
  };
  for (const { row, ms } of events) {
    const { status } = row;
    if (status === 'running') {
      if (open && !(open.run_id !== null && row.run_id !== null && open.run_id !== row.run_id)) {
        open.run_id ??= row.run_id;
        continue;
      }
      closeOpen();
      open = {
        startMs: ms,
        endMs: undefined,
        outcome: 'running',
        duration_ms: null,
        run_id: row.run_id,
        error_message: null,
        open: true,
      };
      runs.push(open);
      continue;
    }
    if (status === 'pending') {
      closeOpen();
      continue;
    }
    // completed or failed
    const sameRun =
      open !== undefined &&
      !(open.run_id !== null && row.run_id !== null && open.run_id !== row.run_id);
    if (open !== undefined && sameRun) {
      open.endMs = ms;
      open.outcome = status;
      open.duration_ms = row.execution_time_ms ?? ms - open.startMs;
      open.run_id ??= row.run_id;
      open.error_message = row.error_message;
      open.open = false;
      last = open;
      open = undefined;
      continue;
    }
    closeOpen();
    const repeat =
      last !== undefined &&
      last.outcome === status &&
      (last.endMs === ms || (row.run_id !== null && row.run_id === last.run_id));
    if (repeat) continue;
    last = {
      startMs: ms - (row.execution_time_ms ?? 0),
      endMs: ms,
      outcome: status,
      duration_ms: row.execution_time_ms,
      run_id: row.run_id,
      error_message: row.error_message,
      open: false,
    };
    runs.push(last);
  }
  return runs.sort((a, b) => a.startMs - b.startMs);
}

/** A run entry; `expected` the start it counts for, `onTime` its judgement. */
function runOf(
  schedulerId: string,
  run: Started,
  expected: number | undefined,
  onTime: boolean | null,
): Run {
  return {
    scheduler_id: schedulerId,
    outcome: run.outcome,
    expected_at: expected === undefined ? null : formatTimestamp(expected),
    started_at: formatTimestamp(run.startMs),
    ended_at: run.endMs === undefined ? null : formatTimestamp(run.endMs),
    duration_ms: run.duration_ms,
    on_time: onTime,
    delay_ms: onTime === null || expected === undefined ? null : run.startMs - expected,
    run_id: run.run_id,
    error_message: run.error_message,
  };
}

function missedRun(schedulerId: string, expected: number): Run {
  return {
    scheduler_id: schedulerId,
    outcome: 'missed',
    expected_at: formatTimestamp(expected),
    started_at: null,
    ended_at: null,
    duration_ms: null,
    on_time: false,
    delay_ms: null,
    run_id: null,
    error_message: null,
  };
}

type Judging = RunRange & { historyFromMs: number };

/** The runs judged against the schedule, with the missed starts; as they are without one. */
function judged(started: readonly Started[], subject: RunSubject, range: Judging): Run[] {
  const { schedule } = subject;
  if (schedule === null)
    return started.map((run) => runOf(subject.scheduler_id, run, undefined, null));
  const graceMs = subject.grace_seconds * 1000;
  const createdMs = Date.parse(subject.created_at);
  const pausedAt = parseOrUndefined(subject.paused_at);
  const pausedUntil = parseOrUndefined(subject.paused_until);
  const archivedMs = parseOrUndefined(subject.archived_at);
  const lastOpen = started.at(-1)?.open ? started.at(-1) : undefined;
  /** Whether anything was expected at `expected` (see `runsOf`). */
  const judges = (expected: number) =>
    expected - graceMs >= range.historyFromMs &&
    !(expected <= createdMs) &&
    !(archivedMs !== undefined && expected >= archivedMs) &&
    !(
      pausedAt !== undefined &&
      expected + graceMs >= pausedAt &&
      (pausedUntil === undefined || expected <= pausedUntil)
    ) &&
    !(range.quietAt?.(expected) ?? false);
  /** Whether a start nobody made counts as missed: judged, due, and the job not busy. */
  const misses = (expected: number) =>
    judges(expected) &&
    expected + graceMs <= range.nowMs &&
    expected < range.toMs &&
    (lastOpen === undefined || expected < lastOpen.startMs);
  const context = { subject, graceMs, judges, misses };
  const period = periodOf(schedule);
  return period === undefined
    ? judgedByCron(started, schedule, subject.timezone ?? range.timeZone, context, range)
    : judgedByPeriod(started, period, createdMs, pausedUntil, context, range);
}

type Context = {
  subject: RunSubject;
  graceMs: number;
  judges: (expected: number) => boolean;
  misses: (expected: number) => boolean;
};

/**
 * The start a run at `startMs` counts for, between the last expected start at or before it
 * and the first after it: the later one if the run is at most grace early for it and
 * nearer to it (as the watchdog reads an early run), else the earlier one.
 */
function nearest(
  startMs: number,
  previous: number | undefined,
  next: number | undefined,
  graceMs: number,
): number | undefined {
  if (next !== undefined && next - startMs <= graceMs) {
    if (previous === undefined || next - startMs < startMs - previous) return next;
  }
  return previous;
}

function judgedByCron(
  started: readonly Started[],
  schedule: string,
  zone: string,
  { subject, graceMs, judges, misses }: Context,
  range: Judging,
): Run[] {
  const id = subject.scheduler_id;
  const firstStart = started[0]?.startMs ?? Number.POSITIVE_INFINITY;
  const lastStart = started.at(-1)?.startMs ?? Number.NEGATIVE_INFINITY;
  const from = Math.min(range.historyFromMs, firstStart) - graceMs;
  const to = Math.max(Math.min(range.toMs, range.nowMs), lastStart) + graceMs;
  const expected = expectedStarts(schedule, zone, from - 1, to);
  const taken = new Set<number>();
  const runs: Run[] = [];
  for (const run of started) {
    const index = firstAfter(expected, run.startMs);
    const next = expected[index];
    const previous = index > 0 ? expected[index - 1] : lastAtOrBefore(schedule, zone, run.startMs);
    let start = nearest(run.startMs, previous, next, graceMs);
    // The start it is nearest to already has its run: an extra run (a re-run) is for none.
    if (start !== undefined && taken.has(start)) {
      start = start === next ? previous : undefined;
      if (start !== undefined && taken.has(start)) start = undefined;
    }
    if (start === undefined) {
      runs.push(runOf(id, run, undefined, null));
      continue;
    }
    taken.add(start);
    runs.push(runOf(id, run, start, judges(start) ? run.startMs <= start + graceMs : null));
  }
  for (const start of expected) {
    if (!taken.has(start) && misses(start)) runs.push(missedRun(id, start));
  }
  return runs;
}

/** The index of the first of the sorted `instants` after `ms` (its length when none). */
function firstAfter(instants: readonly number[], ms: number): number {
  let low = 0;
  let high = instants.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((instants[middle] ?? 0) <= ms) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The last expected start at or before `ms`, looking back up to a year. */
function lastAtOrBefore(schedule: string, zone: string, ms: number): number | undefined {
  for (const back of [MINUTE_MS * 61, DAY_MS + MINUTE_MS, 8 * DAY_MS, 32 * DAY_MS, 367 * DAY_MS]) {
    const found = expectedStarts(schedule, zone, ms - back, ms);
    if (found.length > 0) return found.at(-1);
  }
  return undefined;
}

/**
 * An `every` schedule (docs/schedules.md): the next start is expected one period after
 * the last one began, or after registration, or after a pause ended.
 */
function judgedByPeriod(
  started: readonly Started[],
  period: number,
  createdMs: number,
  pausedUntil: number | undefined,
  { subject, graceMs, judges, misses }: Context,
  range: Judging,
): Run[] {
  const id = subject.scheduler_id;
  const runs: Run[] = [];
  /** The expected starts after a run (or registration) at `from`, each once, in order. */
  function* chain(from: number) {
    let base = from;
    let next = from + period;
    for (let count = 0; count < MAX_EXPECTED; count += 1) {
      // A pause that ended meanwhile restarts the count from its end.
      if (pausedUntil !== undefined && base < pausedUntil && next > pausedUntil) {
        base = pausedUntil;
        next = pausedUntil + period;
      }
      yield next;
      next += period;
    }
  }
  // The run before the first one read is unknown, unless it is the registration.
  let anchor: number | undefined = createdMs >= range.historyFromMs ? createdMs : undefined;
  for (const run of started) {
    if (anchor === undefined) {
      runs.push(runOf(id, run, undefined, null));
      anchor = run.startMs;
      continue;
    }
    const before: number[] = [];
    let next: number | undefined;
    for (const expected of chain(anchor)) {
      if (expected > run.startMs) {
        next = expected;
        break;
      }
      before.push(expected);
    }
    const previous = before.at(-1);
    // Early for the first one of all: that one's, on time.
    const start = nearest(run.startMs, previous, next, graceMs) ?? next;
    for (const expected of before) {
      if (expected !== start && misses(expected)) runs.push(missedRun(id, expected));
    }
    const onTime = start !== undefined && judges(start) ? run.startMs <= start + graceMs : null;
    runs.push(runOf(id, run, start, onTime));
    anchor = run.startMs;
  }
  if (anchor !== undefined && !started.at(-1)?.open) {
    for (const expected of chain(anchor)) {
      if (expected + graceMs > range.nowMs || expected >= range.toMs) break;
      if (misses(expected)) runs.push(missedRun(id, expected));
    }
  }
  return runs;
}

function parseOrUndefined(value: string | null): number | undefined {
  if (value === null) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

// ---------------------------------------------------------------------------------------
// Expected starts, fast: the same as `occurrencesBetween`, which reads every start through
// the zone's rules (about 0.2 ms each: a 5-minute job over 60 days would take 3 s). Where
// the zone's offset is the same for days either side, a wall time is its instant less that
// offset, so the cron library is asked in wall time alone; near a DST change the exact
// `nextOccurrence` is used. A test holds the two equal across DST changes.

const wallCrons = new Map<string, Cron>();
const MAX_CACHED_CRONS = 10_000;
const STEADY_MARGIN_MS = 2 * DAY_MS;

/**
 * The cron library's reading of `schedule` in wall time, as `schedule.ts` reads it: day of
 * month and day of week both restricted means either (classic cron). Throws when it
 * cannot read the schedule.
 */
function wallCron(schedule: string): Cron {
  let cron = wallCrons.get(schedule);
  if (!cron) {
    const [, , dayOfMonth = '*', , dayOfWeek = '*'] = schedule.trim().split(/\s+/);
    const either = !dayOfMonth.startsWith('*') && !dayOfWeek.startsWith('*');
    cron = new Cron(schedule, { utcOffset: 0, paused: true, domAndDow: !either });
    if (wallCrons.size >= MAX_CACHED_CRONS) wallCrons.clear();
    wallCrons.set(schedule, cron);
  }
  return cron;
}

/**
 * Every expected start of a cron schedule or alias in (`fromMs`, `toMs`], in order, read
 * in `zone` (as `occurrencesBetween`); none for a period or an unbounded span. At most
 * 100,000. Throws a RangeError for an unknown zone.
 */
export function expectedStarts(
  schedule: string,
  zone: string,
  fromMs: number,
  toMs: number,
): number[] {
  if (periodOf(schedule) !== undefined) return [];
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) return [];
  const cron = wallCron(schedule);
  const found: number[] = [];
  for (let cursor = fromMs; cursor < toMs && found.length < MAX_EXPECTED; ) {
    const end = Math.min(toMs, cursor + DAY_MS);
    const offset = offsetMs(cursor, zone);
    const steady = [cursor - STEADY_MARGIN_MS, end, end + STEADY_MARGIN_MS].every(
      (ms) => offsetMs(ms, zone) === offset,
    );
    if (steady) {
      for (let wall = new Date(cursor + offset); ; ) {
        const next = cron.nextRun(wall);
        if (next === null || next.getTime() - offset > end) break;
        found.push(next.getTime() - offset);
        wall = next;
      }
    } else {
      for (
        let at = nextOccurrence(schedule, zone, cursor);
        at !== undefined && at <= end;
        at = nextOccurrence(schedule, zone, at)
      ) {
        found.push(at);
      }
    }
    cursor = end;
  }
  return found.slice(0, MAX_EXPECTED);
}
