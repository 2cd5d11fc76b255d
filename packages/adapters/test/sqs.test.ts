import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { QueueMessage } from '@schedmon/domain';
import { EngineUnavailableError, QueueRefusedError, ValidationError } from '@schedmon/domain';
import { createMemoryQueue } from '@schedmon/domain/fakes';
import type { ProvisionedQueues } from '@schedmon/resources';
import { provisionResources } from '@schedmon/resources';
import { TEST_REGION, useTestEnvironment } from '@schedmon/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SqsEventProducerOptions } from '../src/sqs/index.ts';
import { createSqsEventConsumer, createSqsEventProducer } from '../src/sqs/index.ts';
import type { EventQueueHarness } from './contracts/event-queue.ts';
import { eventQueueContract, statusMessage } from './contracts/event-queue.ts';

const environment = useTestEnvironment();

// A FIFO pair next to the standard one, provisioned from the production definitions.
let fifoQueues: ProvisionedQueues | undefined;
beforeAll(async () => {
  const { clients, names } = environment();
  fifoQueues = await provisionResources(clients, {
    ...names,
    queueName: `${names.queueName}.fifo`,
  });
});
const fifo = () => {
  if (!fifoQueues) throw new Error('FIFO queues are not provisioned');
  return fifoQueues;
};

function contractHarness(queues: () => ProvisionedQueues) {
  return async (): Promise<EventQueueHarness> => {
    const client = environment().clients.sqs;
    const { queueUrl, deadLetterQueueUrl } = queues();
    await client.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    await client.send(new PurgeQueueCommand({ QueueUrl: deadLetterQueueUrl }));
    const producer = createSqsEventProducer(client, { queueUrl });
    const consumer = createSqsEventConsumer(client, { queueUrl, deadLetterQueueUrl });
    // The DLQ read through the same adapter, as a queue of its own; nothing is parked from it.
    const deadLetters = createSqsEventConsumer(client, {
      queueUrl: deadLetterQueueUrl,
      deadLetterQueueUrl,
    });
    return {
      producer,
      consumer,
      async readDeadLetters() {
        const taken = [];
        for (;;) {
          const batch = await deadLetters.receive(10, 0);
          if (batch.length === 0) return taken;
          taken.push(...batch);
          await deadLetters.delete(batch.map((message) => message.receiptHandle));
        }
      },
      async teardown() {
        await Promise.all([producer.close(), consumer.close(), deadLetters.close()]);
      },
    };
  };
}

eventQueueContract('in memory', async () => {
  const queue = createMemoryQueue({ clock: { now: () => new Date() } });
  let taken = 0;
  return {
    producer: queue.producer,
    consumer: queue.consumer,
    readDeadLetters: async () => {
      const letters = queue.deadLetters().slice(taken);
      taken += letters.length;
      return letters;
    },
  };
});
eventQueueContract('SQS standard queue', contractHarness(environment));
eventQueueContract('SQS FIFO queue', contractHarness(fifo));

describe('createSqsEventProducer and createSqsEventConsumer', () => {
  // Each test gets its own client, so counting middleware and the SDK's retry quota stay
  // its own, and its own queues, so counts start at zero.
  const opened: { client: SQSClient; queues: { close(): Promise<void> }[] }[] = [];

  afterEach(async () => {
    for (const { client, queues } of opened.splice(0)) {
      await Promise.all(queues.map((queue) => queue.close()));
      client.destroy();
    }
  });

  function newClient() {
    const client = new SQSClient({
      region: TEST_REGION,
      endpoint: environment().env.SQS_ENDPOINT,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    opened.push({ client, queues: [] });
    return client;
  }

  async function newQueueUrl(client: SQSClient, attributes: Record<string, string> = {}) {
    const created = await client.send(
      new CreateQueueCommand({
        QueueName: `t-${randomUUID()}`,
        Attributes: { MaximumMessageSize: String(256 * 1024), ...attributes },
      }),
    );
    if (!created.QueueUrl) throw new Error('no queue url');
    return created.QueueUrl;
  }

  /** Closes `queue` after the test, before its client is destroyed. */
  function closesAfter<Q extends { close(): Promise<void> }>(client: SQSClient, queue: Q): Q {
    opened.find((entry) => entry.client === client)?.queues.push(queue);
    return queue;
  }

  async function setup(
    options: Partial<SqsEventProducerOptions> = {},
    queueAttributes: Record<string, string> = {},
  ) {
    const client = newClient();
    const queueUrl = await newQueueUrl(client, queueAttributes);
    const deadLetterQueueUrl = await newQueueUrl(client);
    const producer = closesAfter(client, createSqsEventProducer(client, { queueUrl, ...options }));
    const consumer = closesAfter(
      client,
      createSqsEventConsumer(client, { queueUrl, deadLetterQueueUrl }),
    );
    return {
      client,
      producer,
      consumer,
      deadLetterQueueUrl,
      batchCalls: observeBatchCalls(client),
    };
  }

  /** Counts SendMessageBatch commands (not SDK-internal retries) and their concurrency. */
  function observeBatchCalls(client: SQSClient) {
    const stats = { calls: 0, running: 0, maxRunning: 0 };
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'SendMessageBatchCommand') return next(args);
        stats.calls += 1;
        stats.running += 1;
        stats.maxRunning = Math.max(stats.maxRunning, stats.running);
        try {
          return await next(args);
        } finally {
          stats.running -= 1;
        }
      },
      { step: 'initialize', name: 'observeBatchCalls' },
    );
    return stats;
  }

  it('sends 1,000 concurrent messages in at most 110 batch calls, every one on the queue', async ({
    annotate,
  }) => {
    const { producer, consumer, batchCalls } = await setup({ maxInFlightBatches: 4 });
    const results = await Promise.all(
      Array.from({ length: 1_000 }, (_, index) =>
        producer.send(statusMessage({ scheduler_id: `bulk-${index % 37}` }), { source: 'bulk' }),
      ),
    );
    await annotate(`${batchCalls.calls} SendMessageBatch calls, ${batchCalls.maxRunning} at once`);
    expect(batchCalls.calls).toBeLessThanOrEqual(110);
    expect(batchCalls.maxRunning).toBeLessThanOrEqual(4);
    expect(new Set(results.map((result) => result.messageId)).size).toBe(1_000);
    expect((await consumer.queueDepth()).main).toEqual({ visible: 1_000, inFlight: 0, delayed: 0 });
  });

  it('splits batches by size: ten messages of 30 KiB go out in two calls', async () => {
    const { producer, consumer, batchCalls } = await setup();
    const padding = 'x'.repeat(30 * 1024);
    await Promise.all(
      Array.from({ length: 10 }, () => producer.send(statusMessage(), { padding })),
    );
    expect(batchCalls.calls).toBe(2);
    expect((await consumer.queueDepth()).main.visible).toBe(10);
  });

  it('deletes any number of handles, ten per DeleteMessageBatch call', async () => {
    const { producer, consumer } = await setup();
    await Promise.all(Array.from({ length: 25 }, () => producer.send(statusMessage())));
    const handles: string[] = [];
    while (handles.length < 25) {
      const received = await consumer.receive(10, 1);
      if (received.length === 0) break;
      handles.push(...received.map((message) => message.receiptHandle));
    }
    expect(handles).toHaveLength(25);
    expect(await consumer.delete(handles)).toEqual([]);
    expect((await consumer.queueDepth()).main).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('rejects only the sender whose entry SQS refused, the rest of its batch is sent', async () => {
    // The queue takes less than the adapter checks for, so only SQS can refuse the entry.
    const { producer, consumer, batchCalls } = await setup({}, { MaximumMessageSize: '1024' });
    const results = await Promise.allSettled([
      producer.send(statusMessage()),
      producer.send(statusMessage()),
      producer.send(statusMessage(), { padding: 'x'.repeat(2_000) }),
      producer.send(statusMessage()),
    ]);
    expect(batchCalls.calls).toBe(1);
    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    const refused = results[2];
    expect(refused?.status === 'rejected' && refused.reason).toBeInstanceOf(QueueRefusedError);
    expect(refused?.status === 'rejected' && String(refused.reason.message)).toMatch(
      /refused the message: InvalidParameterValue/,
    );
    expect((await consumer.queueDepth()).main.visible).toBe(3);
  });

  it('rejects sends with EngineUnavailableError while SQS is down, and sends once it is back', async () => {
    const { producer } = await setup({ requestTimeoutMs: 2_000 });
    const restore = await environment().interrupt('sqs');
    let results: PromiseSettledResult<unknown>[];
    const started = performance.now();
    try {
      results = await Promise.allSettled(
        Array.from({ length: 25 }, () => producer.send(statusMessage())),
      );
    } finally {
      await restore();
    }
    expect(performance.now() - started).toBeLessThan(10_000);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect(result.status === 'rejected' && result.reason).toBeInstanceOf(EngineUnavailableError);
    }
    await expect(producer.send(statusMessage())).resolves.toEqual({
      messageId: expect.any(String),
    });
  });

  it('sets MessageGroupId to the scheduler id and MessageDeduplicationId to the event id on FIFO', async () => {
    const client = newClient();
    const { queueUrl } = fifo();
    await client.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    const producer = closesAfter(client, createSqsEventProducer(client, { queueUrl }));
    const longId = `s${'x'.repeat(199)}`;
    const first = statusMessage({ scheduler_id: 'fifo-job', event_id: 'evt-fifo-1' });
    const long = statusMessage({ scheduler_id: longId, event_id: 'evt-fifo-2' });
    const sent = await Promise.all([producer.send(first), producer.send(long)]);
    // The same event again is deduplicated by SQS: same message, nothing new queued.
    expect(await producer.send(first)).toEqual(sent[0]);

    const received = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'],
      }),
    );
    const ids = Object.fromEntries(
      (received.Messages ?? []).map((message) => [
        message.MessageId,
        {
          group: message.Attributes?.MessageGroupId,
          dedup: message.Attributes?.MessageDeduplicationId,
        },
      ]),
    );
    expect(Object.keys(ids)).toHaveLength(2);
    expect(ids[sent[0]?.messageId ?? '']).toEqual({ group: 'fifo-job', dedup: 'evt-fifo-1' });
    const longIds = ids[sent[1]?.messageId ?? ''];
    expect(longIds?.dedup).toBe('evt-fifo-2');
    // SQS allows 128 characters; a longer scheduler id gets a stable hashed group id.
    expect(longIds?.group).toHaveLength(128);
    expect(longIds?.group?.startsWith(longId.slice(0, 63))).toBe(true);
  });

  it('requires an event id on a FIFO queue, and sends nothing without one', async () => {
    const client = newClient();
    const { queueUrl } = fifo();
    const producer = closesAfter(client, createSqsEventProducer(client, { queueUrl }));
    const batchCalls = observeBatchCalls(client);
    const { event_id: _omitted, ...withoutId } = statusMessage();
    await expect(producer.send(withoutId as QueueMessage)).rejects.toThrow(
      /event_id is required on a FIFO queue/,
    );
    expect(batchCalls.calls).toBe(0);
  });

  it('rejects what SQS would refuse with ValidationError before sending anything', async () => {
    const { producer, batchCalls } = await setup();
    const cases: [QueueMessage, Record<string, string>?][] = [
      [{ v: 1, type: 'heartbeat' } as unknown as QueueMessage],
      [statusMessage({ status: 'failed' })],
      [statusMessage(), { 'AWS.trace': 'x' }],
      [statusMessage(), { request_id: '' }],
      [statusMessage(), Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, 'x']))],
      [statusMessage(), { padding: 'x'.repeat(256 * 1024) }],
      [statusMessage({ metadata: { note: 'noncharacter \uFFFF' } })],
    ];
    for (const [message, attributes] of cases) {
      await expect(producer.send(message, attributes)).rejects.toBeInstanceOf(ValidationError);
    }
    expect(batchCalls.calls).toBe(0);
  });

  it('flush() sends waiting messages at once; close() flushes and refuses later sends', async () => {
    // A linger far beyond the test: only flush() and close() can send these.
    const { producer, consumer, batchCalls } = await setup({ lingerMs: 60_000 });
    const early = [producer.send(statusMessage()), producer.send(statusMessage())];
    await producer.flush();
    await expect(Promise.all(early)).resolves.toHaveLength(2);

    const late = Array.from({ length: 13 }, () => producer.send(statusMessage()));
    await producer.close();
    await expect(Promise.all(late)).resolves.toHaveLength(13);
    expect(batchCalls.calls).toBe(3);
    await expect(producer.send(statusMessage())).rejects.toBeInstanceOf(QueueRefusedError);
    expect((await consumer.queueDepth()).main.visible).toBe(15);
  });

  it('close() ends a running long poll at once', async () => {
    const { consumer } = await setup();
    const started = performance.now();
    const polling = consumer.receive(10, 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await consumer.close();
    expect(await polling).toEqual([]);
    expect(performance.now() - started).toBeLessThan(600);
    expect(await consumer.receive(10, 0)).toEqual([]);
    // Let the engine's side of the abandoned poll run out, so it outlives no test.
    await new Promise((resolve) => setTimeout(resolve, 1_100 - (performance.now() - started)));
  });

  it('parks with the original id, receive count and attributes, cutting a long detail to fit', async () => {
    const { producer, consumer, client, deadLetterQueueUrl } = await setup();
    // The DLQ read through the same adapter, as a queue of its own; nothing is parked from it.
    const deadLetters = closesAfter(
      client,
      createSqsEventConsumer(client, { queueUrl: deadLetterQueueUrl, deadLetterQueueUrl }),
    );
    // Nine of its own plus a stale `reason`: more than the ten SQS allows with park's four.
    const attributes = Object.fromEntries(
      Array.from({ length: 9 }, (_, index) => [`attr_${index}`, `value-${index}`]),
    );
    const { messageId } = await producer.send(statusMessage(), { ...attributes, reason: 'stale' });
    const [received] = await consumer.receive(10, 1);
    if (!received) throw new Error('nothing received');
    await consumer.park(received, 'not_json', `body is not JSON: ${'é'.repeat(10_000)}`);

    expect(await consumer.queueDepth()).toEqual({
      main: { visible: 0, inFlight: 0, delayed: 0 },
      deadLetter: { visible: 1, inFlight: 0, delayed: 0 },
    });
    const [parked] = await deadLetters.receive(10, 1);
    expect(parked?.body).toBe(received.body);
    const parkedAttributes = parked?.attributes ?? {};
    expect(Object.keys(parkedAttributes)).toHaveLength(10);
    expect(parkedAttributes).toMatchObject({
      reason: 'not_json',
      original_message_id: messageId,
      receive_count: '1',
      attr_0: 'value-0',
    });
    const detail = parkedAttributes.detail ?? '';
    expect(detail.startsWith('body is not JSON: éé')).toBe(true);
    expect(detail.endsWith('…')).toBe(true);
    expect(Buffer.byteLength(detail)).toBeLessThanOrEqual(4096);
  });
});
