/**
 * The receive loops: long-poll a batch, keep it hidden while it is processed, then park
 * poison, delete what is done and delay what must be retried. After a batch that could
 * not be written (an engine is down) the loop backs off before receiving again, so an
 * outage does not burn through the messages' receive counts.
 */
import type { EventQueue, ReceivedMessage } from '@schedmon/domain';
import type { Logger } from '@schedmon/runtime';
import { retryDelaySeconds } from './classify.ts';
import type { Decision } from './process-batch.ts';

export type ConsumerOptions = {
  queue: EventQueue;
  process: (messages: readonly ReceivedMessage[]) => Promise<Map<string, Decision>>;
  logger: Logger;
  concurrency: number;
  waitSeconds: number;
  visibilityTimeoutSeconds: number;
  onParked?: (reason: string) => void;
  onRetried?: (count: number) => void;
  onLoopError?: () => void;
};

export type Consumer = {
  start(): void;
  /** Stops receiving, lets running batches finish, resolves when every loop has ended. */
  stop(): Promise<void>;
  /** True while the last receive or batch of some loop failed for engine trouble. */
  readonly healthy: boolean;
};

const MAX_LOOP_BACKOFF_MS = 30_000;

function pause(ms: number, signal: AbortSignal) {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export function createConsumer(options: ConsumerOptions): Consumer {
  const controller = new AbortController();
  const loops: Promise<void>[] = [];
  let failingLoops = 0;
  const { queue, logger } = options;

  /** Keeps a slow batch hidden: re-extends its visibility every third of the timeout. */
  function keepHidden(messages: readonly ReceivedMessage[]) {
    const every = (options.visibilityTimeoutSeconds * 1000) / 3;
    const timer = setInterval(() => {
      for (const message of messages) {
        queue
          .changeVisibility(message.receiptHandle, options.visibilityTimeoutSeconds)
          .catch((error: unknown) => {
            logger.warn(
              { err: error, message_id: message.messageId },
              'could not extend visibility',
            );
          });
      }
    }, every);
    return () => clearInterval(timer);
  }

  async function settle(messages: readonly ReceivedMessage[], decisions: Map<string, Decision>) {
    const done: string[] = [];
    let retried = 0;
    for (const message of messages) {
      const decision = decisions.get(message.messageId) ?? {
        kind: 'retry',
        error: new Error('no decision'),
      };
      if (decision.kind === 'done') {
        done.push(message.receiptHandle);
      } else if (decision.kind === 'park') {
        try {
          await queue.park(message, decision.reason, decision.detail);
        } catch (error) {
          // Left in place: it comes back, and after maxReceiveCount the redrive policy
          // parks it even if the DLQ refuses our copy of it.
          logger.error({ err: error, message_id: message.messageId }, 'could not park message');
          retried += 1;
          continue;
        }
        options.onParked?.(decision.reason);
        logger.warn(
          {
            message_id: message.messageId,
            request_id: message.attributes.request_id,
            reason: decision.reason,
            detail: decision.detail,
          },
          'message parked in the dead-letter queue',
        );
      } else {
        retried += 1;
        await queue.changeVisibility(
          message.receiptHandle,
          retryDelaySeconds(message.receiveCount),
        );
      }
    }
    const notDeleted = done.length > 0 ? await queue.delete(done) : [];
    if (notDeleted.length > 0) {
      // Processed but not deleted: it comes back, and being idempotent, changes nothing.
      logger.warn({ count: notDeleted.length }, 'processed messages could not be deleted');
    }
    if (retried > 0) options.onRetried?.(retried);
    return retried;
  }

  async function loop(index: number) {
    const signal = controller.signal;
    let failures = 0;
    let failing = false;
    const setFailing = (value: boolean) => {
      if (value !== failing) failingLoops += value ? 1 : -1;
      failing = value;
    };
    while (!signal.aborted) {
      let retried = 0;
      try {
        const messages = await queue.receive(10, options.waitSeconds, signal);
        if (messages.length === 0) continue;
        const release = keepHidden(messages);
        try {
          const decisions = await options.process(messages);
          retried = await settle(messages, decisions);
        } finally {
          release();
        }
      } catch (error) {
        retried = 1;
        options.onLoopError?.();
        logger.error({ err: error, loop: index }, 'receive loop error; backing off');
      }
      if (retried > 0) {
        failures += 1;
        setFailing(true);
        await pause(Math.min(MAX_LOOP_BACKOFF_MS, 250 * 2 ** failures), signal);
      } else {
        failures = 0;
        setFailing(false);
      }
    }
    setFailing(false);
  }

  return {
    start() {
      for (let index = 0; index < options.concurrency; index += 1) loops.push(loop(index));
    },
    async stop() {
      controller.abort();
      await Promise.all(loops);
    },
    get healthy() {
      return failingLoops === 0;
    },
  };
}
