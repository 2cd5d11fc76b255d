// API v1 on in-memory fakes: retries with Idempotency-Key, batches, pages, archive,
// pause and ETags (docs/api.md). The real engines and the worker are in e2e.test.ts.
import type { QueueMessage, ReceivedMessage } from '@schedmon/domain';
import { EngineUnavailableError } from '@schedmon/domain';
import { describe, expect, it } from 'vitest';
import type { makeApp } from './helpers.ts';
import {
  errorBodyOf,
  headers,
  registration,
  SERVICE_A_KEY,
  statusBody,
  useApp,
} from './helpers.ts';

const setup = useApp();

type App = ReturnType<typeof makeApp>['app'];

async function register(app: App, id: string, extra: Record<string, unknown> = {}) {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/schedulers/register',
    headers: headers(),
    payload: { ...registration(id), ...extra },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

async function drain(queue: ReturnType<typeof makeApp>['queue']): Promise<QueueMessage[]> {
  const all: ReceivedMessage[] = [];
  for (;;) {
    const batch = await queue.consumer.receive(10, 0);
    if (batch.length === 0) break;
    all.push(...batch);
    await queue.consumer.delete(batch.map((message) => message.receiptHandle));
  }
  return all.map((message) => JSON.parse(message.body) as QueueMessage);
}

const status = (app: App, key: string | undefined, body = statusBody()) =>
  app.inject({
    method: 'PUT',
    url: `/api/v1/schedulers/${body.scheduler_id}/status`,
    headers: { ...headers(), ...(key === undefined ? {} : { 'idempotency-key': key }) },
    payload: body,
  });

describe('Idempotency-Key', () => {
  it('answers a retried status with the same body and re-sends the same event', async () => {
    const { app, clock, queue } = setup();
    await register(app, 'service-a-eod');
    const first = await status(app, 'run-42-completed');
    clock.advance(5_000);
    const retry = await status(app, 'run-42-completed');
    expect(first.statusCode).toBe(202);
    expect(retry.statusCode).toBe(202);
    expect(retry.body).toBe(first.body);
    const sent = await drain(queue);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual(sent[0]);
    expect(sent[0]?.event_id).toBe(first.json().event_id);
    expect(first.json().event_id).toMatch(/^k-[0-9a-f]{40}$/);
  });

  it('gives different keys, and the same key on another scheduler, different events', async () => {
    const { app } = setup();
    await register(app, 'service-a-eod');
    await register(app, 'service-a-two');
    const a = (await status(app, 'k1')).json().event_id;
    const b = (await status(app, 'k2')).json().event_id;
    const c = (await status(app, 'k1', statusBody('service-a-two'))).json().event_id;
    expect(new Set([a, b, c]).size).toBe(3);
    const unkeyed = [(await status(app, undefined)).json(), (await status(app, undefined)).json()];
    expect(unkeyed[0].event_id).not.toBe(unkeyed[1].event_id);
  });

  it('refuses a key reused for a different request with 422, sending nothing', async () => {
    const { app, queue } = setup();
    await register(app, 'service-a-eod');
    await status(app, 'k1');
    await drain(queue);
    const other = await status(app, 'k1', statusBody('service-a-eod', { status: 'completed' }));
    expect(other.statusCode).toBe(422);
    expect(errorBodyOf(other).message).toContain('Idempotency-Key was already used');
    expect(await drain(queue)).toEqual([]);
  });

  it('makes a key reused after its 24 h claim a new event, never the old one’s id', async () => {
    const { app, clock } = setup();
    await register(app, 'service-a-eod');
    const day1 = await status(app, 'nightly-eod-failed');
    clock.advance(25 * 3_600_000);
    const day2 = await status(
      app,
      'nightly-eod-failed',
      statusBody('service-a-eod', { timestamp: '2026-01-16T01:00:00.000Z' }),
    );
    expect(day2.statusCode).toBe(202);
    expect(day2.json().event_id).not.toBe(day1.json().event_id);
  });

  it('keeps a heartbeat without a timestamp the same event when it is retried later', async () => {
    const { app, clock } = setup();
    await register(app, 'service-a-eod');
    const beat = () =>
      app.inject({
        method: 'POST',
        url: '/api/v1/schedulers/service-a-eod/heartbeat',
        headers: { ...headers(), 'idempotency-key': 'beat-7' },
      });
    const first = await beat();
    clock.advance(60_000);
    const retry = await beat();
    expect(retry.statusCode).toBe(202);
    expect(retry.json()).toEqual(first.json());
  });

  it('refuses keys that are not 1–255 printable ASCII characters', async () => {
    const { app } = setup();
    await register(app, 'service-a-eod');
    for (const key of ['', 'k'.repeat(256), 'é']) {
      const response = await app.inject({
        method: 'PUT',
        url: '/api/v1/schedulers/service-a-eod/status',
        headers: { ...headers(), 'idempotency-key': key },
        payload: statusBody(),
      });
      expect(response.statusCode, key).toBe(400);
      expect(errorBodyOf(response).message[0]).toMatch(/idempotency-key/i);
    }
  });

  it('claims nothing for a request that is refused, so a corrected retry is accepted', async () => {
    const { app } = setup();
    await register(app, 'service-a-eod');
    const bad = await status(app, 'k1', statusBody('service-a-eod', { status: 'failed' }));
    expect(bad.statusCode).toBe(400);
    const good = await status(
      app,
      'k1',
      statusBody('service-a-eod', { status: 'failed', error_message: 'disk full' }),
    );
    expect(good.statusCode).toBe(202);
  });
});

describe('POST /api/v1/events', () => {
  const batch = (app: App, events: unknown[], extra: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { ...headers(), ...extra },
      payload: { events },
    });

  it('enqueues 97 of 100 events and names the 3 invalid ones by index, in the error shape', async () => {
    const { app, queue } = setup();
    await register(app, 'service-a-eod');
    const events: unknown[] = Array.from({ length: 100 }, (_, index) =>
      index % 2 === 0
        ? {
            type: 'status',
            ...statusBody(),
            timestamp: `2026-01-15T00:${String(index % 60).padStart(2, '0')}:00Z`,
          }
        : { type: 'heartbeat', scheduler_id: 'service-a-eod' },
    );
    events[3] = { type: 'status', ...statusBody(), status: 'done' };
    events[50] = { type: 'status', ...statusBody(), status: 'failed' };
    events[99] = { type: 'reboot', scheduler_id: 'service-a-eod' };
    const response = await batch(app, events);
    expect(response.statusCode).toBe(202);
    const body = response.json();
    expect(body.accepted).toBe(97);
    expect(body.rejected).toBe(3);
    expect(body.results).toHaveLength(100);
    expect(body.results.map((result: { index: number }) => result.index)).toEqual(
      Array.from({ length: 100 }, (_, index) => index),
    );
    const errors = body.results.filter((result: { error?: unknown }) => result.error);
    expect(errors.map((result: { index: number }) => result.index)).toEqual([3, 50, 99]);
    for (const result of errors) {
      expect(errorBodyOf({ statusCode: 400, json: () => result.error }).statusCode).toBe(400);
    }
    expect(errors[0].error.message).toEqual([
      'status must be one of pending, running, completed, failed',
    ]);
    expect(errors[1].error.message).toEqual(['error_message is required when status is failed']);
    expect(errors[2].error.message).toEqual(['type must be one of status, heartbeat']);
    const sent = await drain(queue);
    expect(sent).toHaveLength(97);
    const ids = body.results.flatMap((result: { event_id?: string }) => result.event_id ?? []);
    expect(new Set(sent.map((message) => message.event_id))).toEqual(new Set(ids));
  });

  it('refuses events for unknown, archived and out-of-scope schedulers alone', async () => {
    const { app } = setup();
    await register(app, 'service-a-eod');
    await register(app, 'service-b-eod');
    await register(app, 'service-a-gone');
    await app.inject({
      method: 'DELETE',
      url: '/api/v1/schedulers/service-a-gone',
      headers: headers(),
    });
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: headers(SERVICE_A_KEY),
      payload: {
        events: [
          { type: 'heartbeat', scheduler_id: 'service-a-eod' },
          { type: 'heartbeat', scheduler_id: 'service-a-ghost' },
          { type: 'heartbeat', scheduler_id: 'service-b-eod' },
          { type: 'heartbeat', scheduler_id: 'service-a-gone' },
        ],
      },
    });
    const results = response.json().results;
    expect(
      results.map((result: { error?: { statusCode: number } }) => result.error?.statusCode ?? 202),
    ).toEqual([202, 404, 403, 404]);
    expect(results[3].error.message).toBe(
      'Scheduler service-a-gone is archived. Register it again to restore it.',
    );
  });

  it('repeats every event of a retried batch under its Idempotency-Key', async () => {
    const { app, clock } = setup();
    await register(app, 'service-a-eod');
    const events = [
      { type: 'status', ...statusBody() },
      { type: 'heartbeat', scheduler_id: 'service-a-eod' },
      { type: 'status', ...statusBody(), status: 'completed', timestamp: '2026-01-15T00:50:00Z' },
    ];
    const first = await batch(app, events, { 'idempotency-key': 'batch-1' });
    clock.advance(10_000);
    const retry = await batch(app, events, { 'idempotency-key': 'batch-1' });
    expect(retry.json()).toEqual(first.json());
    const ids = first.json().results.map((result: { event_id: string }) => result.event_id);
    expect(new Set(ids).size).toBe(3);
    // Retried in another order: each event is still itself.
    const reordered = await batch(app, [...events].reverse(), { 'idempotency-key': 'batch-1' });
    expect(reordered.json().results.map((result: { event_id: string }) => result.event_id)).toEqual(
      [...ids].reverse(),
    );
    // A changed event under the same batch key is a new event, not a 422.
    const changed = await batch(app, [{ ...events[0], status: 'completed' }], {
      'idempotency-key': 'batch-1',
    });
    expect(changed.json().results[0].event_id).not.toBe(ids[0]);
  });

  it('refuses a batch from a key that may write nothing with 403', async () => {
    const { app } = setup();
    await register(app, 'service-a-eod');
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: headers('read-only-key'),
      payload: { events: [{ type: 'heartbeat', scheduler_id: 'service-a-eod' }] },
    });
    expect(response.statusCode).toBe(403);
  });

  it('answers 503 when the queue took none of them, and 202 with the errors when it took some', async () => {
    let calls = 0;
    const { app } = setup({
      queue: {
        send: async () => {
          calls += 1;
          if (calls !== 2) throw new EngineUnavailableError('sqs', 'down');
          return { messageId: 'm' };
        },
      },
    });
    await register(app, 'service-a-eod');
    const one = [{ type: 'heartbeat', scheduler_id: 'service-a-eod' }];
    const down = await batch(app, one);
    expect(down.statusCode).toBe(503);
    expect(errorBodyOf(down).message).toBe('Service temporarily unavailable, retry later');
    const partly = await batch(app, [...one, ...one]);
    expect(partly.statusCode).toBe(202);
    expect(partly.json()).toMatchObject({ accepted: 1, rejected: 1 });
  });
});

describe('pages', () => {
  const page = (app: App, query: string) =>
    app.inject({ method: 'GET', url: `/api/v1/schedulers?${query}`, headers: headers() });
  const nextOf = (link: unknown) => {
    const match = /^<([^>]+)>; rel="next"$/.exec(String(link ?? ''));
    return match?.[1];
  };

  it('walks 2,500 schedulers in pages of 1,000, each exactly once, while others are registered', async () => {
    const { app, schedulers } = setup();
    const ids = Array.from({ length: 2500 }, (_, index) => `job-${String(index).padStart(4, '0')}`);
    const now = '2026-01-15T00:00:00.000Z';
    for (const id of ids) {
      // Services in an order unlike the ids, so the sort is by name, then id.
      await schedulers.register(
        { scheduler_id: id, service_name: `svc-${id.length % 3}-${id.at(-1)}`, job_name: 'EOD' },
        now,
      );
    }
    const seen: string[] = [];
    let url: string | undefined = '/api/v1/schedulers?limit=1000';
    let pages = 0;
    while (url) {
      const response = await app.inject({ method: 'GET', url, headers: headers() });
      expect(response.statusCode).toBe(200);
      const records = response.json() as { scheduler_id: string; service_name: string }[];
      seen.push(...records.map((record) => record.scheduler_id));
      pages += 1;
      // Registered during the walk: before and after the cursor's position.
      await schedulers.register(
        { scheduler_id: `new-${pages}-a`, service_name: 'aaa', job_name: 'x' },
        now,
      );
      await schedulers.register(
        { scheduler_id: `new-${pages}-z`, service_name: 'zzz', job_name: 'x' },
        now,
      );
      url = nextOf(response.headers.link);
    }
    const original = seen.filter((id) => id.startsWith('job-'));
    expect(original).toHaveLength(2500);
    expect(new Set(original).size).toBe(2500);
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('sees each scheduler once even when schedulers are renamed during the walk', async () => {
    const { app, schedulers } = setup();
    const now = '2026-01-15T00:00:00.000Z';
    const names = { a: 'B', b: 'C', c: 'D' };
    for (const [id, service] of Object.entries(names)) {
      await schedulers.register({ scheduler_id: id, service_name: service, job_name: 'j' }, now);
    }
    const seen: string[] = [];
    let url: string | undefined = '/api/v1/schedulers?limit=1';
    while (url) {
      const response = await app.inject({ method: 'GET', url, headers: headers() });
      seen.push(...response.json().map((record: { scheduler_id: string }) => record.scheduler_id));
      // Moves a to the end and c to the front of the name order.
      await schedulers.register({ scheduler_id: 'a', service_name: 'Z', job_name: 'j' }, now);
      await schedulers.register({ scheduler_id: 'c', service_name: 'A', job_name: 'j' }, now);
      url = nextOf(response.headers.link);
    }
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('refuses a history cursor that is not a row key it handed out', async () => {
    const { app } = setup();
    await register(app, 'service-a-eod');
    const cursor = Buffer.from(JSON.stringify(['2026-01-15T00:00:00.000Z#😀'])).toString(
      'base64url',
    );
    const response = await app.inject({
      method: 'GET',
      url: `/api/v1/schedulers/service-a-eod/history?cursor=${cursor}`,
      headers: headers(),
    });
    expect(response.statusCode).toBe(400);
  });

  it('hands out cursors the api takes back for the longest ids', async () => {
    const { app, schedulers } = setup();
    for (const letter of ['a', 'b']) {
      await schedulers.register(
        {
          scheduler_id: letter.repeat(255),
          service_name: '名'.repeat(255),
          job_name: '前'.repeat(255),
        },
        '2026-01-15T00:00:00.000Z',
      );
    }
    const first = await page(app, 'limit=1');
    const next = nextOf(first.headers.link);
    const second = await app.inject({ method: 'GET', url: next ?? '', headers: headers() });
    expect(second.statusCode).toBe(200);
    expect(second.json()[0].scheduler_id).toBe('b'.repeat(255));
  });

  it('keeps the filters in the next link, and ends without one', async () => {
    const { app } = setup();
    for (const id of ['a', 'b', 'c']) await register(app, `job-${id}`, { tags: ['nightly'] });
    await register(app, 'job-d');
    const first = await page(app, 'limit=2&tag=nightly');
    expect(first.json().map((record: { scheduler_id: string }) => record.scheduler_id)).toEqual([
      'job-a',
      'job-b',
    ]);
    const next = nextOf(first.headers.link);
    expect(next).toMatch(/^\/api\/v1\/schedulers\?limit=2&tag=nightly&cursor=[A-Za-z0-9_-]+$/);
    const second = await app.inject({ method: 'GET', url: next ?? '', headers: headers() });
    expect(second.json().map((record: { scheduler_id: string }) => record.scheduler_id)).toEqual([
      'job-c',
    ]);
    expect(second.headers.link).toBeUndefined();
    const whole = await page(app, '');
    expect(whole.json()).toHaveLength(4);
    expect(whole.headers.link).toBeUndefined();
    expect((await page(app, 'board=default')).json()).toHaveLength(4);
    expect((await page(app, 'board=payments')).statusCode).toBe(404);
    expect((await page(app, 'cursor=WyJhIiwiYiIsImMiXQ')).statusCode).toBe(400);
  });

  it('pages history newest first through Link, inside from/to', async () => {
    const { app, history } = setup();
    await register(app, 'service-a-eod');
    const rows = Array.from({ length: 7 }, (_, index) => {
      const timestamp = `2026-01-15T00:0${index}:00.000Z`;
      return {
        scheduler_id: 'service-a-eod',
        sk: `${timestamp}#e${index}`,
        id: `e${index}`,
        type: 'status' as const,
        status: 'running' as const,
        timestamp,
        execution_time_ms: null,
        error_message: null,
        metadata: null,
        run_id: null,
        expires_at: Date.parse('2026-02-01T00:00:00Z') / 1000,
      };
    });
    await history.putAll(rows);
    const ids: string[] = [];
    let url: string | undefined =
      '/api/v1/schedulers/service-a-eod/history?limit=2&to=2026-01-15T00:05:00Z';
    while (url) {
      const response = await app.inject({ method: 'GET', url, headers: headers() });
      ids.push(...response.json().map((entry: { id: string }) => entry.id));
      url = nextOf(response.headers.link);
    }
    expect(ids).toEqual(['e5', 'e4', 'e3', 'e2', 'e1', 'e0']);
  });
});

describe('archive and restore', () => {
  it('archives: out of the list, events refused; registering restores it with its history', async () => {
    const { app } = setup();
    await register(app, 'service-a-eod', { tags: ['eod'] });
    const archived = await app.inject({
      method: 'DELETE',
      url: '/api/v1/schedulers/service-a-eod',
      headers: headers(),
    });
    expect(archived.statusCode).toBe(200);
    expect(archived.json().archived_at).toBe('2026-01-15T01:00:00.000Z');
    const list = await app.inject({ method: 'GET', url: '/api/v1/schedulers', headers: headers() });
    expect(list.json()).toEqual([]);
    const onlyArchived = await app.inject({
      method: 'GET',
      url: '/api/v1/schedulers?archived=true',
      headers: headers(),
    });
    expect(
      onlyArchived.json().map((record: { scheduler_id: string }) => record.scheduler_id),
    ).toEqual(['service-a-eod']);
    const refused = await status(app, undefined);
    expect(refused.statusCode).toBe(404);
    expect(errorBodyOf(refused).message).toBe(
      'Scheduler service-a-eod is archived. Register it again to restore it.',
    );
    const history = await app.inject({
      method: 'GET',
      url: '/api/v1/schedulers/service-a-eod/history',
      headers: headers(),
    });
    expect(history.statusCode).toBe(200);
    const restored = await register(app, 'service-a-eod');
    expect(restored.archived_at).toBeNull();
    expect((await status(app, undefined)).statusCode).toBe(202);
  });
});

describe('pause and resume', () => {
  it('pauses with an end and a reason, refuses an end in the past, resumes', async () => {
    const { app } = setup();
    await register(app, 'service-a-eod');
    const pause = (payload?: unknown) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/schedulers/service-a-eod/pause',
        headers: headers(),
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
    const paused = await pause({ until: '2026-01-15T09:00:00+07:00', reason: ' migration ' });
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toMatchObject({
      paused_at: '2026-01-15T01:00:00.000Z',
      paused_until: '2026-01-15T02:00:00.000Z',
      pause_reason: 'migration',
    });
    const past = await pause({ until: '2026-01-15T08:00:00+07:00' });
    expect(past.statusCode).toBe(400);
    expect(errorBodyOf(past).message).toEqual(['until must be in the future']);
    const open = await pause();
    expect(open.json()).toMatchObject({ paused_until: null, pause_reason: null });
    const resumed = await app.inject({
      method: 'POST',
      url: '/api/v1/schedulers/service-a-eod/resume',
      headers: headers(),
    });
    expect(resumed.json()).toMatchObject({
      paused_at: '2026-01-15T01:00:00.000Z',
      paused_until: '2026-01-15T01:00:00.000Z',
    });
  });
});

describe('ETag', () => {
  it('answers If-None-Match with 304 until the answer changes', async () => {
    const { app } = setup();
    await register(app, 'service-a-eod');
    const get = (etag?: string) =>
      app.inject({
        method: 'GET',
        url: '/api/v1/schedulers/service-a-eod',
        headers: { ...headers(), ...(etag ? { 'if-none-match': etag } : {}) },
      });
    const first = await get();
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    expect(first.headers['cache-control']).toBe('private, no-cache');
    expect(first.headers.vary).toContain('x-api-key');
    const same = await get(etag);
    expect(same.statusCode).toBe(304);
    expect(same.body).toBe('');
    expect((await get(`"other", ${etag.slice(2)}`)).statusCode).toBe(304);
    await register(app, 'service-a-eod', { tags: ['changed'] });
    const changed = await get(etag);
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    const list = await app.inject({ method: 'GET', url: '/api/v1/schedulers', headers: headers() });
    expect(list.headers.etag).toBeDefined();
    const write = await status(app, undefined);
    expect(write.headers.etag).toBeUndefined();
  });
});
