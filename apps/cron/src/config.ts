import { commonConfig, env, loadConfigOrExit } from '@schedmon/runtime';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';

// The cron app reads DynamoDB and talks to Slack; it never touches the queue.
const { SQS_ENDPOINT, SQS_QUEUE_URL, SQS_DLQ_URL, ...cronCommonConfig } = commonConfig;

export const cronConfigSchema = Type.Object({
  ...cronCommonConfig,
  METRICS_PORT: env.integer({
    default: 3002,
    minimum: 0,
    maximum: 65535,
    description: 'Port of the /health, /health/ready and /metrics of the worker or cron app',
  }),
});

export type CronConfig = Static<typeof cronConfigSchema>;

/** The cron app's configuration from the environment; exits listing every problem. */
export function loadCronConfig(
  variables: Readonly<Record<string, string | undefined>> = process.env,
) {
  return loadConfigOrExit('cron', cronConfigSchema, variables);
}
