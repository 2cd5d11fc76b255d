/**
 * Tonight's rows as the status table and the final summary show them: the row type, their
 * order (problems first) and their counts.
 */
import { incidentMark } from './incident-messages.ts';
import type { Incident } from './incidents.ts';
import type { SchedulerRecord, Status } from './scheduler.ts';
import { TEXT_LENGTHS } from './slack-blocks.ts';
import { safeText } from './slack-text.ts';
import { formatClock, wholeMinutes } from './slack-times.ts';

/** A running scheduler's silence, as stale detection found it. */
export type StaleInfo = {
  /** Whole minutes since `lastActivity`. */
  minutesSilent: number;
  /** ISO instant of the last heartbeat or status. */
  lastActivity: string;
};

/** One row of the status table: the record and tonight's status, decided by the caller. */
export type TableRow = {
  scheduler: SchedulerRecord;
  /** Tonight's status (docs/eod.md). */
  status: Status;
  /** Set when `status` is `running` and the scheduler is stale; ignored otherwise. */
  stale: StaleInfo | null;
  /** Paused now (docs/api.md): shown as ⏸, never as a problem. */
  paused: boolean;
};

/** What the table and the summary say when no scheduler is registered. */
export const NO_SCHEDULERS = 'No schedulers registered.';

/** Counts per status of the rows not paused; `paused` counts the others; `total` all. */
type Counts = Record<Status, number> & { stale: number; paused: number; total: number };

// Problems first (failed, then stale), then running, pending, completed.
const GROUP_ORDER: Readonly<Record<Status, number>> = {
  failed: 0,
  running: 2,
  pending: 3,
  completed: 4,
};
const STALE_GROUP = 1;
// A row with an unresolved incident is a problem row: after failures, with the stale ones.
const INCIDENT_GROUP = 1;
const PAUSED_GROUP = 5;

function isStale(row: TableRow): boolean {
  return !row.paused && row.status === 'running' && row.stale !== null;
}

/** Stale schedulers are running ones, so they count in `running` too; paused ones only as paused. */
export function countRows(rows: readonly TableRow[]): Counts {
  const counts: Counts = {
    pending: 0,
    running: 0,
    completed: 0,
    failed: 0,
    stale: 0,
    paused: 0,
    total: 0,
  };
  for (const row of rows) {
    if (row.paused) counts.paused += 1;
    else counts[row.status] += 1;
    if (isStale(row)) counts.stale += 1;
    counts.total += 1;
  }
  return counts;
}

/**
 * The counts line: `✅ 1 completed · 🟡 1 running · ⬜ 1 pending · ❌ 1 failed · ⚠️ 1 stale`,
 * `· ⏸ 1 paused` when some are, and `· 🚨 2 open incidents` when some are.
 */
export function formatCounts(counts: Counts, openIncidents = 0): string {
  return [
    `✅ ${counts.completed} completed`,
    `🟡 ${counts.running} running`,
    `⬜ ${counts.pending} pending`,
    `❌ ${counts.failed} failed`,
    `⚠️ ${counts.stale} stale`,
    ...(counts.paused > 0 ? [`⏸ ${counts.paused} paused`] : []),
    ...(openIncidents > 0
      ? [`🚨 ${openIncidents} open ${openIncidents === 1 ? 'incident' : 'incidents'}`]
      : []),
  ].join(' · ');
}

/** Each scheduler's unresolved incident, by scheduler id. */
export type ActiveIncidents = ReadonlyMap<string, Incident>;

const NO_ACTIVE_INCIDENTS: ActiveIncidents = new Map();

/**
 * Each scheduler's open or acknowledged incident (incidents.md: at most one; should there be
 * more, the newest). Resolved incidents show in the summary only, never in a row.
 */
export function activeIncidents(incidents: readonly Incident[] | undefined): ActiveIncidents {
  if (incidents === undefined || incidents.length === 0) return NO_ACTIVE_INCIDENTS;
  const active = new Map<string, Incident>();
  for (const incident of incidents) {
    if (incident.state === 'resolved') continue;
    const seen = active.get(incident.scheduler_id);
    if (seen === undefined || Date.parse(seen.opened_at) < Date.parse(incident.opened_at)) {
      active.set(incident.scheduler_id, incident);
    }
  }
  return active;
}

/** The row's unresolved incident; never one of a paused row, which shows only as paused. */
export function rowIncident(row: TableRow, active: ActiveIncidents): Incident | undefined {
  return row.paused ? undefined : active.get(row.scheduler.scheduler_id);
}

/** How many rows show an unresolved incident. */
export function countIncidentRows(rows: readonly TableRow[], active: ActiveIncidents): number {
  if (active.size === 0) return 0;
  return rows.filter((row) => rowIncident(row, active) !== undefined).length;
}

/**
 * A row's status with its unresolved incident beside it: `❗ Missed since 01:10 · ⬜ Pending`,
 * `(ack'd)` once acknowledged. A failed incident of a failed row is the failed cell itself,
 * which already says when and why.
 */
export function withIncident(
  statusCell: string,
  status: Status,
  incident: Incident,
  timeZone: string,
): string {
  const ack = incident.state === 'acknowledged' ? " (ack'd)" : '';
  if (incident.kind === 'failed' && status === 'failed') return `${statusCell}${ack}`;
  const since = formatClock(incident.opened_at, timeZone);
  return `${incidentMark(incident.kind)} since ${since}${ack} · ${statusCell}`;
}

/**
 * Rows in display order: by group, then service, job (case-insensitive) and scheduler id, so
 * the same rows always come out the same. A row with an unresolved incident in `active` is
 * a problem row.
 */
export function orderRows(
  rows: readonly TableRow[],
  active: ActiveIncidents = NO_ACTIVE_INCIDENTS,
): TableRow[] {
  const keyed = rows.map((row) => ({
    row,
    group: groupOf(row, active),
    service: row.scheduler.service_name.toLowerCase(),
    job: row.scheduler.job_name.toLowerCase(),
  }));
  keyed.sort(
    (a, b) =>
      a.group - b.group ||
      compareStrings(a.service, b.service) ||
      compareStrings(a.row.scheduler.service_name, b.row.scheduler.service_name) ||
      compareStrings(a.job, b.job) ||
      compareStrings(a.row.scheduler.job_name, b.row.scheduler.job_name) ||
      compareStrings(a.row.scheduler.scheduler_id, b.row.scheduler.scheduler_id),
  );
  return keyed.map((entry) => entry.row);
}

function groupOf(row: TableRow, active: ActiveIncidents): number {
  if (row.paused) return PAUSED_GROUP;
  const group = isStale(row) ? STALE_GROUP : GROUP_ORDER[row.status];
  return rowIncident(row, active) === undefined ? group : Math.min(group, INCIDENT_GROUP);
}

// Code-unit order: the same on every host, unlike `localeCompare`.
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The stale mark of a running row: `no heartbeat 14 min`. */
export function silence(minutesSilent: number): string {
  return `no heartbeat ${wholeMinutes(minutesSilent)} min`;
}

/** `⏸ Paused until 06:00 (maintenance)`: a pause says when it ends and why, if it can. */
export function pausedCell(
  scheduler: Pick<SchedulerRecord, 'paused_until' | 'pause_reason'>,
  timeZone: string,
): string {
  const until = scheduler.paused_until
    ? ` until ${formatClock(scheduler.paused_until, timeZone)}`
    : '';
  const reason = safeText(scheduler.pause_reason, { max: TEXT_LENGTHS.rowError });
  return `⏸ Paused${until}${reason.length > 0 ? ` (${reason})` : ''}`;
}
