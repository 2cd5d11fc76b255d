/** How the pages write times and durations: in a board's zone, with the zone's name. */
import { formatDateTime, formatDuration, zoneAbbreviation } from '@schedmon/domain';

/** `WIB (Asia/Jakarta)`, or just `UTC`. */
export function zoneLine(zone: string, atMs: number): string {
  const short = zoneAbbreviation(atMs, zone);
  return short === zone ? zone : `${short} (${zone})`;
}

/** `1 Dec 2026 01:42 WIB`, or `—` without a time. */
export function when(iso: string | null | undefined, zone: string): string {
  if (iso === null || iso === undefined) return '—';
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '—';
  return `${formatDateTime(iso, zone)} ${zoneAbbreviation(ms, zone)}`;
}

/** `15.0 s`, `1 h 02 min`, or `—`. */
export function duration(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '—' : formatDuration(ms);
}
