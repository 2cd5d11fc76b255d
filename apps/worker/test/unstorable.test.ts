// Events DynamoDB cannot store (docs/queue.md): the worker's receive loop,
// batch and classification in this process, on the real queue and DynamoDB engines.

import { createSqsEventConsumer } from '@schedmon/adapters/sqs';
import type { QueueMessage, SchedulerStore, StatusEvent } from '@schedmon/domain';
import { EngineUnavailableError } from '@schedmon/domain';
import { waitFor } from '@schedmon/local';
import { createLogger } from '@schedmon/runtime';
import { useTestEnvironment } from '@schedmon/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { Consumer } from '../src/consumer.ts';
import { createConsumer } from '../src/consumer.ts';
import { processBatch } from '../src/process-batch.ts';
import { readDeadLetters, sendEvents, storesOf, waitDrained } from './harness.ts';

const environment = useTestEnvironment();
let running: { consumer: Consumer; queue: { close(): Promise<void> } } | undefined;
afterEach(async () => {
  await running?.consumer.stop();
  await running?.queue.close();
  running = undefined;
});

// Values the SDK's marshaller refuses before sending (beyond ±2^53, NaN, Infinity) and one
// the engine answers with a ValidationException (below DynamoDB's 1e-130).
const UNSTORABLE: Record<string, number> = {
  'bad-huge': 1_736_900_000_000_000_000,
  'bad-nan': Number.NaN,
  'bad-infinite': Number.POSITIVE_INFINITY,
  'bad-tiny': 1e-200,
};

/**
 * The real DynamoDB store, handed those values in place of an event's metadata. Parse-time
 * validation refuses them in a message body; this is a value it missed reaching the store,
 * which is what the worker must survive on its own.
 */
function withUnstorableMetadata(store: SchedulerStore): SchedulerStore {
  return {
    ...store,
    applyStatusRecord(event: StatusEvent, now: string) {
      const value = UNSTORABLE[event.event_id];
      return store.applyStatusRecord(
        value === undefined ? event : { ...event, metadata: { value } },
        now,
      );
    },
  };
}

/** The consumer and batch of the worker on the test engines, over `schedulers`. */
function startConsumer(schedulers: SchedulerStore) {
  const env = environment();
  const { history } = storesOf(env);
  const counts = { parked: [] as string[], retried: 0, loopErrors: 0 };
  const logger = createLogger({ name: 'worker', level: 'silent', pretty: false });
  const queue = createSqsEventConsumer(env.clients.sqs, {
    queueUrl: env.queueUrl,
    deadLetterQueueUrl: env.deadLetterQueueUrl,
  });
  const consumer = createConsumer({
    queue,
    logger,
    concurrency: 1,
    waitSeconds: 1,
    visibilityTimeoutSeconds: 5,
    retryDelaySeconds: 1,
    probeMaxIntervalMs: 1_000,
    probe: async () => ({ ok: true, message: 'DynamoDB reachable' }),
    onParked: (reason) => counts.parked.push(reason),
    onRetried: (count) => {
      counts.retried += count;
    },
    onLoopError: () => {
      counts.loopErrors += 1;
    },
    process: (messages) =>
      processBatch(
        {
          clock: { now: () => new Date() },
          schedulers,
          history,
          incidents: {
            apply: async () => ({ effects: [], owed: false }),
            deliver: async () => 'done',
          },
          logger,
          maxSkewMs: 300_000,
          retentionDays: 30,
          alertMaxAgeMs: 3_600_000,
          deadlineGapMs: 300_000,
          digest: (text) => text,
        },
        messages,
      ),
  });
  running = { consumer, queue };
  consumer.start();
  return { consumer, counts };
}

describe('worker: events DynamoDB cannot store', () => {
  it('parks each at once with reason unstorable, applies the rest of the batch, and neither retries nor backs off', async () => {
    const env = environment();
    const { schedulers, history } = storesOf(env);
    const registeredAt = new Date(Date.now() - 3_600_000).toISOString();
    for (const id of ['unstorable-job', 'unstorable-other'])
      await schedulers.register(
        { scheduler_id: id, service_name: 'S', job_name: id },
        registeredAt,
      );
    const base = Date.now() - 60_000;
    const status = (eventId: string, schedulerId: string, offset: number): QueueMessage => ({
      v: 1,
      type: 'status',
      event_id: eventId,
      scheduler_id: schedulerId,
      service_name: 'S',
      job_name: schedulerId,
      status: 'running',
      timestamp: new Date(base + offset).toISOString(),
    });
    // The bad events sit between good ones of the same scheduler: neither the earlier nor the
    // later one may be held back by them.
    const events = [
      status('good-first', 'unstorable-job', 0),
      ...Object.keys(UNSTORABLE).map((id, i) => status(id, 'unstorable-job', 1 + i)),
      status('good-last', 'unstorable-job', 10),
      ...[1, 2, 3, 4].map((i) => status(`good-other-${i}`, 'unstorable-other', i)),
    ];
    expect(events).toHaveLength(10);
    await sendEvents(env, events);

    const { consumer, counts } = startConsumer(withUnstorableMetadata(schedulers));
    const { parked } = counts;
    await waitDrained(env, 20_000);

    const dead = await readDeadLetters(env);
    expect(dead.map((message) => message.eventId).sort()).toEqual(Object.keys(UNSTORABLE).sort());
    for (const message of dead) {
      expect(message.reason, message.eventId).toBe('unstorable');
      expect(message.detail, message.eventId).toMatch(
        /MAX_SAFE_INTEGER|Special numeric value|Number underflow/,
      );
    }
    expect(parked).toEqual(Object.keys(UNSTORABLE).map(() => 'unstorable'));
    expect(counts.retried).toBe(0);
    expect(counts.loopErrors).toBe(0);
    expect(consumer.state).toBe('receiving');

    const now = new Date().toISOString();
    const rows = async (id: string) =>
      (await history.query(id, { limit: 100, now })).map((row) => row.id).sort();
    expect(await rows('unstorable-job')).toEqual(['good-first', 'good-last']);
    expect(await rows('unstorable-other')).toHaveLength(4);
    expect((await schedulers.get('unstorable-job'))?.timestamp).toBe(
      new Date(base + 10).toISOString(),
    );
  }, 60_000);
});

describe('worker: a message that fails while DynamoDB answers', () => {
  it('is held a few times, then goes back to the redrive budget, and receiving goes on', async () => {
    const env = environment();
    const { schedulers } = storesOf(env);
    await schedulers.register(
      { scheduler_id: 'held-job', service_name: 'S', job_name: 'held-job' },
      new Date(Date.now() - 3_600_000).toISOString(),
    );
    // Fails as an outage would, though every probe says DynamoDB is up: something about
    // this event, not the engine. Holding it for ever would pause every loop for ever.
    const failing: SchedulerStore = {
      ...schedulers,
      async applyStatusRecord(event, now) {
        if (event.event_id === 'stuck') {
          throw new EngineUnavailableError('dynamodb', 'fails for this event only');
        }
        return schedulers.applyStatusRecord(event, now);
      },
    };
    const base = Date.now() - 60_000;
    const status = (eventId: string, offset: number): QueueMessage => ({
      v: 1,
      type: 'status',
      event_id: eventId,
      scheduler_id: 'held-job',
      service_name: 'S',
      job_name: 'held-job',
      status: 'running',
      timestamp: new Date(base + offset).toISOString(),
    });
    await sendEvents(env, [status('stuck', 0)]);
    const { consumer, counts } = startConsumer(failing);
    await waitFor(() => counts.retried > 0, 'the held message let go to the queue');
    // Receiving goes on: a later event is applied while the stuck one waits its turn.
    await sendEvents(env, [status('later', 1)]);
    await waitFor(
      async () => (await schedulers.get('held-job'))?.timestamp === status('later', 1).timestamp,
      'the later event applied',
    );
    expect(consumer.state).toBe('receiving');
    expect(counts.parked).toEqual([]);
  }, 60_000);
});
