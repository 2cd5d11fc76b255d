/**
 * Failure alerts and their acknowledgements as stored records, and the named, pure
 * transitions of an alert's life (docs/queue.md → guarantee 5). Shared by the worker (its
 * outbox posts alerts and only performs what these functions decide), the Slack app
 * (Acknowledge button) and the cron app (which lists acknowledgements in the 06:00 summary).
 *
 *   pending ──claim──▶ posting ──ok──────────▶ sent
 *      ▲                  │ ├─retryable error─▶ pending (attempts + 1, backed off)
 *      │                  │ └─refusal─────────▶ failed
 *      └──────────────────┘ lease ran out ────▶ uncertain (never re-posted)
 *   pending past maxAge ──────────────────────▶ expired
 */
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { FailureAlertInput } from './failure-alert-message.ts';
import type { MessageRef, SlackMessage } from './ports.ts';

/**
 * The identity of every per-failure record (the alert, its outbox pointer, its
 * acknowledgement): scheduler and event, never the event id alone, since producers may
 * reuse event ids across schedulers (docs/queue.md). Scheduler ids never
 * contain `#`, so no two pairs share a key.
 */
export function alertKey(schedulerId: string, eventId: string): string {
  return `${schedulerId}#${eventId}`;
}

const ALERT_STATES = ['pending', 'posting', 'sent', 'failed', 'expired', 'uncertain'] as const;
/** Where an alert is in its life; `sent`, `failed`, `expired`, `uncertain` are final. */
export type AlertState = (typeof ALERT_STATES)[number];

const FINAL_STATES: ReadonlySet<AlertState> = new Set(['sent', 'failed', 'expired', 'uncertain']);

/**
 * What one delivery decided, as counted by the outbox: `retry` = Slack could not take it
 * now, it stays pending; `duplicate` = it was already finished (a redelivered event).
 */
export type AlertOutcome = 'sent' | 'retry' | 'failed' | 'expired' | 'uncertain' | 'duplicate';

const MessageRefSchema = Type.Object({ channel: Type.String(), ts: Type.String() });

const SlackMessageSchema = Type.Unsafe<SlackMessage>(
  Type.Object({
    text: Type.String(),
    blocks: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  }),
);

/** The render input of an alert, kept so the Acknowledge button can redraw it. */
const AlertRenderInputSchema = Type.Unsafe<Omit<FailureAlertInput, 'acknowledgement'>>(
  Type.Object({
    scheduler: Type.Object({ scheduler_id: Type.String() }),
    eventId: Type.String(),
    timeZone: Type.String(),
    zoneLabel: Type.String(),
  }),
);

/** An alert as stored: one per failure event of a scheduler. Times are ISO instants. */
export const AlertRecordSchema = Type.Object({
  state: Type.Union(ALERT_STATES.map((state) => Type.Literal(state))),
  scheduler_id: Type.String(),
  event_id: Type.String(),
  message: SlackMessageSchema,
  /** The render input of `message`. */
  input: Type.Optional(AlertRenderInputSchema),
  /** When the worker first enqueued it. */
  created_at: Type.String(),
  /** The failure event's timestamp; the max age counts from here. */
  failed_at: Type.String(),
  /** Posts tried so far that Slack did not take. */
  attempts: Type.Integer({ minimum: 0 }),
  /** A pending alert is not tried before this. */
  next_attempt_at: Type.String(),
  /** `posting`: the claim holds until then; afterwards the poster counts as dead. */
  lease_until: Type.Optional(Type.String()),
  /** `posting`: the outbox instance that claimed it (for the logs). */
  owner: Type.Optional(Type.String()),
  /** `sent`: where the message is (the Acknowledge button edits it). */
  ref: Type.Optional(MessageRefSchema),
  /** Slack's reason for the last refusal or failure. */
  last_error: Type.Optional(Type.String()),
  /** When it reached a final state. */
  finished_at: Type.Optional(Type.String()),
});
export type AlertRecord = Static<typeof AlertRecordSchema>;

/** The outbox pointer of an unfinished alert, as stored: a hint when it is next due. */
export const AlertPointerSchema = Type.Object({ next_attempt_at: Type.String() });

/** Who acknowledged the alert of one failure, and when (ISO); the first click only. */
export const AcknowledgementSchema = Type.Object({
  scheduler_id: Type.String(),
  event_id: Type.String(),
  /** Slack user id of who pressed Acknowledge. */
  user_id: Type.String(),
  at: Type.String(),
});
export type Acknowledgement = Static<typeof AcknowledgementSchema>;

/**
 * What a transition asks the outbox to do besides writing the new record over the one it
 * read: `post` the message (only a claim does), `reschedule` the outbox pointer for the
 * next attempt, or `unschedule` it once the alert is final.
 */
export type AlertEffect =
  | { type: 'post'; message: SlackMessage }
  | { type: 'reschedule'; at: string }
  | { type: 'unschedule' };

/** A transition's result: the record to write, the effects to deliver, the outcome if final. */
export type AlertTransition = {
  alert: AlertRecord;
  effects: AlertEffect[];
  outcome?: AlertOutcome;
};

/** What to alert about, as the outbox renders it. */
export type NewAlert = {
  schedulerId: string;
  eventId: string;
  message: SlackMessage;
  input: Omit<FailureAlertInput, 'acknowledgement'>;
  /** The failure event's timestamp (ISO). */
  failedAt: string;
};

/** A new pending alert, due at once. */
export function newAlert(alert: NewAlert, now: string): AlertRecord {
  return {
    state: 'pending',
    scheduler_id: alert.schedulerId,
    event_id: alert.eventId,
    message: alert.message,
    input: alert.input,
    created_at: now,
    failed_at: alert.failedAt,
    attempts: 0,
    next_attempt_at: now,
  };
}

/** True once the alert is in a state nothing moves it out of. */
function isFinalAlert(alert: AlertRecord): boolean {
  return FINAL_STATES.has(alert.state);
}

/** When the failure happened, or when the alert was made if the event's time is unreadable. */
function alertFailureMs(alert: AlertRecord): number {
  const failed = Date.parse(alert.failed_at);
  return Number.isFinite(failed) ? failed : Date.parse(alert.created_at);
}

/** The record without the claim's fields, for every state after `posting`. */
function withoutClaim(alert: AlertRecord): AlertRecord {
  const { lease_until: _lease, owner: _owner, ...rest } = alert;
  return rest;
}

/** A pending, due alert claimed by `owner` until `now + leaseMs`: post it. */
export function claimAlert(
  alert: AlertRecord,
  nowMs: number,
  claim: { owner: string; leaseMs: number },
): AlertTransition {
  const claimed: AlertRecord = {
    ...alert,
    state: 'posting',
    lease_until: new Date(nowMs + claim.leaseMs).toISOString(),
    owner: claim.owner,
  };
  return { alert: claimed, effects: [{ type: 'post', message: alert.message }] };
}

/** Slack took the post: `sent`, with where the message is. */
export function recordAlertSent(alert: AlertRecord, ref: MessageRef, now: string): AlertTransition {
  return {
    alert: { ...withoutClaim(alert), state: 'sent', ref, finished_at: now },
    effects: [{ type: 'unschedule' }],
    outcome: 'sent',
  };
}

/** Slack could not take it now: pending again, one attempt more, due after `delayMs`. */
export function scheduleAlertRetry(
  alert: AlertRecord,
  nowMs: number,
  delayMs: number,
  reason: string,
): AlertTransition {
  const nextAttemptAt = new Date(nowMs + delayMs).toISOString();
  return {
    alert: {
      ...withoutClaim(alert),
      state: 'pending',
      attempts: alert.attempts + 1,
      next_attempt_at: nextAttemptAt,
      last_error: reason,
    },
    effects: [{ type: 'reschedule', at: nextAttemptAt }],
    outcome: 'retry',
  };
}

/**
 * The post ended in a way no retry helps: `failed` for a refusal (it would repeat),
 * `uncertain` for an unexpected error (it may have reached Slack: at most once wins).
 */
export function giveUpAlert(
  alert: AlertRecord,
  failure: { refused: boolean; reason: string },
  now: string,
): AlertTransition {
  const state = failure.refused ? 'failed' : 'uncertain';
  return {
    alert: {
      ...withoutClaim(alert),
      state,
      attempts: alert.attempts + 1,
      last_error: failure.reason,
      finished_at: now,
    },
    effects: [{ type: 'unschedule' }],
    outcome: state,
  };
}

/**
 * The poster died between claiming and recording: Slack may have the message, so
 * re-posting could duplicate it. `uncertain`, never re-posted.
 */
function abandonAlertClaim(alert: AlertRecord, now: string): AlertTransition {
  return {
    alert: { ...withoutClaim(alert), state: 'uncertain', finished_at: now },
    effects: [{ type: 'unschedule' }],
    outcome: 'uncertain',
  };
}

/** Slack did not take a pending alert within the max age: `expired`. */
export function expireAlert(alert: AlertRecord, now: string): AlertTransition {
  return {
    alert: { ...alert, state: 'expired', finished_at: now },
    effects: [{ type: 'unschedule' }],
    outcome: 'expired',
  };
}

/**
 * The next step of delivering `alert` at `nowMs`: nothing (`final`: already finished, drop
 * its pointer; `in_progress`: a live claim; `not_due`), or the transition to write.
 */
export type AlertStep =
  | { kind: 'final' }
  | { kind: 'wait'; result: 'in_progress' | 'not_due' }
  | { kind: 'transition'; transition: AlertTransition };

export function nextAlertStep(
  alert: AlertRecord,
  nowMs: number,
  options: { maxAgeMs: number; leaseMs: number; owner: string },
): AlertStep {
  const now = new Date(nowMs).toISOString();
  if (isFinalAlert(alert)) return { kind: 'final' };
  if (alert.state === 'posting') {
    if (Date.parse(alert.lease_until ?? '') > nowMs) return { kind: 'wait', result: 'in_progress' };
    return { kind: 'transition', transition: abandonAlertClaim(alert, now) };
  }
  if (nowMs - alertFailureMs(alert) >= options.maxAgeMs) {
    return { kind: 'transition', transition: expireAlert(alert, now) };
  }
  if (Date.parse(alert.next_attempt_at) > nowMs) return { kind: 'wait', result: 'not_due' };
  return { kind: 'transition', transition: claimAlert(alert, nowMs, options) };
}

/**
 * A post's result that lost the race for its claim (the lease ran out and another worker
 * settled the alert as `current`): `sent` still replaces `uncertain`, since Slack now
 * certainly has the message; anything else leaves the final state as it is.
 */
export function overridesSettled(current: AlertRecord | undefined, result: AlertRecord): boolean {
  return current?.state === 'uncertain' && result.state === 'sent';
}
