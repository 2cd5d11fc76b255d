/**
 * The event queue contract: one suite for the two ports of one queue, `EventProducer`
 * (what is sent) and `EventConsumer` (what is received, deleted, made visible, parked),
 * run against the SQS adapter on the local engine and against the in-memory fake, so the
 * fake cannot drift from the real thing. It uses the ports only; the dead-letter queue is
 * read through the harness.
 */
import type { EventConsumer, EventProducer, QueueMessage, ReceivedMessage } from '@schedmon/domain';
import { ValidationError } from '@schedmon/domain';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

export type EventQueueHarness = {
  /** Sends to an empty queue whose DLQ is empty too. */
  producer: EventProducer;
  /** Receives from that queue; parks into its DLQ. */
  consumer: EventConsumer;
  /** Takes every message now in the dead-letter queue, so a later read sees only newer ones. */
  readDeadLetters(): Promise<ReceivedMessage[]>;
  /** Releases what `setup` made (timers, clients); called after each test. */
  teardown?(): Promise<void>;
};

let sequence = 0;

/** A valid status message with a unique event id (FIFO queues require one). */
export function statusMessage(overrides: Partial<QueueMessage> = {}): QueueMessage {
  sequence += 1;
  return {
    v: 1,
    type: 'status',
    event_id: `contract-${process.pid}-${Date.now()}-${sequence}`,
    scheduler_id: 'contract-eod-process',
    service_name: 'Contract Service',
    job_name: 'EOD Processing',
    status: 'completed',
    timestamp: '2026-01-15T00:42:10.120Z',
    ...overrides,
  } as QueueMessage;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Receives until `count` messages have arrived (a queue may hand them out in parts). */
async function receiveCount(queue: EventConsumer, count: number): Promise<ReceivedMessage[]> {
  const received: ReceivedMessage[] = [];
  for (let round = 0; round < 10 && received.length < count; round += 1) {
    received.push(...(await queue.receive(10, 1)));
  }
  return received;
}

/**
 * True when none of the messages is left on the queue. Making each visible again first
 * tells a deleted message from one merely hidden by its visibility timeout.
 */
async function goneFromQueue(queue: EventConsumer, messages: readonly ReceivedMessage[]) {
  for (const message of messages) await queue.changeVisibility(message.receiptHandle, 0);
  const left = await queue.receive(10, 0);
  return (
    left.filter((message) => messages.some((m) => m.messageId === message.messageId)).length === 0
  );
}

/** Registers the contract suite for one implementation; `setup` runs before each test. */
export function eventQueueContract(name: string, setup: () => Promise<EventQueueHarness>) {
  describe(`EventProducer and EventConsumer contract: ${name}`, () => {
    let harness: EventQueueHarness | undefined;
    const current = () => {
      if (!harness) throw new Error('setup did not run');
      return harness;
    };

    beforeEach(async () => {
      harness = await setup();
    });

    afterEach(async () => {
      await harness?.teardown?.();
      harness = undefined;
    });

    it('delivers a sent message with its attributes and receive count, then deletes it', async () => {
      const { producer, consumer } = current();
      const message = statusMessage();
      const sent = await producer.send(message, { request_id: 'req-1', source: 'contract' });
      expect(sent.messageId).toEqual(expect.any(String));

      const [received, ...others] = await receiveCount(consumer, 1);
      expect(others).toEqual([]);
      expect(received).toMatchObject({
        messageId: sent.messageId,
        attributes: { request_id: 'req-1', source: 'contract' },
        receiveCount: 1,
      });
      expect(JSON.parse(received?.body ?? '')).toEqual(message);
      expect(received?.sentAt).toBeGreaterThan(0);

      const handle = received?.receiptHandle ?? '';
      expect(await consumer.delete([handle])).toEqual([]);
      expect(await goneFromQueue(consumer, received ? [received] : [])).toBe(true);
    });

    it('makes a message receivable again with changeVisibility 0, as its second receive', async () => {
      const { producer, consumer } = current();
      const { messageId } = await producer.send(statusMessage());
      const [first] = await receiveCount(consumer, 1);
      expect(first).toMatchObject({ messageId, receiveCount: 1 });

      await consumer.changeVisibility(first?.receiptHandle ?? '', 0);
      const [second] = await receiveCount(consumer, 1);
      expect(second).toMatchObject({ messageId, receiveCount: 2 });
      expect(second?.receiptHandle).not.toBe(first?.receiptHandle);
      expect(await consumer.delete([second?.receiptHandle ?? ''])).toEqual([]);
    });

    it('parks a message in the dead-letter queue with reason and detail, off the main queue', async () => {
      const { producer, consumer, readDeadLetters } = current();
      await producer.send(statusMessage(), { request_id: 'req-poison', source: 'contract' });
      const [received] = await receiveCount(consumer, 1);
      if (!received) throw new Error('nothing received');

      await consumer.park(received, 'invalid', 'status must be one of pending, running');

      const dead = await readDeadLetters();
      expect(dead).toHaveLength(1);
      expect(dead[0]?.body).toBe(received.body);
      expect(dead[0]?.attributes).toMatchObject({
        request_id: 'req-poison',
        source: 'contract',
        reason: 'invalid',
        detail: 'status must be one of pending, running',
      });
      expect(await goneFromQueue(consumer, [received])).toBe(true);
    });

    it('reports a receipt handle it could not delete, and deletes the others', async () => {
      const { producer, consumer } = current();
      await producer.send(statusMessage({ scheduler_id: 'contract-a' }));
      await producer.send(statusMessage({ scheduler_id: 'contract-b' }));
      const received = await receiveCount(consumer, 2);
      expect(received).toHaveLength(2);

      // An empty handle is invalid on every engine; engines differ on well-formed unknown
      // ones (SQS reports them, the embedded engine accepts them).
      const handles = received.map((message) => message.receiptHandle);
      expect(await consumer.delete([handles[0] ?? '', '', handles[1] ?? ''])).toEqual(['']);
      expect(await goneFromQueue(consumer, received)).toBe(true);
    });

    it('returns at once from a receive whose signal is already aborted', async () => {
      const { producer, consumer } = current();
      await producer.send(statusMessage());
      const started = performance.now();
      expect(await consumer.receive(10, 20, AbortSignal.abort())).toEqual([]);
      expect(performance.now() - started).toBeLessThan(500);
      expect(await receiveCount(consumer, 1)).toHaveLength(1);
    });

    it('ends a long poll early when its signal aborts', async () => {
      const { consumer } = current();
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 100);
      const started = performance.now();
      try {
        expect(await consumer.receive(10, 1, controller.signal)).toEqual([]);
        expect(performance.now() - started).toBeLessThan(600);
      } finally {
        clearTimeout(timer);
      }
      // The engine may hold the abandoned poll open until its wait ends; let it end, so
      // nothing the test started outlives it.
      await sleep(Math.max(0, 1_100 - (performance.now() - started)));
    });

    it('rejects a malformed message with ValidationError and sends nothing', async () => {
      const { producer, consumer } = current();
      const malformed = { v: 1, type: 'status', scheduler_id: 'x' } as unknown as QueueMessage;
      await expect(producer.send(malformed)).rejects.toBeInstanceOf(ValidationError);
      await expect(producer.send(statusMessage({ v: 2 } as never))).rejects.toBeInstanceOf(
        ValidationError,
      );
      expect(await consumer.receive(10, 0)).toEqual([]);
    });
  });
}
