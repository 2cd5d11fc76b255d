/**
 * Failure alerts that survive a Slack outage (docs/queue.md → guarantee 5), posted at most once per failure
 * event of a scheduler.
 *
 * Each alert is one state-table item (`alert` / `alertKey(scheduler id, event id)`; never
 * the event id alone, which producers reuse across schedulers) holding the rendered message
 * and a small state machine; every transition is a `StateStore.replace` on the version
 * read, so parallel workers, redelivered events and restarts never post one alert twice:
 *
 *   pending ──claim──▶ posting ──ok──────────▶ sent
 *      ▲                  │ ├─retryable error─▶ pending (attempts + 1, backed off)
 *      │                  │ └─refusal─────────▶ failed
 *      └──────────────────┘ lease ran out ────▶ uncertain (never re-posted)
 *   pending past maxAge ──────────────────────▶ expired
 *
 * An `alert-outbox` pointer per unfinished alert lets `deliverDue` find due alerts with one
 * query of a small partition instead of a scan.
 */
import { randomUUID } from 'node:crypto';
import type {
  Clock,
  FailureAlertInput,
  MessageRef,
  Notifier,
  SlackMessage,
  StateItem,
  StateStore,
  StoredAlert,
} from '@schedmon/domain';
import {
  ALERT_PARTITION,
  alertKey,
  NotifierError,
  renderFailureAlert,
  zoneAbbreviation,
} from '@schedmon/domain';

/** Where an alert is in its life; `sent`, `failed`, `expired`, `uncertain` are final. */
export type AlertState = 'pending' | 'posting' | 'sent' | 'failed' | 'expired' | 'uncertain';

/**
 * What one delivery decided, as counted by `onOutcome`: `retry` = Slack could not take it
 * now, it stays pending; `duplicate` = it was already finished (a redelivered event).
 */
export type AlertOutcome = 'sent' | 'retry' | 'failed' | 'expired' | 'uncertain' | 'duplicate';

/**
 * What `deliver` did: an outcome, or nothing yet — `not_due` (waiting for its next
 * attempt), `in_progress` (another worker holds the claim), `missing` (no such alert,
 * or its item expired).
 */
export type DeliverResult = AlertOutcome | 'not_due' | 'in_progress' | 'missing';

/** The alert item's `data`. Times are ISO instants. */
export type AlertRecord = {
  state: AlertState;
  scheduler_id: string;
  event_id: string;
  message: SlackMessage;
  /** The render input of `message` (see `StoredAlert`). */
  input?: StoredAlert['input'];
  /** When the worker first enqueued it. */
  created_at: string;
  /** The failure event's timestamp; `maxAgeMs` counts from here. */
  failed_at: string;
  /** Posts tried so far that Slack did not take. */
  attempts: number;
  /** A pending alert is not tried before this. */
  next_attempt_at: string;
  /** `posting`: the claim holds until then; afterwards the poster counts as dead. */
  lease_until?: string;
  /** `posting`: the outbox instance that claimed it (for the logs). */
  owner?: string;
  /** `sent`: where the message is (the Acknowledge button edits it). */
  ref?: MessageRef;
  /** Slack's reason for the last refusal or failure. */
  last_error?: string;
  /** When it reached a final state. */
  finished_at?: string;
};

/** Structural logger: the app's pino logger fits as is. */
export type AlertOutboxLogger = {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
};

export type AlertOutboxDeps = {
  state: StateStore;
  notifier: Notifier;
  clock: Clock;
  logger: AlertOutboxLogger;
  /** IANA zone of the EOD window, for the time shown in the alert. */
  timeZone: string;
  /**
   * `ALERT_MAX_AGE_MINUTES` in ms: a pending alert whose failure is older than this is given
   * up as `expired`. Counted from the failure event's timestamp (the creation time when
   * that is unreadable), like the batch's "too old to alert" check, so no alert ever
   * reaches Slack later than this after the failure.
   */
  maxAgeMs: number;
  /** Names this worker in claims and logs; default a random id. */
  owner?: string;
  /**
   * How long a claim holds before its poster counts as dead; default 60 s. Must exceed the
   * notifier's longest call (the Slack notifier's is about 40 s with its defaults), or a
   * slow but live post would be declared `uncertain`.
   */
  leaseMs?: number;
  /** First retry delay; doubles per attempt, with jitter. Default 5 s. */
  retryBaseMs?: number;
  /** Longest retry delay unless Slack's `Retry-After` asks for more. Default 5 min. */
  retryMaxMs?: number;
  /** Called once per outcome, for metrics. */
  onOutcome?: (outcome: AlertOutcome) => void;
};

/** What to alert about: the failure event, with the scheduler as the event left it. */
export type AlertInput = {
  eventId: string;
  scheduler: FailureAlertInput['scheduler'];
  /** The failure event's timestamp (ISO). */
  failedAt: string;
};

/** Counts of one `deliverDue` pass, by result. */
export type DeliverDueCounts = Record<DeliverResult, number>;

/**
 * The alert outbox of one worker process.
 *
 * Failure: state-table trouble rejects with `EngineUnavailableError` from the `StateStore`;
 * every step is a single conditional write, so the caller simply retries (`enqueue` again,
 * or leave it to the next `deliverDue`). Slack trouble never rejects: it is the `retry`,
 * `failed` or `uncertain` outcome.
 */
export type AlertOutbox = {
  /**
   * Records the alert (rendered now) unless it already exists: `exists` for a redelivered
   * event, which must not alert again. Call `deliver` afterwards for the first attempt.
   */
  enqueue(input: AlertInput): Promise<'created' | 'exists'>;
  /**
   * Moves the alert of `key` (`alertKey` of its scheduler and event) one step: posts it if
   * pending and due, settles a dead claim.
   */
  deliver(key: string): Promise<DeliverResult>;
  /**
   * Delivers due alerts, earliest due first, up to `limit` (default 100). Stops the pass at
   * the first `retry`: while Slack is down or rate-limiting, one probe per pass is enough,
   * and the others stay due for the next pass. For the worker's background retry loop.
   */
  deliverDue(limit?: number): Promise<DeliverDueCounts>;
  /** The record of the alert of `key`, or `undefined` (for tests and inspection). */
  get(key: string): Promise<AlertRecord | undefined>;
};

const ALERT_PK = ALERT_PARTITION;
const OUTBOX_PK = 'alert-outbox';
/**
 * SQS keeps a message 4 days: the marker outlives any redelivery of the event, so a late
 * redelivery still finds it and does not alert again.
 */
const ALERT_RETENTION_MS = 5 * 24 * 60 * 60 * 1000;
/**
 * Pointers live this much longer than the alert's max age (counted from creation, which is
 * never before the failure bar clock skew), so an outbox that was down for a while still
 * finds old pending alerts and records them as `expired` rather than losing track of them.
 */
const POINTER_MARGIN_MS = 24 * 60 * 60 * 1000;
/** Lost `replace` races in a row before giving up until the next pass. */
const MAX_ROUNDS = 5;

const FINAL_STATES: ReadonlySet<AlertState> = new Set(['sent', 'failed', 'expired', 'uncertain']);

const epochSeconds = (ms: number) => Math.floor(ms / 1000);

/** Creates the outbox. See {@link AlertOutbox}; the state machine is in the file header. */
export function createAlertOutbox(deps: AlertOutboxDeps): AlertOutbox {
  const { state, notifier, clock, logger, timeZone, maxAgeMs } = deps;
  const leaseMs = deps.leaseMs ?? 60_000;
  const retryBaseMs = deps.retryBaseMs ?? 5_000;
  const retryMaxMs = deps.retryMaxMs ?? 5 * 60_000;
  const owner = deps.owner ?? randomUUID();
  const report = (outcome: AlertOutcome) => deps.onOutcome?.(outcome);

  const read = async (key: string, now: string) => {
    const item = await state.get(ALERT_PK, key, now);
    return item === undefined ? undefined : { item, record: item.data as AlertRecord };
  };

  /** Writes `record` over the version read; false when someone changed it first. */
  const write = (item: StateItem, record: AlertRecord, now: string) =>
    state.replace({ ...item, data: record }, item.version ?? 0, now);

  const dropPointer = (key: string) => state.delete(OUTBOX_PK, key);

  const pointerOf = (key: string, record: AlertRecord): StateItem => ({
    pk: OUTBOX_PK,
    sk: key,
    // A hint for `deliverDue`; the alert item is the truth and is re-read before acting.
    data: { next_attempt_at: record.next_attempt_at },
    expires_at: epochSeconds(Date.parse(record.created_at) + maxAgeMs + POINTER_MARGIN_MS),
  });

  const backoffMs = (attempts: number, retryAfterMs: number | undefined) => {
    const exponential = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.max(0, attempts - 1));
    // Jitter spreads the retries of many alerts (and workers) after an outage ends.
    const jittered = Math.round(exponential * (0.5 + Math.random() / 2));
    return Math.max(retryAfterMs ?? 0, jittered);
  };

  const context = (record: AlertRecord) => ({
    eventId: record.event_id,
    schedulerId: record.scheduler_id,
    failedAt: record.failed_at,
    attempts: record.attempts,
  });

  /**
   * Posts a claimed alert and records the result over the claim's version. Only a worker
   * that won the claim gets here, so this is the one place that calls Slack.
   */
  async function post(key: string, claimed: StateItem, record: AlertRecord): Promise<AlertOutcome> {
    let ref: MessageRef;
    try {
      ref = await notifier.post(record.message);
    } catch (error) {
      const now = clock.now();
      const iso = now.toISOString();
      if (error instanceof NotifierError && error.retryable) {
        const attempts = record.attempts + 1;
        const delay = backoffMs(attempts, error.retryAfterMs);
        const next: AlertRecord = {
          ...withoutClaim(record),
          state: 'pending',
          attempts,
          next_attempt_at: new Date(now.getTime() + delay).toISOString(),
          last_error: error.reason,
        };
        if (!(await settle(key, claimed, next, iso))) return lostClaim();
        await state.put(pointerOf(key, next));
        logger.warn(
          { ...context(next), reason: error.reason, retryInMs: delay },
          'Slack did not take the failure alert; retrying later',
        );
        report('retry');
        return 'retry';
      }
      // A refusal repeats on every retry; anything that is not a NotifierError may have
      // reached Slack, so it is not retried either (at most once).
      const refused = error instanceof NotifierError;
      const reason = refused ? error.reason : 'unexpected';
      const final: AlertRecord = {
        ...withoutClaim(record),
        state: refused ? 'failed' : 'uncertain',
        attempts: record.attempts + 1,
        last_error: reason,
        finished_at: iso,
      };
      if (!(await settle(key, claimed, final, iso))) return lostClaim();
      await dropPointer(key);
      logger.error(
        // Slack's reason says it all for a refusal; an unexpected error needs its stack.
        { ...context(final), reason, ...(refused ? {} : { err: error }) },
        refused
          ? `Slack refused the failure alert (${reason}); it will not be retried. The failure still shows in the table and the 06:00 summary`
          : 'Posting the failure alert failed unexpectedly; it may not have been delivered and will not be retried. The failure still shows in the table and the 06:00 summary',
      );
      report(final.state === 'failed' ? 'failed' : 'uncertain');
      return final.state === 'failed' ? 'failed' : 'uncertain';
    }
    const iso = clock.now().toISOString();
    const sent: AlertRecord = { ...withoutClaim(record), state: 'sent', ref, finished_at: iso };
    await settle(key, claimed, sent, iso);
    await dropPointer(key);
    logger.info({ ...context(sent), ref }, 'failure alert posted');
    report('sent');
    return 'sent';
  }

  /** Another worker settled the alert while this one posted: it is final already. */
  const lostClaim = (): AlertOutcome => {
    report('duplicate');
    return 'duplicate';
  };

  /**
   * Records the result of a post over the claim. Losing means our lease ran out and another
   * worker declared the alert `uncertain`; a `sent` result still replaces that, since Slack
   * now certainly has the message, anything else leaves it final as it is.
   */
  async function settle(key: string, claimed: StateItem, next: AlertRecord, now: string) {
    if (await write(claimed, next, now)) return true;
    const current = await read(key, now);
    logger.warn(
      { alertKey: key, state: current?.record.state, result: next.state, leaseMs },
      'the failure alert changed while it was being posted: the post outlasted its lease',
    );
    if (current?.record.state === 'uncertain' && next.state === 'sent') {
      await write(current.item, next, now);
    }
    return false;
  }

  async function deliver(key: string): Promise<DeliverResult> {
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const now = clock.now();
      const iso = now.toISOString();
      const found = await read(key, iso);
      if (found === undefined) {
        await dropPointer(key);
        return 'missing';
      }
      const { item, record } = found;

      if (FINAL_STATES.has(record.state)) {
        await dropPointer(key);
        report('duplicate');
        return 'duplicate';
      }

      if (record.state === 'posting') {
        if (Date.parse(record.lease_until ?? '') > now.getTime()) return 'in_progress';
        // The poster died between claiming and recording: Slack may have the message, so
        // re-posting could duplicate it. At most once wins; the summary still lists it.
        const uncertain: AlertRecord = {
          ...withoutClaim(record),
          state: 'uncertain',
          finished_at: iso,
        };
        if (!(await write(item, uncertain, iso))) continue;
        await dropPointer(key);
        logger.error(
          { ...context(record), owner: record.owner, leaseUntil: record.lease_until },
          'A worker stopped while posting this failure alert: it may not have been delivered, and is not re-posted. The failure still shows in the table and the 06:00 summary',
        );
        report('uncertain');
        return 'uncertain';
      }

      // pending
      if (now.getTime() - failureMs(record) >= maxAgeMs) {
        const expired: AlertRecord = { ...record, state: 'expired', finished_at: iso };
        if (!(await write(item, expired, iso))) continue;
        await dropPointer(key);
        logger.error(
          { ...context(record), lastError: record.last_error, maxAgeMs },
          'Gave up on the failure alert: Slack did not take it within ALERT_MAX_AGE_MINUTES. The failure still shows in the table and the 06:00 summary',
        );
        report('expired');
        return 'expired';
      }
      if (Date.parse(record.next_attempt_at) > now.getTime()) return 'not_due';

      const claim: AlertRecord = {
        ...record,
        state: 'posting',
        lease_until: new Date(now.getTime() + leaseMs).toISOString(),
        owner,
      };
      if (!(await write(item, claim, iso))) continue;
      const claimed: StateItem = { ...item, data: claim, version: (item.version ?? 0) + 1 };
      return post(key, claimed, claim);
    }
    logger.warn(
      { alertKey: key },
      'the failure alert kept changing under this worker; trying later',
    );
    return 'in_progress';
  }

  return {
    async enqueue(input) {
      const now = clock.now();
      const iso = now.toISOString();
      const failedAtMs = Date.parse(input.failedAt);
      const renderInput = {
        scheduler: input.scheduler,
        eventId: input.eventId,
        timeZone,
        zoneLabel: zoneAbbreviation(
          Number.isFinite(failedAtMs) ? failedAtMs : now.getTime(),
          timeZone,
        ),
      };
      const message = renderFailureAlert(renderInput);
      const record: AlertRecord = {
        state: 'pending',
        scheduler_id: input.scheduler.scheduler_id,
        event_id: input.eventId,
        message,
        // Kept so the Acknowledge button can redraw the same alert, acknowledged.
        input: renderInput,
        created_at: iso,
        failed_at: input.failedAt,
        attempts: 0,
        next_attempt_at: iso,
      };
      // The pointer first: should the alert write fail, a retry rewrites both; the other
      // order could leave an alert no pass ever finds. A pointer to a finished alert is
      // harmless (the next pass drops it).
      const key = alertKey(input.scheduler.scheduler_id, input.eventId);
      await state.put(pointerOf(key, record));
      const created = await state.putIfAbsent(
        {
          pk: ALERT_PK,
          sk: key,
          data: record,
          expires_at: epochSeconds(now.getTime() + ALERT_RETENTION_MS),
          version: 1,
        },
        iso,
      );
      return created ? 'created' : 'exists';
    },

    deliver,

    async deliverDue(limit = 100) {
      const counts: DeliverDueCounts = {
        sent: 0,
        retry: 0,
        failed: 0,
        expired: 0,
        uncertain: 0,
        duplicate: 0,
        not_due: 0,
        in_progress: 0,
        missing: 0,
      };
      const now = clock.now();
      const due = (await state.list(OUTBOX_PK, now.toISOString()))
        .map((pointer) => ({ key: pointer.sk, at: String(pointer.data.next_attempt_at ?? '') }))
        .filter((pointer) => !(Date.parse(pointer.at) > now.getTime()))
        .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
        .slice(0, limit);
      for (const { key } of due) {
        const result = await deliver(key);
        counts[result] += 1;
        if (result === 'retry') break;
      }
      return counts;
    },

    async get(key) {
      return (await read(key, clock.now().toISOString()))?.record;
    },
  };
}

/** When the failure happened, or when the alert was made if the event's time is unreadable. */
function failureMs(record: AlertRecord): number {
  const failed = Date.parse(record.failed_at);
  return Number.isFinite(failed) ? failed : Date.parse(record.created_at);
}

/** The record without the claim's fields, for every state after `posting`. */
function withoutClaim(record: AlertRecord): AlertRecord {
  const { lease_until: _lease, owner: _owner, ...rest } = record;
  return rest;
}
