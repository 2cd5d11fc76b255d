// The client's retries against a tiny local HTTP server that answers what each test
// scripts: 429 with Retry-After, 503s, a silent server, a closed port.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findFreePort } from '@schedmon/local';
import { afterEach, describe, expect, it } from 'vitest';
import type { SchedmonClientError } from '../src/index.ts';
import { createSchedmonClient } from '../src/index.ts';

type Answer = { status: number; headers?: Record<string, string>; body?: unknown } | 'hang';
type Seen = { method: string; url: string; headers: IncomingMessage['headers']; body: string };

let server: Server | undefined;

/** Serves `answers` in order (the last one again once they run out). */
async function serve(answers: readonly Answer[]) {
  const seen: Seen[] = [];
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body,
      });
      const answer = answers[Math.min(seen.length, answers.length) - 1] ?? 'hang';
      if (answer === 'hang') return;
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      response.end(JSON.stringify(answer.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, seen };
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

const accepted = {
  status: 202,
  body: { message: 'Heartbeat recorded', scheduler_id: 'job-a', timestamp: 't', event_id: 'e' },
};
const errorBody = (statusCode: number, message: string | string[]) => ({
  statusCode,
  timestamp: '2026-01-15T01:00:00.000Z',
  path: '/x',
  method: 'POST',
  error: 'Error',
  message,
});

describe('the HTTP client retries', () => {
  it('waits as long as Retry-After says on a 429, then succeeds', async () => {
    const { baseUrl, seen } = await serve([
      { status: 429, headers: { 'retry-after': '1' }, body: errorBody(429, 'Rate limit') },
      accepted,
    ]);
    const client = createSchedmonClient({ baseUrl, apiKey: 'k' });
    const started = performance.now();
    const result = await client.heartbeat('job-a');
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    expect(result).toEqual({ ok: true, value: accepted.body });
    expect(seen).toHaveLength(2);
    // One request id for every attempt of one call, so the api's log ties them together.
    expect(seen[0]?.headers['x-request-id']).toBe(seen[1]?.headers['x-request-id']);
    expect(seen[0]?.headers['x-api-key']).toBe('k');
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/schedulers/job-a/heartbeat' });
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ scheduler_id: 'job-a' });
  });

  it('retries 503 twice with backoff, then succeeds', async () => {
    const unavailable = {
      status: 503,
      headers: {},
      body: errorBody(503, 'Service temporarily unavailable, retry later'),
    };
    const { baseUrl, seen } = await serve([unavailable, unavailable, accepted]);
    const result = await createSchedmonClient({ baseUrl, apiKey: 'k' }).heartbeat('job-a');
    expect(result.ok).toBe(true);
    expect(seen).toHaveLength(3);
  });

  it('never throws by default: a closed port resolves { ok: false } and is reported once', async () => {
    const port = await findFreePort();
    const reported: SchedmonClientError[] = [];
    const client = createSchedmonClient({
      baseUrl: `http://127.0.0.1:${port}`,
      apiKey: 'k',
      retries: 1,
      onError: (error) => reported.push(error),
    });
    const result = await client.status({
      scheduler_id: 'job-a',
      service_name: 'A',
      job_name: 'J',
      status: 'running',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ code: 'NETWORK_ERROR', attempts: 2 });
    expect(result.error.message).toContain('ECONNREFUSED');
    expect(reported).toEqual([result.error]);
  });

  it('does not retry a 400, and gives the api’s problems one per sentence', async () => {
    const problems = ['status must be one of pending, running, completed, failed'];
    const { baseUrl, seen } = await serve([{ status: 400, body: errorBody(400, problems) }]);
    const result = await createSchedmonClient({ baseUrl, apiKey: 'k', onError: () => {} }).status({
      scheduler_id: 'job-a',
      service_name: 'A',
      job_name: 'J',
      status: 'running',
      timestamp: '2026-01-15T01:00:00.000Z',
    });
    expect(seen).toHaveLength(1);
    expect(JSON.parse(seen[0]?.body ?? '')).toMatchObject({
      timestamp: '2026-01-15T01:00:00.000Z',
    });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'HTTP_ERROR', status: 400, problems },
    });
  });

  it('throws with throwOnError, and gives up at once when Retry-After is beyond maxRetryDelayMs', async () => {
    const { baseUrl, seen } = await serve([
      { status: 429, headers: { 'retry-after': '120' }, body: errorBody(429, 'Rate limit') },
    ]);
    const client = createSchedmonClient({
      baseUrl,
      apiKey: 'k',
      throwOnError: true,
      maxRetryDelayMs: 5_000,
    });
    await expect(client.getScheduler('job-a')).rejects.toMatchObject({
      name: 'SchedmonClientError',
      code: 'HTTP_ERROR',
      status: 429,
    });
    expect(seen).toHaveLength(1);
  });

  it('times out a silent api per attempt and retries it', async () => {
    const { baseUrl, seen } = await serve(['hang', accepted]);
    // The second attempt's answer must beat the same deadline: generous, so a busy
    // machine cannot make it lose (the first attempt costs the whole deadline anyway).
    const result = await createSchedmonClient({ baseUrl, apiKey: 'k', timeoutMs: 2_000 }).heartbeat(
      'job-a',
    );
    expect(result.ok).toBe(true);
    expect(seen).toHaveLength(2);
  });

  it('stops waiting when the caller’s signal aborts', async () => {
    const { baseUrl } = await serve(['hang']);
    const client = createSchedmonClient({ baseUrl, apiKey: 'k', onError: () => {} });
    const result = await client.history('job-a', { limit: 5, signal: AbortSignal.timeout(200) });
    expect(result).toMatchObject({ ok: false, error: { code: 'ABORTED' } });
  });
});
