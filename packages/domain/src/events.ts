/**
 * The two event kinds, the queue message contract (docs/queue.md) and the rules that decide
 * what an event does to the current record.
 */
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { SchedulerRecord, Status } from './scheduler.ts';
import {
  ErrorMessageSchema,
  ExecutionTimeMsSchema,
  formatTimestamp,
  MetadataSchema,
  metadataProblem,
  NameSchema,
  parseTimestamp,
  RunIdSchema,
  SchedulerIdSchema,
  STATUS_RANK,
  StatusSchema,
  TimestampSchema,
} from './scheduler.ts';
import type { Validator } from './validation.ts';
import { compileValidator } from './validation.ts';

export const QUEUE_MESSAGE_VERSION = 1;

export const EventIdSchema = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$',
  description: 'Stable id of the event; derived from the message body when absent',
});

/** A status update as a queue message (docs/queue.md). */
export const StatusMessageSchema = Type.Object(
  {
    v: Type.Literal(QUEUE_MESSAGE_VERSION),
    type: Type.Literal('status'),
    event_id: Type.Optional(EventIdSchema),
    scheduler_id: SchedulerIdSchema,
    service_name: NameSchema,
    job_name: NameSchema,
    status: StatusSchema,
    timestamp: TimestampSchema,
    execution_time_ms: Type.Optional(ExecutionTimeMsSchema),
    error_message: Type.Optional(ErrorMessageSchema),
    metadata: Type.Optional(MetadataSchema),
    run_id: Type.Optional(RunIdSchema),
    accepted_at: Type.Optional(TimestampSchema),
  },
  { additionalProperties: false, title: 'Status update' },
);

/** A heartbeat as a queue message. */
export const HeartbeatMessageSchema = Type.Object(
  {
    v: Type.Literal(QUEUE_MESSAGE_VERSION),
    type: Type.Literal('heartbeat'),
    event_id: Type.Optional(EventIdSchema),
    scheduler_id: SchedulerIdSchema,
    timestamp: TimestampSchema,
    accepted_at: Type.Optional(TimestampSchema),
  },
  { additionalProperties: false, title: 'Heartbeat' },
);

/**
 * A deadline that came due, as the cron app's watchdog sends it (docs/schedules.md). The
 * worker applies it only if it is still the record's own next deadline and due, so a
 * forged or replayed one does nothing the watchdog would not do at that time.
 */
export const DeadlineMessageSchema = Type.Object(
  {
    v: Type.Literal(QUEUE_MESSAGE_VERSION),
    type: Type.Literal('deadline'),
    event_id: EventIdSchema,
    scheduler_id: SchedulerIdSchema,
    kind: Type.Union([Type.Literal('missed'), Type.Literal('overrun'), Type.Literal('stale')]),
    /** When it came due; also the event's `timestamp`, which orders it among events. */
    timestamp: TimestampSchema,
    /** For `missed`: the start that was expected. */
    expected_at: Type.Optional(TimestampSchema),
    /** It fell while schedmon itself was not watching: recorded as unknown, not paged. */
    unwatched: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, title: 'Deadline' },
);

/** One SQS message body: a status update, a heartbeat or a deadline, version 1. */
export const QueueMessageSchema = Type.Union(
  [StatusMessageSchema, HeartbeatMessageSchema, DeadlineMessageSchema],
  { title: 'schedmon queue message, version 1' },
);
export type StatusMessage = Static<typeof StatusMessageSchema>;
export type HeartbeatMessage = Static<typeof HeartbeatMessageSchema>;
export type DeadlineMessage = Static<typeof DeadlineMessageSchema>;
export type QueueMessage = Static<typeof QueueMessageSchema>;

/** A status event as the worker applies it: normalized, with an id, omitted fields null. */
export type StatusEvent = {
  type: 'status';
  event_id: string;
  scheduler_id: string;
  service_name: string;
  job_name: string;
  status: Status;
  /** UTC with milliseconds. */
  timestamp: string;
  execution_time_ms: number | null;
  error_message: string | null;
  metadata: Record<string, unknown> | null;
  run_id: string | null;
  accepted_at: string | null;
};

export type HeartbeatEvent = {
  type: 'heartbeat';
  event_id: string;
  scheduler_id: string;
  timestamp: string;
  accepted_at: string | null;
};

export type SchedulerEvent = StatusEvent | HeartbeatEvent;

/** A deadline event as the worker applies it (`DeadlineMessageSchema`). */
export type DeadlineEvent = {
  type: 'deadline';
  event_id: string;
  scheduler_id: string;
  kind: 'missed' | 'overrun' | 'stale';
  /** When it came due (UTC with milliseconds). */
  timestamp: string;
  expected_at: string | null;
  unwatched: boolean;
};

/** Anything the queue carries. */
export type QueueEvent = SchedulerEvent | DeadlineEvent;

/** Why a message is refused (the DLQ `reason` attribute). */
export type RejectReason = 'not_json' | 'unsupported_version' | 'invalid' | 'future_timestamp';

export type ParsedMessage =
  | { ok: true; event: QueueEvent }
  | { ok: false; reason: RejectReason; detail: string };

export type ParseOptions = {
  /** Now, epoch ms (from the Clock port). */
  now: number;
  /** How far in the future a timestamp may be (MAX_CLOCK_SKEW_SECONDS). */
  maxSkewMs: number;
  /** SHA-256 hex of a string: derives ids for events sent without one. */
  digest: (text: string) => string;
};

const statusValidator = compileValidator(StatusMessageSchema);
const heartbeatValidator = compileValidator(HeartbeatMessageSchema);
const deadlineValidator = compileValidator(DeadlineMessageSchema);
const VALIDATORS: Readonly<Record<string, Validator<QueueMessage>>> = {
  status: statusValidator,
  heartbeat: heartbeatValidator,
  deadline: deadlineValidator,
};

/** JSON with object keys sorted at every level: the same event always reads the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The id of an event sent without one: a digest of its canonical JSON, so a redelivered
 * or re-sent identical message is the same event. `accepted_at` is left out: it says
 * when a copy was accepted, not what happened.
 */
export function deriveEventId(
  message: StatusMessage | HeartbeatMessage,
  digest: (text: string) => string,
): string {
  const { event_id: _id, accepted_at: _accepted, ...content } = message;
  return `d-${digest(canonicalJson(content)).slice(0, 40)}`;
}

/** Validates one message against the contract; the problems are readable, one per field. */
export function validateQueueMessage(
  value: unknown,
):
  | { ok: true; message: QueueMessage }
  | { ok: false; reason: 'unsupported_version' | 'invalid'; problems: string[] } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'invalid', problems: ['body must be a JSON object'] };
  }
  const { v, type } = value as { v?: unknown; type?: unknown };
  if (v !== QUEUE_MESSAGE_VERSION) {
    return {
      ok: false,
      reason: 'unsupported_version',
      problems: [`v must be ${QUEUE_MESSAGE_VERSION} (got ${JSON.stringify(v) ?? 'nothing'})`],
    };
  }
  const validator =
    typeof type === 'string' && Object.hasOwn(VALIDATORS, type) ? VALIDATORS[type] : undefined;
  if (!validator) {
    return {
      ok: false,
      reason: 'invalid',
      problems: ['type must be one of status, heartbeat, deadline'],
    };
  }
  const problems = validator.check(value) ? [] : validator.problems(value);
  const message = value as QueueMessage;
  if (message.type === 'status' && problems.length === 0)
    problems.push(...statusRuleProblems(message));
  return problems.length === 0 ? { ok: true, message } : { ok: false, reason: 'invalid', problems };
}

/**
 * The rules of a status update that JSON Schema cannot say: an error message for
 * `failed`, and metadata size and depth. For a message that already fits its schema.
 */
export function statusRuleProblems(
  message: Pick<StatusMessage, 'status' | 'error_message' | 'metadata'>,
): string[] {
  const problems: string[] = [];
  if (message.status === 'failed' && message.error_message === undefined) {
    problems.push('error_message is required when status is failed');
  }
  const metadata = message.metadata === undefined ? undefined : metadataProblem(message.metadata);
  if (metadata) problems.push(metadata);
  return problems;
}

/** The event a valid message stands for, normalized (UTC timestamps, trimmed names, nulls). */
export function toEvent(message: QueueMessage, eventId: string): QueueEvent {
  const timestamp = normalizeTimestamp(message.timestamp);
  if (message.type === 'deadline') {
    return {
      type: 'deadline',
      event_id: eventId,
      scheduler_id: message.scheduler_id,
      kind: message.kind,
      timestamp,
      expected_at: message.expected_at ? normalizeTimestamp(message.expected_at) : null,
      unwatched: message.unwatched ?? false,
    };
  }
  const accepted_at = message.accepted_at ? normalizeTimestamp(message.accepted_at) : null;
  if (message.type === 'heartbeat') {
    return {
      type: 'heartbeat',
      event_id: eventId,
      scheduler_id: message.scheduler_id,
      timestamp,
      accepted_at,
    };
  }
  return {
    type: 'status',
    event_id: eventId,
    scheduler_id: message.scheduler_id,
    service_name: message.service_name.trim(),
    job_name: message.job_name.trim(),
    status: message.status,
    timestamp,
    execution_time_ms: message.execution_time_ms ?? null,
    error_message: message.error_message ?? null,
    metadata: message.metadata ?? null,
    run_id: message.run_id ?? null,
    accepted_at,
  };
}

function normalizeTimestamp(value: string): string {
  const ms = parseTimestamp(value);
  if (ms === undefined) throw new TypeError(`not an ISO timestamp: ${value}`);
  return formatTimestamp(ms);
}

/** A problem when `timestamp` is further ahead of `now` than the allowed skew. */
export function futureSkewProblem(timestamp: string, now: number, maxSkewMs: number) {
  const ms = parseTimestamp(timestamp);
  if (ms === undefined || ms <= now + maxSkewMs) return undefined;
  return `timestamp must not be more than ${Math.round(maxSkewMs / 1000)} s in the future`;
}

/**
 * Parses one queue message body into the event to apply, or says why it is poison.
 * Never throws: every bad input becomes `{ ok: false, reason, detail }`.
 */
export function parseQueueMessage(body: string, options: ParseOptions): ParsedMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    return {
      ok: false,
      reason: 'not_json',
      detail: `body is not JSON: ${(error as Error).message}`,
    };
  }
  const validated = validateQueueMessage(value);
  if (!validated.ok) {
    return { ok: false, reason: validated.reason, detail: validated.problems.join('; ') };
  }
  const skew = futureSkewProblem(validated.message.timestamp, options.now, options.maxSkewMs);
  if (skew) return { ok: false, reason: 'future_timestamp', detail: skew };
  const message = validated.message;
  if (message.type === 'deadline') {
    // The watchdog writes the instant as stored (UTC, milliseconds): another spelling of it
    // would be another id for the same deadline.
    if (formatTimestamp(parseTimestamp(message.timestamp) ?? 0) !== message.timestamp) {
      return {
        ok: false,
        reason: 'invalid',
        detail: 'timestamp of a deadline must be UTC with milliseconds, as the watchdog writes it',
      };
    }
    // A deadline's id says which one it is: another id is not the watchdog's.
    const expected = buildDeadlineMessage(
      { ...message, due_at: message.timestamp, expected_at: null },
      false,
      options.digest,
    ).event_id;
    if (message.event_id !== expected) {
      return {
        ok: false,
        reason: 'invalid',
        detail:
          'event_id of a deadline must be dl- and the digest of its scheduler, kind and timestamp',
      };
    }
  }
  const eventId =
    message.type === 'deadline'
      ? message.event_id
      : (message.event_id ?? deriveEventId(message, options.digest));
  return { ok: true, event: toEvent(message, eventId) };
}

// ---------------------------------------------------------------------------------------
// Building messages: the one way every producer (api, client, bench) makes a queue
// message, so event ids, and with them the order of events at equal timestamps, agree.

/** `size` random bytes: `crypto.randomBytes` in production, a seeded source in tests. */
export type RandomBytes = (size: number) => Uint8Array;

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix time in ms, then 74 random bits from `random`, so
 * ids sort by the time the event was built. The random source is passed in because the
 * domain does no I/O.
 */
export function uuidv7(nowMs: number, random: RandomBytes): string {
  const bytes = new Uint8Array(16);
  bytes.set(random(10).subarray(0, 10), 6);
  let time = Math.trunc(nowMs);
  for (let index = 5; index >= 0; index -= 1) {
    bytes[index] = time % 256;
    time = Math.floor(time / 256);
  }
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  let id = '';
  for (let index = 0; index < 16; index += 1) {
    if (index === 4 || index === 6 || index === 8 || index === 10) id += '-';
    id += HEX_BYTES[bytes[index] ?? 0];
  }
  return id;
}

/** Each byte value's two hex digits. */
const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** What the builder sets: the version, the type, `accepted_at`, and defaults for the rest. */
type BuiltFields = 'v' | 'type' | 'event_id' | 'timestamp' | 'accepted_at';

/** A status event as a producer gives it; `event_id` defaults to a new UUIDv7, `timestamp` to now. */
export type StatusMessageFields = Omit<StatusMessage, BuiltFields> & {
  event_id?: string;
  timestamp?: string;
};

/** A heartbeat as a producer gives it; `event_id` defaults to a new UUIDv7, `timestamp` to now. */
export type HeartbeatMessageFields = Omit<HeartbeatMessage, BuiltFields> & {
  event_id?: string;
  timestamp?: string;
};

/** When and by whom a message is built. */
export type MessageContext = {
  /** Now, epoch ms (from the Clock port): the default timestamp and a new id's time. */
  now: number;
  /** The random part of a new event id. */
  random: RandomBytes;
  /**
   * Set by the api only: stamps `accepted_at` = now, from which the worker measures lag.
   * Direct producers never set it (docs/queue.md).
   */
  accepted?: boolean;
};

/**
 * A valid timestamp in its stored form (UTC with milliseconds); anything else is kept as
 * given, so that validation names it instead of the builder hiding it behind "now".
 */
function timestampOf(timestamp: string | undefined, now: number): string {
  if (timestamp === undefined) return formatTimestamp(now);
  const ms = parseTimestamp(timestamp);
  return ms === undefined ? timestamp : formatTimestamp(ms);
}

const acceptedAtOf = (context: MessageContext) =>
  context.accepted ? { accepted_at: formatTimestamp(context.now) } : {};

/**
 * The queue message of a status event: version and type set, the producer's `event_id`
 * or a new UUIDv7, the timestamp (default now) in its stored form. It does not validate:
 * send it through an `EventProducer`, which does (`validateQueueMessage`).
 */
export function buildStatusMessage(
  fields: StatusMessageFields,
  context: MessageContext,
): StatusMessage & { event_id: string } {
  const { event_id, timestamp, ...rest } = fields;
  return {
    v: QUEUE_MESSAGE_VERSION,
    type: 'status',
    event_id: event_id ?? uuidv7(context.now, context.random),
    ...rest,
    timestamp: timestampOf(timestamp, context.now),
    ...acceptedAtOf(context),
  };
}

/** The queue message of a heartbeat, built as `buildStatusMessage` builds a status's. */
export function buildHeartbeatMessage(
  fields: HeartbeatMessageFields,
  context: MessageContext,
): HeartbeatMessage & { event_id: string } {
  const { event_id, timestamp, ...rest } = fields;
  return {
    v: QUEUE_MESSAGE_VERSION,
    type: 'heartbeat',
    event_id: event_id ?? uuidv7(context.now, context.random),
    ...rest,
    timestamp: timestampOf(timestamp, context.now),
    ...acceptedAtOf(context),
  };
}

// ---------------------------------------------------------------------------------------
// Ordering: which event the current record shows.

/** What the current record's position in event order is made of. */
export type OrderKey = { timestamp: string; status: Status; event_id: string | null };

/**
 * Total order of status events: timestamp, then terminal > running > pending, then event
 * id, so any permutation of the same events ends on the same record. Negative when `a`
 * comes first.
 */
export function compareOrder(a: OrderKey, b: OrderKey): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1;
  const rank = STATUS_RANK[a.status] - STATUS_RANK[b.status];
  if (rank !== 0) return rank;
  const idA = a.event_id ?? '';
  const idB = b.event_id ?? '';
  return idA === idB ? 0 : idA < idB ? -1 : 1;
}

/** The order key of a registered scheduler that has seen no event: below every event's. */
export const PLACEHOLDER_ORDER_KEY = '!';

/**
 * `compareOrder` as one string that sorts the same way (`<timestamp>#<rank>#<event_id>`:
 * the timestamp is the fixed-width stored form, the rank one digit), so a store can keep
 * event order with a single comparison (`order_key < :key`). The placeholder (`event_id`
 * null) gets `PLACEHOLDER_ORDER_KEY`, which any event replaces, as `decideStatus` says.
 */
export function orderKeyOf(key: OrderKey): string {
  if (key.event_id === null) return PLACEHOLDER_ORDER_KEY;
  return `${key.timestamp}#${STATUS_RANK[key.status]}#${key.event_id}`;
}

export type ApplyOutcome = 'applied' | 'late' | 'duplicate';

/**
 * What a status event does to the record whose last applied event is `current`
 * (`event_id` null: only registered, no event yet — any event replaces that placeholder).
 */
export function decideStatus(current: OrderKey, event: StatusEvent): ApplyOutcome {
  if (current.event_id === null) return 'applied';
  if (current.event_id === event.event_id) return 'duplicate';
  return compareOrder(event, current) > 0 ? 'applied' : 'late';
}

/** What a heartbeat does: `last_heartbeat` only moves forward. */
export function decideHeartbeat(lastHeartbeat: string | null, event: HeartbeatEvent): ApplyOutcome {
  if (lastHeartbeat === null || lastHeartbeat < event.timestamp) return 'applied';
  return lastHeartbeat === event.timestamp ? 'duplicate' : 'late';
}

/**
 * The record after an applied status event. Fields the event omits are cleared, not
 * carried over from an older run; names follow the newest event.
 */
export function recordWithStatus(
  record: SchedulerRecord,
  event: StatusEvent,
  now: string,
): SchedulerRecord {
  return {
    ...record,
    service_name: event.service_name,
    job_name: event.job_name,
    status: event.status,
    timestamp: event.timestamp,
    execution_time_ms: event.execution_time_ms,
    error_message: event.error_message,
    metadata: event.metadata,
    updated_at: now,
    ...runStartsOf(record, event),
  };
}

/**
 * The run fields after `event` (newer than the record): a run starts at its first
 * `running` event (later ones do not move it, so an overrun is counted from the real
 * start); a terminal or `pending` event ends it, keeping its start as the last run's.
 */
export function runStartsOf(
  record: Pick<SchedulerRecord, 'run_started_at' | 'last_run_started_at'>,
  event: Pick<StatusEvent, 'status' | 'timestamp'>,
): Pick<SchedulerRecord, 'run_started_at' | 'last_run_started_at'> {
  if (event.status === 'running') {
    return {
      run_started_at: record.run_started_at ?? event.timestamp,
      last_run_started_at: record.last_run_started_at,
    };
  }
  return { run_started_at: null, last_run_started_at: record.run_started_at };
}

/**
 * How long a finished run took: its `execution_time_ms`, else the time from the start
 * of its run (`last_run_started_at`, see `runStartsOf`) to the event; null if unknown.
 */
export function runDurationMs(
  record: Pick<SchedulerRecord, 'execution_time_ms' | 'last_run_started_at' | 'timestamp'>,
): number | null {
  if (record.execution_time_ms !== null) return record.execution_time_ms;
  const start = parseTimestamp(record.last_run_started_at ?? '');
  const end = parseTimestamp(record.timestamp);
  return start === undefined || end === undefined || end < start ? null : end - start;
}

/**
 * The queue message of a deadline the watchdog found due. Its id is a digest of the
 * scheduler, kind and instant, so the same deadline sent twice (a retried round, two
 * leaders during a failover) is one event.
 */
export function buildDeadlineMessage(
  deadline: {
    scheduler_id: string;
    kind: DeadlineMessage['kind'];
    due_at: string;
    expected_at: string | null;
  },
  unwatched: boolean,
  digest: (text: string) => string,
): DeadlineMessage {
  return {
    v: QUEUE_MESSAGE_VERSION,
    type: 'deadline',
    event_id: `dl-${digest(`${deadline.scheduler_id}\n${deadline.kind}\n${deadline.due_at}`).slice(0, 40)}`,
    scheduler_id: deadline.scheduler_id,
    kind: deadline.kind,
    timestamp: deadline.due_at,
    ...(deadline.expected_at === null ? {} : { expected_at: deadline.expected_at }),
    ...(unwatched ? { unwatched: true } : {}),
  };
}

// ---------------------------------------------------------------------------------------
// History.

/** One row of status history: every event gets one, idempotent by its key. */
export type HistoryRow = {
  scheduler_id: string;
  /** Sort key: `<timestamp>#<event_id>`, newest last. */
  sk: string;
  id: string;
  type: SchedulerEvent['type'];
  status: Status | null;
  timestamp: string;
  execution_time_ms: number | null;
  error_message: string | null;
  metadata: Record<string, unknown> | null;
  run_id: string | null;
  /** Epoch seconds after which the row is expired (DynamoDB TTL). */
  expires_at: number;
};

const DAY_MS = 24 * 60 * 60 * 1000;

/** The history row of an event, kept `retentionDays` after the event's timestamp. */
export function historyRowOf(event: SchedulerEvent, retentionDays: number): HistoryRow {
  const expiresMs = (parseTimestamp(event.timestamp) ?? 0) + retentionDays * DAY_MS;
  const isStatus = event.type === 'status';
  return {
    scheduler_id: event.scheduler_id,
    sk: `${event.timestamp}#${event.event_id}`,
    id: event.event_id,
    type: event.type,
    status: isStatus ? event.status : null,
    timestamp: event.timestamp,
    execution_time_ms: isStatus ? event.execution_time_ms : null,
    error_message: isStatus ? event.error_message : null,
    metadata: isStatus ? event.metadata : null,
    run_id: isStatus ? event.run_id : null,
    expires_at: Math.floor(expiresMs / 1000),
  };
}

/** A history row as the api returns it (docs/api.md), newest first. */
export const HistoryEntrySchema = Type.Object({
  id: Type.String({ description: 'The event id' }),
  scheduler_id: Type.String(),
  type: Type.Union([Type.Literal('status'), Type.Literal('heartbeat')]),
  status: Type.Union([StatusSchema, Type.Null()]),
  timestamp: Type.String(),
  execution_time_ms: Type.Union([Type.Integer(), Type.Null()]),
  error_message: Type.Union([Type.String(), Type.Null()]),
  metadata: Type.Union([MetadataSchema, Type.Null()]),
  run_id: Type.Union([Type.String(), Type.Null()]),
});
export type HistoryEntry = Static<typeof HistoryEntrySchema>;

/** The api's view of a stored row: storage keys and expiry left out. */
export function toHistoryEntry(row: HistoryRow): HistoryEntry {
  const { sk: _sk, expires_at: _expires, ...entry } = row;
  return entry;
}
