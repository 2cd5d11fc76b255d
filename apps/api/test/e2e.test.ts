// The real api process on the real engines: what a service sees over HTTP, and what
// lands on the queue for the worker.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { findFreePort } from '@schedmon/local';
import { useTestEnvironment } from '@schedmon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const KEY = 'e2e-key';
const environment = useTestEnvironment();

describe('api process end to end', () => {
  let api: ChildProcess;
  let base: string;
  let exited: Promise<number | null>;

  beforeAll(async () => {
    const port = await findFreePort();
    base = `http://127.0.0.1:${port}`;
    api = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH,
        ...environment().env,
        API_KEYS: KEY,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    exited = new Promise((resolve) => api.once('exit', resolve));
    const deadline = performance.now() + 15_000;
    for (;;) {
      const ok = await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (performance.now() > deadline) throw new Error('api did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  afterAll(async () => {
    api.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  const call = (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method,
      headers: {
        'x-api-key': KEY,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...extra,
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  it('registers, accepts a status (202) and puts the documented message on the queue', async () => {
    const registered = await call('POST', '/api/v1/schedulers/register', {
      scheduler_id: 'service-a-eod-process',
      service_name: 'Service A',
      job_name: 'EOD Processing',
    });
    expect(registered.status).toBe(201);
    const accepted = await call(
      'PUT',
      '/api/v1/schedulers/service-a-eod-process/status',
      {
        scheduler_id: 'service-a-eod-process',
        service_name: 'Service A',
        job_name: 'EOD Processing',
        status: 'failed',
        timestamp: new Date(Date.now() - 1000).toISOString(),
        execution_time_ms: 15_000,
        error_message: 'disk full',
        metadata: { records_processed: 1000 },
      },
      { 'x-request-id': 'e2e-request-1' },
    );
    expect(accepted.status).toBe(202);
    const body = (await accepted.json()) as { event_id: string; accepted_at: string };
    expect(accepted.headers.get('x-request-id')).toBe('e2e-request-1');

    const { clients, queueUrl } = environment();
    const received = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        WaitTimeSeconds: 2,
        MessageAttributeNames: ['All'],
      }),
    );
    const [message] = received.Messages ?? [];
    expect(message?.MessageAttributes?.request_id?.StringValue).toBe('e2e-request-1');
    expect(message?.MessageAttributes?.source?.StringValue).toBe('http');
    const event = JSON.parse(message?.Body ?? '{}');
    expect(Object.keys(event)[0]).toBe('v');
    expect(event).toMatchObject({
      v: 1,
      type: 'status',
      event_id: body.event_id,
      scheduler_id: 'service-a-eod-process',
      status: 'failed',
      error_message: 'disk full',
      accepted_at: body.accepted_at,
    });
  });

  it('answers 503, never 202, while the queue is down, and 202 again after (R4)', async () => {
    const restore = await environment().interrupt('sqs');
    try {
      const refused = await call('POST', '/api/v1/schedulers/service-a-eod-process/heartbeat');
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { message: string }).message).toBe(
        'Service temporarily unavailable, retry later',
      );
    } finally {
      await restore();
    }
    const accepted = await call('POST', '/api/v1/schedulers/service-a-eod-process/heartbeat');
    expect(accepted.status).toBe(202);
  });

  it('answers registration with 503 while DynamoDB is down, and is not ready', async () => {
    const restore = await environment().interrupt('dynamodb');
    try {
      const refused = await call('POST', '/api/v1/schedulers/register', {
        scheduler_id: 'during-outage',
        service_name: 'S',
        job_name: 'J',
      });
      expect(refused.status).toBe(503);
      const ready = await fetch(`${base}/health/ready`);
      expect(ready.status).toBe(503);
    } finally {
      await restore();
    }
  });
});
