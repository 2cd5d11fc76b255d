/**
 * The ports: what the use-cases need from the outside world (the state table's roles are
 * in `state-ports.ts`). Adapters implement them on DynamoDB, SQS and Slack; `fakes.ts`
 * implements them in memory. One contract suite per port runs against both, so the fakes
 * cannot drift from the real thing.
 */
import type {
  ApplyOutcome,
  HeartbeatEvent,
  HistoryRow,
  QueueMessage,
  StatusEvent,
} from './events.ts';
import type { DeadlineKind, StoredDeadline } from './schedule.ts';
import type { Registration, SchedulerRecord, Status } from './scheduler.ts';

/** The current time. The only way the rules learn it. */
export type Clock = { now(): Date };

/**
 * What applying an event to the current record did; `archived`: the scheduler is
 * archived, so its events are refused (docs/api.md).
 */
export type ApplyResult = ApplyOutcome | 'not_registered' | 'archived';

export type SchedulerFilter = {
  status?: Status;
  service_name?: string;
  /** Only schedulers with this tag. */
  tag?: string;
  /** true: only archived schedulers; otherwise (the default) only active ones. */
  archived?: boolean;
};

/** A pause as stored: until when (null: until resumed) and why. */
export type Pause = { until: string | null; reason: string | null };

/** A deadline the watchdog found due (docs/schedules.md → Deadlines). */
export type DueDeadline = {
  scheduler_id: string;
  kind: DeadlineKind;
  due_at: string;
  expected_at: string | null;
};

/**
 * What applying a due deadline did: `fired` (it stood: the record's own next deadline,
 * due; recorded as come due, and the record's next deadline stored), `superseded` (a real
 * event or a change moved it: the record's current deadline is stored instead), `not_due`
 * (its time has not come: a forged or early deadline does nothing), or why not at all.
 * `record` is the record afterwards.
 */
export type DeadlineResult =
  /**
   * `expected_at`: the start a `missed` deadline expected, from the record; `unknown`: it
   * fell while schedmon was not watching (as recorded when it first fired).
   */
  | { outcome: 'fired'; record: SchedulerRecord; expected_at: string | null; unknown: boolean }
  | { outcome: 'superseded' | 'not_due' | 'archived'; record: SchedulerRecord }
  | { outcome: 'not_registered' };

/** What applying a status event did, and the record afterwards when it was applied. */
export type StatusApplied = { outcome: ApplyResult; record?: SchedulerRecord };

/** What a change of an existing scheduler (pause, resume) did: the record, or why not. */
export type ChangeResult = SchedulerRecord | 'not_registered' | 'archived';

/**
 * The current record of each scheduler.
 *
 * Failure: engine trouble (unreachable, throttled) rejects with `EngineUnavailableError`;
 * nothing is half-written, since every write is one conditional item write.
 */
export type SchedulerStore = {
  /**
   * Creates the scheduler as `pending` at `now`, or updates the names and settings of an
   * existing one (a setting the registration omits is cleared) keeping its status,
   * timestamps, heartbeat and pause; an archived scheduler is restored. Returns the record.
   */
  register(registration: Registration, now: string): Promise<SchedulerRecord>;
  /** The record, archived or not (`archived_at` says). Reads only the record's fields. */
  get(schedulerId: string): Promise<SchedulerRecord | undefined>;
  /**
   * Every scheduler matching the filter (active ones unless `archived`), sorted by service
   * name, then job name, then id.
   */
  list(filter?: SchedulerFilter): Promise<SchedulerRecord[]>;
  /**
   * Archives the scheduler: it leaves lists, tables and alerts, its later events are
   * refused, its history stays. Idempotent (the first `archived_at` is kept). Undefined
   * when it is not registered.
   */
  archive(schedulerId: string, now: string): Promise<SchedulerRecord | undefined>;
  /** Pauses an active scheduler (a new pause replaces the one in force). */
  pause(schedulerId: string, pause: Pause, now: string): Promise<ChangeResult>;
  /** Ends a pause; resuming one that is not paused changes nothing. */
  resume(schedulerId: string, now: string): Promise<ChangeResult>;
  /**
   * Makes the event the current status if it is newer in event order (`compareOrder`);
   * the decision is taken atomically by the store, never read-then-write.
   * `late`: an event at or after it in order is already shown; `duplicate`: this very
   * event is; `not_registered`: no such scheduler; `archived`: it was archived before the
   * event happened (an event from before the archive still applies).
   */
  applyStatus(event: StatusEvent, now: string): Promise<ApplyResult>;
  /** `applyStatus`, with the record it left when the event was applied. */
  applyStatusRecord(event: StatusEvent, now: string): Promise<StatusApplied>;
  /** Moves `last_heartbeat` forward to the event's timestamp; never backwards; not when archived. */
  applyHeartbeat(event: HeartbeatEvent): Promise<ApplyResult>;
  /**
   * Stores the record's deadline (all fields null: none) if the record is still at
   * `version` (its `updated_at`): false when it changed meanwhile, and the change's own
   * deadline stands. A store made with deadline settings keeps deadlines itself on
   * registration (exactly) and on status events (when they move it earlier:
   * `deadlineToStore`); this is for the watchdog, which moves the others on.
   */
  setDeadline(schedulerId: string, deadline: StoredDeadline, version: string): Promise<boolean>;
  /** Deadlines due at `now` (`due_at` ≤ now), earliest first, at most `limit`. */
  due(now: string, limit: number): Promise<DueDeadline[]>;
  /**
   * Applies a deadline the watchdog found due (docs/schedules.md): it fires only if it is
   * the record's own next deadline (`isDeadlineCurrent`) and due at `now`, and then never
   * again (`deadline_fired_at`); either way the record's next deadline is stored. One
   * conditional write on the record as read, so a real event applied meanwhile wins.
   * Handled more than `gapMs` after it could first be known (it came due, or the record
   * changed into it), it fell while schedmon was not watching: recorded as
   * `deadline_unknown_at`, paging nobody (`unknown` in the answer).
   * Needs a store made with deadline settings.
   */
  applyDeadline(deadline: DueDeadline, now: string, gapMs: number): Promise<DeadlineResult>;
};

export type HistoryQuery = {
  /** 1–1001 (a page and one more row, to know if another page follows). */
  limit: number;
  /** Inclusive bounds on the event timestamp, UTC ISO. */
  from?: string;
  to?: string;
  /** Rows whose `expires_at` is before this instant are never returned. */
  now: string;
  /** Only rows older than the row with this `sk`: where the previous page ended. */
  after?: string;
  /**
   * Only rows newer than the row with this `sk`: the `limit` oldest of them, still newest
   * first (the page before one that started there). Ignored with `after`.
   */
  before?: string;
};

/**
 * Status history: one row per event, keyed by scheduler and `<timestamp>#<event_id>`.
 *
 * Failure: `EngineUnavailableError`; `putAll` is idempotent, so a retry after a partial
 * failure writes each row once.
 */
export type HistoryStore = {
  /** Writes the rows (any number, batched by the adapter); an existing row is left as is. */
  putAll(rows: readonly HistoryRow[]): Promise<void>;
  /** Newest first, without expired rows. */
  query(schedulerId: string, query: HistoryQuery): Promise<HistoryRow[]>;
  /** Deletes rows expired before `now` (the local engine has no TTL). Returns how many. */
  deleteExpired(now: string): Promise<number>;
};

/** Message attributes carried with an event (docs/queue.md). */
export type MessageAttributes = Record<string, string>;

/** A message as received from the queue. */
export type ReceivedMessage = {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: MessageAttributes;
  /** How many times it has been received, this time included. */
  receiveCount: number;
  /** When the queue first received it, epoch ms. */
  sentAt: number;
};

/**
 * The sending side of the event queue: what every producer of events needs (the api, the
 * client's direct producer). A producer knows nothing of the dead-letter queue.
 *
 * Failure: `ValidationError` when the message breaks the contract or the queue's limits
 * (nothing is sent), `QueueRefusedError` when the queue does not accept it, or
 * `EngineUnavailableError` when the queue cannot be reached; a send resolves only once
 * the queue has accepted that very message.
 */
export type EventProducer = {
  send(message: QueueMessage, attributes?: MessageAttributes): Promise<{ messageId: string }>;
};

/**
 * The receiving side of the event queue and its dead-letter queue: what the worker's
 * receive loops need.
 *
 * Failure: `EngineUnavailableError` when a queue cannot be reached, `QueueRefusedError`
 * when it refuses the call; a message whose handling failed stays on the queue and comes
 * back after its visibility timeout, so nothing is lost.
 */
export type EventConsumer = {
  /** Long-polls up to `max` (≤ 10) messages, waiting up to `waitSeconds`. */
  receive(max: number, waitSeconds: number, signal?: AbortSignal): Promise<ReceivedMessage[]>;
  /** Deletes handled messages; returns the receipt handles that could not be deleted. */
  delete(receiptHandles: readonly string[]): Promise<string[]>;
  /** Makes the message visible again after `seconds` (0: at once). */
  changeVisibility(receiptHandle: string, seconds: number): Promise<void>;
  /**
   * Moves a poison message to the DLQ with `reason` and `detail` attributes, then deletes
   * it from the main queue.
   */
  park(message: ReceivedMessage, reason: string, detail: string): Promise<void>;
};

/** A Slack message as data: Block Kit blocks and the plain-text fallback. */
export type SlackMessage = {
  text: string;
  blocks: readonly Record<string, unknown>[];
};

/** Where a posted message lives, to edit it later. */
export type MessageRef = { channel: string; ts: string };

/**
 * Posts to the ops channel or a board's (Slack, or the log when Slack is not configured),
 * edits what it posted, and replies in a message's thread (where an incident's follow-ups
 * go). Slack's rate limits are kept by the notifier itself (docs/boards.md → Rate limits).
 *
 * Failure: `NotifierError`, `retryable` for 429 / 5xx / timeouts / network, not for a
 * permanent refusal (`channel_not_found`, `invalid_blocks`, `not_authed`, and for `reply`
 * `thread_not_found` when `parent` is not a top-level message of its channel).
 */
export type Notifier = {
  /**
   * Posts `message` as a new message in `channel` (a board's channel), or without one in
   * the notifier's own channel (`SLACK_CHANNEL_ID`).
   */
  post(message: SlackMessage, channel?: string): Promise<MessageRef>;
  update(ref: MessageRef, message: SlackMessage): Promise<MessageRef>;
  /**
   * Posts `message` in the thread of `parent` (chat.postMessage with `thread_ts` =
   * `parent.ts` in `parent.channel`, never broadcast to the channel) and returns the reply's
   * own ref, which `update` edits. `parent` must be a top-level message, not a reply.
   * Failure as `post`.
   */
  reply(parent: MessageRef, message: SlackMessage): Promise<MessageRef>;
  /** Reachability for readiness: never throws. */
  check(): Promise<{ ok: boolean; message: string }>;
};
