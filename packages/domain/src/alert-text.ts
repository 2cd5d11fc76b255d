/**
 * What the failure alert and the stale warning both say about their scheduler: its names
 * and id cut to the alert lengths, and whom they mention.
 */
import type { SchedulerRecord } from './scheduler.ts';
import { TEXT_LENGTHS } from './slack-blocks.ts';
import { mentionFor, safeText } from './slack-text.ts';

/**
 * The scheduler's service, job and id, escaped and cut to the alert lengths, and the mention
 * of `alert_user_id` (`undefined` unless it is a valid Slack id).
 */
export function alertSubject(
  scheduler: Pick<SchedulerRecord, 'scheduler_id' | 'service_name' | 'job_name' | 'alert_user_id'>,
): { service: string; job: string; id: string; mention: string | undefined } {
  return {
    service: safeText(scheduler.service_name, { max: TEXT_LENGTHS.alertName }),
    job: safeText(scheduler.job_name, { max: TEXT_LENGTHS.alertName }),
    id: safeText(scheduler.scheduler_id, { max: TEXT_LENGTHS.id }),
    mention: mentionFor(scheduler.alert_user_id),
  };
}

/** `cc <@U…>` after `separator` when there is a mention; nothing otherwise. */
export function ccLine(mention: string | undefined, separator: string): string {
  return mention === undefined ? '' : `${separator}cc ${mention}`;
}
