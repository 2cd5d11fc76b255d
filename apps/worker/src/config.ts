import {
  commonConfig,
  DEFAULT_PORTS,
  destinationConfig,
  env,
  eodScheduleConfig,
  eventIntakeConfig,
  loadConfigOrExit,
  slackConfig,
  uiLinkConfig,
  watchdogConfig,
} from '@schedmon/runtime';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';

export const workerConfigSchema = Type.Object({
  ...commonConfig,
  ...slackConfig,
  // Incident root messages link to the dashboard's scheduler and incident pages.
  ...uiLinkConfig,
  // Deadlines: a running job silent longer than this is stale (docs/schedules.md).
  HEARTBEAT_TIMEOUT_MINUTES: eodScheduleConfig.HEARTBEAT_TIMEOUT_MINUTES,
  METRICS_PORT: env.integer({
    default: DEFAULT_PORTS.worker,
    minimum: 0,
    maximum: 65535,
    description: 'Port of the /health, /health/ready and /metrics of the worker or cron app',
  }),
  WORKER_CONCURRENCY: env.integer({
    default: 4,
    minimum: 1,
    maximum: 64,
    description: 'Long-poll receive loops per worker process',
  }),
  WORKER_BATCH_MESSAGES: env.integer({
    default: 20,
    minimum: 10,
    maximum: 100,
    description:
      'Most messages a receive loop handles as one batch: a full receive is topped up without waiting, so one history write (up to 25 rows) and one incident read serve more events; a multiple of 10 keeps receives and deletes full',
  }),
  RECEIVE_WAIT_SECONDS: env.integer({
    default: 20,
    minimum: 0,
    maximum: 20,
    description: 'SQS long-poll wait per receive',
  }),
  VISIBILITY_TIMEOUT_SECONDS: env.integer({
    default: 30,
    minimum: 1,
    maximum: 43_200,
    description: 'How long a received message stays hidden; extended while a batch runs',
  }),
  RETRY_DELAY_SECONDS: env.integer({
    default: 5,
    minimum: 1,
    maximum: 300,
    description:
      'First delay before a message that failed unexpectedly is received again; doubles per receive',
  }),
  ENGINE_PROBE_MAX_INTERVAL_SECONDS: env.integer({
    default: 10,
    minimum: 1,
    maximum: 300,
    description: 'Longest wait between two DynamoDB probes while receiving is paused for an outage',
  }),
  ...eventIntakeConfig,
  WATCHDOG_GAP_SECONDS: watchdogConfig.WATCHDOG_GAP_SECONDS,
  INCIDENT_REMIND_MINUTES: watchdogConfig.INCIDENT_REMIND_MINUTES,
  ALERT_MAX_AGE_MINUTES: env.integer({
    default: 60,
    minimum: 1,
    maximum: 10_080,
    description:
      'How long an undelivered incident message is retried before it is given up; older signals page nobody',
  }),
  ...destinationConfig,
  DESTINATION_MAX_AGE_MINUTES: env.integer({
    default: 60,
    minimum: 1,
    maximum: 10_080,
    description:
      'How long a transition a destination did not take is retried before it is given up',
  }),
  DESTINATION_TIMEOUT_SECONDS: env.integer({
    default: 10,
    minimum: 1,
    maximum: 60,
    description: 'How long one request to PagerDuty, Opsgenie or a webhook may take',
  }),
  DESTINATION_LEASE_SECONDS: env.integer({
    default: 60,
    minimum: 2,
    maximum: 3_600,
    description:
      'How long a worker holds deliveries it is sending before another worker sends them again',
  }),
  PAGERDUTY_API_URL: Type.Optional(
    env.url({ description: 'PagerDuty Events API v2 base URL (tests); unset means PagerDuty' }),
  ),
  OPSGENIE_API_URL: Type.Optional(
    env.url({
      description: 'Opsgenie API base URL for both regions (tests); unset means by region',
    }),
  ),
  ALERT_RETRY_INTERVAL_SECONDS: env.integer({
    default: 10,
    minimum: 1,
    maximum: 3_600,
    description:
      'How often the worker retries incident messages Slack did not take (and sends due reminders)',
  }),
});

export type WorkerConfig = Static<typeof workerConfigSchema>;

/** The worker's configuration from the environment; exits listing every problem. */
export function loadWorkerConfig(
  variables: Readonly<Record<string, string | undefined>> = process.env,
) {
  return loadConfigOrExit('worker', workerConfigSchema, variables);
}
