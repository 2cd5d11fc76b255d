// /api/v1/incidents on the in-memory fakes (docs/api.md → Incidents): the list and its
// pages, one incident, acknowledging one; scopes and hostile ids. The Slack button that
// acknowledges too is in slack-app.test.ts.
import type { IncidentRecord, IncidentSignal, IncidentStore } from '@schedmon/domain';
import { applyIncidentSignal, boardOf, INCIDENT_KINDS, incidentIdOf } from '@schedmon/domain';
import { createMemoryIncidentStore } from '@schedmon/domain/fakes';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../src/auth.ts';
import { MAX_STORE_PAGES } from '../src/incident-pages.ts';
import type { makeApp } from './helpers.ts';
import {
  errorBodyOf,
  FULL_KEY,
  headers,
  READ_KEY,
  registration,
  SERVICE_A_KEY,
  useApp,
} from './helpers.ts';

const setup = useApp();

type Fixture = ReturnType<typeof makeApp>;
type App = Fixture['app'];

const NOW_MS = Date.parse('2026-01-15T01:00:00.000Z');
const NOW = new Date(NOW_MS).toISOString();
const minutesAgo = (minutes: number) => new Date(NOW_MS - minutes * 60_000).toISOString();
const STATES = ['open', 'acknowledged', 'resolved'] as const;

/** Incident `i`: opened `i + 1` minutes ago, kinds, states and schedulers in turn. */
function seeded(i: number, schedulerId = `service-${i % 2 === 0 ? 'a' : 'b'}-${i % 3}`) {
  const state = STATES[i % 3] ?? 'open';
  const openedAt = minutesAgo(i + 1);
  const record: IncidentRecord = {
    incident_id: incidentIdOf(schedulerId, `ev-${i}`),
    scheduler_id: schedulerId,
    kind: INCIDENT_KINDS[i % INCIDENT_KINDS.length] ?? 'failed',
    state,
    opened_at: openedAt,
    updated_at: openedAt,
    resolved_at: state === 'resolved' ? openedAt : null,
    events: 1,
    acknowledged_by: state === 'acknowledged' ? 'U0ACK' : null,
    acknowledged_at: state === 'acknowledged' ? openedAt : null,
    service_name: 'Service',
    job_name: 'Job',
    slack: null,
  };
  return record;
}

/** `count` incidents saved straight into the store, as the worker's transitions leave them. */
async function seed(store: IncidentStore, count: number) {
  const records = Array.from({ length: count }, (_, i) => seeded(i));
  for (const record of records) await store.saveIncident(record, 1, minutesAgo(0));
  return records;
}

const list = (app: App, url: string, key = FULL_KEY) =>
  app.inject({ method: 'GET', url, headers: headers(key) });

/** Every page from `url` on, following `Link: <…>; rel="next"`, and each page's size. */
async function walk(app: App, url: string, key = FULL_KEY) {
  const seen: IncidentRecord[] = [];
  const sizes: number[] = [];
  let next: string | undefined = url;
  while (next !== undefined) {
    const response = await list(app, next, key);
    expect(response.statusCode, response.body).toBe(200);
    const page = response.json().incidents as IncidentRecord[];
    seen.push(...page);
    sizes.push(page.length);
    const link = response.headers.link;
    next = typeof link === 'string' ? /^<([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined;
    expect(sizes.length).toBeLessThan(200);
  }
  return { ids: seen.map((incident) => incident.incident_id), sizes, seen };
}

const newestFirst = (records: IncidentRecord[]) =>
  [...records].sort((a, b) => (a.opened_at < b.opened_at ? 1 : -1)).map((r) => r.incident_id);

/** An incident store that counts the pages read from it. */
function counted(store: IncidentStore) {
  const reads: number[] = [];
  const wrapped: IncidentStore = {
    ...store,
    incidents: (query, now) => {
      reads.push(query.limit);
      return store.incidents(query, now);
    },
  };
  return { store: wrapped, reads };
}

describe('GET /api/v1/incidents', () => {
  it('walks 120 incidents newest first in pages, each exactly once', async () => {
    const { app, incidents } = setup();
    const records = await seed(incidents, 120);
    const first = await list(app, '/api/v1/incidents');
    expect(first.json().incidents).toHaveLength(50);
    expect(first.headers.link).toMatch(
      /^<\/api\/v1\/incidents\?cursor=[A-Za-z0-9_-]+>; rel="next"$/,
    );
    const { ids, sizes } = await walk(app, '/api/v1/incidents?limit=7');
    expect(ids).toEqual(newestFirst(records));
    expect(sizes).toEqual([...Array(17).fill(7), 1]);
  });

  it.each([
    ['state=acknowledged', (r: IncidentRecord) => r.state === 'acknowledged'],
    ['kind=missed', (r: IncidentRecord) => r.kind === 'missed'],
    ['scheduler_id=service-a-0', (r: IncidentRecord) => r.scheduler_id === 'service-a-0'],
    ['state=open&kind=failed', (r: IncidentRecord) => r.state === 'open' && r.kind === 'failed'],
    ['board=default', () => true],
  ])('filters by %s across the store’s pages, each match once', async (query, keep) => {
    const { app, incidents, schedulers } = setup();
    const records = await seed(incidents, 120);
    // Registered: a board's incidents are its members'.
    for (const id of new Set(records.map((record) => record.scheduler_id))) {
      await schedulers.register({ scheduler_id: id, service_name: 'S', job_name: id }, NOW);
    }
    const expected = newestFirst(records.filter(keep));
    expect(expected.length).toBeGreaterThan(0);
    const { ids, seen } = await walk(app, `/api/v1/incidents?${query}&limit=3`);
    expect(ids).toEqual(expected);
    expect(seen.every(keep)).toBe(true);
  });

  it('keeps the filters in the Link, and ends without one', async () => {
    const { app, incidents } = setup();
    await seed(incidents, 120);
    const response = await list(app, '/api/v1/incidents?kind=stale&limit=5');
    expect(response.headers.link).toMatch(
      /^<\/api\/v1\/incidents\?kind=stale&limit=5&cursor=[A-Za-z0-9_-]+>; rel="next"$/,
    );
    const all = await list(app, '/api/v1/incidents?limit=100&kind=stale');
    expect(all.json().incidents).toHaveLength(24);
    expect(all.headers.link).toBeUndefined();
  });

  it('reads at most 10 store pages of 100 per request, and goes on from a cursor', async () => {
    const fake = counted(createMemoryIncidentStore());
    const { app } = setup({ incidents: fake.store });
    await seed(fake.store, 1_100);
    // Only the oldest is service-z's: past what one request reads.
    const oldest = seeded(2_000, 'service-z-1');
    await fake.store.saveIncident({ ...oldest, opened_at: minutesAgo(5_000) }, 1, minutesAgo(0));

    const first = await list(app, '/api/v1/incidents?scheduler_id=service-z-1');
    expect(first.statusCode).toBe(200);
    expect(first.json().incidents).toEqual([]);
    expect(fake.reads).toEqual(Array(MAX_STORE_PAGES).fill(100));
    const link = /^<([^>]+)>/.exec(String(first.headers.link))?.[1] ?? '';
    fake.reads.length = 0;
    const second = await list(app, link);
    expect(second.json().incidents.map((r: IncidentRecord) => r.incident_id)).toEqual([
      oldest.incident_id,
    ]);
    expect(second.headers.link).toBeUndefined();
    expect(fake.reads.length).toBeLessThanOrEqual(2);
  });

  it('reads one store page of the size asked when nothing is filtered', async () => {
    const fake = counted(createMemoryIncidentStore());
    const { app } = setup({ incidents: fake.store });
    await seed(fake.store, 120);
    await list(app, '/api/v1/incidents?limit=20');
    expect(fake.reads).toEqual([20]);
  });

  it('shows a key limited to some schedulers only theirs', async () => {
    const { app, incidents } = setup();
    const records = await seed(incidents, 120);
    const { ids } = await walk(app, '/api/v1/incidents?limit=9', SERVICE_A_KEY);
    expect(ids).toEqual(
      newestFirst(records.filter((r) => r.scheduler_id.startsWith('service-a-'))),
    );
    const other = await list(app, '/api/v1/incidents?scheduler_id=service-b-1', SERVICE_A_KEY);
    expect(other.statusCode).toBe(403);
    expect(errorBodyOf(other).message).toBe('API key service-a may not read scheduler service-b-1');
  });

  it.each([
    ['a cursor that is not base64url JSON', 'cursor=bm90LWpzb24'],
    ['a scheduler list cursor', `cursor=${Buffer.from('["service-a-eod"]').toString('base64url')}`],
    [
      'a cursor of two positions',
      `cursor=${Buffer.from('["2026-01-15T00:00:00.000Z#a#b","x"]').toString('base64url')}`,
    ],
    ['characters a cursor never has', 'cursor=%21%21'],
    ['a limit over 100', 'limit=101'],
    ['a limit of 0', 'limit=0'],
    ['an unknown state', 'state=closed'],
    ['an unknown kind', 'kind=slow'],
    ['an unknown parameter', 'status=failed'],
  ])('refuses %s with 400', async (_name, query) => {
    const { app } = setup();
    const response = await list(app, `/api/v1/incidents?${query}`);
    expect(response.statusCode).toBe(400);
    errorBodyOf(response);
  });

  it("lists a board's members' incidents with ?board=, and every other scheduler's under default", async () => {
    const { app, incidents, schedulers, boards } = setup();
    const records = await seed(incidents, 12);
    const at = minutesAgo(60);
    for (const id of new Set(records.map((record) => record.scheduler_id))) {
      await schedulers.register({ scheduler_id: id, service_name: 'Service', job_name: id }, at);
    }
    await boards.put(
      boardOf(
        'team-a',
        {
          title: 'Team A',
          slack_channel_id: 'C0TEAMA',
          timezone: 'Asia/Jakarta',
          window_start: '00:00',
          window_end: '06:00',
          members: { scheduler_ids: ['service-a-*'] },
        },
        at,
      ),
      at,
    );
    const ids = async (query: string) => {
      const response = await list(app, `/api/v1/incidents?${query}`);
      expect(response.statusCode).toBe(200);
      return (response.json() as { incidents: IncidentRecord[] }).incidents.map(
        (incident) => incident.scheduler_id,
      );
    };
    const teamA = await ids('board=team-a');
    expect(teamA).toHaveLength(6);
    for (const id of teamA) expect(id).toMatch(/^service-a-/);
    const rest = await ids('board=default');
    expect(rest).toHaveLength(6);
    for (const id of rest) expect(id).toMatch(/^service-b-/);
  });

  it('answers 404 for a board other than default', async () => {
    const { app } = setup();
    const response = await list(app, '/api/v1/incidents?board=night-shift');
    expect(response.statusCode).toBe(404);
    expect(errorBodyOf(response).message).toBe('Board night-shift not found');
  });

  it('answers If-None-Match with 304 until the list changes', async () => {
    const { app, incidents } = setup();
    await seed(incidents, 3);
    const first = await list(app, '/api/v1/incidents');
    const again = await app.inject({
      method: 'GET',
      url: '/api/v1/incidents',
      headers: { ...headers(), 'if-none-match': String(first.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
  });
});

describe('GET /api/v1/incidents/{id}', () => {
  it('answers one incident by its percent-encoded id, and 404 for an unknown one', async () => {
    const { app, incidents } = setup();
    const [record] = await seed(incidents, 1);
    const url = `/api/v1/incidents/${encodeURIComponent(record?.incident_id ?? '')}`;
    expect(url).toContain('%23');
    const found = await list(app, url);
    expect(found.statusCode).toBe(200);
    expect(found.json()).toEqual(record);

    const missing = await list(app, '/api/v1/incidents/service-a-0%23nope');
    expect(missing.statusCode).toBe(404);
    expect(errorBodyOf(missing).message).toBe('Incident service-a-0#nope not found');
  });

  it('refuses a key without read on its scheduler with 403', async () => {
    const { app, incidents } = setup();
    const record = seeded(1, 'service-b-sync');
    await incidents.saveIncident(record, 1, minutesAgo(0));
    const response = await list(
      app,
      `/api/v1/incidents/${encodeURIComponent(record.incident_id)}`,
      SERVICE_A_KEY,
    );
    expect(response.statusCode).toBe(403);
  });
});

const HOSTILE_IDS: [string, string][] = [
  ['a NUL', '%00'],
  ['10 KB after a valid scheduler id', `service-a-0%23${'x'.repeat(10_240)}`],
  ['10 KB', 'x'.repeat(10_240)],
  ['a parent path', '..%2F'],
  ['a parent path twice', '..%2F..%2Fetc%2Fpasswd'],
  ['a parent path as event id', 'service-a-0%23..%2F..'],
  ['only #', '%23'],
  ['no event id', 'service-a-0%23'],
  ['no scheduler id', '%23ev-1'],
  ['two #', 'service-a-0%23ev-1%23ev-2'],
  ['a broken escape', '%E0%A4%A'],
  ['an emoji', '%F0%9F%92%A9%23x'],
  ['an escaped escape', 'service-a-0%2500'],
];

describe('hostile incident ids', () => {
  // 414 is the router's answer to a parameter over its 512 characters, on every route.
  it.each(HOSTILE_IDS)(
    'answers an id with %s in the error shape, never a 500',
    async (_name, id) => {
      const { app } = setup();
      for (const [method, suffix] of [
        ['GET', ''],
        ['POST', '/acknowledge'],
      ] as const) {
        const response = await app.inject({
          method,
          url: `/api/v1/incidents/${id}${suffix}`,
          headers: headers(),
        });
        expect([400, 404, 414], `${method} ${id.slice(0, 30)}`).toContain(response.statusCode);
        errorBodyOf(response);
      }
    },
  );
});

const POLICY = {
  alert_after_failures: 1,
  recover_after_successes: 1,
  min_runtime_seconds: null,
  quiet: false,
};

/** Applies `signal` to `schedulerId`'s incidents, as the worker does. */
async function signal(fixture: Fixture, schedulerId: string, input: IncidentSignal) {
  await applyIncidentSignal(
    { store: fixture.incidents, clock: fixture.clock, remindAfterMs: 3_600_000 },
    {
      schedulerId,
      signal: input,
      policy: POLICY,
      context: {
        scheduler: {
          scheduler_id: schedulerId,
          service_name: 'Service A',
          job_name: 'EOD Processing',
          alert_user_id: null,
        },
        opening: {
          at: input.at,
          expected_at: null,
          grace_seconds: 600,
          error_message: null,
          execution_time_ms: null,
          min_runtime_seconds: null,
          max_runtime_seconds: null,
          started_at: null,
          last_signal_at: null,
          failures_in_row: null,
        },
      },
    },
  );
}

/** A registered scheduler with an open `failed` incident; the incident's URL. */
async function opened(fixture: Fixture, schedulerId = 'service-a-eod', eventId = 'fail-1') {
  const response = await fixture.app.inject({
    method: 'POST',
    url: '/api/v1/schedulers/register',
    headers: headers(),
    payload: registration(schedulerId),
  });
  expect(response.statusCode).toBe(201);
  await signal(fixture, schedulerId, {
    type: 'failed',
    at: minutesAgo(10),
    event_id: eventId,
    error_message: 'disk full',
  });
  const id = incidentIdOf(schedulerId, eventId);
  return { id, url: `/api/v1/incidents/${encodeURIComponent(id)}` };
}

const acknowledge = (app: App, url: string, key = FULL_KEY, payload?: unknown) =>
  app.inject({
    method: 'POST',
    url: `${url}/acknowledge`,
    headers: headers(key),
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

/** What the box of `schedulerId` still owes Slack, by delivery (and reason) type. */
async function outboxOf(fixture: Fixture, schedulerId = 'service-a-eod') {
  const found = await fixture.incidents.box(schedulerId, minutesAgo(0));
  return (found?.box.outbox ?? []).map((entry) =>
    entry.delivery.type === 'reply' ? `reply:${entry.delivery.reason.type}` : entry.delivery.type,
  );
}

describe('POST /api/v1/incidents/{id}/acknowledge', () => {
  it('acknowledges as the key, queues one reply and one redraw, and a second time changes nothing', async () => {
    const fixture = setup();
    const { app, clock } = fixture;
    const { id, url } = await opened(fixture);
    const keyName = `key-${sha256(FULL_KEY).toString('hex').slice(0, 8)}`;

    const first = await acknowledge(app, url);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      incident_id: id,
      state: 'acknowledged',
      acknowledged_by: `api:${keyName}`,
      acknowledged_at: '2026-01-15T01:00:00.000Z',
      service_name: 'Service A',
    });
    expect((await list(app, url)).json()).toEqual(first.json());

    clock.advance(60_000);
    const second = await acknowledge(app, url, FULL_KEY, { by: 'someone-else' });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual(first.json());
    expect(await outboxOf(fixture)).toEqual(['post_root', 'reply:acknowledged', 'edit_root']);
    const box = await fixture.incidents.box('service-a-eod', minutesAgo(0));
    expect(box?.box.tracker.open).toMatchObject({ incident_id: id, state: 'acknowledged' });
    expect(box?.box.remind).toBeNull();
  });

  it('records who the body names, trimmed, and that it came through the api', async () => {
    const fixture = setup();
    const { url } = await opened(fixture);
    const keyName = `key-${sha256(FULL_KEY).toString('hex').slice(0, 8)}`;
    const response = await acknowledge(fixture.app, url, FULL_KEY, { by: '  Ops on call  ' });
    expect(response.json().acknowledged_by).toBe(`Ops on call via api:${keyName}`);
    // A Slack user id in the body can never read as that user.
    const other = await opened(fixture, 'service-b-eod');
    const named = await acknowledge(fixture.app, other.url, FULL_KEY, { by: 'U0BOSS' });
    expect(named.json().acknowledged_by).toBe(`U0BOSS via api:${keyName}`);
    // Not the shape of a Slack user id, so the thread shows it as text, never a mention.
    expect(named.json().acknowledged_by).not.toMatch(/^[UW][A-Z0-9]+$/);
  });

  it.each([
    ['a control character', { by: 'ops\u0007' }],
    ['101 characters', { by: 'x'.repeat(101) }],
    ['only spaces', { by: '   ' }],
    ['an unknown field', { by: 'ops', note: 'x' }],
    ['a number', { by: 7 }],
  ])('refuses a body with %s with 400, changing nothing', async (_name, body) => {
    const fixture = setup();
    const { url } = await opened(fixture);
    const response = await acknowledge(fixture.app, url, FULL_KEY, body);
    expect(response.statusCode).toBe(400);
    errorBodyOf(response);
    expect((await list(fixture.app, url)).json().state).toBe('open');
  });

  it('refuses a key without write on the scheduler with 403, changing nothing', async () => {
    const fixture = setup();
    const { url } = await opened(fixture, 'service-b-sync');
    for (const key of [READ_KEY, SERVICE_A_KEY]) {
      const response = await acknowledge(fixture.app, url, key);
      expect(response.statusCode, key).toBe(403);
      expect(errorBodyOf(response).message).toMatch(/may not write scheduler service-b-sync$/);
    }
    expect((await list(fixture.app, url)).json().state).toBe('open');
    expect(await outboxOf(fixture, 'service-b-sync')).toEqual(['post_root']);
  });

  it('answers 409 for a resolved incident, and 404 for an unknown one', async () => {
    const fixture = setup();
    const { url } = await opened(fixture);
    await signal(fixture, 'service-a-eod', {
      type: 'completed',
      at: minutesAgo(5),
      event_id: 'ok-1',
      duration_ms: 1_000,
    });
    const before = await outboxOf(fixture);
    const response = await acknowledge(fixture.app, url);
    expect(response.statusCode).toBe(409);
    expect(errorBodyOf(response).message).toBe(
      'Incident service-a-eod#fail-1 is resolved: only an open one can be acknowledged',
    );
    expect((await list(fixture.app, url)).json()).toMatchObject({
      state: 'resolved',
      acknowledged_by: null,
    });
    expect(await outboxOf(fixture)).toEqual(before);

    const unknown = await acknowledge(fixture.app, '/api/v1/incidents/service-a-eod%23nope');
    expect(unknown.statusCode).toBe(404);
    expect(errorBodyOf(unknown).message).toBe('Incident service-a-eod#nope not found');
  });

  it('answers 409 when the incident is no longer its scheduler’s open one', async () => {
    const fixture = setup();
    const { id, url } = await opened(fixture);
    // The read says open, but the box has moved on (its projection was not written).
    const stale = await fixture.incidents.incident(id, minutesAgo(0));
    await signal(fixture, 'service-a-eod', {
      type: 'completed',
      at: minutesAgo(5),
      event_id: 'ok-1',
      duration_ms: 1_000,
    });
    await signal(fixture, 'service-a-eod', {
      type: 'failed',
      at: minutesAgo(4),
      event_id: 'fail-2',
      error_message: null,
    });
    const lagging: IncidentStore = {
      ...fixture.incidents,
      incident: async (incidentId, now) =>
        incidentId === id ? stale : fixture.incidents.incident(incidentId, now),
    };
    // One app at a time (useApp): the first one is done with.
    await fixture.app.close();
    const { app } = setup({ incidents: lagging, schedulers: fixture.schedulers });
    const response = await acknowledge(app, url);
    expect(response.statusCode).toBe(409);
    expect(errorBodyOf(response).message).toBe(
      'Incident service-a-eod#fail-1 is no longer the open incident of scheduler service-a-eod',
    );
    const box = await fixture.incidents.box('service-a-eod', minutesAgo(0));
    expect(box?.box.tracker.open).toMatchObject({
      incident_id: 'service-a-eod#fail-2',
      state: 'open',
    });
  });
});
