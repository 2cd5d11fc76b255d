import type { Notifier } from '@schedmon/domain';
import { createLogNotifier } from './log-notifier.ts';
import type { NotifierLogger } from './notifier-logger.ts';
import type { SlackNotifierOptions } from './slack-notifier.ts';
import { createSlackNotifier } from './slack-notifier.ts';

/** The Slack settings of an app's config (docs/eod.md). */
export type NotifierConfig = {
  SLACK_BOT_TOKEN?: string | undefined;
  SLACK_CHANNEL_ID?: string | undefined;
  SLACK_ENABLED?: boolean | undefined;
  SLACK_API_URL?: string | undefined;
  /** `chat.update` calls per sliding minute, workspace-wide; the notifier's default when unset. */
  SLACK_UPDATES_PER_MINUTE?: number | undefined;
};

/** Tuning passed through to {@link createSlackNotifier} when Slack is used. */
export type NotifierTuning = Pick<
  SlackNotifierOptions,
  | 'timeoutMs'
  | 'retries'
  | 'maxRetryWaitMs'
  | 'maxQueueWaitMs'
  | 'postsPerChannel'
  | 'now'
  | 'sleep'
>;

/**
 * The app's `Notifier`: Slack when `SLACK_ENABLED` is not false and both `SLACK_BOT_TOKEN` and
 * `SLACK_CHANNEL_ID` are set, else the log (`createLogNotifier`). Logs once which one and,
 * for the log, why, so a missing setting is visible at startup rather than as silence.
 */
export function createNotifier(
  config: NotifierConfig,
  logger: NotifierLogger,
  tuning: NotifierTuning = {},
): Notifier {
  const token = config.SLACK_BOT_TOKEN || undefined;
  const channel = config.SLACK_CHANNEL_ID || undefined;
  if (config.SLACK_ENABLED !== false && token !== undefined && channel !== undefined) {
    logger.info(
      { notifier: 'slack', channel, apiUrl: config.SLACK_API_URL },
      `Slack notifications on: posting to ${channel}`,
    );
    return createSlackNotifier({
      token,
      channel,
      apiUrl: config.SLACK_API_URL || undefined,
      logger,
      ...(config.SLACK_UPDATES_PER_MINUTE !== undefined && {
        updatesPerMinute: config.SLACK_UPDATES_PER_MINUTE,
      }),
      ...tuning,
    });
  }
  const why =
    config.SLACK_ENABLED === false
      ? 'SLACK_ENABLED is false'
      : token === undefined
        ? 'SLACK_BOT_TOKEN is not set'
        : 'SLACK_CHANNEL_ID is not set';
  // A token without a channel is a half-done setup, not a choice: worth a warning.
  const level = config.SLACK_ENABLED !== false && token !== undefined ? 'warn' : 'info';
  logger[level](
    { notifier: 'log', reason: why },
    `Slack notifications off (${why}): messages go to the log`,
  );
  return createLogNotifier(logger, channel === undefined ? {} : { channel });
}
