/**
 * The Incidents page (docs/web.md): open and acknowledged incidents first, then resolved
 * ones a page at a time, filtered by board, kind and date; Acknowledge on the open ones
 * the key may write. And one incident's page.
 */
import type { IncidentRecord } from '@schedmon/domain';
import { INCIDENT_KINDS, incidentMark, UI_PATHS } from '@schedmon/domain';
import type { Html } from '../html.ts';
import { html } from '../html.ts';
import { when } from './format.ts';

export type IncidentsFilter = { board?: string; kind?: string; date?: string };

export type IncidentsView = {
  filter: IncidentsFilter;
  boardIds: readonly string[];
  unresolved: readonly IncidentRecord[];
  resolved: readonly IncidentRecord[];
  /** The query string of the next page of resolved incidents, if there may be one. */
  olderQuery?: string | undefined;
  /** Whether this is a later page (only resolved incidents are paged). */
  later: boolean;
  zone: string;
  mayWrite: (schedulerId: string) => boolean;
  /** Where the Acknowledge form comes back to. */
  returnTo: string;
};

export function stateWord(incident: Pick<IncidentRecord, 'state'>): string {
  return incident.state === 'open'
    ? 'Open'
    : incident.state === 'acknowledged'
      ? 'Acknowledged'
      : 'Resolved';
}

/** The Acknowledge button of an open incident, if the key may write its scheduler. */
export function acknowledgeForm(
  incident: IncidentRecord,
  mayWrite: (schedulerId: string) => boolean,
  returnTo: string,
): Html {
  if (incident.state !== 'open' || !mayWrite(incident.scheduler_id)) return html``;
  return html`<form class="inline" method="post" action="${UI_PATHS.incident(incident.incident_id)}/acknowledge">
<input type="hidden" name="return" value="${returnTo}">
<button type="submit">Acknowledge<span class="visually-hidden"> ${incident.service_name} &rsaquo; ${incident.job_name}</span></button></form>`;
}

function incidentTable(
  caption: string,
  incidents: readonly IncidentRecord[],
  view: IncidentsView,
): Html {
  if (incidents.length === 0) return html`<p>None.</p>`;
  return html`<table class="cards"><caption class="visually-hidden">${caption}</caption>
<thead><tr><th scope="col">State</th><th scope="col">Kind</th><th scope="col">Service &rsaquo; Job</th><th scope="col">Opened</th><th scope="col">Resolved</th><th scope="col">Acknowledged by</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${incidents.map(
    (incident) => html`<tr${incident.state === 'open' ? html` class="problem"` : ''}>
<td data-label="State"><span class="state-${incident.state}">${stateWord(incident)}</span></td>
<td data-label="Kind">${incidentMark(incident.kind)}</td>
<td data-label="Service &rsaquo; Job"><a href="${UI_PATHS.incident(incident.incident_id)}">${incident.service_name} &rsaquo; ${incident.job_name}</a></td>
<td data-label="Opened">${when(incident.opened_at, view.zone)}</td>
<td data-label="Resolved">${when(incident.resolved_at, view.zone)}</td>
<td data-label="Acknowledged by">${incident.acknowledged_by ?? '—'}</td>
<td data-label="Actions">${acknowledgeForm(incident, view.mayWrite, view.returnTo)}</td>
</tr>`,
  )}</tbody></table>`;
}

export function incidentsBody(view: IncidentsView): Html {
  const { filter } = view;
  const option = (value: string, label: string, chosen: string | undefined) =>
    html`<option value="${value}"${value === (chosen ?? '') ? html` selected` : ''}>${label}</option>`;
  return html`<h1>Incidents</h1>
<form class="filters" method="get" action="/ui/incidents">
<label for="f-board">Board<select id="f-board" name="board">${option('', 'All boards', filter.board)}${view.boardIds.map((id) => option(id, id, filter.board))}</select></label>
<label for="f-kind">Kind<select id="f-kind" name="kind">${option('', 'All kinds', filter.kind)}${INCIDENT_KINDS.map((kind) => option(kind, incidentMark(kind), filter.kind))}</select></label>
<label for="f-date">Opened on<input id="f-date" name="date" type="date" value="${filter.date ?? ''}"></label>
<button type="submit">Filter</button>
</form>
${
  view.later
    ? ''
    : html`<h2>Open and acknowledged</h2>${incidentTable('Open and acknowledged incidents', view.unresolved, view)}`
}
<h2>Resolved</h2>
${incidentTable('Resolved incidents, newest first', view.resolved, view)}
<div class="pager">${view.later ? html`<a href="/ui/incidents${queryOf(filter)}">Newest</a>` : ''}${view.olderQuery === undefined ? '' : html`<a href="/ui/incidents${view.olderQuery}">Older resolved incidents</a>`}</div>
<p class="muted">Times in ${view.zone}.</p>`;
}

/** `?board=a&kind=failed` of the filters that are set, or empty. */
export function queryOf(filter: IncidentsFilter, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries({ ...filter, ...extra })) {
    if (value !== undefined && value !== '') params.set(name, value);
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export type IncidentView = {
  incident: IncidentRecord;
  zone: string;
  mayWrite: (schedulerId: string) => boolean;
  flash?: string | undefined;
};

export function incidentBody(view: IncidentView): Html {
  const { incident } = view;
  const returnTo = UI_PATHS.incident(incident.incident_id);
  return html`<h1>${incidentMark(incident.kind)}: ${incident.service_name} &rsaquo; ${incident.job_name}</h1>
${view.flash === undefined ? '' : html`<p class="notice" role="status">${view.flash}</p>`}
<dl class="facts">
<dt>State</dt><dd><span class="state-${incident.state}">${stateWord(incident)}</span></dd>
<dt>Scheduler</dt><dd><a href="${UI_PATHS.scheduler(incident.scheduler_id)}">${incident.scheduler_id}</a></dd>
<dt>Opened</dt><dd>${when(incident.opened_at, view.zone)}</dd>
<dt>Last change</dt><dd>${when(incident.updated_at, view.zone)}</dd>
<dt>Resolved</dt><dd>${when(incident.resolved_at, view.zone)}</dd>
<dt>Events</dt><dd>${incident.events}</dd>
<dt>Acknowledged</dt><dd>${incident.acknowledged_by === null ? 'No' : `by ${incident.acknowledged_by} at ${when(incident.acknowledged_at, view.zone)}`}</dd>
</dl>
${acknowledgeForm(incident, view.mayWrite, returnTo)}
<p><a href="/ui/incidents">All incidents</a></p>`;
}
