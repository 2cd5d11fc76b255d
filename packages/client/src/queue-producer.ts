/**
 * Sends events straight to the SQS status queue (docs/queue.md), for producers that skip
 * the HTTP hop. Messages are built as the api builds its own (`buildStatusMessage`,
 * `buildHeartbeatMessage`: UUIDv7 ids), and validation, micro-batching and FIFO ids are
 * the api's own producer's: `createSqsEventProducer` from the adapters.
 */
import { randomBytes } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsEventProducer } from '@schedmon/adapters/sqs';
import type {
  HeartbeatMessageFields,
  MessageAttributes,
  QueueMessage,
  StatusMessageFields,
} from '@schedmon/domain';
import {
  buildHeartbeatMessage,
  buildStatusMessage,
  DEFAULT_MAX_CLOCK_SKEW_SECONDS,
  EngineUnavailableError,
  futureSkewProblem,
  QueueRefusedError,
  ValidationError,
  validateQueueMessage,
} from '@schedmon/domain';
import type { ErrorReporter, Returned, SchedmonResult } from './result.ts';
import { SchedmonClientError, settle, warnOnConsole } from './result.ts';

/** A status event's fields; `event_id` defaults to a new UUIDv7, `timestamp` to now. */
export type StatusFields = StatusMessageFields;

/** A heartbeat's fields; `event_id` defaults to a new UUIDv7, `timestamp` to now. */
export type HeartbeatFields = HeartbeatMessageFields;

/** What SQS said: the event's id (to find it in history) and the SQS message id. */
export type Sent = { event_id: string; message_id: string };

export type QueueProducerOptions<Throws extends boolean = false> = {
  /** The caller's SQS client; the producer never destroys it. */
  sqs: SQSClient;
  /** The status queue; a URL ending in `.fifo` gets `MessageGroupId`/`MessageDeduplicationId`. */
  queueUrl: string;
  /** The `source` message attribute: your producer's name, for the worker's logs. */
  source?: string;
  /** How far ahead a timestamp may be: the workers' `MAX_CLOCK_SKEW_SECONDS` (same default). */
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
  const queue = createSqsEventProducer(options.sqs, {
    queueUrl: options.queueUrl,
    ...(options.lingerMs === undefined ? {} : { lingerMs: options.lingerMs }),
  });
  const maxSkewMs = (options.maxClockSkewSeconds ?? DEFAULT_MAX_CLOCK_SKEW_SECONDS) * 1000;
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

  // A new event id's time is when the event was built, as on the api.
  const context = () => ({ now: Date.now(), random: randomBytes });

  return {
    async status(fields) {
      const message = buildStatusMessage(fields, context());
      return settle(await send(message), throwOnError, onError);
    },
    async heartbeat(fields) {
      const message = buildHeartbeatMessage(fields, context());
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
