// The DLQ replay tool on the local engines: parked messages go back to the event queue
// and, once their cause is fixed, are processed once.
import {
  createDocumentClient,
  createDynamoHistoryStore,
  createDynamoSchedulerStore,
} from '@schedmon/adapters/dynamodb';
import type { QueueMessage } from '@schedmon/domain';
import { waitFor } from '@schedmon/local';
import { useTestEnvironment } from '@schedmon/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { replayDeadLetters } from '../src/dlq-replay.ts';
import type { WorkerProcess } from './harness.ts';
import { deadLetterDepth, sendEvents, startWorker, waitDrained } from './harness.ts';

const environment = useTestEnvironment();
let worker: WorkerProcess | undefined;
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});

describe('dlq-replay', () => {
  it('moves parked messages back; after the fix each is processed once', async () => {
    const documents = createDocumentClient(environment().clients.dynamodb);
    const schedulers = createDynamoSchedulerStore(documents, environment().names.schedulersTable);
    const history = createDynamoHistoryStore(documents, environment().names.historyTable);
    const events: QueueMessage[] = Array.from({ length: 12 }, (_, i) => ({
      v: 1,
      type: 'status',
      event_id: `replay-${i}`,
      scheduler_id: 'late-registered',
      service_name: 'S',
      job_name: 'J',
      status: 'running',
      timestamp: new Date(Date.now() - 60_000 + i).toISOString(),
    }));
    worker = await startWorker(environment(), { LOG_LEVEL: 'warn' });
    await sendEvents(environment(), events);
    await waitDrained(environment(), 30_000);
    await waitFor(async () => (await deadLetterDepth(environment())) === 12, 'all parked', 10_000);

    const dryRun = await replayDeadLetters(environment().clients.sqs, {
      queueUrl: environment().queueUrl,
      deadLetterQueueUrl: environment().deadLetterQueueUrl,
      max: 100,
      dryRun: true,
    });
    expect(dryRun).toEqual({ moved: 12, byReason: { unregistered_scheduler: 12 } });

    await schedulers.register(
      { scheduler_id: 'late-registered', service_name: 'S', job_name: 'J' },
      new Date(Date.now() - 120_000).toISOString(),
    );
    await waitFor(
      async () => (await deadLetterDepth(environment())) === 12,
      'dry-run messages visible again',
      40_000,
    );
    const replayed = await replayDeadLetters(environment().clients.sqs, {
      queueUrl: environment().queueUrl,
      deadLetterQueueUrl: environment().deadLetterQueueUrl,
      max: 100,
    });
    expect(replayed.moved).toBe(12);
    await waitDrained(environment(), 30_000);
    expect(await deadLetterDepth(environment())).toBe(0);
    const rows = await history.query('late-registered', {
      limit: 100,
      now: new Date().toISOString(),
    });
    expect(rows.map((row) => row.id).sort()).toEqual(events.map((event) => event.event_id).sort());
    expect((await schedulers.get('late-registered'))?.status).toBe('running');
  }, 120_000);
});
