/**
 * Sends events straight to the SQS status queue (docs/queue.md), for producers that skip
 * the HTTP hop. Validation, micro-batching and FIFO ids are the api's own producer's:
 * `createSqsEventQueue` from the adapters.
 */
import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsEventQueue } from '@schedmon/adapters/sqs';
import type {
  HeartbeatMessage,
  MessageAttributes,
  QueueMessage,
  StatusMessage,
} from '@schedmon/domain';
import {
  EngineUnavailableError,
  futureSkewProblem,
  QueueRefusedError,
  ValidationError,
  validateQueueMessage,
} from '@schedmon/domain';
import type { ErrorReporter, Returned, SchedmonResult } from './result.ts';
import { SchedmonClientError, settle, warnOnConsole } from './result.ts';

/** What the producer adds itself: `v`, `type`, and `accepted_at` (never set by producers). */
type Added = 'v' | 'type' | 'accepted_at' | 'event_id' | 'timestamp';

/** A status event's fields; `event_id` defaults to a random UUID, `timestamp` to now. */
export type StatusFields = Omit<StatusMessage, Added> & { event_id?: string; timestamp?: string };

/** A heartbeat's fields; `event_id` defaults to a random UUID, `timestamp` to now. */
export type HeartbeatFields = Omit<HeartbeatMessage, Added> & {
  event_id?: string;
  timestamp?: string;
};

/** What SQS said: the event's id (to find it in history) and the SQS message id. */
export type Sent = { event_id: string; message_id: string };

export type QueueProducerOptions<Throws extends boolean = false> = {
  /** The caller's SQS client; the producer never destroys it. */
  sqs: SQSClient;
  /** The status queue; a URL ending in `.fifo` gets `MessageGroupId`/`MessageDeduplicationId`. */
  queueUrl: string;
  /** The `source` message attribute: your producer's name, for the worker's logs. */
  source?: string;
  /** How far ahead a timestamp may be: the workers' `MAX_CLOCK_SKEW_SECONDS` (default 300). */
  maxClockSkewSeconds?: number;
  /** How long a send waits for others to share its `SendMessageBatch` (default 3 ms). */
  lingerMs?: number;
  /** Where failures go when they are not thrown (default: one line on `console.warn`). */
  onError?: ErrorReporter;
  /** Throw `SchedmonClientError` instead of resolving `{ ok: false, error }`. */
  throwOnError?: Throws;
};

export type QueueProducer<Throws extends boolean = false> = {
  /** Sends a status event; resolves once SQS holds it. */
  status(fields: StatusFields): Promise<Returned<Sent, Throws>>;
  /** Sends a heartbeat; resolves once SQS holds it. */
  heartbeat(fields: HeartbeatFields): Promise<Returned<Sent, Throws>>;
  /** Sends what is waiting, then refuses new sends. Leaves the SQS client open. */
  close(): Promise<void>;
};

/**
 * Creates a direct-SQS producer.
 *
 * Every event is checked before anything is sent, by the validators the api and the
 * worker use, so a refusal names the same problems, in the same sentences, as the api's
 * 400 `message` array: `INVALID_EVENT` with `problems`. A send SQS refuses, or cannot take
 * after brief retries, is `QUEUE_ERROR`. Failures resolve `{ ok: false, error }` (reported
 * to `onError`) unless `throwOnError` is set.
 */
export function createQueueProducer<Throws extends boolean = false>(
  options: QueueProducerOptions<Throws>,
): QueueProducer<Throws> {
  const queue = createSqsEventQueue(options.sqs, {
    queueUrl: options.queueUrl,
    // Only the worker parks messages; a producer never touches the dead-letter queue.
    deadLetterQueueUrl: options.queueUrl,
    ...(options.lingerMs === undefined ? {} : { lingerMs: options.lingerMs }),
  });
  const maxSkewMs = (options.maxClockSkewSeconds ?? 300) * 1000;
  const attributes: MessageAttributes =
    options.source === undefined ? {} : { source: options.source };
  const throwOnError = (options.throwOnError ?? false) as Throws;
  const onError = options.onError ?? warnOnConsole;

  const send = async (message: QueueMessage): Promise<SchedmonResult<Sent>> => {
    const event_id = message.event_id ?? '';
    const validated = validateQueueMessage(message);
    const problems = validated.ok ? [] : validated.problems;
    // The worker parks a message too far ahead; the api refuses it with this sentence.
    const skew =
      validated.ok && typeof message.timestamp === 'string'
        ? futureSkewProblem(message.timestamp, Date.now(), maxSkewMs)
        : undefined;
    if (skew) problems.push(skew);
    if (problems.length > 0) return invalid(message, problems);
    try {
      const { messageId } = await queue.send(message, attributes);
      return { ok: true, value: { event_id, message_id: messageId } };
    } catch (error) {
      if (error instanceof ValidationError) return invalid(message, [...error.problems], error);
      const kind =
        error instanceof EngineUnavailableError
          ? 'could not reach SQS'
          : error instanceof QueueRefusedError
            ? 'was refused'
            : 'failed';
      const reason = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        error: new SchedmonClientError(
          'QUEUE_ERROR',
          `${message.type} event ${event_id} for ${message.scheduler_id} ${kind}: ${reason}`,
          { cause: error },
        ),
      };
    }
  };

  return {
    async status(fields) {
      const { event_id, timestamp, ...rest } = fields;
      const message: StatusMessage = {
        v: 1,
        type: 'status',
        event_id: event_id ?? randomUUID(),
        ...rest,
        timestamp: timestamp ?? new Date().toISOString(),
      };
      return settle(await send(message), throwOnError, onError);
    },
    async heartbeat(fields) {
      const { event_id, timestamp, ...rest } = fields;
      const message: HeartbeatMessage = {
        v: 1,
        type: 'heartbeat',
        event_id: event_id ?? randomUUID(),
        ...rest,
        timestamp: timestamp ?? new Date().toISOString(),
      };
      return settle(await send(message), throwOnError, onError);
    },
    close: () => queue.close(),
  };
}

function invalid(message: QueueMessage, problems: string[], cause?: unknown): SchedmonResult<Sent> {
  return {
    ok: false,
    error: new SchedmonClientError(
      'INVALID_EVENT',
      `${String(message.type)} event for ${String(message.scheduler_id)} refused, nothing sent: ${problems.join('; ')}`,
      { problems, cause },
    ),
  };
}
