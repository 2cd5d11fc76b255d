// How the receive loop makes its batches (WORKER_BATCH_MESSAGES, docs/queue.md): a full
// receive is topped up without waiting, a partial one is handled as it is, on the local
// queue engine (fauxqs), which hands out as many messages as are visible, up to the
// number asked (SQS may hand out fewer: batches then end sooner). The queue adapter is
// the real one; the tests only watch its calls, and two have a call fail or a message come
// back, as SQS may. Each test has a queue of its own, made as production makes it (20 s
// long polls unless a receive says otherwise): a long poll the last test's consumer left
// on the engine when it stopped would take the next test's messages.

import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { createSqsEventConsumer } from '@schedmon/adapters/sqs';
import type { EventConsumer, ReceivedMessage } from '@schedmon/domain';
import { waitFor } from '@schedmon/local';
import { createLogger } from '@schedmon/runtime';
import { useTestEnvironment } from '@schedmon/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createConsumer } from '../src/consumer.ts';
import type { Decision } from '../src/process-batch.ts';

const environment = useTestEnvironment();
/** Each test's consumer stops before the checks for what a test leaves behind. */
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

type Receive = { max: number; waitSeconds: number; got: number };

let queueUrl = '';
let queues = 0;
beforeEach(async () => {
  queues += 1;
  const created = await environment().clients.sqs.send(
    new CreateQueueCommand({
      QueueName: `batches-${queues}`,
      Attributes: { ReceiveMessageWaitTimeSeconds: '20' },
    }),
  );
  queueUrl = created.QueueUrl ?? '';
});

/** Sends `count` bodies to this test's queue, ten a call. */
async function send(count: number, prefix: string) {
  const all = bodies(count, prefix);
  for (let start = 0; start < all.length; start += 10) {
    const result = await environment().clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: all
          .slice(start, start + 10)
          .map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
    if (result.Failed?.length) throw new Error(`send failed: ${JSON.stringify(result.Failed)}`);
  }
}

/** Waits until this test's queue holds nothing, visible or in flight. */
const drained = () =>
  waitFor(
    async () => {
      const { Attributes = {} } = await environment().clients.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return (
        Number(Attributes.ApproximateNumberOfMessages ?? 0) +
          Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) ===
        0
      );
    },
    'the queue to drain',
    10_000,
  );

/**
 * The consumer on the test queue, with one loop. `before` may act before a receive (given
 * the receives so far and what each returned): throw to fail it, or act on the queue.
 */
function start(
  batchMessages: number,
  before?: (received: ReceivedMessage[][], queue: EventConsumer) => Promise<void>,
  visibilityTimeoutSeconds = 30,
) {
  const env = environment();
  const queue = createSqsEventConsumer(env.clients.sqs, {
    queueUrl,
    deadLetterQueueUrl: env.deadLetterQueueUrl,
  });
  const receives: Receive[] = [];
  const received: ReceivedMessage[][] = [];
  const batches: ReceivedMessage[][] = [];
  const watched: EventConsumer = {
    ...queue,
    async receive(max, waitSeconds, signal) {
      await before?.(received, queue);
      const messages = await queue.receive(max, waitSeconds, signal);
      receives.push({ max, waitSeconds, got: messages.length });
      received.push(messages);
      return messages;
    },
  };
  const consumer = createConsumer({
    queue: watched,
    logger: createLogger({ name: 'worker', level: 'silent', pretty: false }),
    concurrency: 1,
    batchMessages,
    waitSeconds: 1,
    visibilityTimeoutSeconds,
    retryDelaySeconds: 1,
    probeMaxIntervalMs: 1_000,
    probe: async () => ({ ok: true, message: 'DynamoDB reachable' }),
    process: async (messages) => {
      batches.push([...messages]);
      const done: Decision = { kind: 'done', outcome: 'applied' };
      return new Map(messages.map((message) => [message.messageId, done]));
    },
  });
  stops.push(async () => {
    await consumer.stop();
    await queue.close();
  });
  consumer.start();
  return { receives, batches };
}

const bodies = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, index) => JSON.stringify({ n: `${prefix}-${index}` }));
const handled = (batches: ReceivedMessage[][]) => batches.flat().map((message) => message.body);
const until = (what: string, condition: () => boolean) =>
  waitFor(async () => condition(), what, 10_000);

describe('worker: batches of several receives', () => {
  it('tops a full receive up at once, without a long poll, to WORKER_BATCH_MESSAGES, and deletes them all', async () => {
    await send(25, 'full');
    const { receives, batches } = start(25);
    await until('a batch', () => batches.length > 0);
    expect(batches[0]).toHaveLength(25);
    expect(new Set(handled(batches))).toEqual(new Set(bodies(25, 'full')));
    // A long poll, then receives that do not wait, each asking only for the room left.
    expect(receives.slice(0, 3)).toEqual([
      { max: 10, waitSeconds: 1, got: 10 },
      { max: 10, waitSeconds: 0, got: 10 },
      { max: 5, waitSeconds: 0, got: 5 },
    ]);
    await drained();
    expect(batches.flat()).toHaveLength(25);
  });

  it('handles a receive that was not full as it is, without a top-up', async () => {
    await send(3, 'few');
    const { receives, batches } = start(25);
    await until('a batch', () => batches.length > 0);
    expect(batches[0]).toHaveLength(3);
    expect(receives[0]).toEqual({ max: 10, waitSeconds: 1, got: 3 });
    expect(receives.filter((receive) => receive.waitSeconds === 0)).toEqual([]);
    await drained();
  });

  it('ends a batch at the first top-up that is not full', async () => {
    await send(14, 'some');
    const { receives, batches } = start(25);
    await until('a batch', () => batches.length > 0);
    expect(batches[0]).toHaveLength(14);
    expect(receives.slice(0, 2)).toEqual([
      { max: 10, waitSeconds: 1, got: 10 },
      { max: 10, waitSeconds: 0, got: 4 },
    ]);
    // Top-ups are done before the batch is handled: the one that was not full was the last.
    expect(receives.filter((receive) => receive.waitSeconds === 0)).toHaveLength(1);
    await drained();
  });

  it('tops up a receive of exactly 10 with one short poll that finds nothing, and does not wait on it', async () => {
    await send(10, 'ten');
    const { receives, batches } = start(25);
    // A top-up that long-polled would wait the queue's 20 s before this batch came.
    await until('a batch', () => batches.length > 0);
    expect(batches[0]).toHaveLength(10);
    expect(receives.slice(0, 2)).toEqual([
      { max: 10, waitSeconds: 1, got: 10 },
      { max: 10, waitSeconds: 0, got: 0 },
    ]);
    await drained();
  });

  it('stops topping up after a sixth of the visibility timeout (at most 1 s), and handles what it has', async () => {
    await send(30, 'slow');
    // At a 6 s visibility timeout topping up may take 1 s: the first top-up is answered
    // later than that (a slow SQS), so it is the last.
    const { receives, batches } = start(
      30,
      async (received) => {
        if (received.length === 1) await new Promise((resolve) => setTimeout(resolve, 1_100));
      },
      6,
    );
    await until('a batch', () => batches.length > 0);
    expect(batches[0]).toHaveLength(20);
    expect(receives.slice(0, 2)).toEqual([
      { max: 10, waitSeconds: 1, got: 10 },
      { max: 10, waitSeconds: 0, got: 10 },
    ]);
    await until('30 messages', () => batches.flat().length === 30);
    await drained();
  });

  it('at WORKER_BATCH_MESSAGES=10 makes one receive a batch, as before', async () => {
    await send(20, 'one');
    const { receives, batches } = start(10);
    await until('20 messages', () => batches.flat().length === 20);
    expect(batches.map((batch) => batch.length)).toEqual([10, 10]);
    expect(receives.filter((receive) => receive.waitSeconds === 0)).toEqual([]);
    await drained();
  });

  it('handles what it has when a top-up receive fails, and receives the rest afterwards', async () => {
    await send(20, 'fail');
    let failed = false;
    const { batches } = start(25, async (received) => {
      if (received.length !== 1 || failed) return;
      failed = true;
      throw new Error('SQS could not be reached');
    });
    await until('20 messages', () => batches.flat().length === 20);
    expect(batches[0]).toHaveLength(10);
    expect(new Set(handled(batches))).toEqual(new Set(bodies(20, 'fail')));
    await drained();
  });

  it('handles a message SQS hands out again within one batch once, by its latest receipt handle', async () => {
    await send(10, 'again');
    let first: ReceivedMessage | undefined;
    const { batches, receives } = start(25, async (received, queue) => {
      if (received.length !== 1) return;
      // Before the top-up: the first receive's first message is visible again at once,
      // as when its visibility lapsed, so the top-up hands it out a second time.
      first = received[0]?.[0];
      if (first) await queue.changeVisibility(first.receiptHandle, 0);
    });
    await until('a batch', () => batches.length > 0);
    expect(receives.slice(0, 2)).toEqual([
      { max: 10, waitSeconds: 1, got: 10 },
      { max: 10, waitSeconds: 0, got: 1 },
    ]);
    const batch = batches[0] ?? [];
    expect(batch).toHaveLength(10);
    expect(new Set(batch.map((message) => message.messageId)).size).toBe(10);
    const again = batch.find((message) => message.messageId === first?.messageId);
    expect(again?.receiptHandle).toBeDefined();
    expect(again?.receiptHandle).not.toBe(first?.receiptHandle);
    expect(again?.receiveCount).toBe(2);
    await drained();
  });
});
