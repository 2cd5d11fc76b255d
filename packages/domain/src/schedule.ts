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
import type { Registration, SchedulerRecord } from './scheduler.ts';
import { formatTimestamp, isArchived, isPaused, parseTimestamp } from './scheduler.ts';
import { isZone, MINUTE_MS, wallClock } from './zoned-time.ts';

const MAX_PERIOD_MS = 31 * 24 * 60 * MINUTE_MS;

/** The period of an `every <n>m` / `every <n>h` schedule in ms, or undefined. */
export function periodOf(schedule: string): number | undefined {
  const every = EVERY.exec(schedule);
  if (!every) return undefined;
  return Number(every[1]) * (every[2] === 'h' ? 60 : 1) * MINUTE_MS;
}

// Parsed schedules by zone and expression; a handful per installation, bounded anyway.
const crons = new Map<string, Cron>();
const MAX_CACHED_CRONS = 10_000;

/** The cron library's reading of `schedule` in `zone`. Throws when it cannot read it. */
function cronOf(schedule: string, zone: string): Cron {
  const key = `${zone} ${schedule}`;
  let cron = crons.get(key);
  if (!cron) {
    cron = new Cron(schedule, { timezone: zone, paused: true });
    if (crons.size >= MAX_CACHED_CRONS) crons.clear();
    crons.set(key, cron);
  }
  return cron;
}

const wallMinute = (instantMs: number, zone: string) => {
  const wall = wallClock(instantMs, zone);
  return `${wall.year}-${wall.month}-${wall.day} ${wall.hour}:${wall.minute}`;
};

// Every fall-back shift in use (Lord Howe's is 30 minutes, Troll's 2 hours).
const FALL_BACK_SHIFTS_MS = [30, 60, 120].map((minutes) => minutes * MINUTE_MS);

/** Whether `instantMs` is the second pass of a wall time that a fall-back repeated. */
function isRepeatedWallTime(instantMs: number, zone: string): boolean {
  const wall = wallMinute(instantMs, zone);
  return FALL_BACK_SHIFTS_MS.some((shift) => wallMinute(instantMs - shift, zone) === wall);
}

/**
 * The first expected start strictly after `afterMs`, for a cron schedule or alias read in
 * `zone`; undefined for a period (`every …`, which counts from the last run) or a
 * schedule that never matches again. Throws a RangeError for an unknown zone.
 */
export function nextOccurrence(
  schedule: string,
  zone: string,
  afterMs: number,
): number | undefined {
  if (periodOf(schedule) !== undefined) return undefined;
  const cron = cronOf(schedule, zone);
  let cursor = afterMs;
  // A repeated hour holds at most 60 per-minute occurrences; more means a bug, not a schedule.
  for (let step = 0; step < 240; step += 1) {
    const next = cron.nextRun(new Date(cursor));
    if (next === null) return undefined;
    const ms = next.getTime();
    if (!isRepeatedWallTime(ms, zone)) return ms;
    cursor = ms;
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
  if (/[LW#?]/.test(schedule.replace(/[A-Z]{3}/g, ''))) {
    return `schedule: '${schedule}' uses L, W, # or ?, which a 5-field cron expression does not have`;
  }
  if (fields.length !== FIELD_NAMES.length) {
    return `schedule: a cron expression has 5 fields (${FIELD_NAMES.join(', ')}), this one has ${fields.length}`;
  }
  let cron: Cron;
  try {
    cron = cronOf(schedule, 'UTC');
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

/** When the record's latest run started, as far as the record says. */
function lastStartMs(record: SchedulerRecord): number | undefined {
  const at = parseTimestamp(record.timestamp);
  if (at === undefined) return undefined;
  if (record.status === 'completed' || record.status === 'failed') {
    return at - (record.execution_time_ms ?? 0);
  }
  return at;
}

/**
 * The scheduler's next deadline (docs/schedules.md → Deadlines), or undefined when
 * nothing is expected of it:
 * - running: the earlier of start + `max_runtime_seconds` (`overrun`) and last signal +
 *   the heartbeat timeout (`stale`);
 * - idle with a schedule: the next expected start + `grace_seconds` (`missed`). A run
 *   that started up to `grace_seconds` early counts for the start it was early for. A job
 *   that never ran is expected from its registration on; a period job one period after
 *   its last run started;
 * - archived, or paused at `now` with no end (a pause with an end: expected from then on):
 *   nothing.
 */
export function nextDeadline(
  record: SchedulerRecord,
  settings: DeadlineSettings,
  now?: string,
): Deadline | undefined {
  if (isArchived(record)) return undefined;
  const paused = now !== undefined && isPaused(record, now);
  if (paused && record.paused_until === null) return undefined;
  const graceMs = record.grace_seconds * 1000;
  if (record.status === 'running' && !paused) {
    const start = parseTimestamp(record.timestamp) ?? 0;
    const lastSignal = Math.max(start, parseTimestamp(record.last_heartbeat ?? '') ?? 0);
    const stale = lastSignal + settings.heartbeatTimeoutMinutes * MINUTE_MS;
    const overrun =
      record.max_runtime_seconds === null ? undefined : start + record.max_runtime_seconds * 1000;
    return overrun !== undefined && overrun <= stale
      ? { kind: 'overrun', expected_at: null, due_at: formatTimestamp(overrun) }
      : { kind: 'stale', expected_at: null, due_at: formatTimestamp(stale) };
  }
  if (record.schedule === null) return undefined;
  const ran = record.status !== 'pending';
  const since =
    paused && record.paused_until !== null
      ? parseTimestamp(record.paused_until)
      : ran
        ? lastStartMs(record)
        : parseTimestamp(record.created_at);
  if (since === undefined) return undefined;
  const period = periodOf(record.schedule);
  let expected: number | undefined;
  if (period !== undefined) expected = since + period;
  else {
    const zone = record.timezone ?? settings.timeZone;
    expected = nextOccurrence(record.schedule, zone, since);
    // Started early, within grace: that run was this start's.
    if (ran && !paused && expected !== undefined && expected - since <= graceMs) {
      expected = nextOccurrence(record.schedule, zone, expected);
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
  now: string,
): boolean {
  const current = nextDeadline(record, settings, now);
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
