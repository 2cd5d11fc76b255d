/**
 * Failure alerts that survive a Slack outage (docs/queue.md → guarantee 5), posted at most once per failure
 * event of a scheduler.
 *
 * Each alert is one `AlertStore` record (keyed by `alertKey(scheduler id, event id)`; never
 * the event id alone, which producers reuse across schedulers). Its life is the state
 * machine of `@schedmon/domain`'s alert transitions (`nextAlertStep`, `recordAlertSent`,
 * `scheduleAlertRetry`, `giveUpAlert`), which decide the new record and its effects; this
 * file only performs them. Every write is a compare-and-set on the version read, so
 * parallel workers, redelivered events and restarts never post one alert twice.
 *
 * An outbox pointer per unfinished alert lets `deliverDue` find due alerts with one query
 * of a small partition instead of a scan.
 */
import { randomUUID } from 'node:crypto';
import type {
  AlertOutcome,
  AlertRecord,
  AlertStore,
  AlertTransition,
  Clock,
  FailureAlertInput,
  MessageRef,
  Notifier,
  VersionedAlert,
} from '@schedmon/domain';
import {
  alertKey,
  exponentialBackoffMs,
  giveUpAlert,
  NotifierError,
  newAlert,
  nextAlertStep,
  overridesSettled,
  recordAlertSent,
  renderFailureAlert,
  scheduleAlertRetry,
  ValidationError,
  zoneAbbreviation,
} from '@schedmon/domain';

export type { AlertOutcome };

/**
 * What `deliver` did: an outcome, or nothing yet — `not_due` (waiting for its next
 * attempt), `in_progress` (another worker holds the claim), `missing` (no such alert,
 * or its item expired).
 */
export type DeliverResult = AlertOutcome | 'not_due' | 'in_progress' | 'missing';

/** Structural logger: the app's pino logger fits as is. */
export type AlertOutboxLogger = {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
};

export type AlertOutboxDeps = {
  alerts: AlertStore;
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
 * Failure: state-table trouble rejects with `EngineUnavailableError` from the `AlertStore`;
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

/**
 * SQS keeps a message 4 days: the record outlives any redelivery of the event, so a late
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

const epochSeconds = (ms: number) => Math.floor(ms / 1000);

/** Creates the outbox. See {@link AlertOutbox}; the state machine is in `@schedmon/domain`. */
export function createAlertOutbox(deps: AlertOutboxDeps): AlertOutbox {
  const { alerts, notifier, clock, logger, timeZone, maxAgeMs } = deps;
  const leaseMs = deps.leaseMs ?? 60_000;
  const retryBaseMs = deps.retryBaseMs ?? 5_000;
  const retryMaxMs = deps.retryMaxMs ?? 5 * 60_000;
  const owner = deps.owner ?? randomUUID();
  const report = (outcome: AlertOutcome) => deps.onOutcome?.(outcome);

  const schedule = (key: string, alert: AlertRecord) =>
    alerts.schedule(
      key,
      alert.next_attempt_at,
      // A hint for `deliverDue`; the alert is the truth and is re-read before acting.
      epochSeconds(Date.parse(alert.created_at) + maxAgeMs + POINTER_MARGIN_MS),
    );

  /** Delivers a transition's pointer effects (its `post` is `post`'s own business). */
  async function perform(key: string, transition: AlertTransition) {
    for (const effect of transition.effects) {
      if (effect.type === 'unschedule') await alerts.unschedule(key);
      else if (effect.type === 'reschedule') await schedule(key, transition.alert);
    }
    if (transition.outcome) report(transition.outcome);
  }

  const backoffMs = (attempts: number, retryAfterMs: number | undefined) => {
    // Jitter spreads the retries of many alerts (and workers) after an outage ends.
    const jittered = Math.round(
      exponentialBackoffMs(attempts, { baseMs: retryBaseMs, maxMs: retryMaxMs, jitter: true }),
    );
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
  async function post(key: string, claimed: VersionedAlert): Promise<AlertOutcome> {
    const record = claimed.alert;
    let ref: MessageRef;
    try {
      ref = await notifier.post(record.message);
    } catch (error) {
      const now = clock.now();
      const iso = now.toISOString();
      if (error instanceof NotifierError && error.retryable) {
        const delay = backoffMs(record.attempts + 1, error.retryAfterMs);
        const retry = scheduleAlertRetry(record, now.getTime(), delay, error.reason);
        if (!(await settle(key, claimed, retry.alert, iso))) return lostClaim();
        await perform(key, retry);
        logger.warn(
          { ...context(retry.alert), reason: error.reason, retryInMs: delay },
          'Slack did not take the failure alert; retrying later',
        );
        return 'retry';
      }
      // A refusal repeats on every retry; anything that is not a NotifierError may have
      // reached Slack, so it is not retried either (at most once).
      const refused = error instanceof NotifierError;
      const reason = refused ? error.reason : 'unexpected';
      const final = giveUpAlert(record, { refused, reason }, iso);
      if (!(await settle(key, claimed, final.alert, iso))) return lostClaim();
      logger.error(
        // Slack's reason says it all for a refusal; an unexpected error needs its stack.
        { ...context(final.alert), reason, ...(refused ? {} : { err: error }) },
        refused
          ? `Slack refused the failure alert (${reason}); it will not be retried. The failure still shows in the table and the 06:00 summary`
          : 'Posting the failure alert failed unexpectedly; it may not have been delivered and will not be retried. The failure still shows in the table and the 06:00 summary',
      );
      await perform(key, final);
      return final.outcome ?? 'uncertain';
    }
    const iso = clock.now().toISOString();
    const sent = recordAlertSent(record, ref, iso);
    await settle(key, claimed, sent.alert, iso);
    logger.info({ ...context(sent.alert), ref }, 'failure alert posted');
    await perform(key, sent);
    return 'sent';
  }

  /** Another worker settled the alert while this one posted: it is final already. */
  const lostClaim = (): AlertOutcome => {
    report('duplicate');
    return 'duplicate';
  };

  /**
   * Records the result of a post over the claim. Losing means our lease ran out and another
   * worker settled the alert; `overridesSettled` says whether the result still replaces it.
   */
  async function settle(key: string, claimed: VersionedAlert, next: AlertRecord, now: string) {
    if (await alerts.replace(next, claimed.version, now)) return true;
    const current = await alerts.get(key, now);
    logger.warn(
      { alertKey: key, state: current?.alert.state, result: next.state, leaseMs },
      'the failure alert changed while it was being posted: the post outlasted its lease',
    );
    if (current && overridesSettled(current.alert, next)) {
      await alerts.replace(next, current.version, now);
    }
    return false;
  }

  /**
   * The alert of `key`, or undefined when there is none or its item cannot be read as an
   * alert (a schema the store refuses): such an item could never be delivered, and left
   * scheduled it would stand first in every retry pass, ahead of alerts that can.
   */
  async function readable(key: string, now: string) {
    try {
      return await alerts.get(key, now);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      logger.error(
        { err: error, key },
        'an alert item cannot be read; it is dropped from the outbox',
      );
      return undefined;
    }
  }

  async function deliver(key: string): Promise<DeliverResult> {
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const now = clock.now();
      const iso = now.toISOString();
      const found = await readable(key, iso);
      if (found === undefined) {
        await alerts.unschedule(key);
        return 'missing';
      }
      const record = found.alert;
      const step = nextAlertStep(record, now.getTime(), { maxAgeMs, leaseMs, owner });

      if (step.kind === 'final') {
        await alerts.unschedule(key);
        report('duplicate');
        return 'duplicate';
      }
      if (step.kind === 'wait') return step.result;

      const { transition } = step;
      if (!(await alerts.replace(transition.alert, found.version, iso))) continue;
      if (transition.alert.state === 'posting') {
        return post(key, { alert: transition.alert, version: found.version + 1 });
      }
      if (transition.outcome === 'uncertain') {
        // The poster died between claiming and recording: at most once wins.
        logger.error(
          { ...context(record), owner: record.owner, leaseUntil: record.lease_until },
          'A worker stopped while posting this failure alert: it may not have been delivered, and is not re-posted. The failure still shows in the table and the 06:00 summary',
        );
      } else {
        logger.error(
          { ...context(record), lastError: record.last_error, maxAgeMs },
          'Gave up on the failure alert: Slack did not take it within ALERT_MAX_AGE_MINUTES. The failure still shows in the table and the 06:00 summary',
        );
      }
      await perform(key, transition);
      return transition.outcome ?? 'in_progress';
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
      const record = newAlert(
        {
          schedulerId: input.scheduler.scheduler_id,
          eventId: input.eventId,
          message: renderFailureAlert(renderInput),
          // Kept so the Acknowledge button can redraw the same alert, acknowledged.
          input: renderInput,
          failedAt: input.failedAt,
        },
        iso,
      );
      // The pointer first: should the alert write fail, a retry rewrites both; the other
      // order could leave an alert no pass ever finds. A pointer to a finished alert is
      // harmless (the next pass drops it).
      await schedule(alertKey(input.scheduler.scheduler_id, input.eventId), record);
      const created = await alerts.create(
        record,
        epochSeconds(now.getTime() + ALERT_RETENTION_MS),
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
      const due = (await alerts.scheduled(now.toISOString()))
        .map((pointer) => ({ key: pointer.key, at: pointer.nextAttemptAt }))
        .filter((pointer) => !(Date.parse(pointer.at) > now.getTime()))
        .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
        .slice(0, limit);
      for (const { key } of due) {
        let result: DeliverResult;
        try {
          result = await deliver(key);
        } catch (error) {
          // One alert's trouble (its item, the store) must not keep the others behind it
          // from being tried; it is tried again next pass.
          logger.warn({ err: error, key }, 'alert retry failed; trying it again next pass');
          counts.retry += 1;
          continue;
        }
        counts[result] += 1;
        // Slack is refusing: the rest would be refused too, so they wait for the next pass.
        if (result === 'retry') break;
      }
      return counts;
    },

    async get(key) {
      return (await alerts.get(key, clock.now().toISOString()))?.alert;
    },
  };
}
