import {
  commonConfig,
  DEFAULT_PORTS,
  env,
  eodScheduleConfig,
  loadConfigOrExit,
  slackConfig,
  uiLinkConfig,
  watchdogConfig,
} from '@schedmon/runtime';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';

// The cron app reads DynamoDB, talks to Slack, and sends deadlines to the event queue
// (never reading it, so the dead-letter queue is not its business).
const { SQS_DLQ_URL, ...cronCommonConfig } = commonConfig;

export const cronConfigSchema = Type.Object({
  ...cronCommonConfig,
  ...slackConfig,
  // The tables' rows link to the dashboard's scheduler pages, the summary to its report.
  ...uiLinkConfig,
  ...eodScheduleConfig,
  ...watchdogConfig,
  METRICS_PORT: env.integer({
    default: DEFAULT_PORTS.cron,
    minimum: 0,
    maximum: 65535,
    description: 'Port of the /health, /health/ready and /metrics of the worker or cron app',
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
