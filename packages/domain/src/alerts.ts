/**
 * Failure alerts of the versions before incidents, and their acknowledgements, as stored
 * records. Incidents replaced the failure alerts (docs/schedules.md); what is left is
 * what an alert posted before the upgrade still needs: the Slack app reads it to redraw
 * it when its Acknowledge button is pressed, and the cron app lists acknowledgements in
 * the 06:00 summary.
 */
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { FailureAlertInput } from './failure-alert-message.ts';
import type { SlackMessage } from './ports.ts';

/**
 * The identity of every per-failure record (the alert, its acknowledgement): scheduler
 * and event, never the event id alone, since producers may
 * reuse event ids across schedulers (docs/queue.md). Scheduler ids never
 * contain `#`, so no two pairs share a key.
 */
export function alertKey(schedulerId: string, eventId: string): string {
  return `${schedulerId}#${eventId}`;
}

const ALERT_STATES = ['pending', 'posting', 'sent', 'failed', 'expired', 'uncertain'] as const;
/** Where an alert is in its life; `sent`, `failed`, `expired`, `uncertain` are final. */
export type AlertState = (typeof ALERT_STATES)[number];

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

/** Who acknowledged the alert of one failure, and when (ISO); the first click only. */
export const AcknowledgementSchema = Type.Object({
  scheduler_id: Type.String(),
  event_id: Type.String(),
  /** Slack user id of who pressed Acknowledge. */
  user_id: Type.String(),
  at: Type.String(),
});
export type Acknowledgement = Static<typeof AcknowledgementSchema>;

/** What an alert was about (for tests that seed one as an older version stored it). */
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
