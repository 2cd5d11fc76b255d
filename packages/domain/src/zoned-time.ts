/**
 * Wall clock ↔ instant in an IANA time zone, calendar dates, and the labels ops read (`02:00`,
 * `15 Jan 2026`, `WIB`). The EOD rules (`eod.ts`) and the messages build on it.
 *
 * Pure and independent of the host: wall times come only from `Intl.DateTimeFormat` with an
 * explicit `timeZone`, and `Date` is used only through its UTC methods, so the process's `TZ`
 * never changes a result.
 *
 * DST rules:
 * - A wall time that does not exist (spring-forward gap) is shifted forward by the length of
 *   the gap, like `java.time` and Temporal's `compatible`: 02:30 in New York on 8 Mar 2026
 *   is 03:30 EDT, and a time at the start of the gap (02:00) becomes the first instant after
 *   it (03:00 EDT).
 * - A wall time that happens twice (fall-back) is its earlier instant (the one in summer time).
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
export const MINUTES_PER_DAY = 24 * 60;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A wall-clock reading in a zone. `weekday` is ISO: 1 = Monday … 7 = Sunday. */
export type WallClock = {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  weekday: number;
};

/** A wall-clock date (`YYYY-MM-DD`) and time (`HH:MM`, 24-hour) in some zone. */
export type WallTime = { date: string; time: string };

// Building a DateTimeFormat costs far more than using one; zones are few, so keep them.
const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The `Intl.DateTimeFormat` of `locale` and `options` in `zone`, built once: `shape` names
 * the options, so each caller passes one constant `options` per shape.
 * Throws a RangeError for an unknown zone.
 */
export function zoneFormatter(
  shape: string,
  locale: string,
  zone: string,
  options: Readonly<Intl.DateTimeFormatOptions>,
): Intl.DateTimeFormat {
  const key = `${shape}|${locale}|${zone}`;
  let formatter = formatters.get(key);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat(locale, { ...options, timeZone: zone });
    formatters.set(key, formatter);
  }
  return formatter;
}

const WALL_OPTIONS: Readonly<Intl.DateTimeFormatOptions> = Object.freeze({
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

function wallFormatter(zone: string): Intl.DateTimeFormat {
  return zoneFormatter('wall', 'en-US', zone, WALL_OPTIONS);
}

/**
 * The wall clock in `zone` at an instant (epoch ms), to the millisecond.
 * Throws a RangeError for an unknown zone or an instant outside the `Date` range.
 */
export function wallClock(instantMs: number, zone: string): WallClock {
  const fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of wallFormatter(zone).formatToParts(instantMs)) {
    if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value);
  }
  // Older ICU builds write midnight as 24 even with h23.
  if (fields.hour === 24) fields.hour = 0;
  const ms = ((instantMs % 1000) + 1000) % 1000;
  return { ...fields, ms, weekday: isoWeekday(fields.year, fields.month, fields.day) };
}

/** The wall date (`YYYY-MM-DD`) in `zone` at an instant. Throws like `wallClock`. */
export function wallDate(instantMs: number, zone: string): string {
  const wall = wallClock(instantMs, zone);
  return formatDate(wall.year, wall.month, wall.day);
}

/**
 * The instant (epoch ms) of a wall time in `zone`. A time in a spring-forward gap is shifted
 * forward by the gap's length; a time repeated by a fall-back is its earlier instant.
 * Throws a RangeError for a malformed or impossible date or time, or an unknown zone.
 */
export function instantOf(wall: WallTime, zone: string): number {
  const { year, month, day } = parseDate(wall.date);
  const minutes = parseTime(wall.time);
  const local = utcMs(year, month, day, Math.floor(minutes / 60), minutes % 60, 0, 0);
  // The offsets a day either side cover both sides of any transition near this wall time.
  const before = offsetMs(local - DAY_MS, zone);
  const after = offsetMs(local + DAY_MS, zone);
  const matches = [before, after]
    .map((offset) => local - offset)
    .filter((candidate) => offsetMs(candidate, zone) === local - candidate);
  if (matches.length > 0) return Math.min(...matches);
  // No offset reads back as this wall time: it is in a gap. Reading it with the offset from
  // before the gap lands the same distance past the gap's end.
  return local - before;
}

/** `HH:MM` (24-hour) of the instant in `zone`. Throws a RangeError for an unknown zone. */
export function formatWallTime(instantMs: number, zone: string): string {
  const wall = wallClock(instantMs, zone);
  return formatMinutes(wall.hour * 60 + wall.minute);
}

/** `15 Jan 2026` for `2026-01-15`, in English whatever the host locale. Throws a RangeError
 * for anything but a real `YYYY-MM-DD` date. */
export function formatBusinessDate(businessDate: string): string {
  const { year, month, day } = parseDate(businessDate);
  return `${day} ${MONTHS[month - 1] ?? month} ${year}`;
}

/**
 * `1 Dec`: the wall date in `zone` at an instant, day and month in English whatever the host
 * locale or `TZ`. Throws a RangeError for an unknown zone.
 */
export function formatDayMonth(instantMs: number, zone: string): string {
  const wall = wallClock(instantMs, zone);
  return `${wall.day} ${MONTHS[wall.month - 1] ?? wall.month}`;
}

// ICU only knows Indonesia's zones as GMT+7/+8/+9; ops read WIB/WITA/WIT. The offset check
// keeps a historical instant (other offsets before 1964) from getting a wrong name.
const INDONESIAN_ZONES = new Map<string, { abbreviation: string; offsetMs: number }>([
  ['Asia/Jakarta', { abbreviation: 'WIB', offsetMs: 7 * HOUR_MS }],
  ['Asia/Pontianak', { abbreviation: 'WIB', offsetMs: 7 * HOUR_MS }],
  ['Asia/Makassar', { abbreviation: 'WITA', offsetMs: 8 * HOUR_MS }],
  ['Asia/Ujung_Pandang', { abbreviation: 'WITA', offsetMs: 8 * HOUR_MS }],
  ['Asia/Jayapura', { abbreviation: 'WIT', offsetMs: 9 * HOUR_MS }],
]);

/**
 * The zone's short name at the instant: WIB/WITA/WIT for Indonesia, else ICU's short name
 * (`EST`, `BST`), or `GMT+4` where neither US nor British English has one.
 * Throws a RangeError for an unknown zone.
 */
export function zoneAbbreviation(instantMs: number, zone: string): string {
  const canonical = wallFormatter(zone).resolvedOptions().timeZone;
  const indonesian = INDONESIAN_ZONES.get(canonical) ?? INDONESIAN_ZONES.get(zone);
  if (indonesian !== undefined && offsetMs(instantMs, zone) === indonesian.offsetMs) {
    return indonesian.abbreviation;
  }
  // en-US names American zones (EST) and en-GB European ones (BST, CEST); each writes the
  // other's as GMT±N.
  const american = shortZoneName(instantMs, zone, 'en-US');
  if (!/^GMT[+-]/.test(american)) return american;
  const british = shortZoneName(instantMs, zone, 'en-GB');
  return /^GMT[+-]/.test(british) ? american : british;
}

/** Whether `zone` is an IANA time zone this host knows. */
export function isZone(zone: string): boolean {
  try {
    wallFormatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** Whether `value` is a 24-hour `HH:MM` time. */
export function isWallTime(value: unknown): boolean {
  return typeof value === 'string' && TIME_PATTERN.test(value);
}

/** Minutes after midnight of a 24-hour `HH:MM` time. Throws a RangeError for anything else. */
export function parseTime(value: string): number {
  const match = TIME_PATTERN.exec(value);
  if (match === null) throw new RangeError(`'${value}' is not a 24-hour HH:MM time`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** The calendar date `days` after `date` (`YYYY-MM-DD`). Throws a RangeError for a bad date. */
export function addDays(date: string, days: number): string {
  const { year, month, day } = parseDate(date);
  const shifted = new Date(utcMs(year, month, day, 0, 0, 0, 0) + days * DAY_MS);
  return formatDate(shifted.getUTCFullYear(), shifted.getUTCMonth() + 1, shifted.getUTCDate());
}

/** `HH:MM` of minutes after midnight (below a day). */
export function formatMinutes(minutes: number): string {
  return `${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
}

const NAME_OPTIONS: Readonly<Intl.DateTimeFormatOptions> = Object.freeze({ timeZoneName: 'short' });

function shortZoneName(instantMs: number, zone: string, locale: string): string {
  const formatter = zoneFormatter('name', locale, zone, NAME_OPTIONS);
  return (
    formatter.formatToParts(instantMs).find((part) => part.type === 'timeZoneName')?.value ?? zone
  );
}

/** The zone's offset from UTC at the instant (wall clock read as UTC, minus the instant). */
/** How far `zone`'s wall clock is ahead of UTC at an instant, in ms. */
export function offsetMs(instantMs: number, zone: string): number {
  const wall = wallClock(instantMs, zone);
  return (
    utcMs(wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second, wall.ms) - instantMs
  );
}

function utcMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
): number {
  // setUTCFullYear, unlike Date.UTC, does not read years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}

function isoWeekday(year: number, month: number, day: number): number {
  const weekday = new Date(utcMs(year, month, day, 0, 0, 0, 0)).getUTCDay();
  return weekday === 0 ? 7 : weekday;
}

function parseDate(value: string): { year: number; month: number; day: number } {
  const match = DATE_PATTERN.exec(value);
  if (match !== null) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(utcMs(year, month, day, 0, 0, 0, 0));
    // Date rolls 30 Feb over into March; a real date reads back unchanged.
    if (date.getUTCMonth() + 1 === month && date.getUTCDate() === day) return { year, month, day };
  }
  throw new RangeError(`'${value}' is not a calendar date (YYYY-MM-DD)`);
}

function formatDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

function pad2(value: number): string {
  return String(value).padStart(2, '0');
}
