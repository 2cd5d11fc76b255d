// Incidents: a page and the cursor of the next, the walk to the end, one incident by an
// id holding `#`, acknowledging one, and the api's 404 and 409. Against a fake fetch.
import type { IncidentRecord } from '@schedmon/domain';
import { describe, expect, it } from 'vitest';
import { createSchedmonClient } from '../src/index.ts';
import type { Answer, Sent } from './fake-fetch.ts';
import { errorBody, fakeFetch } from './fake-fetch.ts';

function clientOf(answer: (request: Sent, index: number) => Answer) {
  const fake = fakeFetch(answer);
  const client = createSchedmonClient({
    baseUrl: 'http://api.test/prefix',
    apiKey: 'k',
    fetch: fake.fetch,
    onError: () => {},
  });
  return { client, sent: fake.sent };
}

const ID = 'service-a-eod#dl-3f9a';

/** An incident record, as the api answers it. */
const incidentOf = (id: string, fields: Partial<IncidentRecord> = {}): IncidentRecord => ({
  incident_id: id,
  scheduler_id: id.slice(0, id.indexOf('#')),
  kind: 'missed',
  state: 'open',
  opened_at: '2026-01-15T00:00:00.000Z',
  updated_at: '2026-01-15T00:00:00.000Z',
  resolved_at: null,
  events: 1,
  acknowledged_by: null,
  acknowledged_at: null,
  service_name: 'Service A',
  job_name: 'EOD',
  slack: null,
  ...fields,
});

const page = (ids: string[], link?: string): Answer => ({
  status: 200,
  body: { incidents: ids.map((id) => incidentOf(id)) },
  ...(link === undefined ? {} : { headers: { link } }),
});

describe('listIncidentsPage', () => {
  it('sends the filter, limit and cursor, and reads the next cursor from Link', async () => {
    const { client, sent } = clientOf(() =>
      page(['a#e2', 'a#e1'], '</api/v1/incidents?limit=2&cursor=c2>; rel="next"'),
    );
    const result = await client.listIncidentsPage({
      state: 'open',
      kind: 'missed',
      scheduler_id: 'a',
      board: 'default',
      limit: 2,
      cursor: 'c1',
    });
    expect(sent.map((request) => request.url)).toEqual([
      '/prefix/api/v1/incidents?state=open&kind=missed&scheduler_id=a&board=default&limit=2&cursor=c1',
    ]);
    expect(result).toMatchObject({ ok: true, value: { next_cursor: 'c2' } });
    if (result.ok) expect(result.value.items.map((r) => r.incident_id)).toEqual(['a#e2', 'a#e1']);
  });

  it('fails on an answer without the incidents list', async () => {
    const { client } = clientOf(() => ({ status: 200, body: [] }));
    const result = await client.listIncidentsPage();
    expect(result).toMatchObject({ ok: false, error: { code: 'HTTP_ERROR', status: 200 } });
    if (!result.ok) {
      expect(result.error.message).toBe(
        'GET /api/v1/incidents answered 200 with a body that holds no incidents list',
      );
    }
  });
});

describe('listIncidents', () => {
  it('walks every page, empty ones too, newest first as the api gives them', async () => {
    const { client, sent } = clientOf(
      (_, index) =>
        [
          page(['a#e3'], '</api/v1/incidents?cursor=c1>; rel="next"'),
          page([], '</api/v1/incidents?cursor=c2>; rel="next"'),
          page(['b#e2', 'a#e1']),
        ][index] ?? { status: 500 },
    );
    const result = await client.listIncidents({ state: 'open' });
    expect(result.ok && result.value.map((r) => r.incident_id)).toEqual(['a#e3', 'b#e2', 'a#e1']);
    expect(sent.map((request) => request.url)).toEqual([
      '/prefix/api/v1/incidents?state=open&limit=100',
      '/prefix/api/v1/incidents?state=open&limit=100&cursor=c1',
      '/prefix/api/v1/incidents?state=open&limit=100&cursor=c2',
    ]);
  });

  it('stops a walk that would go round in circles', async () => {
    const { client, sent } = clientOf((_, index) =>
      page([`a#e${index}`], `</api/v1/incidents?cursor=c${index % 2}>; rel="next"`),
    );
    const result = await client.listIncidents();
    expect(sent).toHaveLength(3);
    expect(result).toMatchObject({ ok: false, error: { code: 'HTTP_ERROR', status: 200 } });
    if (!result.ok) {
      expect(result.error.message).toBe(
        'GET /api/v1/incidents gave a cursor it had given before: the list was not read to its end',
      );
    }
  });
});

describe('incident', () => {
  it('sends the `#` of the id as %23', async () => {
    const { client, sent } = clientOf(() => ({ status: 200, body: incidentOf(ID) }));
    expect(await client.incident(ID)).toEqual({ ok: true, value: incidentOf(ID) });
    expect(sent.map(({ method, url }) => [method, url])).toEqual([
      ['GET', '/prefix/api/v1/incidents/service-a-eod%23dl-3f9a'],
    ]);
  });

  it('maps a 404 to HTTP_ERROR with the api’s problem, not retried', async () => {
    const { client, sent } = clientOf(() => ({
      status: 404,
      body: errorBody(404, `Incident ${ID} not found`),
    }));
    const result = await client.incident(ID);
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'HTTP_ERROR', status: 404, problems: [`Incident ${ID} not found`] },
    });
    expect(sent).toHaveLength(1);
  });
});

describe('acknowledgeIncident', () => {
  it('posts who acknowledged, or an empty body, with no Idempotency-Key', async () => {
    const acknowledged = incidentOf(ID, {
      state: 'acknowledged',
      acknowledged_by: 'ops-bot',
      acknowledged_at: '2026-01-15T01:00:00.000Z',
    });
    const { client, sent } = clientOf(() => ({ status: 200, body: acknowledged }));
    expect(await client.acknowledgeIncident(ID, { by: 'ops-bot' })).toEqual({
      ok: true,
      value: acknowledged,
    });
    await client.acknowledgeIncident(ID);
    expect(sent.map(({ method, url, body }) => [method, url, body])).toEqual([
      ['POST', '/prefix/api/v1/incidents/service-a-eod%23dl-3f9a/acknowledge', { by: 'ops-bot' }],
      ['POST', '/prefix/api/v1/incidents/service-a-eod%23dl-3f9a/acknowledge', {}],
    ]);
    expect(sent[0]?.headers['idempotency-key']).toBeUndefined();
  });

  it('maps a 409 (resolved) to HTTP_ERROR, not retried', async () => {
    const message = `Incident ${ID} is resolved: only an open one can be acknowledged`;
    const { client, sent } = clientOf(() => ({ status: 409, body: errorBody(409, message) }));
    expect(await client.acknowledgeIncident(ID)).toMatchObject({
      ok: false,
      error: { code: 'HTTP_ERROR', status: 409, problems: [message] },
    });
    expect(sent).toHaveLength(1);
  });
});
