/**
 * The receive loops: long-poll a batch, keep it hidden while it is processed, then park
 * poison, delete what is done and delay what failed unexpectedly. Messages that failed
 * because DynamoDB is down are held instead (docs/queue.md): kept
 * hidden, while no loop receives and one probe with backoff waits for the engine to
 * answer, then processed again. An outage of any length so costs each in-flight message
 * one receive, never its whole redrive budget.
 */
import type { EventConsumer, ReceivedMessage } from '@schedmon/domain';
import { exponentialBackoffMs } from '@schedmon/domain';
import type { Logger } from '@schedmon/runtime';
import { retryDelaySeconds } from './classify.ts';
import type { Decision } from './process-batch.ts';

export type ConsumerOptions = {
  /** The event queue's receiving side: receive, delete, changeVisibility, park. */
  queue: EventConsumer;
  process: (messages: readonly ReceivedMessage[]) => Promise<Map<string, Decision>>;
  /**
   * Whether DynamoDB answers, asked while receiving is paused; receiving resumes on `ok`.
   * Failure: `ok: false` (a rejection counts the same).
   */
  probe: () => Promise<{ ok: boolean; message: string }>;
  logger: Logger;
  concurrency: number;
  /**
   * Most messages one loop handles as a batch (10: one receive, the default). A receive
   * that comes back full says more are waiting: it is topped up at once, without a long
   * poll, up to this many, so the batch's history write and incident read serve more
   * events. A receive that is not full is handled as it is, never kept waiting.
   */
  batchMessages?: number;
  waitSeconds: number;
  visibilityTimeoutSeconds: number;
  /** First delay of a message that failed unexpectedly (see `retryDelaySeconds`). */
  retryDelaySeconds: number;
  /** Longest wait between two probes while paused; they start at 0.5 s and double. */
  probeMaxIntervalMs: number;
  onParked?: (reason: string) => void;
  onRetried?: (count: number) => void;
  onLoopError?: () => void;
};

/**
 * `receiving`: as usual; `paused`: DynamoDB is down, in-flight messages are held and
 * nothing is received; `failing`: receives (SQS) fail and the loops back off.
 */
export type ConsumerState = 'receiving' | 'paused' | 'failing';

export type Consumer = {
  start(): void;
  /**
   * Stops receiving, lets running batches finish, resolves when every loop has ended.
   * Held messages are left hidden: they come back after the visibility timeout.
   */
  stop(): Promise<void>;
  /** For readiness: anything but `receiving` means no work gets done now. */
  readonly state: ConsumerState;
};

const MAX_LOOP_BACKOFF_MS = 30_000;
/** SQS hands out at most 10 messages a receive. */
const RECEIVE_MAX = 10;
const FIRST_PROBE_MS = 500;
/** Holds in a row after which DynamoDB answered at once, before a batch is let go. */
const MAX_HOLDS_WITHOUT_OUTAGE = 3;
/** Holds of one batch at all (a flapping engine) before it is let go all the same. */
const MAX_HOLDS = 20;
const PROBES_PER_WARNING = 10;

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

/**
 * The pause of every loop while DynamoDB is down. The first loop with held messages starts
 * one probe loop, which the others join. Probes back off across pauses until a batch goes
 * through again, so an engine that answers probes but still fails writes is not hammered.
 */
function createEngineGate(options: ConsumerOptions, signal: AbortSignal) {
  let down: Promise<number | undefined> | undefined;
  let probes = 0;

  /** The probes that failed before DynamoDB answered; undefined when stopping. */
  async function probeUntilUp(context: Record<string, unknown>): Promise<number | undefined> {
    options.logger.warn(context, 'DynamoDB unreachable: receiving paused');
    let failed = 0;
    while (!signal.aborted) {
      const interval = exponentialBackoffMs(probes + 1, {
        baseMs: FIRST_PROBE_MS,
        maxMs: options.probeMaxIntervalMs,
      });
      await pause(interval, signal);
      if (signal.aborted) break;
      probes += 1;
      const check = await options
        .probe()
        .catch((error: unknown) => ({ ok: false, message: String(error) }));
      if (check.ok) {
        options.logger.info({ probes }, 'DynamoDB answers again: receiving resumed');
        return failed;
      }
      failed += 1;
      // Said at warn now and then (not each probe), so a pause that lasts says why.
      const level = failed % PROBES_PER_WARNING === 1 ? 'warn' : 'debug';
      options.logger[level]({ probes, reason: check.message }, 'DynamoDB still unreachable');
    }
    return undefined;
  }

  return {
    get paused() {
      return down !== undefined;
    },
    /** Resolves at once unless paused, else once DynamoDB answers; false when stopping. */
    ready: async () => (down ? (await down) !== undefined : !signal.aborted),
    /**
     * Pauses receiving (unless paused already) until DynamoDB answers. Resolves with the
     * probes that failed meanwhile (0: it answered at once), undefined when stopping.
     */
    waitUntilUp(context: Record<string, unknown>) {
      down ??= probeUntilUp(context).finally(() => {
        down = undefined;
      });
      return down;
    },
    /** A batch went through: the next pause starts probing quickly again. */
    answered() {
      probes = 0;
    },
  };
}

/**
 * Creates the receive loops (not started). Failure: nothing rejects out of them; receive
 * errors are logged and backed off, a batch's failures become its messages' decisions.
 */
export function createConsumer(options: ConsumerOptions): Consumer {
  const controller = new AbortController();
  const signal = controller.signal;
  const loops: Promise<void>[] = [];
  const engine = createEngineGate(options, signal);
  let failingLoops = 0;
  const { queue, logger } = options;

  /** Keeps the messages `current` names hidden: re-extends them every third of the timeout. */
  function keepHidden(current: () => readonly ReceivedMessage[]) {
    const every = (options.visibilityTimeoutSeconds * 1000) / 3;
    const timer = setInterval(() => {
      for (const message of current()) {
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

  /** Hides a message for its next try, later with each receive (the redrive budget). */
  const delay = (message: ReceivedMessage) =>
    queue.changeVisibility(
      message.receiptHandle,
      retryDelaySeconds(message.receiveCount, options.retryDelaySeconds),
    );

  const delayOrLog = (message: ReceivedMessage) =>
    delay(message).catch((error: unknown) => {
      // It reappears after the visibility timeout instead: sooner, but not lost.
      logger.warn({ err: error, message_id: message.messageId }, 'could not delay message');
    });

  async function retryLater(messages: readonly ReceivedMessage[]) {
    for (const message of messages) await delayOrLog(message);
    options.onRetried?.(messages.length);
  }

  /** Acts on each decision; returns the messages to hold until DynamoDB answers. */
  async function settle(messages: readonly ReceivedMessage[], decisions: Map<string, Decision>) {
    const done: string[] = [];
    const held: ReceivedMessage[] = [];
    let retried = 0;
    for (const message of messages) {
      const decision = decisions.get(message.messageId) ?? {
        kind: 'retry',
        error: new Error('no decision'),
      };
      if (decision.kind === 'done') {
        done.push(message.receiptHandle);
      } else if (decision.kind === 'hold') {
        held.push(message);
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
        await delayOrLog(message);
      }
    }
    const notDeleted = done.length > 0 ? await queue.delete(done) : [];
    if (notDeleted.length > 0) {
      // Processed but not deleted: it comes back, and being idempotent, changes nothing.
      logger.warn({ count: notDeleted.length }, 'processed messages could not be deleted');
    }
    if (retried > 0) options.onRetried?.(retried);
    return held;
  }

  /** Processes one received batch, again and again for what is held, until none is. */
  async function handle(messages: readonly ReceivedMessage[], index: number) {
    let pending = messages;
    let unexplained = 0;
    let holds = 0;
    const release = keepHidden(() => pending);
    try {
      for (;;) {
        const decisions = await options.process(pending);
        const held = await settle(pending, decisions);
        if (held.length === 0) {
          engine.answered();
          return;
        }
        pending = held;
        const first = decisions.get(held[0]?.messageId ?? '');
        const cause = first?.kind === 'hold' ? first.error : undefined;
        const failedProbes = await engine.waitUntilUp({
          err: cause,
          loop: index,
          held: held.length,
        });
        if (failedProbes === undefined) return;
        // Held again and again while DynamoDB answers every probe: not an outage but
        // something about these messages. They go back to the queue's redrive budget, so
        // they end in the DLQ rather than pausing every loop for ever.
        unexplained = failedProbes === 0 ? unexplained + 1 : 0;
        holds += 1;
        if (unexplained >= MAX_HOLDS_WITHOUT_OUTAGE || holds >= MAX_HOLDS) {
          logger.warn(
            { err: cause, loop: index, held: held.length },
            'held messages fail while DynamoDB answers; retrying them later',
          );
          await retryLater(held);
          return;
        }
      }
    } finally {
      release();
    }
  }

  const batchMessages = Math.max(RECEIVE_MAX, options.batchMessages ?? RECEIVE_MAX);

  /** Top-ups a batch may take at most: as many as fill it, were each full. */
  const maxTopUps = Math.ceil(batchMessages / RECEIVE_MAX) - 1;
  /**
   * How long topping up may take: the first receive's messages are hidden from then on,
   * but kept hidden only once the batch is handled, so a slow SQS must not eat their
   * visibility timeout.
   */
  const topUpMs = Math.min(1_000, (options.visibilityTimeoutSeconds * 1000) / 6);

  /** One receive, topped up while each comes back full (see `batchMessages`). */
  async function receiveBatch(index: number): Promise<ReceivedMessage[]> {
    const first = await queue.receive(RECEIVE_MAX, options.waitSeconds, signal);
    // By message id: a message SQS hands out again within the batch is handled once, by
    // its latest receipt handle, the one that deletes it.
    const batch = new Map(first.map((message) => [message.messageId, message]));
    const until = performance.now() + topUpMs;
    let full = first.length === RECEIVE_MAX;
    // Not while DynamoDB is down (another loop paused receiving): what is received then
    // only waits, spending its receive count.
    for (
      let topUps = 0;
      full && batch.size < batchMessages && topUps < maxTopUps && performance.now() < until;
      topUps += 1
    ) {
      if (signal.aborted || engine.paused) break;
      const want = Math.min(RECEIVE_MAX, batchMessages - batch.size);
      try {
        const more = await queue.receive(want, 0, signal);
        for (const message of more) batch.set(message.messageId, message);
        full = more.length === want;
      } catch (error) {
        // What is in hand is handled; the next receive meets the failure, if it lasts,
        // and backs off as usual.
        logger.warn({ err: error, loop: index }, 'could not top up a batch; handling what came');
        full = false;
      }
    }
    return [...batch.values()];
  }

  async function loop(index: number) {
    let failures = 0;
    let failing = false;
    const setFailing = (value: boolean) => {
      if (value !== failing) failingLoops += value ? 1 : -1;
      failing = value;
    };
    // While DynamoDB is down a receive would only spend a message's receive count.
    while ((await engine.ready()) && !signal.aborted) {
      try {
        const messages = await receiveBatch(index);
        if (messages.length > 0) await handle(messages, index);
        failures = 0;
        setFailing(false);
      } catch (error) {
        failures += 1;
        setFailing(true);
        options.onLoopError?.();
        logger.error({ err: error, loop: index }, 'receive loop error; backing off');
        // 500 ms after the first failure, doubling up to the cap.
        await pause(
          exponentialBackoffMs(failures, { baseMs: 500, maxMs: MAX_LOOP_BACKOFF_MS }),
          signal,
        );
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
    get state() {
      if (engine.paused) return 'paused';
      return failingLoops > 0 ? 'failing' : 'receiving';
    },
  };
}
