/**
 * In-memory implementations of every port, for use-case tests. The same contract suites
 * that test the real adapters run against these, so they behave alike.
 */

import { NotifierError, ValidationError } from './errors.ts';
import type { HeartbeatEvent, HistoryRow, OrderKey, QueueMessage, StatusEvent } from './events.ts';
import { decideHeartbeat, decideStatus, recordWithStatus, validateQueueMessage } from './events.ts';
import type {
  ApplyResult,
  Clock,
  EventConsumer,
  EventProducer,
  HistoryQuery,
  HistoryStore,
  MessageAttributes,
  MessageRef,
  Notifier,
  ReceivedMessage,
  SchedulerFilter,
  SchedulerStore,
  SlackMessage,
  StateItem,
  StateStore,
} from './ports.ts';
import type { Registration, SchedulerRecord } from './scheduler.ts';
import { compareSchedulers, newSchedulerRecord } from './scheduler.ts';

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** A clock that only moves when told to. */
export function createFakeClock(start: Date | string): Clock & {
  set(at: Date | string): void;
  advance(ms: number): void;
} {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    set(at) {
      current = new Date(at).getTime();
    },
    advance(ms) {
      current += ms;
    },
  };
}

export function createMemorySchedulerStore(): SchedulerStore {
  const items = new Map<string, { record: SchedulerRecord; order: OrderKey }>();
  const copy = (record: SchedulerRecord): SchedulerRecord => structuredClone(record);
  return {
    async register(registration: Registration, now: string) {
      const existing = items.get(registration.scheduler_id);
      if (!existing) {
        const record = newSchedulerRecord(registration, now);
        items.set(record.scheduler_id, {
          record,
          order: { timestamp: record.timestamp, status: record.status, event_id: null },
        });
        return copy(record);
      }
      existing.record = {
        ...existing.record,
        service_name: registration.service_name.trim(),
        job_name: registration.job_name.trim(),
        owner_email: registration.owner_email ?? null,
        alert_user_id: registration.alert_user_id ?? null,
        updated_at: now,
      };
      return copy(existing.record);
    },
    async get(schedulerId) {
      const item = items.get(schedulerId);
      return item ? copy(item.record) : undefined;
    },
    async list(filter: SchedulerFilter = {}) {
      return [...items.values()]
        .map((item) => item.record)
        .filter((record) => !filter.status || record.status === filter.status)
        .filter((record) => !filter.service_name || record.service_name === filter.service_name)
        .sort(compareSchedulers)
        .map(copy);
    },
    async applyStatus(event: StatusEvent, now: string): Promise<ApplyResult> {
      const item = items.get(event.scheduler_id);
      if (!item) return 'not_registered';
      const outcome = decideStatus(item.order, event);
      if (outcome === 'applied') {
        item.record = recordWithStatus(item.record, event, now);
        item.order = { timestamp: event.timestamp, status: event.status, event_id: event.event_id };
      }
      return outcome;
    },
    async applyHeartbeat(event: HeartbeatEvent): Promise<ApplyResult> {
      const item = items.get(event.scheduler_id);
      if (!item) return 'not_registered';
      const outcome = decideHeartbeat(item.record.last_heartbeat, event);
      if (outcome === 'applied') item.record = { ...item.record, last_heartbeat: event.timestamp };
      return outcome;
    },
  };
}

export function createMemoryHistoryStore(): HistoryStore & { all(): HistoryRow[] } {
  const rows = new Map<string, HistoryRow>();
  const keyOf = (row: Pick<HistoryRow, 'scheduler_id' | 'sk'>) =>
    `${row.scheduler_id}\u0000${row.sk}`;
  return {
    async putAll(newRows) {
      for (const row of newRows) {
        if (!rows.has(keyOf(row))) rows.set(keyOf(row), structuredClone(row));
      }
    },
    async query(schedulerId: string, query: HistoryQuery) {
      const nowSeconds = epochSeconds(query.now);
      return [...rows.values()]
        .filter((row) => row.scheduler_id === schedulerId && row.expires_at >= nowSeconds)
        .filter((row) => !query.from || row.timestamp >= query.from)
        .filter((row) => !query.to || row.timestamp <= query.to)
        .sort((a, b) => (a.sk < b.sk ? 1 : a.sk > b.sk ? -1 : 0))
        .slice(0, query.limit)
        .map((row) => structuredClone(row));
    },
    async deleteExpired(now: string) {
      const nowSeconds = epochSeconds(now);
      let deleted = 0;
      for (const [key, row] of rows) {
        if (row.expires_at < nowSeconds) {
          rows.delete(key);
          deleted += 1;
        }
      }
      return deleted;
    },
    all: () => [...rows.values()].map((row) => structuredClone(row)),
  };
}

export function createMemoryStateStore(): StateStore {
  const items = new Map<string, StateItem>();
  const keyOf = (pk: string, sk: string) => `${pk}\u0000${sk}`;
  const live = (item: StateItem | undefined, now: string) =>
    item && item.expires_at >= epochSeconds(now) ? structuredClone(item) : undefined;
  const leaseKey = (name: string) => keyOf('lease', name);
  return {
    async get(pk, sk, now) {
      return live(items.get(keyOf(pk, sk)), now);
    },
    async list(pk, now) {
      return [...items.values()]
        .filter((item) => item.pk === pk)
        .flatMap((item) => live(item, now) ?? [])
        .sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));
    },
    async put(item) {
      items.set(keyOf(item.pk, item.sk), structuredClone(item));
    },
    async putIfAbsent(item, now) {
      if (live(items.get(keyOf(item.pk, item.sk)), now)) return false;
      items.set(keyOf(item.pk, item.sk), structuredClone(item));
      return true;
    },
    async delete(pk, sk) {
      items.delete(keyOf(pk, sk));
    },
    async replace(item, expectedVersion, now) {
      const current = live(items.get(keyOf(item.pk, item.sk)), now);
      const matches =
        expectedVersion === null
          ? current === undefined
          : current !== undefined && (current.version ?? 0) === expectedVersion;
      if (!matches) return false;
      const version = (expectedVersion ?? 0) + 1;
      items.set(keyOf(item.pk, item.sk), { ...structuredClone(item), version });
      return true;
    },
    async acquireLease(name, owner, expiresAt, now) {
      const current = live(items.get(leaseKey(name)), now);
      if (current && current.data.owner !== owner) return false;
      items.set(leaseKey(name), { pk: 'lease', sk: name, data: { owner }, expires_at: expiresAt });
      return true;
    },
    async releaseLease(name, owner) {
      const current = items.get(leaseKey(name));
      if (current?.data.owner === owner) items.delete(leaseKey(name));
    },
  };
}

type QueuedMessage = {
  messageId: string;
  body: string;
  attributes: MessageAttributes;
  receiveCount: number;
  sentAt: number;
  visibleAt: number;
  receiptHandle: string | undefined;
};

/** The in-memory queue: its two roles over one store of messages, and what tests read. */
export type MemoryQueue = {
  /** For the code under test that sends (the api). */
  producer: EventProducer;
  /** For the code under test that receives (the worker's loops). */
  consumer: EventConsumer;
  /** Every message now in the dead-letter queue, oldest first. */
  deadLetters(): ReceivedMessage[];
  /** Messages on the main queue, visible or not. */
  depth(): number;
};

/**
 * An in-memory queue with visibility timeouts, receive counts and a DLQ that takes a
 * message after `maxReceiveCount` receives, like the SQS redrive policy. Time comes from
 * `clock`; `receive` does not wait (it is for use-case tests, not for timing). Each user
 * gets the role it needs, as from the SQS adapter's two factories.
 */
export function createMemoryQueue(options: {
  clock: Clock;
  visibilityTimeoutSeconds?: number;
  maxReceiveCount?: number;
}): MemoryQueue {
  const visibilityMs = (options.visibilityTimeoutSeconds ?? 30) * 1000;
  const maxReceiveCount = options.maxReceiveCount ?? 5;
  const queue: QueuedMessage[] = [];
  const dead: QueuedMessage[] = [];
  let sequence = 0;
  const now = () => options.clock.now().getTime();
  const asReceived = (message: QueuedMessage): ReceivedMessage => ({
    messageId: message.messageId,
    receiptHandle: message.receiptHandle ?? '',
    body: message.body,
    attributes: { ...message.attributes },
    receiveCount: message.receiveCount,
    sentAt: message.sentAt,
  });
  const byHandle = (handle: string) => queue.findIndex((m) => m.receiptHandle === handle);
  const producer: EventProducer = {
    async send(message: QueueMessage, attributes: MessageAttributes = {}) {
      const validated = validateQueueMessage(message);
      if (!validated.ok) throw new ValidationError(validated.problems);
      sequence += 1;
      const messageId = `m-${sequence}`;
      queue.push({
        messageId,
        body: JSON.stringify(message),
        attributes: { ...attributes },
        receiveCount: 0,
        sentAt: now(),
        visibleAt: 0,
        receiptHandle: undefined,
      });
      return { messageId };
    },
  };
  const consumer: EventConsumer = {
    async receive(max, _waitSeconds, signal) {
      if (signal?.aborted) return [];
      const received: ReceivedMessage[] = [];
      for (const message of [...queue]) {
        if (received.length >= max) break;
        if (message.visibleAt > now()) continue;
        if (message.receiveCount >= maxReceiveCount) {
          queue.splice(queue.indexOf(message), 1);
          dead.push(message);
          continue;
        }
        sequence += 1;
        message.receiveCount += 1;
        message.receiptHandle = `r-${sequence}`;
        message.visibleAt = now() + visibilityMs;
        received.push(asReceived(message));
      }
      return received;
    },
    async delete(handles) {
      const failed: string[] = [];
      for (const handle of handles) {
        const index = byHandle(handle);
        if (index === -1) failed.push(handle);
        else queue.splice(index, 1);
      }
      return failed;
    },
    async changeVisibility(handle, seconds) {
      const message = queue[byHandle(handle)];
      if (message) message.visibleAt = now() + seconds * 1000;
    },
    async park(message, reason, detail) {
      sequence += 1;
      dead.push({
        messageId: `m-${sequence}`,
        body: message.body,
        attributes: { ...message.attributes, reason, detail },
        receiveCount: 0,
        sentAt: now(),
        visibleAt: 0,
        receiptHandle: undefined,
      });
      const index = byHandle(message.receiptHandle);
      if (index !== -1) queue.splice(index, 1);
    },
  };
  return {
    producer,
    consumer,
    deadLetters: () => dead.map(asReceived),
    depth: () => queue.length,
  };
}

/**
 * A notifier that keeps messages in memory, with refs like Slack's. `failNext` makes the
 * next calls fail with the given error (a `NotifierError` by default retryable).
 */
export function createMemoryNotifier(channel = 'C0FAKE'): Notifier & {
  read(ref: MessageRef): SlackMessage | undefined;
  posted(): { ref: MessageRef; message: SlackMessage; updates: number }[];
  failNext(error?: NotifierError, times?: number): void;
} {
  const messages = new Map<string, { ref: MessageRef; message: SlackMessage; updates: number }>();
  const failures: NotifierError[] = [];
  let sequence = 0;
  const maybeFail = () => {
    const failure = failures.shift();
    if (failure) throw failure;
  };
  return {
    async post(message) {
      maybeFail();
      sequence += 1;
      const ref = { channel, ts: `1700000000.${String(sequence).padStart(6, '0')}` };
      messages.set(ref.ts, { ref, message: structuredClone(message), updates: 0 });
      return ref;
    },
    async update(ref, message) {
      maybeFail();
      const stored = messages.get(ref.ts);
      if (!stored || ref.channel !== channel) throw new NotifierError('message_not_found', false);
      stored.message = structuredClone(message);
      stored.updates += 1;
      return ref;
    },
    async check() {
      return { ok: true, message: 'in-memory notifier' };
    },
    read: (ref) => structuredClone(messages.get(ref.ts)?.message),
    posted: () => [...messages.values()].map((entry) => structuredClone(entry)),
    failNext(error = new NotifierError('service_unavailable', true), times = 1) {
      for (let i = 0; i < times; i += 1) failures.push(error);
    },
  };
}

// ---------------------------------------------------------------------------------------
// Deterministic randomness, so a shuffled or generated test case replays by its seed.

/** The next state of a small linear congruential generator (states in [0, 2^31)). */
const nextState = (state: number) => (state * 1_103_515_245 + 12_345) % 2 ** 31;

/** A seeded pseudo-random source in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = nextState(state);
    return state / 2 ** 31;
  };
}

/** A copy of `items` in a seeded pseudo-random order (Fisher–Yates). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const copy = [...items];
  let state = seed;
  for (let i = copy.length - 1; i > 0; i -= 1) {
    state = nextState(state);
    const j = state % (i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
