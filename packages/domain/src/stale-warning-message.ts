/**
 * The warning for one stale episode (docs/eod.md): a running scheduler
 * that has been silent too long.
 */

import { alertSubject, ccLine } from './alert-text.ts';
import type { SlackMessage } from './ports.ts';
import type { SchedulerRecord } from './scheduler.ts';
import { contextBlock, message, sectionBlock } from './slack-blocks.ts';
import { formatClock, wholeMinutes, withZone, zoneText } from './slack-times.ts';

/** Input of `renderStaleWarning`: one stale episode. */
export type StaleWarningInput = {
  scheduler: Pick<SchedulerRecord, 'scheduler_id' | 'service_name' | 'job_name' | 'alert_user_id'>;
  /** ISO instant of the last heartbeat or status. */
  lastActivity: string;
  /** Whole minutes since `lastActivity`. */
  minutesSilent: number;
  timeZone: string;
  zoneLabel: string;
};

/**
 * The warning for one stale episode: which scheduler, when it was last heard from (in the
 * EOD zone) and how many minutes ago, and the mention of `alert_user_id` when it is valid.
 * The caller sends it once per episode.
 *
 * Throws a `RangeError` for an unknown `timeZone`.
 */
export function renderStaleWarning(input: StaleWarningInput): SlackMessage {
  const zone = zoneText(input.zoneLabel);
  const { service, job, id, mention } = alertSubject(input.scheduler);
  const since = withZone(formatClock(input.lastActivity, input.timeZone), zone);
  const minutes = wholeMinutes(input.minutesSilent);
  const summary = `⚠️ *Stale:* ${service} › ${job} — no heartbeat since ${since} (${minutes} min ago)`;
  const blocks = [
    sectionBlock(`${summary}${ccLine(mention, '\n')}`),
    contextBlock(
      `Scheduler \`${id}\` is still running; schedmon does not fail it. ` +
        'No further warning until it heartbeats or changes status and goes silent again.',
    ),
  ];
  const text =
    `⚠️ Stale: ${service} › ${job} (${id}) — no heartbeat since ${since} (${minutes} min ago)` +
    ccLine(mention, ' ');
  return message(text, blocks);
}
