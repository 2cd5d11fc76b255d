/**
 * The variables several programs read, each described once: spread a group into a program's
 * `Type.Object({ ...commonConfig, … })`. Defaults that are also facts elsewhere come from
 * there: the resource names from `@schedmon/resources`, the EOD schedule from the domain's
 * `DEFAULT_EOD_CONFIG`.
 */
import type { DeadlineSettings, EodConfig } from '@schedmon/domain';
import { DEFAULT_EOD_CONFIG, DEFAULT_MAX_CLOCK_SKEW_SECONDS } from '@schedmon/domain';
// The names alone, not the package index: a program that only reads its configuration
// (`schedmon status`) should not load the AWS SDK.
import { DEFAULT_RESOURCE_NAMES } from '@schedmon/resources/names';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { env } from './env-schema.ts';

/** Where each app listens unless told otherwise; `pnpm start` uses the same. */
export const DEFAULT_PORTS = Object.freeze({ api: 3000, worker: 3001, cron: 3002 });

/** Variables every app reads; spread into the app's `Type.Object({ ...commonConfig, … })`. */
export const commonConfig = Object.freeze({
  NODE_ENV: env.oneOf(['development', 'test', 'production'], {
    default: 'development',
    description: 'Runtime environment; development turns on pretty logs',
  }),
  APP_VERSION: env.string({
    default: '0.1.0',
    description: 'Version reported in logs and /health',
  }),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace'], {
    default: 'info',
    description: 'Lowest log level written',
  }),
  LOG_PRETTY: Type.Optional(
    env.boolean({ description: 'Human-readable logs; unset means pretty only in development' }),
  ),
  AWS_REGION: env.string({
    default: 'ap-southeast-1',
    description: 'AWS region for DynamoDB and SQS',
  }),
  DYNAMODB_ENDPOINT: Type.Optional(
    env.url({ description: 'DynamoDB endpoint for a local engine; unset means AWS' }),
  ),
  DYNAMODB_TABLE_SCHEDULERS: env.string({
    default: DEFAULT_RESOURCE_NAMES.schedulersTable,
    description: 'Table holding the current state of each scheduler',
  }),
  DYNAMODB_TABLE_STATUS_HISTORY: env.string({
    default: DEFAULT_RESOURCE_NAMES.historyTable,
    description: 'Table holding every status change, kept HISTORY_RETENTION_DAYS',
  }),
  DYNAMODB_TABLE_STATE: env.string({
    default: DEFAULT_RESOURCE_NAMES.stateTable,
    description: 'Table holding leases, EOD message references and alert markers',
  }),
  SQS_ENDPOINT: Type.Optional(
    env.url({ description: 'SQS endpoint for a local engine; unset means AWS' }),
  ),
  SQS_QUEUE_URL: env.url({ description: 'URL of the queue of scheduler events' }),
  SQS_DLQ_URL: Type.Optional(
    env.url({ description: 'URL of the dead-letter queue; unset means not inspected' }),
  ),
  HISTORY_RETENTION_DAYS: env.integer({
    default: 30,
    minimum: 1,
    maximum: 3650,
    description: 'Days status history is kept and returned',
  }),
  SHUTDOWN_TIMEOUT_MS: env.integer({
    default: 10_000,
    minimum: 1,
    description: 'Milliseconds allowed for a graceful stop before exiting',
  }),
  HOST: env.string({
    default: '127.0.0.1',
    description:
      'Address the api and the worker/cron health ports listen on; 0.0.0.0 for all interfaces',
  }),
});

/** Slack settings of the apps that post (worker and cron); unset token or channel means the log. */
export const slackConfig = Object.freeze({
  SLACK_BOT_TOKEN: Type.Optional(
    env.secret(
      env.string({ description: 'Slack bot token (xoxb-…); unset means messages go to the log' }),
    ),
  ),
  SLACK_CHANNEL_ID: Type.Optional(
    env.string({ description: 'Channel the EOD table and the alerts are posted to' }),
  ),
  SLACK_ENABLED: env.boolean({
    default: true,
    description: 'false sends Slack messages to the log even when a token is set',
  }),
  SLACK_API_URL: Type.Optional(
    env.url({ description: 'Slack-compatible Web API base URL (tests); unset means Slack' }),
  ),
  SLACK_UPDATES_PER_MINUTE: env.integer({
    default: 50,
    minimum: 1,
    maximum: 1_000,
    description:
      "Most chat.update calls this process makes in any minute (Slack's Tier 3 is about 50 per workspace)",
  }),
  EOD_TIMEZONE: env.timeZone({
    default: DEFAULT_EOD_CONFIG.timeZone,
    description: 'IANA time zone of the EOD window and of times shown in Slack',
  }),
});

/** The EOD window and its rhythm (docs/eod.md), for the apps that render it. */
export const eodScheduleConfig = Object.freeze({
  EOD_WINDOW_START: env.time({
    default: DEFAULT_EOD_CONFIG.windowStart,
    description: 'Wall time the EOD window starts (table posted)',
  }),
  EOD_WINDOW_END: env.time({
    default: DEFAULT_EOD_CONFIG.windowEnd,
    description: 'Wall time the EOD window ends (final edit and summary)',
  }),
  EOD_UPDATE_EVERY_MINUTES: env.integer({
    default: DEFAULT_EOD_CONFIG.updateEveryMinutes,
    minimum: 1,
    maximum: 1_440,
    description: 'Minutes between in-place edits of the table inside the window',
  }),
  HEARTBEAT_TIMEOUT_MINUTES: env.integer({
    default: DEFAULT_EOD_CONFIG.heartbeatTimeoutMinutes,
    minimum: 1,
    maximum: 1_440,
    description: 'A running job silent longer than this is stale',
  }),
  EOD_LOOKBACK_HOURS: env.integer({
    default: DEFAULT_EOD_CONFIG.lookbackHours,
    minimum: 0,
    maximum: 18,
    description: 'A status this long before the window start still counts as tonight',
  }),
});

/** The watchdog and incidents (docs/schedules.md), read by the cron app and the worker. */
export const watchdogConfig = Object.freeze({
  WATCHDOG_INTERVAL_SECONDS: env.integer({
    default: 30,
    minimum: 1,
    maximum: 600,
    description: 'How often the cron leader looks for deadlines that came due',
  }),
  WATCHDOG_GAP_SECONDS: env.integer({
    default: 300,
    minimum: 30,
    maximum: 86_400,
    description:
      'A deadline handled longer than this after it came due fell while schedmon was not watching: recorded as unknown, nobody paged',
  }),
  INCIDENT_REMIND_MINUTES: env.integer({
    default: 60,
    minimum: 0,
    maximum: 10_080,
    description:
      'One reminder with the @mention when an incident is unacknowledged this long; 0: none',
  }),
});

/**
 * Rules for accepting a scheduler event, read by the api (at the door) and the worker (off
 * the queue), so both refuse the same events.
 */
export const eventIntakeConfig = Object.freeze({
  MAX_CLOCK_SKEW_SECONDS: env.integer({
    default: DEFAULT_MAX_CLOCK_SKEW_SECONDS,
    minimum: 0,
    maximum: 86_400,
    description: 'How far in the future an event timestamp may be',
  }),
});

// What `eodConfigOf` reads: the zone (with the Slack settings, as it also dates messages)
// and the schedule.
const eodVariables = Type.Object({
  EOD_TIMEZONE: slackConfig.EOD_TIMEZONE,
  ...eodScheduleConfig,
});

/** What deadlines are judged by (docs/schedules.md): the default zone and the silence limit. */
export function deadlineSettingsOf(config: {
  EOD_TIMEZONE: string;
  HEARTBEAT_TIMEOUT_MINUTES: number;
}): DeadlineSettings {
  return {
    timeZone: config.EOD_TIMEZONE,
    heartbeatTimeoutMinutes: config.HEARTBEAT_TIMEOUT_MINUTES,
  };
}

/** The EOD rules' view of the configuration. */
export function eodConfigOf(config: Static<typeof eodVariables>): EodConfig {
  return {
    timeZone: config.EOD_TIMEZONE,
    windowStart: config.EOD_WINDOW_START,
    windowEnd: config.EOD_WINDOW_END,
    updateEveryMinutes: config.EOD_UPDATE_EVERY_MINUTES,
    heartbeatTimeoutMinutes: config.HEARTBEAT_TIMEOUT_MINUTES,
    lookbackHours: config.EOD_LOOKBACK_HOURS,
  };
}

/** Destinations (docs/destinations.md): the worker delivers, the api checks their URLs. */
export const destinationConfig = Object.freeze({
  DESTINATION_ALLOW_PRIVATE_URLS: env.boolean({
    default: false,
    description:
      'true lets webhooks reach loopback, private and link-local addresses (local setups, tests)',
  }),
});

/** The web dashboard's public address (docs/web.md): Slack messages link to its pages. */
export const uiLinkConfig = Object.freeze({
  UI_PUBLIC_URL: Type.Optional(
    env.url({
      description:
        'Public base URL of the dashboard (https://schedmon.example.com); unset means Slack messages carry no links',
    }),
  ),
});
