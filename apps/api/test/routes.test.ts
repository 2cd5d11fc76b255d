import type { QueueMessage } from '@schedmon/domain';
import { QueueRefusedError, UnstorableValueError } from '@schedmon/domain';
import { createMemorySchedulerStore } from '@schedmon/domain/fakes';
import { describe, expect, it } from 'vitest';
import { DEV_API_KEY, loadApiKeys, sha256 } from '../src/auth.ts';
import {
  errorBodyOf,
  FULL_KEY,
  headers,
  makeApp,
  READ_KEY,
  registration,
  SERVICE_A_KEY,
  statusBody,
  useApp,
} from './helpers.ts';

const setup = useApp();

async function registered(id = 'service-a-eod') {
  const fixture = setup();
  const response = await fixture.app.inject({
    method: 'POST',
    url: '/api/v1/schedulers/register',
    headers: headers(),
    payload: registration(id),
  });
  expect(response.statusCode).toBe(201);
  return fixture;
}

describe('authentication', () => {
  it('answers 401 without a key and with an unknown key, in the error shape', async () => {
    const { app } = setup();
    const missing = await app.inject({ method: 'GET', url: '/api/v1/schedulers' });
    expect(missing.statusCode).toBe(401);
    expect(errorBodyOf(missing)).toMatchObject({
      error: 'Unauthorized',
      message: 'Missing API key in x-api-key header',
      path: '/api/v1/schedulers',
      method: 'GET',
    });
    const wrong = await app.inject({
      method: 'GET',
      url: '/api/v1/schedulers',
      headers: headers('nope'),
    });
    expect(wrong.statusCode).toBe(401);
    expect(errorBodyOf(wrong).message).toBe('Invalid API key');
    expect(wrong.body).not.toContain('nope');
  });

  it('answers 403 to a key writing outside its scope', async () => {
    const { app } = setup();
    const readOnly = await app.inject({
      method: 'POST',
      url: '/api/v1/schedulers/register',
      headers: headers(READ_KEY),
      payload: registration(),
    });
    expect(readOnly.statusCode).toBe(403);
    const otherService = await app.inject({
      method: 'POST',
      url: '/api/v1/schedulers/register',
      headers: headers(SERVICE_A_KEY),
      payload: registration('service-b-eod'),
    });
    expect(otherService.statusCode).toBe(403);
    expect(errorBodyOf(otherService).message).toBe(
      'API key service-a may not write scheduler service-b-eod',
    );
    const own = await app.inject({
      method: 'POST',
      url: '/api/v1/schedulers/register',
      headers: headers(SERVICE_A_KEY),
      payload: registration('service-a-backup'),
    });
    expect(own.statusCode).toBe(201);
  });

  it('shows a prefix-scoped key only its own schedulers', async () => {
    const { app } = setup();
    for (const id of ['service-a-eod', 'service-b-eod']) {
      await app.inject({
        method: 'POST',
        url: '/api/v1/schedulers/register',
        headers: headers(),
        payload: registration(id),
      });
    }
    const list = await app.inject({
      method: 'GET',
      url: '/api/v1/schedulers',
      headers: headers(SERVICE_A_KEY),
    });
    expect(list.json().map((record: { scheduler_id: string }) => record.scheduler_id)).toEqual([
      'service-a-eod',
    ]);
    const other = await app.inject({
      method: 'GET',
      url: '/api/v1/schedulers/service-b-eod',
      headers: headers(SERVICE_A_KEY),
    });
    expect(other.statusCode).toBe(403);
  });
});

describe('access rules', () => {
  const list = (app: ReturnType<typeof makeApp>['app'], key?: string, remoteAddress?: string) =>
    app.inject({
      method: 'GET',
      url: '/api/v1/schedulers',
      ...(key === undefined ? {} : { headers: headers(key) }),
      ...(remoteAddress ? { remoteAddress } : {}),
    });

  it('limits missing and unknown keys per client address, then refuses even a valid key', async () => {
    const { app, clock } = setup();
    for (let i = 0; i < 15; i += 1) {
      expect((await list(app, undefined, '203.0.113.7')).statusCode).toBe(401);
      expect((await list(app, `guess-${i}`, '203.0.113.7')).statusCode).toBe(401);
    }
    // 30 failures used: the next request from there is refused whatever its key, so a
    // guesser cannot tell a right guess from a wrong one.
    const blocked = await list(app, undefined, '203.0.113.7');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBe('60');
    expect(errorBodyOf(blocked)).toMatchObject({ error: 'Too Many Requests' });
    expect((await list(app, 'full-access-key', '203.0.113.7')).statusCode).toBe(429);
    // Other addresses are not affected; the window ends after a minute.
    expect((await list(app, 'full-access-key', '203.0.113.8')).statusCode).toBe(200);
    clock.advance(60_000);
    expect((await list(app, 'full-access-key', '203.0.113.7')).statusCode).toBe(200);
  });

  it('counts failures by the forwarded client address behind a trusted proxy only', async () => {
    const { app } = setup({ trustProxy: ['127.0.0.1'] });
    const viaProxy = (client: string, remoteAddress = '127.0.0.1') =>
      app.inject({
        method: 'GET',
        url: '/api/v1/schedulers',
        headers: { 'x-forwarded-for': client },
        remoteAddress,
      });
    for (let i = 0; i < 30; i += 1) expect((await viaProxy('198.51.100.1')).statusCode).toBe(401);
    expect((await viaProxy('198.51.100.1')).statusCode).toBe(429);
    // Another client behind the same proxy is not locked out by the first one's guesses.
    expect((await viaProxy('198.51.100.2')).statusCode).toBe(401);
    // An untrusted peer's X-Forwarded-For is ignored: it cannot pick its own address.
    for (let i = 0; i < 30; i += 1) {
      await viaProxy(`192.0.2.${i}`, '203.0.113.9');
    }
    expect((await viaProxy('192.0.2.200', '203.0.113.9')).statusCode).toBe(429);
  });

  it('refuses the development key forwarded from elsewhere by a trusted local proxy', async () => {
    const { app } = setup({ keys: loadApiKeys([DEV_API_KEY]), trustProxy: ['127.0.0.1'] });
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/schedulers',
      headers: { ...headers(DEV_API_KEY), 'x-forwarded-for': '198.51.100.1' },
    });
    expect(response.statusCode).toBe(403);
  });

  it('accepts the development key from this machine only', async () => {
    const { app } = setup({ keys: loadApiKeys([DEV_API_KEY]) });
    expect((await list(app, DEV_API_KEY, '127.0.0.1')).statusCode).toBe(200);
    expect((await list(app, DEV_API_KEY, '::1')).statusCode).toBe(200);
    const remote = await list(app, DEV_API_KEY, '192.168.1.20');
    expect(remote.statusCode).toBe(403);
    expect(errorBodyOf(remote).message).toContain('set API_KEYS');
  });

  it('lets a one-id scope write that id only, not ids it is a prefix of', async () => {
    const exact = 'exact-writer';
    const file = JSON.stringify([
      { name: 'exact', sha256: sha256(exact).toString('hex'), scopes: ['write:service-a-eod'] },
    ]);
    const { app } = setup({ keys: loadApiKeys([FULL_KEY], file) });
    const register = (id: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/schedulers/register',
        headers: headers(exact),
        payload: registration(id),
      });
    expect((await register('service-a-eod')).statusCode).toBe(201);
    expect((await register('service-a-eod-2')).statusCode).toBe(403);
  });
});

describe('POST /api/v1/schedulers/register', () => {
  it('creates a pending scheduler and returns the full record with nulls', async () => {
    const { app } = setup();
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/schedulers/register',
      headers: headers(),
      payload: { ...registration(), owner_email: 'ops@example.com', alert_user_id: 'U0123ABC' },
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      scheduler_id: 'service-a-eod',
      service_name: 'Service A',
      job_name: 'EOD Processing',
      status: 'pending',
      timestamp: '2026-01-15T01:00:00.000Z',
      execution_time_ms: null,
      error_message: null,
      metadata: null,
      last_heartbeat: null,
      created_at: '2026-01-15T01:00:00.000Z',
      updated_at: '2026-01-15T01:00:00.000Z',
      owner_email: 'ops@example.com',
      alert_user_id: 'U0123ABC',
      schedule: null,
      timezone: null,
      grace_seconds: 600,
      max_runtime_seconds: null,
      min_runtime_seconds: null,
      alert_after_failures: 1,
      recover_after_successes: 1,
      tags: [],
      paused_at: null,
      paused_until: null,
      pause_reason: null,
      archived_at: null,
      next_expected_at: null,
      due_at: null,
      due_kind: null,
      run_started_at: null,
      last_run_started_at: null,
      deadline_fired_at: null,
      deadline_fired_kind: null,
      deadline_unknown_at: null,
    });
  });

  it('accepts a 255-character id in the path', async () => {
    const id = `a${'b'.repeat(254)}`;
    const { app } = await registered(id);
    const response = await app.inject({
      method: 'GET',
      url: `/api/v1/schedulers/${id}`,
      headers: headers(),
    });
    expect(response.statusCode).toBe(200);
  });

  it('is an idempotent upsert that keeps status and times', async () => {
    const { app, clock } = await registered();
    clock.advance(60_000);
    const again = await app.inject({
      method: 'POST',
      url: '/api/v1/schedulers/register',
      headers: headers(),
      payload: { ...registration(), job_name: 'Renamed' },
    });
    expect(again.statusCode).toBe(201);
    expect(again.json()).toMatchObject({
      job_name: 'Renamed',
      status: 'pending',
      created_at: '2026-01-15T01:00:00.000Z',
      updated_at: '2026-01-15T01:01:00.000Z',
    });
  });

  it.each([
    [
      { ...registration(), scheduler_id: '-bad' },
      'scheduler_id has characters that are not allowed',
    ],
    [
      { ...registration(), scheduler_id: 'x'.repeat(256) },
      'scheduler_id must be at most 255 characters',
    ],
    [{ ...registration(), service_name: '' }, 'service_name must not be empty'],
    [
      { ...registration(), service_name: '   ' },
      'service_name has characters that are not allowed',
    ],
    [{ ...registration(), job_name: 'a\u0000b' }, 'job_name has characters that are not allowed'],
    [{ ...registration(), owner_email: 'not-an-email' }, 'owner_email must be a valid email'],
    [
      { ...registration(), alert_user_id: '@here' },
      'alert_user_id has characters that are not allowed',
    ],
    [{ ...registration(), extra: true }, 'extra is not an accepted field'],
    [{ service_name: 'A', job_name: 'B' }, 'scheduler_id is required'],
  ])('refuses %j with 400: %s', async (payload, problem) => {
    const { app } = setup();
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/schedulers/register',
      headers: headers(),
      payload,
    });
    expect(response.statusCode).toBe(400);
    const body = errorBodyOf(response);
    expect(body.error).toBe('Bad Request');
    expect(body.message).toEqual(expect.arrayContaining([expect.stringContaining(problem)]));
  });
});

describe('PUT /api/v1/schedulers/{id}/status', () => {
  it('queues the event and answers 202 with its id and times', async () => {
    const { app, queue } = await registered();
    const response = await app.inject({
      method: 'PUT',
      url: '/api/v1/schedulers/service-a-eod/status',
      headers: { ...headers(), 'x-request-id': 'req-42' },
      payload: statusBody('service-a-eod', {
        status: 'failed',
        timestamp: '2026-01-15T07:42:10.12+07:00',
        error_message: 'disk full',
        execution_time_ms: 15_000,
        metadata: { records_processed: 1000 },
        run_id: 'r-42',
      }),
    });
    expect(response.statusCode).toBe(202);
    const accepted = response.json();
    expect(accepted).toEqual({
      event_id: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ),
      scheduler_id: 'service-a-eod',
      status: 'failed',
      timestamp: '2026-01-15T00:42:10.120Z',
      accepted_at: '2026-01-15T01:00:00.000Z',
    });
    const [message] = await queue.consumer.receive(10, 0);
    expect(message?.attributes).toEqual({ request_id: 'req-42', source: 'http' });
    expect(JSON.parse(message?.body ?? '{}') as QueueMessage).toEqual({
      v: 1,
      type: 'status',
      event_id: accepted.event_id,
      scheduler_id: 'service-a-eod',
      service_name: 'Service A',
      job_name: 'EOD Processing',
      status: 'failed',
      timestamp: '2026-01-15T00:42:10.120Z',
      execution_time_ms: 15_000,
      error_message: 'disk full',
      metadata: { records_processed: 1000 },
      run_id: 'r-42',
      accepted_at: '2026-01-15T01:00:00.000Z',
    });
  });

  it('answers 404 for an unregistered scheduler and queues nothing', async () => {
    const { app, queue } = setup();
    const response = await app.inject({
      method: 'PUT',
      url: '/api/v1/schedulers/unknown-job/status',
      headers: headers(),
      payload: statusBody('unknown-job'),
    });
    expect(response.statusCode).toBe(404);
    expect(errorBodyOf(response).message).toBe(
      'Scheduler unknown-job not found. Please register first.',
    );
    expect(queue.depth()).toBe(0);
  });

  it.each([
    [statusBody('other-id'), 'scheduler_id must equal the id in the path (service-a-eod)'],
    [
      statusBody(undefined, { status: 'done' }),
      'status must be one of pending, running, completed, failed',
    ],
    [
      statusBody(undefined, { status: 'failed' }),
      'error_message is required when status is failed',
    ],
    [
      statusBody(undefined, { timestamp: '2026-01-15T01:05:00.001Z' }),
      'timestamp must not be more than 300 s in the future',
    ],
    [
      statusBody(undefined, { timestamp: 'yesterday' }),
      'timestamp must be an ISO 8601 timestamp with offset or Z',
    ],
    [statusBody(undefined, { execution_time_ms: -5 }), 'execution_time_ms must be at least 0'],
    [statusBody(undefined, { execution_time_ms: 1.5 }), 'execution_time_ms must be an integer'],
    [
      statusBody(undefined, { error_message: 'x'.repeat(10_001) }),
      'error_message must be at most 10000 characters',
    ],
    [
      statusBody(undefined, { metadata: { blob: 'x'.repeat(16_400) } }),
      'metadata must be at most 16384 bytes serialized',
    ],
    [statusBody(undefined, { metadata: [1, 2] }), 'metadata must be an object'],
    [statusBody(undefined, { run_id: 'r'.repeat(129) }), 'run_id must be at most 128 characters'],
    [statusBody(undefined, { surprise: 1 }), 'surprise is not an accepted field'],
  ])('refuses %j with 400 (%s), queueing nothing', async (payload, problem) => {
    const { app, queue } = await registered();
    const response = await app.inject({
      method: 'PUT',
      url: '/api/v1/schedulers/service-a-eod/status',
      headers: headers(),
      payload,
    });
    expect(response.statusCode).toBe(400);
    expect(errorBodyOf(response).message).toEqual(expect.arrayContaining([problem]));
    expect(queue.depth()).toBe(0);
  });

  it.each([
    ['1736900000000000000', 'metadata.n'],
    ['1e-200', 'metadata.n'],
    ['1e999', 'metadata.n'],
    ['{"list": [1, 2, -9007199254740993]}', 'metadata.n.list[2]'],
  ])('refuses metadata %s that cannot be stored exactly, naming %s', async (number, field) => {
    const { app, queue } = await registered();
    const body = JSON.stringify(statusBody(undefined, { status: 'failed', error_message: 'x' }));
    const response = await app.inject({
      method: 'PUT',
      url: '/api/v1/schedulers/service-a-eod/status',
      headers: { ...headers(), 'content-type': 'application/json' },
      payload: `${body.slice(0, -1)},"metadata":{"n":${number}}}`,
    });
    expect(response.statusCode).toBe(400);
    expect(errorBodyOf(response).message).toEqual([
      expect.stringContaining(`${field} must be a number that can be stored exactly`),
    ]);
    expect(queue.depth()).toBe(0);
  });

  it('refuses terminal escape sequences in error_message but keeps tabs and newlines', async () => {
    const { app } = await registered();
    const send = (error_message: string) =>
      app.inject({
        method: 'PUT',
        url: '/api/v1/schedulers/service-a-eod/status',
        headers: headers(),
        payload: statusBody(undefined, { status: 'failed', error_message }),
      });
    expect((await send('disk \u001b]8;;http://evil\u0007full')).statusCode).toBe(400);
    expect((await send('line 1\n\tline 2')).statusCode).toBe(202);
  });

  it('answers a value the store refuses with a 400 that keeps the engine text out', async () => {
    const refusing = createMemorySchedulerStore();
    refusing.register = async () => {
      throw new UnstorableValueError(
        'DynamoDB register cannot store the value: ValidationException: table arn:aws:dynamodb:eu-west-1:123456789012:table/schedulers',
      );
    };
    const { app } = setup({ schedulers: refusing });
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/schedulers/register',
      headers: headers(),
      payload: registration(),
    });
    expect(response.statusCode).toBe(400);
    expect(errorBodyOf(response).message).toBe('A value in the request cannot be stored');
    expect(response.body).not.toContain('123456789012');
  });

  it('answers 503 and not 202 when the queue refuses the event', async () => {
    const first = await registered();
    const refusing = setup({
      queue: {
        send: async () => {
          throw new QueueRefusedError('queue down');
        },
      },
      schedulers: first.schedulers,
    });
    await first.app.close();
    const response = await refusing.app.inject({
      method: 'PUT',
      url: '/api/v1/schedulers/service-a-eod/status',
      headers: headers(),
      payload: statusBody(),
    });
    expect(response.statusCode).toBe(503);
    expect(errorBodyOf(response).message).toBe('Service temporarily unavailable, retry later');
    expect(response.headers['retry-after']).toBe('5');
  });
});

describe('POST /api/v1/schedulers/{id}/heartbeat', () => {
  it('queues a heartbeat at now without a body, or at the given time', async () => {
    const { app, queue } = await registered();
    const bare = await app.inject({
      method: 'POST',
      url: '/api/v1/schedulers/service-a-eod/heartbeat',
      headers: headers(),
    });
    expect(bare.statusCode).toBe(202);
    expect(bare.json()).toEqual({
      message: 'Heartbeat recorded',
      scheduler_id: 'service-a-eod',
      timestamp: '2026-01-15T01:00:00.000Z',
      event_id: expect.any(String),
    });
    const timed = await app.inject({
      method: 'POST',
      url: '/api/v1/schedulers/service-a-eod/heartbeat',
      headers: headers(),
      payload: { scheduler_id: 'service-a-eod', timestamp: '2026-01-15T00:59:00Z' },
    });
    expect(timed.json().timestamp).toBe('2026-01-15T00:59:00.000Z');
    const messages = await queue.consumer.receive(10, 0);
    expect(messages.map((message) => JSON.parse(message.body).type)).toEqual([
      'heartbeat',
      'heartbeat',
    ]);
  });

  it('refuses a mismatched id (400) and an unknown scheduler (404)', async () => {
    const { app } = await registered();
    const mismatch = await app.inject({
      method: 'POST',
      url: '/api/v1/schedulers/service-a-eod/heartbeat',
      headers: headers(),
      payload: { scheduler_id: 'other' },
    });
    expect(mismatch.statusCode).toBe(400);
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/v1/schedulers/ghost/heartbeat',
      headers: headers(),
    });
    expect(unknown.statusCode).toBe(404);
    expect(errorBodyOf(unknown).message).toBe('Scheduler ghost not found. Please register first.');
  });
});

describe('reads', () => {
  it('lists sorted by service then job, filters by status and service', async () => {
    const { app, schedulers } = setup();
    await schedulers.register(
      { scheduler_id: 'b', service_name: 'Beta', job_name: 'Sync' },
      '2026-01-15T00:00:00.000Z',
    );
    await schedulers.register(
      { scheduler_id: 'a2', service_name: 'Alpha', job_name: 'Zed' },
      '2026-01-15T00:00:00.000Z',
    );
    await schedulers.register(
      { scheduler_id: 'a1', service_name: 'Alpha', job_name: 'Backup' },
      '2026-01-15T00:00:00.000Z',
    );
    const all = await app.inject({
      method: 'GET',
      url: '/api/v1/schedulers',
      headers: headers(READ_KEY),
    });
    expect(all.json().map((record: { scheduler_id: string }) => record.scheduler_id)).toEqual([
      'a1',
      'a2',
      'b',
    ]);
    const alpha = await app.inject({
      method: 'GET',
      url: '/api/v1/schedulers?service_name=Alpha',
      headers: headers(),
    });
    expect(alpha.json()).toHaveLength(2);
    const failed = await app.inject({
      method: 'GET',
      url: '/api/v1/schedulers?status=failed',
      headers: headers(),
    });
    expect(failed.json()).toEqual([]);
    const bad = await app.inject({
      method: 'GET',
      url: '/api/v1/schedulers?status=broken',
      headers: headers(),
    });
    expect(bad.statusCode).toBe(400);
    expect(errorBodyOf(bad).message).toEqual([
      'status must be one of pending, running, completed, failed',
    ]);
  });

  it('gets one record, 404 for an unknown one', async () => {
    const { app } = await registered();
    const found = await app.inject({
      method: 'GET',
      url: '/api/v1/schedulers/service-a-eod',
      headers: headers(),
    });
    expect(found.json()).toMatchObject({
      scheduler_id: 'service-a-eod',
      error_message: null,
      last_heartbeat: null,
    });
    const missing = await app.inject({
      method: 'GET',
      url: '/api/v1/schedulers/nope',
      headers: headers(),
    });
    expect(missing.statusCode).toBe(404);
    expect(errorBodyOf(missing).message).toBe('Scheduler nope not found');
  });

  it('returns history newest first with limit, from and to, and validates them', async () => {
    const { app, history } = await registered();
    const rows = [10, 20, 30].map((minute) => ({
      scheduler_id: 'service-a-eod',
      sk: `2026-01-15T00:${minute}:00.000Z#e${minute}`,
      id: `e${minute}`,
      type: 'status' as const,
      status: 'running' as const,
      timestamp: `2026-01-15T00:${minute}:00.000Z`,
      execution_time_ms: null,
      error_message: null,
      metadata: null,
      run_id: null,
      expires_at: Date.parse('2026-02-14T00:00:00Z') / 1000,
    }));
    await history.putAll(rows);
    const url = '/api/v1/schedulers/service-a-eod/history';
    const all = await app.inject({ method: 'GET', url, headers: headers() });
    expect(all.json().map((row: { id: string }) => row.id)).toEqual(['e30', 'e20', 'e10']);
    expect(all.json()[0]).toEqual({
      id: 'e30',
      scheduler_id: 'service-a-eod',
      type: 'status',
      status: 'running',
      timestamp: '2026-01-15T00:30:00.000Z',
      execution_time_ms: null,
      error_message: null,
      metadata: null,
      run_id: null,
    });
    const limited = await app.inject({
      method: 'GET',
      url: `${url}?limit=1&to=2026-01-15T00:20:00Z`,
      headers: headers(),
    });
    expect(limited.json().map((row: { id: string }) => row.id)).toEqual(['e20']);
    for (const [query, problem] of [
      ['limit=0', 'limit must be at least 1'],
      ['limit=1001', 'limit must be at most 1000'],
      ['limit=abc', 'limit must be an integer'],
      ['from=soon', 'from must be an ISO 8601 timestamp with offset or Z'],
      ['from=2026-01-15T02:00:00Z&to=2026-01-15T01:00:00Z', 'from must not be after to'],
    ] as const) {
      const response = await app.inject({
        method: 'GET',
        url: `${url}?${query}`,
        headers: headers(),
      });
      expect(response.statusCode, query).toBe(400);
      expect(errorBodyOf(response).message, query).toEqual([problem]);
    }
    const unknown = await app.inject({
      method: 'GET',
      url: '/api/v1/schedulers/ghost/history',
      headers: headers(),
    });
    expect(unknown.statusCode).toBe(404);
  });
});

describe('error answers of the HTTP layer', () => {
  it('answers 404 for an unknown route', async () => {
    const { app } = setup();
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/nothing?x=1',
      headers: headers(),
    });
    expect(response.statusCode).toBe(404);
    expect(errorBodyOf(response)).toMatchObject({ path: '/api/v1/nothing', error: 'Not Found' });
  });

  it('answers 413 for a body over the limit', async () => {
    const { app } = await registered();
    const response = await app.inject({
      method: 'PUT',
      url: '/api/v1/schedulers/service-a-eod/status',
      headers: { ...headers(), 'content-type': 'application/json' },
      payload: JSON.stringify(statusBody(undefined, { error_message: 'x'.repeat(70_000) })),
    });
    expect(response.statusCode).toBe(413);
    expect(errorBodyOf(response).error).toBe('Payload Too Large');
  });

  it('answers 415 for a body that is not JSON', async () => {
    const { app } = await registered();
    const response = await app.inject({
      method: 'PUT',
      url: '/api/v1/schedulers/service-a-eod/status',
      headers: { ...headers(), 'content-type': 'text/plain' },
      payload: 'status=running',
    });
    expect(response.statusCode).toBe(415);
    expect(errorBodyOf(response).error).toBe('Unsupported Media Type');
  });

  it('answers 400 for malformed JSON', async () => {
    const { app } = await registered();
    const response = await app.inject({
      method: 'PUT',
      url: '/api/v1/schedulers/service-a-eod/status',
      headers: { ...headers(), 'content-type': 'application/json' },
      payload: '{"scheduler_id": ',
    });
    expect(response.statusCode).toBe(400);
    expect(errorBodyOf(response).message).toBe('Malformed JSON in request body');
  });

  it('answers 500 without internals when a store fails unexpectedly', async () => {
    const { app } = setup({
      schedulers: {
        ...makeApp().schedulers,
        list: async () => {
          throw new Error('secret table arn:aws:dynamodb:xyz exploded');
        },
      },
    });
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/schedulers',
      headers: headers(),
    });
    expect(response.statusCode).toBe(500);
    expect(errorBodyOf(response).message).toBe('Internal server error');
    expect(response.body).not.toContain('arn:aws');
  });

  it('generates an x-request-id, or echoes a sane one', async () => {
    const { app } = setup();
    const generated = await app.inject({ method: 'GET', url: '/health' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'abc-1' },
    });
    expect(echoed.headers['x-request-id']).toBe('abc-1');
    const hostile = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'a\nb' },
    });
    expect(hostile.headers['x-request-id']).not.toContain('\n');
  });
});

describe('rate limiting', () => {
  it('answers the 101st request of a key within a minute with 429 and Retry-After; other keys go on', async () => {
    const { app } = setup();
    for (let i = 0; i < 100; i += 1) {
      const ok = await app.inject({ method: 'GET', url: '/api/v1/schedulers', headers: headers() });
      expect(ok.statusCode).toBe(200);
    }
    const limited = await app.inject({
      method: 'GET',
      url: '/api/v1/schedulers',
      headers: headers(),
    });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['x-ratelimit-limit']).toBe('100');
    expect(errorBodyOf(limited)).toMatchObject({ error: 'Too Many Requests' });
    const other = await app.inject({
      method: 'GET',
      url: '/api/v1/schedulers',
      headers: headers(READ_KEY),
    });
    expect(other.statusCode).toBe(200);
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
  });
});

describe('operations routes', () => {
  it('serves health, readiness, metrics and the OpenAPI document listing every route', async () => {
    const { app } = setup({
      readiness: async () => ({
        status: 'degraded',
        components: {
          slack: { status: 'down', message: 'x', lastChecked: '2026-01-15T01:00:00.000Z' },
        },
      }),
      metricsApiKey: 'metrics-secret',
    });
    expect((await app.inject({ method: 'GET', url: '/health' })).json()).toMatchObject({
      status: 'ok',
      version: '1.2.3',
    });
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().status).toBe('degraded');
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const metrics = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { 'x-api-key': 'metrics-secret' },
    });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('schedmon_http_request_duration_seconds');
    const openapi = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths).sort()).toEqual(
      [
        '/api/v1/schedulers',
        '/api/v1/schedulers/register',
        '/api/v1/schedulers/{id}',
        '/api/v1/schedulers/{id}/heartbeat',
        '/api/v1/schedulers/{id}/history',
        '/api/v1/schedulers/{id}/status',
        '/api/v1/schedulers/{id}/pause',
        '/api/v1/schedulers/{id}/resume',
        '/api/v1/events',
        '/api/v1/incidents',
        '/api/v1/incidents/{id}',
        '/api/v1/incidents/{id}/acknowledge',
        '/api/v1/incidents/{id}/deliveries',
        '/api/v1/schedulers/{id}/destinations',
        '/api/v1/boards',
        '/api/v1/boards/{id}',
        '/health',
        '/health/ready',
        '/metrics',
      ].sort(),
    );
    expect(
      openapi.paths['/api/v1/schedulers/{id}/status'].put.requestBody.content['application/json']
        .schema.properties.status.anyOf,
    ).toHaveLength(4);
    const docs = await app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toContain('text/html');
  });
});
