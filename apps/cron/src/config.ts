import { commonConfig, env, loadConfigOrExit, slackConfig } from '@schedmon/runtime';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';

// The cron app reads DynamoDB and talks to Slack; it never touches the queue.
const { SQS_ENDPOINT, SQS_QUEUE_URL, SQS_DLQ_URL, ...cronCommonConfig } = commonConfig;

export const cronConfigSchema = Type.Object({
  ...cronCommonConfig,
  ...slackConfig,
  METRICS_PORT: env.integer({
    default: 3002,
    minimum: 0,
    maximum: 65535,
    description: 'Port of the /health, /health/ready and /metrics of the worker or cron app',
  }),
  EOD_WINDOW_START: env.time({
    default: '00:00',
    description: 'Wall time the EOD window starts (table posted)',
  }),
  EOD_WINDOW_END: env.time({
    default: '06:00',
    description: 'Wall time the EOD window ends (final edit and summary)',
  }),
  EOD_UPDATE_EVERY_MINUTES: env.integer({
    default: 60,
    minimum: 1,
    maximum: 1_440,
    description: 'Minutes between in-place edits of the table inside the window',
  }),
  STALE_CHECK_EVERY_MINUTES: env.integer({
    default: 5,
    minimum: 1,
    maximum: 1_440,
    description: 'Minutes between stale-heartbeat checks inside the window',
  }),
  HEARTBEAT_TIMEOUT_MINUTES: env.integer({
    default: 10,
    minimum: 1,
    maximum: 1_440,
    description: 'A running job silent longer than this is stale',
  }),
  EOD_LOOKBACK_HOURS: env.integer({
    default: 6,
    minimum: 0,
    maximum: 18,
    description: 'A status this long before the window start still counts as tonight',
  }),
  LEASE_TTL_SECONDS: env.integer({
    default: 30,
    minimum: 5,
    maximum: 600,
    description: 'Leader lease lifetime; a standby takes over this long after the leader dies',
  }),
});

export type CronConfig = Static<typeof cronConfigSchema>;

/** The cron app's configuration from the environment; exits listing every problem. */
export function loadCronConfig(
  variables: Readonly<Record<string, string | undefined>> = process.env,
) {
  return loadConfigOrExit('cron', cronConfigSchema, variables);
}

/** The EOD rules' view of the configuration. */
export function eodConfigOf(config: CronConfig) {
  return {
    timeZone: config.EOD_TIMEZONE,
    windowStart: config.EOD_WINDOW_START,
    windowEnd: config.EOD_WINDOW_END,
    updateEveryMinutes: config.EOD_UPDATE_EVERY_MINUTES,
    staleCheckEveryMinutes: config.STALE_CHECK_EVERY_MINUTES,
    heartbeatTimeoutMinutes: config.HEARTBEAT_TIMEOUT_MINUTES,
    lookbackHours: config.EOD_LOOKBACK_HOURS,
  };
}
