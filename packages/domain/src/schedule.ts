/**
 * Expected schedules (docs/schedules.md): which schedules the monitor reads, when a job
 * is next expected, and the next deadline of a scheduler — the instant at which, if
 * nothing has happened, something is wrong (a start missed, a run overrunning or gone
 * silent). Pure: the watchdog and the worker do the I/O.
 *
 * DST: a cron library computes the occurrences in the schedule's zone (a time in a
 * spring-forward gap at the first instant after it, where cron runs it); on a fall-back
 * night a wall time that repeats is expected in its first pass only. Expecting fewer runs
 * than a cron daemon might start can never page anybody; expecting more could.
 */
import { Cron } from 'croner';
import type { DeadlineResult } from './ports.ts';
import type { Registration, SchedulerRecord } from './scheduler.ts';
import { formatTimestamp, isArchived, parseTimestamp } from './scheduler.ts';
import { isZone, MINUTE_MS, offsetMs, wallClock } from './zoned-time.ts';

const MAX_PERIOD_MS = 31 * 24 * 60 * MINUTE_MS;

/** The period of an `every <n>m` / `every <n>h` schedule in ms, or undefined. */
export function periodOf(schedule: string): number | undefined {
  const every = EVERY.exec(schedule);
  if (!every) return undefined;
  return Number(every[1]) * (every[2] === 'h' ? 60 : 1) * MINUTE_MS;
}

// Parsed schedules by expression; a handful per installation, bounded anyway.
const crons = new Map<string, Cron>();
const MAX_CACHED_CRONS = 10_000;

/**
 * The cron library's reading of `schedule`, in UTC: schedmon gives it wall-clock times
 * written as UTC instants, so it never applies a zone's DST rules of its own (which drop
 * some starts in a spring-forward gap and repeat others in a fall-back). Day of month and
 * day of week: both restricted means either (classic cron); one of them starting with `*`
 * means only the other. Throws when it cannot read the schedule.
 */
function cronOf(schedule: string): Cron {
  let cron = crons.get(schedule);
  if (!cron) {
    const [, , dayOfMonth = '*', , dayOfWeek = '*'] = schedule.trim().split(/\s+/);
    const either = !dayOfMonth.startsWith('*') && !dayOfWeek.startsWith('*');
    cron = new Cron(schedule, { timezone: 'UTC', paused: true, domAndDow: !either });
    if (crons.size >= MAX_CACHED_CRONS) crons.clear();
    crons.set(schedule, cron);
  }
  return cron;
}

/** The wall clock of an instant in `zone`, written as a UTC instant (to the minute). */
function wallAsUtc(instantMs: number, zone: string): number {
  const wall = wallClock(instantMs, zone);
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
}

/**
 * The instant a wall time (written as a UTC instant) happens in `zone`: in a fall-back,
 * its first pass; in a spring-forward gap, the end of the gap (where cron runs it).
 */
function instantOfWall(wallMs: number, zone: string): number {
  const day = 24 * 60 * MINUTE_MS;
  const offsets = [offsetMs(wallMs - day, zone), offsetMs(wallMs + day, zone)];
  const matches = offsets
    .map((offset) => wallMs - offset)
    .filter((candidate) => offsetMs(candidate, zone) === wallMs - candidate);
  if (matches.length > 0) return Math.min(...matches);
  // In the gap: the transition lies between the wall time read with the larger offset
  // (before the gap) and with the smaller one (after it); find it to the minute.
  let before = wallMs - Math.max(...offsets);
  let after = wallMs - Math.min(...offsets);
  const beforeOffset = offsetMs(before, zone);
  while (after - before > MINUTE_MS) {
    const middle = before + Math.floor((after - before) / 2 / MINUTE_MS) * MINUTE_MS;
    if (offsetMs(middle, zone) === beforeOffset) before = middle;
    else after = middle;
  }
  return after;
}

/**
 * The first expected start strictly after `afterMs`, for a cron schedule or alias read in
 * `zone`; undefined for a period (`every …`, which counts from the last run) or a
 * schedule that never matches again. Starts in a spring-forward gap fall at its end (one
 * start however many gap times match); a wall time that a fall-back repeats is expected
 * in its first pass only. Throws a RangeError for an unknown zone.
 */
export function nextOccurrence(
  schedule: string,
  zone: string,
  afterMs: number,
): number | undefined {
  if (periodOf(schedule) !== undefined) return undefined;
  const cron = cronOf(schedule);
  // From the wall minute of `afterMs`: the first wall time whose instant is after it.
  let wall = wallAsUtc(afterMs, zone) - MINUTE_MS;
  // Gap times all land at the gap's end, so a few candidates may share one instant.
  for (let step = 0; step < 240; step += 1) {
    const next = cron.nextRun(new Date(wall));
    if (next === null) return undefined;
    wall = next.getTime();
    const at = instantOfWall(wall, zone);
    if (at > afterMs) return at;
  }
  return undefined;
}

/** The last expected start at or before `atMs` (as `nextOccurrence`, backwards). */
function previousOccurrence(schedule: string, zone: string, atMs: number): number | undefined {
  const cron = cronOf(schedule);
  let wall = wallAsUtc(atMs, zone) + MINUTE_MS;
  for (let step = 0; step < 240; step += 1) {
    const [previous] = cron.previousRuns(1, new Date(wall));
    if (previous === undefined) return undefined;
    wall = previous.getTime();
    const at = instantOfWall(wall, zone);
    if (at <= atMs) return at;
  }
  return undefined;
}

/** Every expected start in (`fromMs`, `toMs`], in order. */
export function occurrencesBetween(
  schedule: string,
  zone: string,
  fromMs: number,
  toMs: number,
): number[] {
  const found: number[] = [];
  for (let at = nextOccurrence(schedule, zone, fromMs); at !== undefined && at <= toMs; ) {
    found.push(at);
    at = nextOccurrence(schedule, zone, at);
  }
  return found;
}

const FIELD_NAMES = ['minute', 'hour', 'day of month', 'month', 'day of week'];
const EVERY = /^every ([1-9][0-9]{0,4})([mh])$/;
const ALIASES = new Set(['@hourly', '@daily', '@weekly', '@monthly']);

/**
 * Why `schedule` is not one the monitor can evaluate, or undefined: a 5-field cron
 * expression the cron library reads and that matches some date, an alias, or a period.
 */
export function scheduleProblem(schedule: string): string | undefined {
  const period = periodOf(schedule);
  if (period !== undefined) {
    return period <= MAX_PERIOD_MS
      ? undefined
      : 'schedule: "every" may be at most 31 days (44640m or 744h)';
  }
  if (schedule.startsWith('every')) {
    return 'schedule: write a period as "every <n>m" or "every <n>h" (e.g. every 15m)';
  }
  if (schedule.startsWith('@')) {
    return ALIASES.has(schedule)
      ? undefined
      : `schedule: ${schedule} is not one of ${[...ALIASES].join(', ')}`;
  }
  const fields = schedule.trim().split(/\s+/);
  // The cron library reads more than 5-field cron (L, W, #, ?); what the docs promise is
  // what other tools read the same way.
  if (/[LW#?+]/i.test(schedule.replace(/[A-Z]{3}/gi, ''))) {
    return `schedule: '${schedule}' uses L, W, #, ? or +, which a 5-field cron expression does not have`;
  }
  if (fields.length !== FIELD_NAMES.length) {
    return `schedule: a cron expression has 5 fields (${FIELD_NAMES.join(', ')}), this one has ${fields.length}`;
  }
  let cron: Cron;
  try {
    cron = cronOf(schedule);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `schedule: '${schedule}' is not a valid cron expression (${reason.replace(/^CronPattern: /, '')})`;
  }
  // Within four years every possible date has come round once (29 February included).
  if (cron.nextRun(new Date(Date.UTC(2000, 0, 1))) === null) {
    return `schedule: '${schedule}' never matches a date`;
  }
  return undefined;
}

/**
 * The rules of a registration JSON Schema cannot say, for one that fits its schema: a
 * schedule the monitor can evaluate, a real time zone, and a minimum run time below the
 * maximum.
 */
export function registrationProblems(registration: Registration): string[] {
  const problems: string[] = [];
  if (registration.schedule !== undefined) {
    const problem = scheduleProblem(registration.schedule);
    if (problem) problems.push(problem);
  }
  if (registration.timezone !== undefined && !isZone(registration.timezone)) {
    problems.push(
      `timezone: '${registration.timezone}' is not an IANA time zone (e.g. Asia/Jakarta)`,
    );
  }
  const { min_runtime_seconds: min, max_runtime_seconds: max } = registration;
  if (min !== undefined && max !== undefined && min >= max) {
    problems.push(`min_runtime_seconds (${min}) must be less than max_runtime_seconds (${max})`);
  }
  return problems;
}

/** What a deadline needs besides the record: the defaults of its zone and silence. */
export type DeadlineSettings = {
  /** The zone of a schedule without its own `timezone` (the board's, else `EOD_TIMEZONE`). */
  timeZone: string;
  /** A running job silent for longer than this is stale (`HEARTBEAT_TIMEOUT_MINUTES`). */
  heartbeatTimeoutMinutes: number;
};

export type DeadlineKind = 'missed' | 'overrun' | 'stale';

/** The instant something is wrong unless an event comes first, and what it would be. */
export type Deadline = {
  kind: DeadlineKind;
  /** For `missed`: the start that was expected. */
  expected_at: string | null;
  due_at: string;
};

/**
 * When the record's latest run started, as far as the record says: its first `running`
 * event (`run_started_at`, or `last_run_started_at` once it ended), else a finished
 * run's end less its execution time, else the event's own time.
 */
function lastStartMs(record: SchedulerRecord): number | undefined {
  const at = parseTimestamp(record.timestamp);
  if (at === undefined) return undefined;
  if (record.status === 'running') return parseTimestamp(record.run_started_at ?? '') ?? at;
  if (record.status === 'completed' || record.status === 'failed') {
    const started = parseTimestamp(record.last_run_started_at ?? '');
    return started !== undefined && started <= at ? started : at - (record.execution_time_ms ?? 0);
  }
  return at;
}

/**
 * From when the scheduler is watched: forever (-Infinity) unless a pause says otherwise;
 * the end of its last pause (`paused_until`, which a resume sets to the moment it
 * resumed); `undefined` while it is paused without an end.
 */
function watchedFrom(record: SchedulerRecord): number | undefined {
  if (record.paused_at === null) return Number.NEGATIVE_INFINITY;
  if (record.paused_until === null) return undefined;
  return parseTimestamp(record.paused_until) ?? Number.NEGATIVE_INFINITY;
}

/**
 * The scheduler's next deadline (docs/schedules.md → Deadlines), or undefined when
 * nothing is expected of it. It depends on the record alone, so the worker, the api and
 * the watchdog always agree on it:
 * - running: the earlier of start + `max_runtime_seconds` (`overrun`) and last signal +
 *   the heartbeat timeout (`stale`);
 * - idle with a schedule: the next expected start + `grace_seconds` (`missed`). A run
 *   counts for the start nearest to it within `grace_seconds` (so one that began a little
 *   early is that start's, one that began on time or late the previous start's); a
 *   scheduler that has not run since it was registered or last reset to `pending` is
 *   expected from then on; a period job one period after its last run started;
 * - archived, or paused without an end: nothing. A pause with an end (or one resumed)
 *   moves every deadline to after it;
 * - a deadline that came due (`deadline_fired_at`) is never the next one again: the next
 *   is the first after it (the following start, or the other running deadline).
 */
export function nextDeadline(
  record: SchedulerRecord,
  settings: DeadlineSettings,
): Deadline | undefined {
  if (isArchived(record)) return undefined;
  const watched = watchedFrom(record);
  if (watched === undefined) return undefined;
  // A deadline that came due is never due again: the next one comes after it.
  const fired = parseTimestamp(record.deadline_fired_at ?? '') ?? Number.NEGATIVE_INFINITY;
  const graceMs = record.grace_seconds * 1000;
  const start = lastStartMs(record);
  if (start === undefined) return undefined;
  if (record.status === 'running') {
    const lastSignal = Math.max(start, parseTimestamp(record.last_heartbeat ?? '') ?? 0);
    const stale = Math.max(lastSignal + settings.heartbeatTimeoutMinutes * MINUTE_MS, watched);
    const overrun =
      record.max_runtime_seconds === null
        ? undefined
        : Math.max(start + record.max_runtime_seconds * 1000, watched);
    const candidates: Deadline[] = [];
    if (overrun !== undefined && overrun > fired) {
      candidates.push({ kind: 'overrun', expected_at: null, due_at: formatTimestamp(overrun) });
    }
    if (stale > fired) {
      candidates.push({ kind: 'stale', expected_at: null, due_at: formatTimestamp(stale) });
    }
    // The earlier; at the same instant an overrun says more than silence.
    return candidates.sort((a, b) => (a.due_at < b.due_at ? -1 : a.due_at > b.due_at ? 1 : 0))[0];
  }
  if (record.schedule === null) return undefined;
  const ran = record.status !== 'pending';
  const since = Math.max(start, watched);
  const period = periodOf(record.schedule);
  let expected: number | undefined;
  if (period !== undefined) {
    expected = since + period;
    // Past a deadline that came due: the first period whose deadline is after it.
    if (expected + graceMs <= fired) {
      expected += Math.ceil((fired - graceMs - expected + 1) / period) * period;
    }
  } else {
    const zone = record.timezone ?? settings.timeZone;
    expected = nextOccurrence(record.schedule, zone, since);
    // The run (not a pause) set `since`: it may have been the next start's, a little early.
    if (ran && since === start && expected !== undefined && expected - start <= graceMs) {
      const previous = previousOccurrence(record.schedule, zone, start);
      if (previous === undefined || expected - start < start - previous) {
        expected = nextOccurrence(record.schedule, zone, expected);
      }
    }
    // Past a deadline that came due: the first start whose deadline is after it.
    if (expected !== undefined && expected + graceMs <= fired) {
      expected = nextOccurrence(record.schedule, zone, fired - graceMs);
    }
  }
  if (expected === undefined) return undefined;
  return {
    kind: 'missed',
    expected_at: formatTimestamp(expected),
    due_at: formatTimestamp(expected + graceMs),
  };
}

/**
 * Whether a deadline the watchdog found due still stands against the current record: the
 * record's own next deadline is that very one. A real event that was applied first moved
 * or removed it, and then the deadline does nothing (incidents.md: a real event wins).
 */
export function isDeadlineCurrent(
  record: SchedulerRecord,
  settings: DeadlineSettings,
  due: Pick<Deadline, 'kind' | 'due_at'>,
): boolean {
  const current = nextDeadline(record, settings);
  return current !== undefined && current.kind === due.kind && current.due_at === due.due_at;
}

/** What a store keeps of a deadline on the record. */
export type StoredDeadline = Pick<SchedulerRecord, 'due_at' | 'due_kind' | 'next_expected_at'>;

/** A deadline as the record stores it; `null` removes it. */
export function storedDeadlineOf(deadline: Deadline | undefined): StoredDeadline {
  return deadline === undefined
    ? { due_at: null, due_kind: null, next_expected_at: null }
    : { due_at: deadline.due_at, due_kind: deadline.kind, next_expected_at: deadline.expected_at };
}

/**
 * What to store after a change, or undefined to keep what is stored. After a status
 * event (`earlier`) a deadline is written only when it comes before the stored one (or
 * none is stored): a later one can wait, since the watchdog checks every due deadline
 * against the record (`isDeadlineCurrent`) and moves it on then. That keeps every
 * `running` event and heartbeat from costing a second write. After a registration
 * (`exact`) the settings changed, so the deadline is written as it is.
 */
export function deadlineToStore(
  stored: StoredDeadline,
  next: Deadline | undefined,
  mode: 'exact' | 'earlier',
): StoredDeadline | undefined {
  const wanted = storedDeadlineOf(next);
  const same =
    wanted.due_at === stored.due_at &&
    wanted.due_kind === stored.due_kind &&
    wanted.next_expected_at === stored.next_expected_at;
  if (same) return undefined;
  if (mode === 'exact') return wanted;
  if (wanted.due_at === null) return undefined;
  return stored.due_at === null || wanted.due_at < stored.due_at ? wanted : undefined;
}

/** What applying a due deadline does to a record (`deadlineStep`). */
export type DeadlineStep = {
  outcome: 'fired' | 'superseded' | 'not_due' | 'archived';
  /** The record with the deadline marked as come due, when it fired. */
  after: SchedulerRecord;
  /** The deadline to store with it; undefined when nothing is to be written. */
  write?: StoredDeadline;
  /** Fired: the start it expected (for `missed`), as the record says, not the message. */
  expected_at?: string | null;
  /** Fired: whether it fell while schedmon was not watching (recorded so, paging nobody). */
  unknown?: boolean;
};

/**
 * A deadline the watchdog found due, judged against the record (incidents.md): it fires
 * when it is the record's own next deadline and its time has come (`isDeadlineCurrent`),
 * and is marked so it never fires again (`deadline_fired_at`, `deadline_fired_kind`;
 * with `unknown`, also `deadline_unknown_at`: it fell while schedmon was not watching).
 * Fired or not, the record's next deadline is what is stored afterwards, so a bound the
 * store kept moves on to the real one. The very deadline that fired, delivered again (its
 * incident may not have been recorded), fires again as it first did, writing nothing:
 * the incident box takes its signal once.
 */
export function deadlineStep(
  record: SchedulerRecord,
  deadline: Pick<Deadline, 'kind' | 'due_at'>,
  settings: DeadlineSettings,
  now: string,
  gapMs: number,
): DeadlineStep {
  if (isArchived(record)) {
    // Out of the index: an archived scheduler has no deadline.
    const none = storedDeadlineOf(undefined);
    return record.due_at === null
      ? { outcome: 'archived', after: record }
      : { outcome: 'archived', after: record, write: none };
  }
  if (deadline.due_at > now) return { outcome: 'not_due', after: record };
  // A missed deadline is its expected start + grace, whatever the message says.
  const expected_at =
    deadline.kind === 'missed'
      ? formatTimestamp((parseTimestamp(deadline.due_at) ?? 0) - record.grace_seconds * 1000)
      : null;
  // Fired already: answered as it first fired until the job spoke after it (a status or a
  // heartbeat since), when it is over.
  const spoke = [record.timestamp, record.last_heartbeat ?? ''].some((at) => at > deadline.due_at);
  if (
    record.deadline_fired_at === deadline.due_at &&
    record.deadline_fired_kind === deadline.kind
  ) {
    return spoke
      ? { outcome: 'superseded', after: record }
      : {
          outcome: 'fired',
          after: record,
          expected_at,
          unknown: record.deadline_unknown_at === deadline.due_at,
        };
  }
  // Handled more than the gap after it could first be known (it came due, or the record
  // that made it due changed): schedmon was not watching.
  const knownMs = Math.max(
    parseTimestamp(deadline.due_at) ?? 0,
    parseTimestamp(record.updated_at) ?? 0,
  );
  const unknown = (parseTimestamp(now) ?? 0) - knownMs > gapMs;
  const fires = isDeadlineCurrent(record, settings, deadline);
  const after: SchedulerRecord = fires
    ? {
        ...record,
        deadline_fired_at: deadline.due_at,
        deadline_fired_kind: deadline.kind,
        deadline_unknown_at: unknown ? deadline.due_at : record.deadline_unknown_at,
      }
    : record;
  const write = storedDeadlineOf(nextDeadline(after, settings));
  const unchanged =
    write.due_at === record.due_at &&
    write.due_kind === record.due_kind &&
    write.next_expected_at === record.next_expected_at;
  if (!fires && unchanged) return { outcome: 'superseded', after };
  return fires
    ? { outcome: 'fired', after, write, expected_at, unknown }
    : { outcome: 'superseded', after, write };
}

/** What a store answers for a deadline step, with the record as it now stands. */
export function deadlineResultOf(step: DeadlineStep, record: SchedulerRecord): DeadlineResult {
  return step.outcome === 'fired'
    ? {
        outcome: 'fired',
        record,
        expected_at: step.expected_at ?? null,
        unknown: step.unknown ?? false,
      }
    : { outcome: step.outcome, record };
}
