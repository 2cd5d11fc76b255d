/**
 * The `EventProducer` port on SQS: a micro-batching sender for the api and the client's
 * direct producer. It knows the event queue only; the dead-letter queue is the consumer's.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { EventProducer, MessageAttributes, QueueMessage } from '@schedmon/domain';
import { QueueRefusedError, ValidationError, validateQueueMessage } from '@schedmon/domain';
import { createBatchSender } from './batch-sender.ts';
import {
  attributeProblems,
  bodyProblem,
  fifoId,
  MAX_BATCH_BYTES,
  MAX_MESSAGE_BYTES,
  messageBytes,
  toSqsAttributes,
} from './sqs-message.ts';

export type SqsEventProducerOptions = {
  /** The event queue; a URL ending in `.fifo` makes sends set group and deduplication ids. */
  queueUrl: string;
  /** How long a send waits for others to share its batch call (default 3 ms). */
  lingerMs?: number;
  /** `SendMessageBatch` calls running at once; later sends wait their turn (default 8). */
  maxInFlightBatches?: number;
  /** Sends waiting for a batch beyond which new ones fail at once (default 10,000). */
  maxPendingSends?: number;
  /** Tries per call while SQS cannot be reached, on top of the SDK's own (default 2). */
  callAttempts?: number;
  /** Calls per send while SQS fails it on its side (SenderFault false) (default 3). */
  entryAttempts?: number;
  /** Deadline of one call, the SDK's retries included (default 5 s). */
  requestTimeoutMs?: number;
  /** Bytes one message may take, body and attributes (default 256 KiB, as the queues are made). */
  maxMessageBytes?: number;
  /** Bytes of one batch call's entries together (default 256 KiB). */
  maxBatchBytes?: number;
};

/** The port plus what the process that owns it needs: flushing and shutdown. */
export type SqsEventProducer = EventProducer & {
  /** Sends every waiting message now and resolves once all sends so far have settled. */
  flush(): Promise<void>;
  /**
   * Graceful shutdown: refuses new sends (`QueueRefusedError`) and resolves once every
   * accepted send has settled. Leaves no timer behind.
   */
  close(): Promise<void>;
};

/**
 * Creates the SQS event producer.
 *
 * `send` validates the message (`validateQueueMessage`, SQS's size, character and
 * attribute rules) and rejects with `ValidationError` before anything is sent. Valid sends
 * are micro-batched (see `createBatchSender`): each resolves only when SQS accepted that
 * very message, else rejects with `QueueRefusedError` (refused) or
 * `EngineUnavailableError` (SQS unreachable after brief retries). Standard queues may get
 * a duplicate when a retried call had in fact arrived; the worker is idempotent by
 * `event_id`, and FIFO queues drop it by deduplication id.
 *
 * FIFO (queue URL ending in `.fifo`): `MessageGroupId` = `scheduler_id` and
 * `MessageDeduplicationId` = `event_id`, which is then required (`ValidationError`
 * without it). Messages built by `buildStatusMessage` / `buildHeartbeatMessage` always
 * have one, so that a re-sent event is deduplicated by SQS rather than silently
 * reordered or doubled.
 */
export function createSqsEventProducer(
  client: SQSClient,
  options: SqsEventProducerOptions,
): SqsEventProducer {
  const { queueUrl } = options;
  const fifo = queueUrl.endsWith('.fifo');
  const maxMessageBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  const sender = createBatchSender(client, {
    queueUrl,
    lingerMs: options.lingerMs ?? 3,
    maxInFlightBatches: options.maxInFlightBatches ?? 8,
    maxPendingSends: options.maxPendingSends ?? 10_000,
    callAttempts: options.callAttempts ?? 2,
    entryAttempts: options.entryAttempts ?? 3,
    requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
    maxBatchBytes: options.maxBatchBytes ?? MAX_BATCH_BYTES,
  });
  let closed = false;

  return {
    async send(message: QueueMessage, attributes: MessageAttributes = {}) {
      if (closed) throw new QueueRefusedError('The event queue is closed: nothing was sent');
      const validated = validateQueueMessage(message);
      if (!validated.ok) throw new ValidationError(validated.problems);
      const problems = attributeProblems(attributes);
      if (fifo && message.event_id === undefined) {
        problems.push('event_id is required on a FIFO queue (it is the MessageDeduplicationId)');
      }
      // The version field first, as the message contract asks of every producer.
      const { v, ...fields } = message;
      const body = JSON.stringify({ v, ...fields });
      const bodyIssue = bodyProblem(body);
      if (bodyIssue) problems.push(bodyIssue);
      const messageAttributes = toSqsAttributes(attributes);
      const bytes = messageBytes(body, messageAttributes);
      if (bytes > maxMessageBytes) {
        problems.push(
          `the message takes ${bytes} bytes with its attributes; the queue takes at most ${maxMessageBytes}`,
        );
      }
      if (problems.length > 0) throw new ValidationError(problems);
      return sender.enqueue(
        {
          MessageBody: body,
          MessageAttributes: messageAttributes,
          ...(fifo && message.event_id !== undefined
            ? {
                MessageGroupId: fifoId(message.scheduler_id),
                MessageDeduplicationId: fifoId(message.event_id),
              }
            : {}),
        },
        bytes,
      );
    },

    flush: () => sender.flush(),

    async close() {
      closed = true;
      await sender.flush();
    },
  };
}
