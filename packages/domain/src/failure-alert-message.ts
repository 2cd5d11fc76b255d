/**
 * The alert for one failure event (docs/eod.md), with its Acknowledge button, or
 * the same alert once acknowledged, and the button's value both ways.
 *
 * All producer text goes through `safeText`; the only mention is the one `mentionFor` builds
 * from a validated Slack id.
 */
import { alertSubject, ccLine } from './alert-text.ts';
import type { SlackMessage } from './ports.ts';
import type { SchedulerRecord } from './scheduler.ts';
import {
  contextBlock,
  headerBlock,
  MESSAGE_BUDGET,
  message,
  mrkdwn,
  sectionBlock,
  TEXT_LENGTHS,
} from './slack-blocks.ts';
import { mentionFor, safeText } from './slack-text.ts';
import { formatClock, formatDateTime, formatDuration, withZone, zoneText } from './slack-times.ts';

/** The `action_id` of the Acknowledge button on a failure alert. */
export const ACKNOWLEDGE_ACTION_ID = 'acknowledge_failure';

/** A failure alert's acknowledgement. */
export type FailureAcknowledgement = {
  /** Slack user id of who pressed Acknowledge. */
  userId: string;
  /** ISO instant of the press. */
  at: string;
};

/** Input of `renderFailureAlert`: the record as the failure event left it. */
export type FailureAlertInput = {
  scheduler: Pick<
    SchedulerRecord,
    | 'scheduler_id'
    | 'service_name'
    | 'job_name'
    | 'timestamp'
    | 'execution_time_ms'
    | 'error_message'
    | 'alert_user_id'
  >;
  /** The failure event's id, carried by the Acknowledge button. */
  eventId: string;
  /** IANA zone of the EOD window. */
  timeZone: string;
  /** e.g. `WIB`. */
  zoneLabel: string;
  /** Set: render the acknowledged state (no button). */
  acknowledgement?: FailureAcknowledgement | null;
};

/** What the Acknowledge button's `value` carries. */
export type AcknowledgeButtonValue = { scheduler_id: string; event_id: string };

const NO_ERROR = '_No error message was reported._';

/**
 * The alert for one failure event: service, job, scheduler id, when (in the EOD zone),
 * execution time, an escaped excerpt of the error, the mention of `alert_user_id` when it is
 * a valid Slack id, and an Acknowledge button whose `value` carries the scheduler and event
 * ids. With `acknowledgement`, the same alert shows "Acknowledged by @x at 01:55 WIB" instead
 * of the button (for `chat.update`).
 *
 * Throws a `RangeError` for an unknown `timeZone`, or when the ids are too long for a button
 * value (impossible for ids the schemas accepted).
 */
export function renderFailureAlert(input: FailureAlertInput): SlackMessage {
  const { scheduler, timeZone, acknowledgement } = input;
  const zone = zoneText(input.zoneLabel);
  const { service, job, id, mention } = alertSubject(scheduler);
  const when = withZone(formatDateTime(scheduler.timestamp, timeZone), zone);
  const took =
    scheduler.execution_time_ms === null ? '—' : formatDuration(scheduler.execution_time_ms);
  const error = safeText(scheduler.error_message, {
    max: TEXT_LENGTHS.alertError,
    multiline: true,
  });

  const summary = `❌ ${service} › ${job} failed at ${when}`;
  const blocks: Record<string, unknown>[] = [
    headerBlock('❌ Job failed'),
    sectionBlock(`${summary}${ccLine(mention, '\n')}`),
    {
      type: 'section',
      fields: [
        mrkdwn(`*Service*\n${service}`),
        mrkdwn(`*Job*\n${job}`),
        mrkdwn(`*Scheduler id*\n\`${id}\``),
        mrkdwn(`*Failed at*\n${when}`),
        mrkdwn(`*Execution time*\n${took}`),
        mrkdwn(`*Event id*\n\`${safeText(input.eventId, { max: TEXT_LENGTHS.id })}\``),
      ],
    },
    // A code block keeps stack traces readable; backticks in the error were neutralized, so
    // it cannot close the block early.
    sectionBlock(error.length > 0 ? `*Error*\n\`\`\`${error}\`\`\`` : `*Error*\n${NO_ERROR}`),
  ];
  const ackLine =
    acknowledgement === undefined || acknowledgement === null
      ? undefined
      : acknowledgedLine(acknowledgement, timeZone, zone);
  if (ackLine === undefined) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: ACKNOWLEDGE_ACTION_ID,
          style: 'primary',
          text: { type: 'plain_text', text: 'Acknowledge', emoji: true },
          value: acknowledgeButtonValue({
            scheduler_id: scheduler.scheduler_id,
            event_id: input.eventId,
          }),
        },
      ],
    });
  } else {
    blocks.push(contextBlock(ackLine));
  }

  const shortError = safeText(scheduler.error_message, { max: TEXT_LENGTHS.rowError });
  const text = [
    `❌ Job failed: ${service} › ${job} (${id}) at ${when}`,
    shortError.length > 0 ? `: ${shortError}` : '',
    ccLine(mention, ' '),
    ackLine === undefined ? '' : ` — ${ackLine}`,
  ].join('');
  return message(text, blocks);
}

function acknowledgedLine(ack: FailureAcknowledgement, timeZone: string, zone: string): string {
  return `✅ Acknowledged by ${acknowledgedBy(ack.userId, ack.at, timeZone, zone)}`;
}

/**
 * Who acknowledged a failure and when, as the alert and the summary show it:
 * `<@U999> at 01:55 WIB`, or `an unknown user` when the id is not a valid Slack id.
 */
export function acknowledgedBy(userId: string, at: string, timeZone: string, zone: string): string {
  const who = mentionFor(userId) ?? 'an unknown user';
  return `${who} at ${withZone(formatClock(at, timeZone), zone)}`;
}

/**
 * The Acknowledge button's `value`: JSON of the scheduler and event ids. Throws a
 * `RangeError` when it would exceed Slack's 2,000 characters.
 */
export function acknowledgeButtonValue(value: AcknowledgeButtonValue): string {
  const json = JSON.stringify({ scheduler_id: value.scheduler_id, event_id: value.event_id });
  if (json.length > MESSAGE_BUDGET.maxButtonValueChars) {
    throw new RangeError('acknowledge button value exceeds 2,000 characters');
  }
  return json;
}

/** Reads an Acknowledge button's `value` back; `undefined` when it is not one of ours. */
export function parseAcknowledgeButtonValue(value: string): AcknowledgeButtonValue | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { scheduler_id, event_id } = parsed as Record<string, unknown>;
  if (typeof scheduler_id !== 'string' || typeof event_id !== 'string') return undefined;
  if (scheduler_id.length === 0 || event_id.length === 0) return undefined;
  return { scheduler_id, event_id };
}
