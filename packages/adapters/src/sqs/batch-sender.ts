/**
 * The micro-batching producer behind `EventProducer.send`: concurrent sends are gathered
 * into `SendMessageBatch` calls, and each caller hears about its own entry only.
 */
import type { SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { EngineUnavailableError, QueueRefusedError } from '@schedmon/domain';
import { backoffMs, isTransient, sleep, toDomainError, withDeadline } from './sqs-calls.ts';
import { MAX_BATCH_ENTRIES } from './sqs-message.ts';

export type BatchSenderOptions = {
  queueUrl: string;
  lingerMs: number;
  maxInFlightBatches: number;
  maxPendingSends: number;
  callAttempts: number;
  entryAttempts: number;
  requestTimeoutMs: number;
  maxBatchBytes: number;
};

/** One entry without its batch `Id`, which the sender assigns. */
type OutgoingMessage = Omit<SendMessageBatchRequestEntry, 'Id'>;

type Entry = {
  request: SendMessageBatchRequestEntry;
  bytes: number;
  /** Calls SQS answered for this entry without accepting it (its side failed). */
  refusals: number;
  promise: Promise<{ messageId: string }>;
  resolve(result: { messageId: string }): void;
  reject(error: Error): void;
};

export type BatchSender = {
  /** Queues one message; resolves with its MessageId once SQS has accepted that entry. */
  enqueue(message: OutgoingMessage, bytes: number): Promise<{ messageId: string }>;
  /** Sends everything queued now at once and waits until every send so far has settled. */
  flush(): Promise<void>;
};

/**
 * A batch goes out as soon as it is full (10 entries, or the next entry would pass
 * `maxBatchBytes`) or `lingerMs` after the oldest waiting send, whichever comes first;
 * at most `maxInFlightBatches` calls run at once and later sends wait their turn.
 *
 * Outcomes per send: resolved only when its entry is in `Successful` with a MessageId;
 * `QueueRefusedError` when its entry is in `Failed` with SenderFault, or still failing on
 * SQS's side after `entryAttempts` calls; `EngineUnavailableError` for every entry of a
 * call that could not reach SQS after `callAttempts` tries. An entry SQS did not mention
 * at all is retried like a failure on its side: silence is never taken for success.
 */
export function createBatchSender(client: SQSClient, options: BatchSenderOptions): BatchSender {
  const pending: Entry[] = [];
  const unsettled = new Set<Entry>();
  let inFlight = 0;
  let sequence = 0;
  let lingerTimer: ReturnType<typeof setTimeout> | undefined;
  // Set when the oldest waiting send has lingered long enough (or on flush): partial
  // batches may go out until the queue of waiting sends is empty again.
  let due = false;

  const stopLingering = () => {
    clearTimeout(lingerTimer);
    lingerTimer = undefined;
  };

  /** The next batch to send: full, or any non-empty one when `due`; else undefined. */
  const takeBatch = (): Entry[] | undefined => {
    let count = 0;
    let bytes = 0;
    for (const entry of pending) {
      if (count === MAX_BATCH_ENTRIES) break;
      // A single entry always goes: it was checked against the per-message limit.
      if (count > 0 && bytes + entry.bytes > options.maxBatchBytes) break;
      bytes += entry.bytes;
      count += 1;
    }
    const full = count === MAX_BATCH_ENTRIES || count < pending.length;
    return full || due ? pending.splice(0, count) : undefined;
  };

  const pump = () => {
    while (pending.length > 0 && inFlight < options.maxInFlightBatches) {
      const batch = takeBatch();
      if (!batch) break;
      inFlight += 1;
      // sendBatch settles every entry itself and never rejects.
      void sendBatch(batch).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
    if (pending.length === 0) {
      due = false;
      stopLingering();
    } else if (!due && !lingerTimer) {
      lingerTimer = setTimeout(() => {
        lingerTimer = undefined;
        due = true;
        pump();
      }, options.lingerMs);
    }
  };

  const callSqs = (entries: readonly Entry[]) =>
    withDeadline(options.requestTimeoutMs, [], (abortSignal) =>
      client.send(
        new SendMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: entries.map((entry) => entry.request),
        }),
        { abortSignal },
      ),
    );

  const sendBatch = async (batch: Entry[]): Promise<void> => {
    let remaining = batch;
    let callFailures = 0;
    let retryRounds = 0;
    try {
      while (remaining.length > 0) {
        let response: Awaited<ReturnType<typeof callSqs>>;
        try {
          response = await callSqs(remaining);
        } catch (error) {
          callFailures += 1;
          if (callFailures < options.callAttempts && isTransient(error)) {
            await sleep(backoffMs(callFailures));
            continue;
          }
          const failure = toDomainError(error, 'SendMessageBatch');
          for (const entry of remaining) entry.reject(failure);
          return;
        }
        const unanswered = new Map(remaining.map((entry) => [entry.request.Id, entry]));
        const retry: Entry[] = [];
        for (const accepted of response.Successful ?? []) {
          const entry = unanswered.get(accepted.Id);
          if (!entry || !accepted.MessageId) continue;
          unanswered.delete(accepted.Id);
          entry.resolve({ messageId: accepted.MessageId });
        }
        for (const failed of response.Failed ?? []) {
          const entry = unanswered.get(failed.Id);
          if (!entry) continue;
          unanswered.delete(failed.Id);
          const reason = `${failed.Code ?? 'Unknown'}: ${failed.Message ?? 'no message'}`;
          entry.refusals += 1;
          if (failed.SenderFault) {
            entry.reject(
              new QueueRefusedError(`SQS refused the message: ${reason}`, { cause: failed }),
            );
          } else if (entry.refusals >= options.entryAttempts) {
            entry.reject(
              new QueueRefusedError(
                `SQS failed to take the message ${entry.refusals} times: ${reason}`,
                { cause: failed },
              ),
            );
          } else {
            retry.push(entry);
          }
        }
        for (const entry of unanswered.values()) {
          entry.refusals += 1;
          if (entry.refusals < options.entryAttempts) retry.push(entry);
          else entry.reject(new QueueRefusedError('SQS did not confirm the message'));
        }
        remaining = retry;
        if (remaining.length > 0) {
          retryRounds += 1;
          await sleep(backoffMs(retryRounds));
        }
      }
    } catch (error) {
      // Only a bug can land here; its entries must still settle, never hang.
      const failure = new EngineUnavailableError('sqs', 'SQS send failed unexpectedly', {
        cause: error,
      });
      for (const entry of remaining) entry.reject(failure);
    }
  };

  return {
    enqueue(message, bytes) {
      if (pending.length >= options.maxPendingSends) {
        return Promise.reject(
          new EngineUnavailableError(
            'sqs',
            `${pending.length} sends are already waiting for SQS: nothing was sent`,
          ),
        );
      }
      sequence += 1;
      const { promise, resolve, reject } = Promise.withResolvers<{ messageId: string }>();
      const entry: Entry = {
        request: { ...message, Id: `m${sequence}` },
        bytes,
        refusals: 0,
        promise,
        resolve(result) {
          unsettled.delete(entry);
          resolve(result);
        },
        reject(error) {
          unsettled.delete(entry);
          reject(error);
        },
      };
      unsettled.add(entry);
      pending.push(entry);
      pump();
      return promise;
    },
    async flush() {
      const waiting = [...unsettled].map((entry) => entry.promise);
      if (pending.length > 0) {
        due = true;
        stopLingering();
        pump();
      }
      await Promise.allSettled(waiting);
    },
  };
}
