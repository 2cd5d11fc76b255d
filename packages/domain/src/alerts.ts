/**
 * Where failure alerts and their acknowledgements live in the state table, shared by the
 * worker (which posts alerts), the Slack app (Acknowledge button) and the cron app (which
 * lists acknowledgements in the 06:00 summary).
 */

import type { FailureAlertInput } from './failure-alert-message.ts';
import type { MessageRef } from './ports.ts';

/** Partition of the alert items; the sort key is `alertKey` of the failure event. */
export const ALERT_PARTITION = 'alert';

/** Partition of one night's acknowledgements; the sort key is `alertKey` of the failure. */
export function acknowledgementPartition(businessDate: string): string {
  return `ack#${businessDate}`;
}

/**
 * The sort key of every per-failure marker (the alert item, its outbox pointer, its
 * acknowledgement): scheduler and event, never the event id alone, since producers may
 * reuse event ids across schedulers (docs/queue.md → Worker guarantees). Scheduler ids never
 * contain `#`, so no two pairs share a key.
 */
export function alertKey(schedulerId: string, eventId: string): string {
  return `${schedulerId}#${eventId}`;
}

/** What the Slack app needs of an alert item to redraw it acknowledged. */
export type StoredAlert = {
  /** The render input of the alert, as posted. */
  input?: Omit<FailureAlertInput, 'acknowledgement'>;
  /** Where Slack has it, once sent. */
  ref?: MessageRef;
  /** When the failure happened (ISO). */
  failed_at: string;
};
