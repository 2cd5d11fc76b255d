/**
 * The ports of the state table (one DynamoDB table, `pk`/`sk`/`expires_at`): each says
 * what it keeps in domain words, and exactly one adapter file builds its keys. Kept apart
 * from `ports.ts` because their records (in `alerts.ts`) render through it.
 */
import type { Acknowledgement, AlertRecord } from './alerts.ts';
import type { Board } from './boards.ts';
import type { DeliveryAttempt, DestinationOverride } from './destinations.ts';
import type { EodMarker, Night } from './eod-runs.ts';
import type { IdempotencyRecord } from './idempotency.ts';
import type { BoxPointer, IncidentBox } from './incident-box.ts';
import type { IncidentRecord } from './incidents.ts';
import type { MessageRef } from './ports.ts';

/** An alert as read, with its version. */
export type VersionedAlert = { alert: AlertRecord; version: number };

/**
 * Failure alerts posted by the versions before incidents, one per failure event of a
 * scheduler (addressed by `alertKey` of its scheduler and event), read when their
 * Acknowledge button is pressed. Items past their expiry count as absent.
 *
 * Failure: `EngineUnavailableError` for engine trouble.
 */
export type AlertStore = {
  /** The live alert of `key` and its version, or `undefined`. */
  get(key: string, now: string): Promise<VersionedAlert | undefined>;
  /**
   * Stores a new alert at version 1, kept until `expiresAt` (epoch seconds), unless a live
   * one exists for its scheduler and event: true if it did. (As the older versions did;
   * tests seed alerts with it.)
   */
  create(alert: AlertRecord, expiresAt: number, now: string): Promise<boolean>;
};

/**
 * Who acknowledged which failure alert, per business date (the night the failure belongs
 * to), one per `alertKey`: the first click counts, later ones change nothing.
 *
 * Failure: `EngineUnavailableError` for engine trouble.
 */
export type AcknowledgementStore = {
  /**
   * Records `acknowledgement` for the night `businessDate` until `expiresAt` (epoch
   * seconds) unless that alert is already acknowledged: true if it was recorded.
   */
  record(
    businessDate: string,
    acknowledgement: Acknowledgement,
    expiresAt: number,
    now: string,
  ): Promise<boolean>;
  /** The acknowledgement of the alert of `key` on that night, or `undefined`. */
  get(businessDate: string, key: string, now: string): Promise<Acknowledgement | undefined>;
  /** Every acknowledgement of that night, by key. */
  list(businessDate: string, now: string): Promise<Acknowledgement[]>;
};

/**
 * Named leases with one owner at a time, until they expire (the cron leadership).
 *
 * Failure: `EngineUnavailableError` for engine trouble; losing the lease is `false`.
 */
export type LeaseStore = {
  /**
   * Takes or renews the lease `name` for `owner` until `expiresAt` (epoch seconds): true
   * when `owner` holds it afterwards (free, expired, or already its own).
   */
  acquire(name: string, owner: string, expiresAt: number, now: string): Promise<boolean>;
  /** Gives the lease up if `owner` holds it, so a standby can take over at once. */
  release(name: string, owner: string): Promise<void>;
};

/**
 * What the EOD schedule keeps per board and business date (a `Night`): tonight's table messages and the
 * once-per-night steps already done. Items expire after `expiresAt` (epoch seconds).
 *
 * Failure: `EngineUnavailableError` for engine trouble.
 */
export type EodRunStore = {
  /** Tonight's table messages in order, or `undefined` before the table is posted. */
  tableRefs(night: Night, now: string): Promise<MessageRef[] | undefined>;
  /** Replaces tonight's table messages (saved after every post, so none is lost). */
  saveTableRefs(
    night: Night,
    refs: readonly MessageRef[],
    savedAt: string,
    expiresAt: number,
  ): Promise<void>;
  /** True if the step was marked done that night. */
  isDone(night: Night, marker: EodMarker, now: string): Promise<boolean>;
  /** Marks the step done that night. */
  markDone(night: Night, marker: EodMarker, doneAt: string, expiresAt: number): Promise<void>;
};

/** The outcome of a claim: new, or the live record someone claimed the key with first. */
export type IdempotencyClaim = { claimed: true } | { claimed: false; existing: IdempotencyRecord };

/**
 * The `Idempotency-Key`s of HTTP writes, one record per scheduler and key digest, so a
 * retried write re-sends what the first one sent. Items past their expiry count as absent.
 *
 * Failure: `EngineUnavailableError` for engine trouble; a `ValidationError` naming the
 * item when the live record of the key is unreadable. A key already claimed is not an
 * error, it is `claimed: false`.
 */
export type IdempotencyStore = {
  /**
   * Stores `record` until `expiresAt` (epoch seconds) unless a live one exists for its
   * scheduler and key digest, which is then returned as `existing`. Of concurrent claims
   * of one key exactly one gets `claimed: true`; the others get its record.
   */
  claim(record: IdempotencyRecord, now: string, expiresAt: number): Promise<IdempotencyClaim>;
};

/** A scheduler's incident box as read, with the version a compare-and-set must name. */
export type VersionedBox = { box: IncidentBox; version: number };

/** The outbox pointer of a box with something to deliver (`BoxPointer`), by scheduler. */
export type ScheduledBox = BoxPointer & { schedulerId: string };

/** Which incidents to list: newest first, a page of `limit`, after the cursor `before`. */
export type IncidentQuery = { limit: number; before?: string };

/**
 * Incidents (docs/schedules.md): one box per scheduler (its tracker and the messages it
 * still owes, `incident-box.ts`), the outbox pointers of boxes with something due, and
 * each incident as the api reads it (a projection, rewritten at every transition).
 *
 * Failure: `EngineUnavailableError`; a lost race is `false` from `saveBox`; a
 * `ValidationError` naming the item when a stored box cannot be read.
 */
export type IncidentStore = {
  /** The box of a scheduler, or undefined when it never had one. */
  box(schedulerId: string, now: string): Promise<VersionedBox | undefined>;
  /**
   * The boxes of several schedulers at once (one call for a whole batch of events): every
   * id asked is in the map, undefined when it never had a box, except one whose stored box
   * cannot be read (`box` then fails with the `ValidationError` that says why).
   */
  boxes(
    schedulerIds: readonly string[],
    now: string,
  ): Promise<Map<string, VersionedBox | undefined>>;
  /**
   * Writes `box` over the one read at `expectedVersion` (0: there was none): false when
   * it changed meanwhile. The stored version becomes `expectedVersion + 1`.
   */
  saveBox(
    schedulerId: string,
    box: IncidentBox,
    expectedVersion: number,
    now: string,
  ): Promise<boolean>;
  /** Sets the outbox pointer of a box (`pointerOf`; a hint: the box is the truth). */
  schedule(schedulerId: string, pointer: BoxPointer): Promise<void>;
  /** Drops the outbox pointer of a box, if any. */
  unschedule(schedulerId: string): Promise<void>;
  /** Every outbox pointer. */
  scheduled(now: string): Promise<ScheduledBox[]>;
  /**
   * Stores an incident's projection at `version` (the box's sequence of the transition)
   * unless a later one is stored: an older transition never overwrites a newer one.
   */
  saveIncident(incident: IncidentRecord, version: number, now: string): Promise<void>;
  /** One incident, or undefined. */
  incident(incidentId: string, now: string): Promise<IncidentRecord | undefined>;
  /** Incidents newest first (by `opened_at`), and the cursor of the next page if any. */
  incidents(
    query: IncidentQuery,
    now: string,
  ): Promise<{ incidents: IncidentRecord[]; next?: string }>;
};

/**
 * The boards (docs/boards.md), by id. A board is written whole; there is no partial update.
 *
 * Failure: `EngineUnavailableError`; a `ValidationError` naming the item when a stored
 * board cannot be read.
 */
export type BoardStore = {
  /** Every board, by id. */
  list(now: string): Promise<Board[]>;
  /** One board, or undefined. */
  get(boardId: string, now: string): Promise<Board | undefined>;
  /** Stores the board, replacing the one of its id: `created` when there was none. */
  put(board: Board, now: string): Promise<'created' | 'updated'>;
  /** Deletes the board: false when there was none. */
  delete(boardId: string, now: string): Promise<boolean>;
};

/**
 * Schedulers' own destinations (docs/destinations.md), each replacing the destinations
 * of the scheduler's boards, by scheduler id. Secrets included: only the worker and the
 * admin routes read them, and the api shows fingerprints.
 *
 * Failure: `EngineUnavailableError`; a `ValidationError` naming the item when a stored
 * override cannot be read.
 */
export type DestinationStore = {
  /** Every override. */
  list(now: string): Promise<DestinationOverride[]>;
  /** One scheduler's override, or undefined. */
  get(schedulerId: string, now: string): Promise<DestinationOverride | undefined>;
  /** Stores the override, replacing the scheduler's: `created` when there was none. */
  put(override: DestinationOverride, now: string): Promise<'created' | 'updated'>;
  /** Deletes the override: false when there was none. */
  delete(schedulerId: string, now: string): Promise<boolean>;
};

/**
 * The delivery log: every attempt of every destination delivery, per incident, kept
 * until `expiresAt` (epoch seconds).
 *
 * Failure: `EngineUnavailableError`.
 */
export type DeliveryLogStore = {
  /** Appends one attempt (an attempt logged twice is one line). */
  append(attempt: DeliveryAttempt, seq: number, expiresAt: number): Promise<void>;
  /**
   * An incident's attempts by transition, then attempt (at most `limit`, default 1,000);
   * a line that cannot be read is left out.
   */
  list(incidentId: string, now: string, limit?: number): Promise<DeliveryAttempt[]>;
};
