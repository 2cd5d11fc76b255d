/**
 * The `EventConsumer` port on SQS: the primitives the worker builds its receive loops on
 * (receive, delete, changeVisibility, park), plus queue depths for metrics and readiness.
 */
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { EventConsumer, MessageAttributes, ReceivedMessage } from '@schedmon/domain';
import { errorName, retrying, toDomainError, withDeadline } from './sqs-calls.ts';
import {
  attributeProblems,
  fifoId,
  MAX_ATTRIBUTES,
  MAX_BATCH_ENTRIES,
  MAX_MESSAGE_BYTES,
  messageBytes,
  sanitizeAttributeValue,
  toSqsAttributes,
  truncateUtf8,
} from './sqs-message.ts';

export type SqsEventConsumerOptions = {
  /** The event queue the worker receives from. */
  queueUrl: string;
  /** Where `park` puts poison messages; FIFO too when its URL ends in `.fifo`. */
  deadLetterQueueUrl: string;
  /** Tries per call while SQS cannot be reached, on top of the SDK's own (default 2). */
  callAttempts?: number;
  /** Deadline of one call, the SDK's retries included; long polls get their wait on top (default 5 s). */
  requestTimeoutMs?: number;
  /** Bytes one message may take, body and attributes: what `park` fits its attributes in (default 256 KiB). */
  maxMessageBytes?: number;
};

/** Approximate message counts of one queue, as SQS reports them. */
export type QueueDepth = { visible: number; inFlight: number; delayed: number };

/** The port plus what the process that owns it needs: shutdown and depths. */
export type SqsEventConsumer = EventConsumer & {
  /**
   * Graceful shutdown: ends running long polls (they resolve with no messages) and makes
   * later receives return none at once.
   */
  close(): Promise<void>;
  /** Depths of the event queue and the DLQ. Failure: as for any call (see the port). */
  queueDepth(): Promise<{ main: QueueDepth; deadLetter: QueueDepth }>;
};

// The attributes `park` adds; an original attribute of the same name gives way to them.
const PARK_ATTRIBUTES = ['reason', 'detail', 'original_message_id', 'receive_count'];
/** Most bytes of `detail` kept on a parked message: enough to act on, small to list. */
const PARK_DETAIL_MAX_BYTES = 4096;
const PARK_REASON_MAX_BYTES = 256;
// Room kept for `detail` when deciding which original attributes still fit.
const PARK_DETAIL_MIN_BYTES = 64;
// Errors meaning the message is no longer held under this handle (deleted, or visible
// again): there is no visibility left to change.
const NOT_IN_FLIGHT = new Set(['MessageNotInflight', 'ReceiptHandleIsInvalid']);
const MAX_WAIT_SECONDS = 20;
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

const clamp = (value: number, min: number, max: number) =>
  Math.min(max, Math.max(min, Math.floor(value)));

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    result.push(items.slice(start, start + size));
  }
  return result;
}

function toReceived(message: Message): ReceivedMessage[] {
  // Without an id and a handle a message can be neither tracked nor deleted; SQS always
  // sends both, so this only guards the types.
  if (!message.MessageId || !message.ReceiptHandle) return [];
  const attributes: MessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    const text =
      value.StringValue ??
      (value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : undefined);
    if (text !== undefined) attributes[name] = text;
  }
  const system = message.Attributes ?? {};
  return [
    {
      messageId: message.MessageId,
      receiptHandle: message.ReceiptHandle,
      body: message.Body ?? '',
      attributes,
      receiveCount: Number(system.ApproximateReceiveCount ?? 1),
      sentAt: Number(system.SentTimestamp ?? Date.now()),
    },
  ];
}

/** The scheduler a parked body names, for its FIFO group; poison may name none. */
function schedulerIdOf(body: string): string {
  try {
    const value = JSON.parse(body) as { scheduler_id?: unknown } | null;
    const id = value?.scheduler_id;
    if (typeof id === 'string' && id.length > 0) return id;
  } catch {
    // Not JSON: grouped with the other unreadable ones below.
  }
  return 'unparseable';
}

/**
 * The attributes of a parked message: `reason`, `detail`, `original_message_id` and
 * `receive_count`, plus as many original attributes as SQS's limits of 10 attributes and
 * `maxBytes` per message leave room for; `detail` is cut to what remains.
 */
function parkAttributes(
  message: ReceivedMessage,
  reason: string,
  detail: string,
  maxBytes: number,
): MessageAttributes {
  const own: MessageAttributes = {
    reason: truncateUtf8(sanitizeAttributeValue(reason), PARK_REASON_MAX_BYTES),
    original_message_id: sanitizeAttributeValue(message.messageId),
    receive_count: String(message.receiveCount),
  };
  let bytes =
    messageBytes(message.body, toSqsAttributes(own)) +
    Buffer.byteLength('detailString') +
    PARK_DETAIL_MIN_BYTES;
  let room = MAX_ATTRIBUTES - PARK_ATTRIBUTES.length;
  const kept: MessageAttributes = {};
  for (const [name, value] of Object.entries(message.attributes)) {
    if (room === 0) break;
    if (PARK_ATTRIBUTES.includes(name) || attributeProblems({ [name]: value }).length > 0) continue;
    const size = messageBytes('', toSqsAttributes({ [name]: value }));
    if (bytes + size > maxBytes) continue;
    kept[name] = value;
    bytes += size;
    room -= 1;
  }
  const detailBytes = Math.min(PARK_DETAIL_MAX_BYTES, maxBytes - bytes + PARK_DETAIL_MIN_BYTES);
  return { ...kept, ...own, detail: truncateUtf8(sanitizeAttributeValue(detail), detailBytes) };
}

/**
 * Creates the SQS event consumer. A receive returns what SQS handed out, with its receive
 * count and first-sent time; failures of any call are domain errors (see the port), after
 * brief retries while SQS cannot be reached.
 */
export function createSqsEventConsumer(
  client: SQSClient,
  options: SqsEventConsumerOptions,
): SqsEventConsumer {
  const { queueUrl, deadLetterQueueUrl } = options;
  const deadLetterFifo = deadLetterQueueUrl.endsWith('.fifo');
  const requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
  const callAttempts = options.callAttempts ?? 2;
  const maxMessageBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  // Aborted by close(): ends running long polls so shutdown need not wait up to 20 s.
  const closing = new AbortController();

  /** One call, bounded in time and retried briefly while SQS cannot be reached. */
  const attempt = <T>(run: (abortSignal: AbortSignal) => Promise<T>) =>
    retrying(callAttempts, () => withDeadline(requestTimeoutMs, [], run));

  /** `attempt`, with a failure translated into a domain error. */
  const call = async <T>(operation: string, run: (abortSignal: AbortSignal) => Promise<T>) => {
    try {
      return await attempt(run);
    } catch (error) {
      throw toDomainError(error, operation);
    }
  };

  const depthOf = async (url: string): Promise<QueueDepth> => {
    const response = await call('GetQueueAttributes', (abortSignal) =>
      client.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
        { abortSignal },
      ),
    );
    const attributes = response.Attributes ?? {};
    return {
      visible: Number(attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  };

  const deleteChunk = async (handles: readonly string[]): Promise<string[]> => {
    const response = await call('DeleteMessageBatch', (abortSignal) =>
      client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: handles.map((handle, index) => ({ Id: `d${index}`, ReceiptHandle: handle })),
        }),
        { abortSignal },
      ),
    );
    const deleted = new Set((response.Successful ?? []).map((entry) => entry.Id));
    // Anything not confirmed counts as not deleted: the message comes back, and the
    // worker handles it again idempotently, which is safe; a lost message is not.
    return handles.filter((_, index) => !deleted.has(`d${index}`));
  };

  return {
    async receive(max: number, waitSeconds: number, signal?: AbortSignal) {
      const stopped = () => signal?.aborted === true || closing.signal.aborted;
      if (stopped()) return [];
      const wait = clamp(waitSeconds, 0, MAX_WAIT_SECONDS);
      try {
        const response = await withDeadline(
          wait * 1000 + requestTimeoutMs,
          [signal, closing.signal],
          (abortSignal) =>
            client.send(
              new ReceiveMessageCommand({
                QueueUrl: queueUrl,
                MaxNumberOfMessages: clamp(max, 1, MAX_BATCH_ENTRIES),
                WaitTimeSeconds: wait,
                MessageAttributeNames: ['All'],
                MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
              }),
              { abortSignal },
            ),
        );
        return (response.Messages ?? []).flatMap(toReceived);
      } catch (error) {
        // A poll ended by shutdown found nothing. Had SQS already picked messages for
        // it, they become visible again after the visibility timeout: late, not lost.
        if (stopped()) return [];
        throw toDomainError(error, 'ReceiveMessage');
      }
    },

    async delete(receiptHandles: readonly string[]) {
      // An empty handle would make SQS refuse the whole call, costing the valid ones.
      const failed = receiptHandles.filter((handle) => handle.length === 0);
      const valid = receiptHandles.filter((handle) => handle.length > 0);
      const results = await Promise.allSettled(
        chunks(valid, MAX_BATCH_ENTRIES).map((chunk) => deleteChunk(chunk)),
      );
      for (const result of results) {
        if (result.status === 'rejected') throw result.reason;
        failed.push(...result.value);
      }
      return failed;
    },

    async changeVisibility(receiptHandle: string, seconds: number) {
      if (receiptHandle.length === 0) return;
      try {
        await attempt((abortSignal) =>
          client.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: queueUrl,
              ReceiptHandle: receiptHandle,
              VisibilityTimeout: clamp(seconds, 0, MAX_VISIBILITY_SECONDS),
            }),
            { abortSignal },
          ),
        );
      } catch (error) {
        if (NOT_IN_FLIGHT.has(errorName(error))) return;
        throw toDomainError(error, 'ChangeMessageVisibility');
      }
    },

    async park(message: ReceivedMessage, reason: string, detail: string) {
      const attributes = parkAttributes(message, reason, detail, maxMessageBytes);
      await call('SendMessage to the dead-letter queue', (abortSignal) =>
        client.send(
          new SendMessageCommand({
            QueueUrl: deadLetterQueueUrl,
            MessageBody: message.body,
            MessageAttributes: toSqsAttributes(attributes),
            // Deduplicated by the original message id: parking the same receipt twice
            // (a crash between the two calls below) leaves one copy in a FIFO DLQ.
            ...(deadLetterFifo
              ? {
                  MessageGroupId: fifoId(schedulerIdOf(message.body)),
                  MessageDeduplicationId: fifoId(message.messageId),
                }
              : {}),
          }),
          { abortSignal },
        ),
      );
      // Only after the copy is safe: a failure here leaves the message on the main queue
      // too, so it is received and parked again, never lost.
      await call('DeleteMessage after parking', (abortSignal) =>
        client.send(
          new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.receiptHandle }),
          { abortSignal },
        ),
      );
    },

    async close() {
      closing.abort();
    },

    async queueDepth() {
      const [main, deadLetter] = await Promise.all([
        depthOf(queueUrl),
        depthOf(deadLetterQueueUrl),
      ]);
      return { main, deadLetter };
    },
  };
}
