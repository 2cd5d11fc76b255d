/**
 * The Scheduler page (docs/web.md): the record, its schedule and next expected start, the
 * last runs as a chart of their durations, the history a page at a time (older and back),
 * and its incidents.
 */
import type { HistoryRow, IncidentRecord, SchedulerRecord } from '@schedmon/domain';
import { incidentMark, nextOccurrence, UI_PATHS } from '@schedmon/domain';
import type { Html } from '../html.ts';
import { html } from '../html.ts';
import { duration, when } from './format.ts';
import { acknowledgeForm, stateWord } from './incidents.ts';

export type SchedulerView = {
  record: SchedulerRecord;
  zone: string;
  history: readonly HistoryRow[];
  /** Query strings of the older and the newer history page, when there are such pages. */
  olderQuery?: string | undefined;
  newerQuery?: string | undefined;
  incidents: readonly IncidentRecord[];
  chart: Html;
  mayWrite: (schedulerId: string) => boolean;
  nowMs: number;
};

/**
 * The record's next expected start as the watchdog keeps it, else the schedule's next
 * occurrence (a cron schedule; an `every` one counts from the last run, which the record
 * holds once it ran).
 */
function nextExpected(record: SchedulerRecord, zone: string, nowMs: number): string | null {
  if (record.next_expected_at !== null) return record.next_expected_at;
  if (record.schedule === null) return null;
  try {
    const next = nextOccurrence(record.schedule, record.timezone ?? zone, nowMs);
    return next === undefined ? null : new Date(next).toISOString();
  } catch {
    return null;
  }
}

function statusWord(row: Pick<HistoryRow, 'type' | 'status'>): string {
  if (row.type === 'heartbeat') return '💓 Heartbeat';
  switch (row.status) {
    case 'failed':
      return '❌ Failed';
    case 'running':
      return '🟡 Running';
    case 'completed':
      return '✅ Completed';
    default:
      return '⬜ Pending';
  }
}

export function schedulerBody(view: SchedulerView): Html {
  const { record, zone } = view;
  const path = UI_PATHS.scheduler(record.scheduler_id);
  return html`<h1>${record.service_name} &rsaquo; ${record.job_name}</h1>
<dl class="facts">
<dt>Scheduler id</dt><dd><code>${record.scheduler_id}</code></dd>
<dt>Status</dt><dd>${statusWord({ type: 'status', status: record.status })} at ${when(record.timestamp, zone)}</dd>
${record.error_message === null ? '' : html`<dt>Error</dt><dd>${record.error_message}</dd>`}
<dt>Duration</dt><dd>${duration(record.execution_time_ms)}</dd>
<dt>Last heartbeat</dt><dd>${when(record.last_heartbeat, zone)}</dd>
<dt>Schedule</dt><dd>${record.schedule === null ? 'none (no deadlines watched)' : html`<code>${record.schedule}</code> in ${record.timezone ?? zone}, grace ${record.grace_seconds} s${record.max_runtime_seconds === null ? '' : `, at most ${record.max_runtime_seconds} s`}`}</dd>
<dt>Next expected start</dt><dd>${when(nextExpected(record, zone, view.nowMs), zone)}</dd>
${record.paused_until === null && record.pause_reason === null ? '' : html`<dt>Paused</dt><dd>until ${when(record.paused_until, zone)}${record.pause_reason === null ? '' : ` (${record.pause_reason})`}</dd>`}
${record.tags.length === 0 ? '' : html`<dt>Tags</dt><dd>${record.tags.join(', ')}</dd>`}
</dl>
<h2>Last runs</h2>
${view.chart}
<h2 id="history">History</h2>
${
  view.history.length === 0
    ? html`<p>No history on this page.</p>`
    : html`<table class="cards"><caption class="visually-hidden">Status history, newest first</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col" class="num">Duration</th><th scope="col">Error</th></tr></thead>
<tbody>${view.history.map(
        (
          row,
        ) => html`<tr${row.status === 'failed' && row.type !== 'heartbeat' ? html` class="problem"` : ''}>
<td data-label="Time">${when(row.timestamp, zone)}</td>
<td data-label="Event">${statusWord(row)}</td>
<td data-label="Duration" class="num">${duration(row.execution_time_ms)}</td>
<td data-label="Error">${row.error_message ?? ''}</td></tr>`,
      )}</tbody></table>`
}
<nav class="pager" aria-label="History pages">${view.newerQuery === undefined ? '' : html`<a href="${path}${view.newerQuery}#history">Newer</a>`}${view.olderQuery === undefined ? '' : html`<a href="${path}${view.olderQuery}#history">Older</a>`}</nav>
<h2>Incidents</h2>
${
  view.incidents.length === 0
    ? html`<p>No incidents.</p>`
    : html`<ul>${view.incidents.map(
        (incident) =>
          html`<li><a href="${UI_PATHS.incident(incident.incident_id)}">${incidentMark(incident.kind)}</a>, ${stateWord(incident).toLowerCase()}, opened ${when(incident.opened_at, zone)} ${acknowledgeForm(incident, view.mayWrite, path)}</li>`,
      )}</ul>`
}
<p class="muted">Times in ${zone}.</p>`;
}
