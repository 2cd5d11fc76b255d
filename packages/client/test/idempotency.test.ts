// Writes carry one Idempotency-Key per call, the same on every retry, so a retry of an
// attempt the api did receive is the same event: against a fake fetch that scripts the
// api's answers (503, a refused connection, 422) and records every request.
import { describe, expect, it } from 'vitest';
import type { SchedmonClientError } from '../src/index.ts';
import { createSchedmonClient } from '../src/index.ts';
import type { Answer } from './fake-fetch.ts';
import { errorBody, fakeFetch, heartbeatAccepted, statusAccepted, UUID } from './fake-fetch.ts';

const job = { scheduler_id: 'job-a', service_name: 'A', job_name: 'J' };
// Retry-After 0: the retry comes at once, the test does not wait out a backoff.
const unavailable: Answer = {
  status: 503,
  headers: { 'retry-after': '0' },
  body: errorBody(503, 'Service temporarily unavailable'),
};

/** A client on a fake fetch answering `answers` in order, the last one again after. */
function clientAnswering(answers: readonly Answer[], reported: SchedmonClientError[] = []) {
  const fake = fakeFetch((_, index) => answers[Math.min(index, answers.length - 1)] ?? 'refused');
  const client = createSchedmonClient({
    baseUrl: 'http://api.test',
    apiKey: 'k',
    fetch: fake.fetch,
    onError: (error) => reported.push(error),
  });
  return { client, sent: fake.sent };
}

const keysOf = (sent: readonly { headers: Record<string, string> }[]) =>
  sent.map((request) => request.headers['idempotency-key']);

describe('Idempotency-Key on writes', () => {
  it.each([
    ['a 503', unavailable],
    ['a refused connection', 'refused' as const],
  ])(
    'a status retried after %s carries the same key and body on both attempts',
    async (_name, first) => {
      const { client, sent } = clientAnswering([first, statusAccepted('job-a')]);
      const result = await client.status({ ...job, status: 'running' });
      expect(result.ok).toBe(true);
      expect(sent).toHaveLength(2);
      const [key, again] = keysOf(sent);
      expect(key).toMatch(UUID);
      expect(again).toBe(key);
      // The timestamp is fixed before the first attempt: the retry is the same request.
      expect(sent[1]?.body).toEqual(sent[0]?.body);
    },
  );

  it('gives two calls two keys, heartbeats and batches included', async () => {
    const { client, sent } = clientAnswering([statusAccepted('job-a')]);
    await client.status({ ...job, status: 'running' });
    await client.status({ ...job, status: 'running' });
    await client.heartbeat('job-a');
    await client.heartbeat('job-a');
    await client.sendEvents([{ type: 'heartbeat', scheduler_id: 'job-a' }]);
    const keys = keysOf(sent);
    expect(keys.every((key) => key !== undefined && UUID.test(key))).toBe(true);
    expect(new Set(keys).size).toBe(5);
  });

  it('sends no key on reads and on the routes that are safe to repeat anyway', async () => {
    const { client, sent } = clientAnswering([{ status: 200, body: [] }]);
    await client.getScheduler('job-a');
    await client.listSchedulers();
    await client.register(job);
    await client.pause('job-a');
    expect(keysOf(sent)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('does not retry a 422 (the key was used for another request)', async () => {
    const refusal = errorBody(422, 'Idempotency-Key was already used for a different request');
    const { client, sent } = clientAnswering([{ status: 422, body: refusal }]);
    const result = await client.status({ ...job, status: 'completed' });
    expect(sent).toHaveLength(1);
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'HTTP_ERROR', status: 422, attempts: 1, problems: [refusal.message] },
    });
  });

  it('sends the caller’s own key, on every attempt', async () => {
    const { client, sent } = clientAnswering([unavailable, heartbeatAccepted('job-a')]);
    const result = await client.heartbeat('job-a', { idempotencyKey: 'run-42/heartbeat-7' });
    expect(result.ok).toBe(true);
    expect(keysOf(sent)).toEqual(['run-42/heartbeat-7', 'run-42/heartbeat-7']);
  });

  it.each([
    ['', 'got an empty string'],
    ['x'.repeat(256), 'got 256 characters'],
    ['new\nline', 'got a character outside that range at position 4'],
    ['café', 'got a character outside that range at position 4'],
  ])('refuses the key %j before sending anything', async (key, why) => {
    const reported: SchedmonClientError[] = [];
    const { client, sent } = clientAnswering([statusAccepted('job-a')], reported);
    const result = await client.status({ ...job, status: 'running' }, { idempotencyKey: key });
    expect(sent).toEqual([]);
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_EVENT', attempts: 0 } });
    if (result.ok) return;
    expect(result.error.message).toBe(
      `idempotencyKey must be 1–255 printable ASCII characters (space to ~); ${why}`,
    );
    expect(reported).toEqual([result.error]);
  });

  it('throws a refused key with throwOnError', async () => {
    const fake = fakeFetch(() => heartbeatAccepted('job-a'));
    const client = createSchedmonClient({
      baseUrl: 'http://api.test',
      apiKey: 'k',
      fetch: fake.fetch,
      throwOnError: true,
    });
    await expect(client.heartbeat('job-a', { idempotencyKey: '' })).rejects.toMatchObject({
      name: 'SchedmonClientError',
      code: 'INVALID_EVENT',
    });
    expect(fake.sent).toEqual([]);
  });
});

describe('sendEvents', () => {
  const batchAccepted = {
    status: 202,
    body: {
      accepted: 1,
      rejected: 1,
      results: [
        { index: 0, event_id: 'e0', scheduler_id: 'job-a', type: 'status' },
        { index: 1, error: errorBody(404, 'Scheduler job-b not found. Please register first.') },
      ],
    },
  };

  it('posts the events with one key, their timestamps fixed once, and gives each event’s result', async () => {
    const { client, sent } = clientAnswering([unavailable, batchAccepted]);
    const result = await client.sendEvents([
      { type: 'status', ...job, status: 'running' },
      { type: 'heartbeat', scheduler_id: 'job-b' },
    ]);
    expect(result).toEqual({ ok: true, value: batchAccepted.body });
    expect(sent.map((request) => `${request.method} ${request.url}`)).toEqual([
      'POST /api/v1/events',
      'POST /api/v1/events',
    ]);
    const [first, retry] = sent;
    expect(first?.headers['idempotency-key']).toMatch(UUID);
    expect(retry?.headers['idempotency-key']).toBe(first?.headers['idempotency-key']);
    expect(retry?.body).toEqual(first?.body);
    expect(first?.body).toEqual({
      events: [
        { type: 'status', ...job, status: 'running', timestamp: expect.any(String) },
        { type: 'heartbeat', scheduler_id: 'job-b' },
      ],
    });
  });

  it.each([0, 101])('refuses %i events before sending anything', async (count) => {
    const { client, sent } = clientAnswering([batchAccepted]);
    const events = Array.from({ length: count }, () => ({
      type: 'heartbeat' as const,
      scheduler_id: 'job-a',
    }));
    const result = await client.sendEvents(events);
    expect(sent).toEqual([]);
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'INVALID_EVENT', message: `sendEvents takes 1–100 events; got ${count}` },
    });
  });

  it('takes 100', async () => {
    const { client, sent } = clientAnswering([batchAccepted]);
    const events = Array.from({ length: 100 }, () => ({
      type: 'heartbeat' as const,
      scheduler_id: 'job-a',
    }));
    expect((await client.sendEvents(events)).ok).toBe(true);
    expect(sent).toHaveLength(1);
  });
});
