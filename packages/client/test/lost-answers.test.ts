// The whole write path as users run it: the api process, a proxy between client and api
// that loses an answer, the worker process, the real engines and the fake Slack. A
// retried status write whose 202 was lost is one event: one history row, one alert
// (docs/api.md → Retries). A paused scheduler's failure is recorded but not alerted.
import type { Server } from 'node:http';
import { createServer, request as httpRequest } from 'node:http';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { FakeSlack } from '@schedmon/fake-slack';
import { startFakeSlack } from '@schedmon/fake-slack';
import { findFreePort, waitFor } from '@schedmon/local';
import { useTestEnvironment } from '@schedmon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchedmonClient } from '../src/index.ts';
import type { Stack } from './stack.ts';
import { API_KEY as KEY, startStack } from './stack.ts';

const environment = useTestEnvironment();

/**
 * A proxy to `target` that, while `drop` says so for a request, lets the api answer it
 * and then cuts the client's connection before the answer reaches it: the request was
 * served, the client saw a network error.
 */
async function startLossyProxy(target: string) {
  const port = await findFreePort();
  let dropped = 0;
  const rules: ((method: string, url: string) => boolean)[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const upstream = httpRequest(
        `${target}${incoming.url}`,
        { method: incoming.method, headers: incoming.headers },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => body.push(chunk));
          answer.on('end', () => {
            const index = rules.findIndex((rule) =>
              rule(incoming.method ?? '', incoming.url ?? ''),
            );
            if (index !== -1) {
              rules.splice(index, 1);
              dropped += 1;
              incoming.socket.destroy();
              return;
            }
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            outgoing.end(Buffer.concat(body));
          });
        },
      );
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    /** Loses the answer to the next request matching `rule`. */
    dropNext(rule: (method: string, url: string) => boolean) {
      rules.push(rule);
    },
    dropped: () => dropped,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('retries and pauses through the whole stack', () => {
  let slack: FakeSlack;
  let stack: Stack;
  let proxy: Awaited<ReturnType<typeof startLossyProxy>>;

  beforeAll(async () => {
    slack = await startFakeSlack();
    stack = await startStack(environment(), {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_CHANNEL_ID: 'C0ALERTS',
      SLACK_API_URL: slack.url,
    });
    proxy = await startLossyProxy(stack.baseUrl);
  }, 60_000);

  afterAll(async () => {
    await proxy?.stop();
    await stack?.stop();
    await slack?.stop();
  });

  /**
   * The queue holds nothing, visible or in flight: every copy the api sent has been
   * applied (or found a duplicate) and its alert decided, since the worker deletes a
   * message only after that.
   */
  const drained = () =>
    waitFor(
      async () => {
        const { Attributes } = await environment().clients.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: environment().queueUrl,
            AttributeNames: [
              'ApproximateNumberOfMessages',
              'ApproximateNumberOfMessagesNotVisible',
              'ApproximateNumberOfMessagesDelayed',
            ],
          }),
        );
        return Object.values(Attributes ?? {}).every((count) => count === '0');
      },
      'the queue to drain',
      30_000,
    );

  const call = (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) =>
    fetch(`${proxy.url}${path}`, {
      method,
      headers: {
        'x-api-key': KEY,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...extra,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  const register = async (id: string) => {
    const response = await call('POST', '/api/v1/schedulers/register', {
      scheduler_id: id,
      service_name: 'Retries',
      job_name: id,
      alert_user_id: 'U0ONCALL',
    });
    expect(response.status).toBe(201);
  };

  const failure = (id: string, minutesAgo: number) => ({
    scheduler_id: id,
    service_name: 'Retries',
    job_name: id,
    status: 'failed',
    timestamp: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    error_message: `disk full on ${id}`,
  });

  const historyOf = async (id: string) => {
    const rows = await stack.client.history(id, { limit: 100 });
    if (!rows.ok) throw rows.error;
    return rows.value.filter((row) => row.type === 'status');
  };
  const alertsOf = (id: string) =>
    slack
      .callsOf('chat.postMessage')
      .filter((post) => JSON.stringify(post.body).includes(`disk full on ${id}`));

  it('turns a status retried after its 202 was lost into one history row and one alert', async () => {
    const id = 'retry-raw';
    await register(id);
    const body = failure(id, 1);
    const headers = { 'idempotency-key': 'raw-run-1-failed' };
    proxy.dropNext((method, url) => method === 'PUT' && url.includes(`/${id}/status`));
    await expect(call('PUT', `/api/v1/schedulers/${id}/status`, body, headers)).rejects.toThrow();
    expect(proxy.dropped()).toBe(1);
    const retry = await call('PUT', `/api/v1/schedulers/${id}/status`, body, headers);
    expect(retry.status).toBe(202);
    await drained();
    await waitFor(() => alertsOf(id).length >= 1, 'the alert', 15_000);
    // The queue is empty: both copies were applied (or deduplicated) and their alerts decided.
    expect(await historyOf(id)).toHaveLength(1);
    expect(alertsOf(id)).toHaveLength(1);
  }, 60_000);

  it('makes the typed client’s own retry of a lost answer safe end to end', async () => {
    const id = 'retry-client';
    await register(id);
    const client = createSchedmonClient({
      baseUrl: proxy.url,
      apiKey: KEY,
      retries: 3,
      throwOnError: true,
    });
    const before = proxy.dropped();
    proxy.dropNext((method, url) => method === 'PUT' && url.includes(`/${id}/status`));
    const accepted = await client.status(failure(id, 1) as Parameters<typeof client.status>[0]);
    expect(proxy.dropped()).toBe(before + 1);
    expect(accepted.event_id).toMatch(/^k-/);
    await drained();
    await waitFor(() => alertsOf(id).length >= 1, 'the alert', 15_000);
    const rows = await historyOf(id);
    expect(rows.map((row) => row.id)).toEqual([accepted.event_id]);
    expect(alertsOf(id)).toHaveLength(1);
  }, 60_000);

  it('records a paused scheduler’s failure without an alert, and alerts the next one after resume', async () => {
    const id = 'paused-job';
    await register(id);
    expect(
      (await call('POST', `/api/v1/schedulers/${id}/pause`, { reason: 'migration' })).status,
    ).toBe(200);
    const quiet = failure(id, 0);
    expect((await call('PUT', `/api/v1/schedulers/${id}/status`, quiet)).status).toBe(202);
    await waitFor(
      async () => (await historyOf(id)).length === 1,
      'the paused failure recorded',
      30_000,
    );
    await drained();
    expect(alertsOf(id)).toHaveLength(0);
    expect((await call('POST', `/api/v1/schedulers/${id}/resume`)).status).toBe(200);
    const loud = { ...failure(id, 0), error_message: `disk full on ${id} again` };
    expect((await call('PUT', `/api/v1/schedulers/${id}/status`, loud)).status).toBe(202);
    await waitFor(() => alertsOf(id).length >= 1, 'the alert after resume', 15_000);
    await drained();
    expect(alertsOf(id).map((post) => JSON.stringify(post.body).includes('again'))).toEqual([true]);
    expect(await historyOf(id)).toHaveLength(2);
  }, 60_000);
});
