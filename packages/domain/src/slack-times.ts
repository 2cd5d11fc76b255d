/**
 * Times and durations as the messages write them: instants in the EOD zone, never the
 * host's, and a readable placeholder where an instant or a number is missing.
 */
import { TEXT_LENGTHS } from './slack-blocks.ts';
import { safeText } from './slack-text.ts';
import { formatWallTime, zoneFormatter } from './zoned-time.ts';

/** `HH:MM` in the zone; `--:--` for a missing or unreadable instant. */
export function formatClock(iso: string | null, timeZone: string): string {
  const ms = msOf(iso);
  return Number.isFinite(ms) ? formatWallTime(ms, timeZone) : '--:--';
}

// en-GB's short month names, which write September `Sept` (`formatBusinessDate`: `Sep`).
const DATE_TIME_OPTIONS: Readonly<Intl.DateTimeFormatOptions> = Object.freeze({
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
});

/** `15 Jan 2026 01:42` in the zone; `unknown time` for a missing or unreadable instant. */
export function formatDateTime(iso: string | null, timeZone: string): string {
  const ms = msOf(iso);
  if (!Number.isFinite(ms)) return 'unknown time';
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  const formatter = zoneFormatter('message-date-time', 'en-GB', timeZone, DATE_TIME_OPTIONS);
  for (const part of formatter.formatToParts(ms)) parts[part.type] = part.value;
  return `${parts.day} ${parts.month} ${parts.year} ${parts.hour}:${parts.minute}`;
}

function msOf(iso: string | null): number {
  return iso === null ? Number.NaN : Date.parse(iso);
}

/** The EOD zone's label (`WIB`) as a message shows it: escaped and cut. */
export function zoneText(zoneLabel: string): string {
  return safeText(zoneLabel, { max: TEXT_LENGTHS.label });
}

/** A time followed by the zone's label (`01:55 WIB`), or the time alone without a label. */
export function withZone(time: string, zoneLabel: string): string {
  return `${time} ${zoneLabel}`.trimEnd();
}

/** Whole minutes, rounded down and never negative; `?` for a number that is not finite. */
export function wholeMinutes(minutes: number): string {
  return Number.isFinite(minutes) ? String(Math.max(0, Math.floor(minutes))) : '?';
}

/** `850 ms`, `15.0 s`, `4 min 12 s`, `2 h 5 min`. */
export function formatDuration(ms: number): string {
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

/**
 * How long something lasted or how late it was, as people say it: `45 s`, `37 min`,
 * `1 h 31 min`, `2 d 3 h`. Rounded down (an incident open 59.9 s has not been open a
 * minute); `?` for a negative or non-finite number.
 */
export function formatElapsed(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const seconds = Math.floor(ms / 1_000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    const rest = minutes % 60;
    return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
  }
  const days = Math.floor(hours / 24);
  const rest = hours % 24;
  return rest === 0 ? `${days} d` : `${days} d ${rest} h`;
}
