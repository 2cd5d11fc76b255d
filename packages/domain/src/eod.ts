/**
 * The EOD window in its own time zone (docs/eod.md): business dates, the actions due in a night, the status a scheduler shows tonight,
 * and staleness. Wall clock ↔ instant and its DST rules live in `zoned-time.ts`.
 *
 * Pure and independent of the host: the current instant is always a parameter, and wall
 * times come only from `zoned-time.ts`, so the process's `TZ` never changes a result.
 *
 * Update slots are wall-clock times; a slot whose shifted time coincides with (or falls
 * before) an earlier slot merges into it, and a repeated wall hour runs once, at its first
 * occurrence. So London's spring-forward night has 5 h and four updates, its fall-back night
 * 7 h and five updates with two real hours between the 01:00 and 02:00 updates.
 */
import type { SchedulerRecord, Status } from './scheduler.ts';
import { formatTimestamp, isPaused, parseTimestamp } from './scheduler.ts';
import type { TableRow } from './table-rows.ts';
import {
  addDays,
  formatMinutes,
  HOUR_MS,
  instantOf,
  isWallTime,
  isZone,
  MINUTE_MS,
  MINUTES_PER_DAY,
  parseTime,
  wallDate,
} from './zoned-time.ts';

/**
 * How long after the window end the final action stays due, so a cron app that missed it
 * still runs it when it starts before `EOD_WINDOW_END + 6h` (docs/eod.md).
 */
export const FINAL_CATCH_UP_HOURS = 6;

/** The EOD schedule's settings (docs/configuration.md: `EOD_*`, `HEARTBEAT_*`). */
export type EodConfig = {
  /** IANA zone every wall time below is read in. */
  timeZone: string;
  /** `HH:MM` the window opens (the table is posted). */
  windowStart: string;
  /** `HH:MM` the window closes (final edit and summary); earlier than start = next day. */
  windowEnd: string;
  /** Wall-clock minutes between table edits, counted from the window start. */
  updateEveryMinutes: number;
  /** A running job silent for longer than this is stale. */
  heartbeatTimeoutMinutes: number;
  /** A status this many hours before the window start still counts as tonight's. */
  lookbackHours: number;
};

/** The spec defaults: 00:00–06:00 WIB, hourly edits, stale checks every 5 min. */
export const DEFAULT_EOD_CONFIG: Readonly<EodConfig> = Object.freeze({
  timeZone: 'Asia/Jakarta',
  windowStart: '00:00',
  windowEnd: '06:00',
  updateEveryMinutes: 60,
  heartbeatTimeoutMinutes: 10,
  lookbackHours: 6,
});

/** One night's window: `start` inclusive, `end` exclusive, epoch ms. */
export type EodWindow = {
  readonly businessDate: string;
  readonly start: number;
  readonly end: number;
};

export type SlotKind = 'post' | 'update' | 'final' | 'outside';

/**
 * One scheduled action of a night. `index` counts a night's slots from 0 (post) to the final;
 * with `businessDate` it identifies the action for run-once bookkeeping. `outside` has
 * index -1.
 */
export type EodSlot = {
  readonly kind: SlotKind;
  readonly businessDate: string;
  readonly slotStart: number;
  readonly index: number;
};

/** Whether a scheduler is stale, and if so since when (`lastActivity`, ISO UTC). */
export type Staleness =
  | { stale: false }
  | { stale: true; lastActivity: string; minutesSilent: number };

/**
 * The window of the night that starts on `businessDate` (a `YYYY-MM-DD` in the EOD zone).
 * The end is on the next day when `windowEnd` is not after `windowStart`; in the odd case
 * that DST makes the end instant precede the start it is clamped to the start (empty window).
 * Throws a RangeError for a malformed date or a config that `eodConfigProblems` rejects.
 */
export function windowFor(businessDate: string, config: EodConfig): EodWindow {
  const key = JSON.stringify([config.timeZone, config.windowStart, config.windowEnd, businessDate]);
  return remember(windowCache, key, () => {
    const startMinutes = parseTime(config.windowStart);
    const endMinutes = parseTime(config.windowEnd);
    const endDate = endMinutes > startMinutes ? businessDate : addDays(businessDate, 1);
    const start = instantOf({ date: businessDate, time: config.windowStart }, config.timeZone);
    const end = instantOf({ date: endDate, time: config.windowEnd }, config.timeZone);
    return Object.freeze({ businessDate, start, end: Math.max(start, end) });
  });
}

/**
 * The window containing the instant (start inclusive, end exclusive), or else the next one
 * to start: at 18:00 WIB on 14 Jan and at 06:00 WIB on 15 Jan exactly, that is the night of
 * 15 Jan and of 16 Jan respectively. Throws a RangeError for a config it cannot read.
 */
export function currentOrNextWindow(instantMs: number, config: EodConfig): EodWindow {
  const today = wallDate(instantMs, config.timeZone);
  // A window is shorter than a day, so one containing the instant started yesterday or
  // today (wall date), and the next one starts today or tomorrow.
  const windows = [-1, 0, 1].map((days) => windowFor(addDays(today, days), config));
  const containing = windows.find((w) => w.start <= instantMs && instantMs < w.end);
  if (containing !== undefined) return containing;
  return windows.find((w) => w.start > instantMs) ?? windowFor(addDays(today, 2), config);
}

/**
 * The business date of the window containing the instant, or outside any window, of the
 * next window to start (so the evening before and the exact window end both name a night
 * that has not started yet). Throws a RangeError for a config it cannot read.
 */
export function businessDateOf(instantMs: number, config: EodConfig): string {
  return currentOrNextWindow(instantMs, config).businessDate;
}

/** Whether the instant is inside a window: start inclusive, end exclusive. */
export function isInWindow(instantMs: number, config: EodConfig): boolean {
  const window = currentOrNextWindow(instantMs, config);
  return window.start <= instantMs && instantMs < window.end;
}

/**
 * Every slot of a night in time order: `post` at the window start (index 0), an `update`
 * every `updateEveryMinutes` of wall-clock time after it while strictly before the end, and
 * `final` at the window end. Wall slots skipped or repeated by DST follow the rules at the
 * top of this file and of `zoned-time.ts`. Throws a RangeError for a config it cannot read.
 */
export function slotsOf(businessDate: string, config: EodConfig): readonly EodSlot[] {
  const key = JSON.stringify([
    config.timeZone,
    config.windowStart,
    config.windowEnd,
    config.updateEveryMinutes,
    businessDate,
  ]);
  return remember(slotCache, key, () => {
    const every = config.updateEveryMinutes;
    if (!Number.isInteger(every) || every < 1) {
      throw new RangeError(`updateEveryMinutes must be a whole number ≥ 1, got ${every}`);
    }
    const window = windowFor(businessDate, config);
    const startMinutes = parseTime(config.windowStart);
    const length = wallLengthMinutes(startMinutes, parseTime(config.windowEnd));
    const slots: EodSlot[] = [{ kind: 'post', businessDate, slotStart: window.start, index: 0 }];
    let previous = window.start;
    for (let offset = every; offset < length; offset += every) {
      const wallMinute = startMinutes + offset;
      const slotStart = instantOf(
        {
          date: addDays(businessDate, Math.floor(wallMinute / MINUTES_PER_DAY)),
          time: formatMinutes(wallMinute % MINUTES_PER_DAY),
        },
        config.timeZone,
      );
      // A gap-shifted wall time can land on or before a slot already listed: merge into it.
      if (slotStart <= previous || slotStart >= window.end) continue;
      slots.push({ kind: 'update', businessDate, slotStart, index: slots.length });
      previous = slotStart;
    }
    slots.push({ kind: 'final', businessDate, slotStart: window.end, index: slots.length });
    return Object.freeze(slots.map((slot) => Object.freeze(slot)));
  });
}

/**
 * The action due at an instant: the most recent slot at or before it. Inside the window that
 * is the post or an update (00:30 → post, 01:00:00.000 → update 1, 05:59:59.999 → update 5).
 * The final is due from the window end (06:00:00.000, inclusive) until
 * `FINAL_CATCH_UP_HOURS` later or the next window start, whichever is first, and keeps the
 * business date of the night that ended, so a late tick or a restart still runs it.
 * Otherwise the slot is `outside` (index -1) with the next night's business date, starting
 * where the previous final stopped being due. Throws a RangeError for a config it cannot read.
 */
export function slotOf(instantMs: number, config: EodConfig): EodSlot {
  const next = currentOrNextWindow(instantMs, config);
  if (instantMs >= next.start) {
    let due: EodSlot | undefined;
    for (const slot of slotsOf(next.businessDate, config)) {
      if (slot.slotStart <= instantMs) due = slot;
    }
    if (due !== undefined) return due;
  }
  const previousDate = addDays(next.businessDate, -1);
  const previous = windowFor(previousDate, config);
  const catchUpEnd = Math.min(previous.end + FINAL_CATCH_UP_HOURS * HOUR_MS, next.start);
  if (previous.end <= instantMs && instantMs < catchUpEnd) {
    const final = slotsOf(previousDate, config).at(-1);
    if (final !== undefined) return final;
  }
  return { kind: 'outside', businessDate: next.businessDate, slotStart: catchUpEnd, index: -1 };
}

/**
 * The status a scheduler shows for tonight: its stored status if the status's `timestamp` is
 * at or after the window start minus `lookbackHours` (elapsed hours, not wall hours), else
 * `pending` ("not started tonight"), so yesterday's `completed` never reads as tonight's.
 * "Tonight" is the night of `slotOf(instant)`: the running window, the night ahead before
 * it, and the night that just ended while its final is still due. An unreadable timestamp
 * shows `pending`.
 */
export function tonightStatus(
  record: SchedulerRecord,
  instantMs: number,
  config: EodConfig,
): Status {
  const night = windowFor(slotOf(instantMs, config).businessDate, config);
  const since = night.start - config.lookbackHours * HOUR_MS;
  const statusAt = parseTimestamp(record.timestamp);
  return statusAt !== undefined && statusAt >= since ? record.status : 'pending';
}

/**
 * Whether a scheduler is stale at an instant: it shows `running` tonight and its last
 * activity (the later of `last_heartbeat` and the status `timestamp`, so a job that never
 * heartbeated is judged by its status time) is more than `heartbeatTimeoutMinutes` ago.
 * Exactly the timeout is not yet stale. `minutesSilent` is rounded down.
 */
export function staleness(
  record: SchedulerRecord,
  instantMs: number,
  config: EodConfig,
): Staleness {
  if (tonightStatus(record, instantMs, config) !== 'running') return { stale: false };
  const activity = [record.timestamp, record.last_heartbeat]
    .map((value) => (value === null ? undefined : parseTimestamp(value)))
    .filter((value): value is number => value !== undefined);
  if (activity.length === 0) return { stale: false };
  const lastActivity = Math.max(...activity);
  const silentMs = instantMs - lastActivity;
  if (silentMs <= config.heartbeatTimeoutMinutes * MINUTE_MS) return { stale: false };
  return {
    stale: true,
    lastActivity: formatTimestamp(lastActivity),
    minutesSilent: Math.floor(silentMs / MINUTE_MS),
  };
}

/**
 * Everything wrong with an EOD config, one readable line each; empty when it is usable.
 * Checks the zone, `HH:MM` times, start ≠ end, whole-number intervals ≥ 1, intervals not
 * longer than the window, and a lookback that stays clear of the previous night's window.
 */
export function eodConfigProblems(config: EodConfig): string[] {
  const problems: string[] = [];
  if (typeof config.timeZone !== 'string' || config.timeZone === '' || !isZone(config.timeZone)) {
    problems.push(`timeZone: '${config.timeZone}' is not an IANA time zone (e.g. Asia/Jakarta)`);
  }
  const start = timeOrProblem('windowStart', config.windowStart, problems);
  const end = timeOrProblem('windowEnd', config.windowEnd, problems);
  const intervals = ['updateEveryMinutes', 'heartbeatTimeoutMinutes'];
  const validIntervals = new Set<string>();
  for (const name of intervals) {
    const value = config[name as keyof EodConfig];
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1)
      validIntervals.add(name);
    else problems.push(`${name}: must be a whole number ≥ 1, got ${value}`);
  }
  const lookbackValid =
    typeof config.lookbackHours === 'number' &&
    Number.isFinite(config.lookbackHours) &&
    config.lookbackHours >= 0;
  if (!lookbackValid)
    problems.push(`lookbackHours: must be a number ≥ 0, got ${config.lookbackHours}`);
  if (start === undefined || end === undefined) return problems;
  if (start === end) {
    problems.push(`windowStart and windowEnd must differ, both are ${config.windowStart}`);
    return problems;
  }
  const length = wallLengthMinutes(start, end);
  for (const name of ['updateEveryMinutes'] as const) {
    if (validIntervals.has(name) && config[name] > length) {
      problems.push(`${name}: ${config[name]} is longer than the ${length}-minute window`);
    }
  }
  const room = MINUTES_PER_DAY - length;
  if (lookbackValid && config.lookbackHours * 60 > room) {
    problems.push(
      `lookbackHours: ${config.lookbackHours} h before windowStart reaches into the previous night's window (at most ${room / 60} h)`,
    );
  }
  return problems;
}

// Results depend only on their key, so caching them is invisible to callers; the renderer
// asks for the same night once per scheduler. The bound only guards against unusual callers.
const CACHE_LIMIT = 512;
const windowCache = new Map<string, EodWindow>();
const slotCache = new Map<string, readonly EodSlot[]>();

function remember<T>(cache: Map<string, T>, key: string, compute: () => T): T {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const value = compute();
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

function timeOrProblem(name: string, value: string, problems: string[]): number | undefined {
  if (isWallTime(value)) return parseTime(value);
  problems.push(`${name}: '${value}' is not a 24-hour HH:MM time`);
  return undefined;
}

/** Wall minutes from start to end, crossing midnight when end is not after start. */
function wallLengthMinutes(startMinutes: number, endMinutes: number): number {
  return endMinutes > startMinutes
    ? endMinutes - startMinutes
    : endMinutes - startMinutes + MINUTES_PER_DAY;
}

/**
 * The rows of tonight's table as of `instantMs`: each scheduler with the status it shows
 * tonight, whether it is paused, and, when it is running and silent too long, how long.
 */
export function tonightRows(
  records: readonly SchedulerRecord[],
  instantMs: number,
  config: EodConfig,
): TableRow[] {
  const now = formatTimestamp(instantMs);
  return records.map((scheduler) => {
    const status = tonightStatus(scheduler, instantMs, config);
    const paused = isPaused(scheduler, now);
    const stale = paused
      ? { stale: false as const }
      : staleness({ ...scheduler, status }, instantMs, config);
    return {
      scheduler,
      status,
      stale: stale.stale
        ? { minutesSilent: stale.minutesSilent, lastActivity: stale.lastActivity }
        : null,
      paused,
    };
  });
}
