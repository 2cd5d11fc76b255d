/**
 * The Acknowledge use-case (docs/slack-app.md): records who acknowledged a failure alert
 * for the night the failure belongs to, and redraws the alert acknowledged.
 */
import type { Acknowledgement } from './alerts.ts';
import { alertKey } from './alerts.ts';
import type { EodConfig } from './eod.ts';
import { slotOf } from './eod.ts';
import { NotifierError, ValidationError } from './errors.ts';
import { renderFailureAlert } from './failure-alert-message.ts';
import type { MessageRef, Notifier } from './ports.ts';
import type { AcknowledgementStore, AlertStore } from './state-ports.ts';

/** Acknowledgements outlive the night's 06:00 summary comfortably, then expire. */
const ACKNOWLEDGEMENT_DAYS = 8;

export type AcknowledgeDeps = {
  alerts: AlertStore;
  acknowledgements: AcknowledgementStore;
  notifier: Notifier;
  eod: EodConfig;
};

export type AcknowledgeRequest = {
  schedulerId: string;
  eventId: string;
  /** Slack user id of who pressed the button. */
  userId: string;
  /** The instant of the press, epoch ms. */
  now: number;
  /** The alert message the button was pressed on, to redraw; unknown means no redraw. */
  ref?: MessageRef | undefined;
};

export type AcknowledgeResult = {
  /** False: the alert was acknowledged before, and nothing recorded changed. */
  recorded: boolean;
  /** The acknowledgement that stands (the first one); unset if it cannot be read back. */
  acknowledgement?: Acknowledgement;
  /**
   * `redrawn`; `skipped` without a message to edit or a render input to redraw it from;
   * or Slack's reason the edit failed (the acknowledgement stands regardless).
   */
  redraw: 'redrawn' | 'skipped' | { failed: string };
};

/**
 * Acknowledges the failure alert of `schedulerId`/`eventId` for `userId`. A second click
 * (or Slack's retry of the first) changes nothing recorded, but redraws the alert as the
 * first click left it: a button is only still there to click when that redraw did not
 * reach Slack.
 *
 * Failure: store trouble rejects with `EngineUnavailableError` (nothing recorded, or the
 * acknowledgement recorded and not redrawn); a failed redraw does not reject.
 */
export async function acknowledgeAlert(
  deps: AcknowledgeDeps,
  request: AcknowledgeRequest,
): Promise<AcknowledgeResult> {
  const now = new Date(request.now).toISOString();
  const key = alertKey(request.schedulerId, request.eventId);
  // An alert item that cannot be read must not cost the click: it is recorded all the same
  // (for tonight), only the redraw is skipped.
  const alert = await deps.alerts.get(key, now).then(
    (found) => found?.alert,
    (error: unknown) => {
      if (error instanceof ValidationError) return undefined;
      throw error;
    },
  );
  // The night the failure belongs to, which lists it in its 06:00 summary.
  const failedMs = alert ? Date.parse(alert.failed_at) : request.now;
  const businessDate = slotOf(
    Number.isFinite(failedMs) ? failedMs : request.now,
    deps.eod,
  ).businessDate;
  const mine: Acknowledgement = {
    scheduler_id: request.schedulerId,
    event_id: request.eventId,
    user_id: request.userId,
    at: now,
  };
  const expiresAt = Math.floor(request.now / 1000) + ACKNOWLEDGEMENT_DAYS * 86_400;
  const recorded = await deps.acknowledgements.record(businessDate, mine, expiresAt, now);
  const acknowledgement = recorded ? mine : await deps.acknowledgements.get(businessDate, key, now);
  if (!acknowledgement) return { recorded, redraw: 'skipped' };
  if (!alert?.input || !request.ref) return { recorded, acknowledgement, redraw: 'skipped' };
  const message = renderFailureAlert({
    ...alert.input,
    acknowledgement: { userId: acknowledgement.user_id, at: acknowledgement.at },
  });
  try {
    await deps.notifier.update(request.ref, message);
    return { recorded, acknowledgement, redraw: 'redrawn' };
  } catch (error) {
    const reason = error instanceof NotifierError ? error.reason : 'unexpected';
    return { recorded, acknowledgement, redraw: { failed: reason } };
  }
}
