// The direct-SQS producer against the real worker: what it sends is applied, and what it
// refuses is refused before sending, in the api's own words.
import { waitFor } from '@schedmon/local';
import { useTestEnvironment } from '@schedmon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusUpdate } from '../src/index.ts';
import type { QueueProducer, StatusFields } from '../src/queue-producer.ts';
import { createQueueProducer } from '../src/queue-producer.ts';
import type { Stack } from './stack.ts';
import { startStack, waitForRecord } from './stack.ts';

const environment = useTestEnvironment();

describe('the direct-SQS producer', () => {
  let stack: Stack;
  let producer: QueueProducer;

  beforeAll(async () => {
    stack = await startStack(environment());
    producer = createQueueProducer({
      sqs: environment().clients.sqs,
      queueUrl: environment().queueUrl,
      source: 'client-test',
    });
    const registered = await stack.client.register({
      scheduler_id: 'sqs-job',
      service_name: 'Service Q',
      job_name: 'Direct',
    });
    expect(registered.ok).toBe(true);
  });

  afterAll(async () => {
    await producer?.close();
    await stack?.stop();
  });

  const base = { scheduler_id: 'sqs-job', service_name: 'Service Q', job_name: 'Direct' };

  it('sends status events and heartbeats the running worker applies', async () => {
    const started = Date.now() - 5_000;
    const running = await producer.status({
      ...base,
      status: 'running',
      timestamp: new Date(started).toISOString(),
    });
    const beat = await producer.heartbeat({ scheduler_id: 'sqs-job' });
    const completed = await producer.status({
      ...base,
      status: 'completed',
      execution_time_ms: 5_000,
      metadata: { records: 42 },
      event_id: 'sqs-job-run-1-completed',
    });
    expect([running.ok, beat.ok, completed.ok]).toEqual([true, true, true]);
    if (!completed.ok || !running.ok) return;
    expect(completed.value.event_id).toBe('sqs-job-run-1-completed');
    expect(running.value.event_id).toMatch(/^[0-9a-f-]{36}$/);

    const record = await waitForRecord(
      stack.client,
      'sqs-job',
      (r) => r.status === 'completed' && r.last_heartbeat !== null,
    );
    expect(record).toMatchObject({ execution_time_ms: 5_000, metadata: { records: 42 } });
    const ids = await waitFor(async () => {
      const rows = await stack.client.history('sqs-job');
      return rows.ok && rows.value.length === 3 ? rows.value.map((row) => row.id) : undefined;
    }, 'three history rows');
    expect(ids).toContain('sqs-job-run-1-completed');
    expect(ids).toContain(running.value.event_id);
  });

  it('refuses invalid events before sending, with the sentences of the api’s 400', async () => {
    // A queue that does not exist: anything that reached SQS would fail differently.
    const offline = createQueueProducer({
      sqs: environment().clients.sqs,
      queueUrl: `${environment().queueUrl}-missing`,
      onError: () => {},
    });
    const cases: StatusFields[] = [
      { ...base, status: 'done' as StatusFields['status'] },
      { ...base, status: 'failed' },
      { ...base, status: 'running', timestamp: new Date(Date.now() + 3_600_000).toISOString() },
    ];
    try {
      for (const fields of cases) {
        const refused = await offline.status(fields);
        const fromApi = await stack.client.status({ ...fields } as StatusUpdate);
        expect(refused.ok).toBe(false);
        expect(fromApi.ok).toBe(false);
        if (refused.ok || fromApi.ok) continue;
        expect(fromApi.error.status).toBe(400);
        expect(refused.error.code).toBe('INVALID_EVENT');
        expect(refused.error.attempts).toBe(0);
        expect(refused.error.problems).toEqual(fromApi.error.problems);
      }
    } finally {
      await offline.close();
    }
  });

  it('reports a queue it cannot send to as QUEUE_ERROR, or throws with throwOnError', async () => {
    const missing = `${environment().queueUrl}-missing`;
    const reported: string[] = [];
    const quiet = createQueueProducer({
      sqs: environment().clients.sqs,
      queueUrl: missing,
      onError: (error) => reported.push(error.code),
    });
    const loud = createQueueProducer({
      sqs: environment().clients.sqs,
      queueUrl: missing,
      throwOnError: true,
    });
    try {
      const result = await quiet.heartbeat({ scheduler_id: 'sqs-job' });
      expect(result).toMatchObject({ ok: false, error: { code: 'QUEUE_ERROR' } });
      expect(reported).toEqual(['QUEUE_ERROR']);
      await expect(loud.heartbeat({ scheduler_id: 'sqs-job' })).rejects.toMatchObject({
        name: 'SchedmonClientError',
        code: 'QUEUE_ERROR',
      });
    } finally {
      await Promise.all([quiet.close(), loud.close()]);
    }
  });
});
