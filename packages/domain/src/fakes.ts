/**
 * In-memory implementations of every port, for use-case tests. The same contract suites
 * that test the real adapters run against these, so they behave alike.
 */

import type { Acknowledgement, AlertRecord } from './alerts.ts';
import { alertKey } from './alerts.ts';
import type { Board } from './boards.ts';
import type { DeliveryAttempt, DestinationOverride } from './destinations.ts';
import type { EodMarker, Night } from './eod-runs.ts';
import { NotifierError, ValidationError } from './errors.ts';
import type { HeartbeatEvent, HistoryRow, OrderKey, QueueMessage, StatusEvent } from './events.ts';
import { decideHeartbeat, decideStatus, recordWithStatus, validateQueueMessage } from './events.ts';
import type { IdempotencyRecord } from './idempotency.ts';
import type { BoxPointer } from './incident-box.ts';
import type { IncidentRecord } from './incidents.ts';
import type {
  ApplyResult,
  ChangeResult,
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
  StatusApplied,
} from './ports.ts';
import type { DeadlineSettings } from './schedule.ts';
import {
  deadlineResultOf,
  deadlineStep,
  deadlineToStore,
  nextDeadline,
  storedDeadlineOf,
} from './schedule.ts';
import type { Registration, SchedulerRecord } from './scheduler.ts';
import {
  compareSchedulers,
  isPaused,
  matchesFilter,
  newSchedulerRecord,
  recordWithRegistration,
} from './scheduler.ts';
import type {
  AcknowledgementStore,
  AlertStore,
  BoardStore,
  DeliveryLogStore,
  DestinationStore,
  EodRunStore,
  IdempotencyStore,
  IncidentStore,
  LeaseStore,
  VersionedBox,
} from './state-ports.ts';

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

/**
 * Schedulers in memory. With `deadlines`, registration and status events keep the
 * record's deadline as the DynamoDB store does (`deadlineToStore`).
 */
/** Whether a scheduler was archived before `at`: its events from then on are refused. */
const archivedBefore = (record: SchedulerRecord, at: string) =>
  record.archived_at !== null && record.archived_at < at;

export function createMemorySchedulerStore(
  options: { deadlines?: DeadlineSettings } = {},
): SchedulerStore {
  const items = new Map<string, { record: SchedulerRecord; order: OrderKey }>();
  const copy = (record: SchedulerRecord): SchedulerRecord => structuredClone(record);
  const keepDeadline = (item: { record: SchedulerRecord }, mode: 'exact' | 'earlier') => {
    if (!options.deadlines) return;
    const next = nextDeadline(item.record, options.deadlines);
    const stored = deadlineToStore(item.record, next, mode);
    if (stored) item.record = { ...item.record, ...stored };
  };
  const change = (
    schedulerId: string,
    update: (record: SchedulerRecord) => SchedulerRecord,
  ): ChangeResult => {
    const item = items.get(schedulerId);
    if (!item) return 'not_registered';
    if (item.record.archived_at !== null) return 'archived';
    item.record = update(item.record);
    keepDeadline(item, 'exact');
    return copy(item.record);
  };
  const applyStatusRecord = (event: StatusEvent, now: string): StatusApplied => {
    const item = items.get(event.scheduler_id);
    if (!item) return { outcome: 'not_registered' };
    if (archivedBefore(item.record, event.timestamp)) return { outcome: 'archived' };
    const outcome = decideStatus(item.order, event);
    if (outcome !== 'applied') return { outcome };
    item.record = recordWithStatus(item.record, event, now);
    item.order = { timestamp: event.timestamp, status: event.status, event_id: event.event_id };
    keepDeadline(item, 'earlier');
    return { outcome, record: copy(item.record) };
  };
  return {
    async register(registration: Registration, now: string) {
      const existing = items.get(registration.scheduler_id);
      if (!existing) {
        const item = {
          record: newSchedulerRecord(registration, now),
          order: { timestamp: now, status: 'pending' as const, event_id: null },
        };
        keepDeadline(item, 'exact');
        items.set(item.record.scheduler_id, item);
        return copy(item.record);
      }
      existing.record = recordWithRegistration(existing.record, registration, now);
      keepDeadline(existing, 'exact');
      return copy(existing.record);
    },
    async get(schedulerId) {
      const item = items.get(schedulerId);
      return item ? copy(item.record) : undefined;
    },
    async list(filter: SchedulerFilter = {}) {
      return [...items.values()]
        .map((item) => item.record)
        .filter((record) => matchesFilter(record, filter))
        .sort(compareSchedulers)
        .map(copy);
    },
    async archive(schedulerId, now) {
      const item = items.get(schedulerId);
      if (!item) return undefined;
      item.record = {
        ...item.record,
        archived_at: item.record.archived_at ?? now,
        updated_at: now,
        ...storedDeadlineOf(undefined),
      };
      return copy(item.record);
    },
    async pause(schedulerId, pause, now) {
      return change(schedulerId, (record) => ({
        ...record,
        paused_at: now,
        paused_until: pause.until,
        pause_reason: pause.reason,
        updated_at: now,
      }));
    },
    async resume(schedulerId, now) {
      return change(schedulerId, (record) =>
        isPaused(record, now) ? { ...record, paused_until: now, updated_at: now } : record,
      );
    },
    async applyStatus(event: StatusEvent, now: string): Promise<ApplyResult> {
      return applyStatusRecord(event, now).outcome;
    },
    async applyStatusRecord(event: StatusEvent, now: string) {
      return applyStatusRecord(event, now);
    },
    async applyDeadline(deadline, now, gapMs) {
      if (!options.deadlines) {
        throw new TypeError('applyDeadline needs a store made with deadline settings');
      }
      const item = items.get(deadline.scheduler_id);
      if (!item) return { outcome: 'not_registered' };
      const step = deadlineStep(item.record, deadline, options.deadlines, now, gapMs);
      if (step.write !== undefined) item.record = { ...step.after, ...step.write };
      return deadlineResultOf(step, copy(item.record));
    },
    async setDeadline(schedulerId, deadline, version) {
      const item = items.get(schedulerId);
      if (!item || item.record.updated_at !== version) return false;
      item.record = { ...item.record, ...deadline };
      return true;
    },
    async due(now, limit) {
      return [...items.values()]
        .map((item) => item.record)
        .filter(
          (record) => record.due_at !== null && record.due_kind !== null && record.due_at <= now,
        )
        .sort((a, b) => ((a.due_at ?? '') < (b.due_at ?? '') ? -1 : 1))
        .slice(0, limit)
        .map((record) => ({
          scheduler_id: record.scheduler_id,
          kind: record.due_kind ?? 'missed',
          due_at: record.due_at ?? now,
          expected_at: record.next_expected_at,
        }));
    },
    async applyHeartbeat(event: HeartbeatEvent): Promise<ApplyResult> {
      const item = items.get(event.scheduler_id);
      if (!item) return 'not_registered';
      if (archivedBefore(item.record, event.timestamp)) return 'archived';
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
      const matching = [...rows.values()]
        .filter((row) => row.scheduler_id === schedulerId && row.expires_at >= nowSeconds)
        .filter((row) => !query.from || row.timestamp >= query.from)
        .filter((row) => !query.to || row.timestamp <= query.to)
        .filter((row) => query.after === undefined || row.sk < query.after)
        .filter((row) => query.after !== undefined || !query.before || row.sk > query.before)
        .sort((a, b) => (a.sk < b.sk ? 1 : a.sk > b.sk ? -1 : 0));
      const page =
        query.after === undefined && query.before !== undefined
          ? matching.slice(-query.limit)
          : matching.slice(0, query.limit);
      return page.map((row) => structuredClone(row));
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

/** Something stored until `expiresAt` (epoch seconds), as the state table keeps it. */
type Expiring<T> = { value: T; expiresAt: number };

const byKey = <T>(entries: Iterable<[string, T]>) =>
  [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export function createMemoryAlertStore(): AlertStore {
  const alerts = new Map<string, Expiring<{ alert: AlertRecord; version: number }>>();
  const live = <T>(entry: Expiring<T> | undefined, now: string) =>
    entry && entry.expiresAt >= epochSeconds(now) ? entry : undefined;
  return {
    async get(key, now) {
      const entry = live(alerts.get(key), now);
      return entry && structuredClone(entry.value);
    },
    async create(alert, expiresAt, now) {
      const key = alertKey(alert.scheduler_id, alert.event_id);
      if (live(alerts.get(key), now)) return false;
      alerts.set(key, { value: { alert: structuredClone(alert), version: 1 }, expiresAt });
      return true;
    },
  };
}

export function createMemoryAcknowledgementStore(): AcknowledgementStore {
  const nights = new Map<string, Map<string, Expiring<Acknowledgement>>>();
  const night = (businessDate: string) => {
    const found = nights.get(businessDate) ?? new Map<string, Expiring<Acknowledgement>>();
    nights.set(businessDate, found);
    return found;
  };
  const live = (entry: Expiring<Acknowledgement> | undefined, now: string) =>
    entry && entry.expiresAt >= epochSeconds(now) ? structuredClone(entry.value) : undefined;
  return {
    async record(businessDate, acknowledgement, expiresAt, now) {
      const key = alertKey(acknowledgement.scheduler_id, acknowledgement.event_id);
      if (live(night(businessDate).get(key), now)) return false;
      night(businessDate).set(key, { value: structuredClone(acknowledgement), expiresAt });
      return true;
    },
    async get(businessDate, key, now) {
      return live(night(businessDate).get(key), now);
    },
    async list(businessDate, now) {
      return byKey(night(businessDate)).flatMap(([, entry]) => live(entry, now) ?? []);
    },
  };
}

export function createMemoryLeaseStore(): LeaseStore {
  const leases = new Map<string, Expiring<string>>();
  return {
    async acquire(name, owner, expiresAt, now) {
      const current = leases.get(name);
      if (current && current.expiresAt >= epochSeconds(now) && current.value !== owner) {
        return false;
      }
      leases.set(name, { value: owner, expiresAt });
      return true;
    },
    async release(name, owner) {
      if (leases.get(name)?.value === owner) leases.delete(name);
    },
  };
}

export function createMemoryEodRunStore(): EodRunStore {
  const tables = new Map<string, Expiring<MessageRef[]>>();
  const done = new Map<string, Expiring<string>>();
  const nightOf = (night: Night) => `${night.board}\u0000${night.businessDate}`;
  const markerOf = (night: Night, marker: EodMarker) =>
    `${nightOf(night)}\u0000${JSON.stringify(marker)}`;
  return {
    async tableRefs(night, now) {
      const entry = tables.get(nightOf(night));
      return entry && entry.expiresAt >= epochSeconds(now)
        ? structuredClone(entry.value)
        : undefined;
    },
    async saveTableRefs(night, refs, _savedAt, expiresAt) {
      tables.set(nightOf(night), { value: structuredClone([...refs]), expiresAt });
    },
    async isDone(night, marker, now) {
      const entry = done.get(markerOf(night, marker));
      return entry !== undefined && entry.expiresAt >= epochSeconds(now);
    },
    async markDone(night, marker, doneAt, expiresAt) {
      done.set(markerOf(night, marker), { value: doneAt, expiresAt });
    },
  };
}

/** Whole items by a key: what the memory board and destination stores share. */
function createMemoryKeyedStore<T>(keyOf: (item: T) => string) {
  const items = new Map<string, T>();
  return {
    async list() {
      return [...items.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, item]) => structuredClone(item));
    },
    async get(key: string) {
      const item = items.get(key);
      return item && structuredClone(item);
    },
    async put(item: T): Promise<'created' | 'updated'> {
      const existed = items.has(keyOf(item));
      items.set(keyOf(item), structuredClone(item));
      return existed ? 'updated' : 'created';
    },
    async delete(key: string) {
      return items.delete(key);
    },
  };
}

export function createMemoryBoardStore(): BoardStore {
  return createMemoryKeyedStore<Board>((board) => board.board_id);
}

export function createMemoryDestinationStore(): DestinationStore {
  return createMemoryKeyedStore<DestinationOverride>((override) => override.scheduler_id);
}

export function createMemoryDeliveryLogStore(): DeliveryLogStore {
  const lines = new Map<string, Expiring<DeliveryAttempt>>();
  return {
    async append(attempt, seq, expiresAt) {
      const key = `${attempt.incident_id}\u0000${String(seq).padStart(10, '0')}#${String(attempt.attempt).padStart(6, '0')}`;
      lines.set(key, { value: structuredClone(attempt), expiresAt });
    },
    async list(incidentId, now, limit = 1_000) {
      return [...lines.entries()]
        .filter(
          ([key, line]) =>
            key.startsWith(`${incidentId}\u0000`) && line.expiresAt >= epochSeconds(now),
        )
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .slice(0, limit)
        .map(([, line]) => structuredClone(line.value));
    },
  };
}

export function createMemoryIdempotencyStore(): IdempotencyStore {
  const records = new Map<string, Expiring<IdempotencyRecord>>();
  const keyOf = (record: IdempotencyRecord) => `${record.scheduler_id}\u0000${record.key_digest}`;
  return {
    async claim(record, now, expiresAt) {
      const current = records.get(keyOf(record));
      if (current && current.expiresAt >= epochSeconds(now)) {
        return { claimed: false, existing: structuredClone(current.value) };
      }
      records.set(keyOf(record), { value: structuredClone(record), expiresAt });
      return { claimed: true };
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

/** A message the memory notifier holds: where it is, its content now, how often edited. */
type NotifiedMessage = { ref: MessageRef; message: SlackMessage; updates: number };

/**
 * A notifier that keeps messages in memory, with refs like Slack's. `post` puts a message in
 * the channel it is given, else in this notifier's own (`channel`), and the ref records it.
 * `posted(channel?)` lists the top-level messages (of one channel, or of all), `thread(parent)`
 * the replies in one message's thread, oldest first; `read(ref)` finds either. Like Slack
 * (and the fake Slack server), `update` refuses with `message_not_found` and `reply` with
 * `thread_not_found` unless the ref names a message (for `reply`, a top-level one) in the
 * ref's channel. `failNext` makes the next calls fail with the given error (a
 * `NotifierError` by default retryable).
 */
export function createMemoryNotifier(channel = 'C0FAKE'): Notifier & {
  read(ref: MessageRef): SlackMessage | undefined;
  posted(channel?: string): NotifiedMessage[];
  thread(parent: MessageRef): NotifiedMessage[];
  failNext(error?: NotifierError, times?: number): void;
} {
  // Keyed by ts (unique across channels), in post order; `parent` is the thread's ts for a reply.
  const messages = new Map<string, NotifiedMessage & { parent: string | undefined }>();
  const failures: NotifierError[] = [];
  let sequence = 0;
  const maybeFail = () => {
    const failure = failures.shift();
    if (failure) throw failure;
  };
  const store = (message: SlackMessage, to: string, parent: string | undefined): MessageRef => {
    sequence += 1;
    const ref = { channel: to, ts: `1700000000.${String(sequence).padStart(6, '0')}` };
    messages.set(ref.ts, { ref, message: structuredClone(message), updates: 0, parent });
    return { ...ref };
  };
  const find = (ref: MessageRef) => {
    const stored = messages.get(ref.ts);
    return stored?.ref.channel === ref.channel ? stored : undefined;
  };
  const list = (filter: (entry: NotifiedMessage & { parent: string | undefined }) => boolean) =>
    [...messages.values()]
      .filter(filter)
      .map(({ ref, message, updates }) => structuredClone({ ref, message, updates }));
  return {
    async post(message, to) {
      maybeFail();
      return store(message, to ?? channel, undefined);
    },
    async update(ref, message) {
      maybeFail();
      const stored = find(ref);
      if (!stored) throw new NotifierError('message_not_found', false);
      stored.message = structuredClone(message);
      stored.updates += 1;
      return { channel: ref.channel, ts: ref.ts };
    },
    async reply(parent, message) {
      maybeFail();
      const root = find(parent);
      if (!root || root.parent !== undefined) throw new NotifierError('thread_not_found', false);
      return store(message, parent.channel, parent.ts);
    },
    async check() {
      return { ok: true, message: 'in-memory notifier' };
    },
    read: (ref) => structuredClone(find(ref)?.message),
    posted: (of) =>
      list((entry) => entry.parent === undefined && (of === undefined || entry.ref.channel === of)),
    thread: (parent) =>
      list((entry) => entry.parent === parent.ts && entry.ref.channel === parent.channel),
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

/** Incidents in memory: the same rules as the DynamoDB store (`IncidentStore`). */
export function createMemoryIncidentStore(): IncidentStore {
  const boxes = new Map<string, VersionedBox>();
  const pointers = new Map<string, BoxPointer>();
  const incidents = new Map<string, { incident: IncidentRecord; version: number }>();
  return {
    async box(schedulerId) {
      const found = boxes.get(schedulerId);
      return found && structuredClone(found);
    },
    async boxes(schedulerIds) {
      const found = new Map<string, VersionedBox | undefined>();
      for (const id of schedulerIds) {
        const box = boxes.get(id);
        found.set(id, box && structuredClone(box));
      }
      return found;
    },
    async saveBox(schedulerId, box, expectedVersion) {
      if ((boxes.get(schedulerId)?.version ?? 0) !== expectedVersion) return false;
      boxes.set(schedulerId, { box: structuredClone(box), version: expectedVersion + 1 });
      return true;
    },
    async schedule(schedulerId, pointer) {
      pointers.set(schedulerId, { ...pointer });
    },
    async unschedule(schedulerId) {
      pointers.delete(schedulerId);
    },
    async scheduled() {
      return byKey(pointers).map(([schedulerId, pointer]) => ({ schedulerId, ...pointer }));
    },
    async saveIncident(incident, version) {
      const stored = incidents.get(incident.incident_id);
      if (stored && stored.version > version) return;
      incidents.set(incident.incident_id, { incident: structuredClone(incident), version });
    },
    async incident(incidentId) {
      const found = incidents.get(incidentId);
      return found && structuredClone(found.incident);
    },
    async incidents(query) {
      const keyed = [...incidents.values()]
        .map(({ incident }) => ({ key: `${incident.opened_at}#${incident.incident_id}`, incident }))
        .filter(({ key }) => query.before === undefined || key < query.before)
        .sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
      const page = keyed.slice(0, query.limit);
      const last = page.at(-1);
      return {
        incidents: page.map(({ incident }) => structuredClone(incident)),
        ...(keyed.length > query.limit && last ? { next: last.key } : {}),
      };
    },
  };
}
