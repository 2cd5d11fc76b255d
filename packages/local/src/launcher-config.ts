import { DEFAULT_RESOURCE_NAMES } from '@schedmon/resources';
import { commonConfig, DEFAULT_PORTS, env } from '@schedmon/runtime';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';

const {
  AWS_REGION,
  DYNAMODB_ENDPOINT,
  SQS_ENDPOINT,
  DYNAMODB_TABLE_SCHEDULERS,
  DYNAMODB_TABLE_STATUS_HISTORY,
  DYNAMODB_TABLE_STATE,
  SHUTDOWN_TIMEOUT_MS,
  LOG_LEVEL,
  LOG_PRETTY,
  NODE_ENV,
  APP_VERSION,
  HOST,
} = commonConfig;

const port = (fallback: number, description: string) =>
  env.integer({ default: fallback, minimum: 0, maximum: 65535, description });

/** Most replicas of one app `pnpm start` runs: each replica is a Node process of ~100 MB. */
export const MAX_REPLICAS = 16;

const replicas = (description: string) =>
  env.integer({ default: 1, minimum: 1, maximum: MAX_REPLICAS, description });

/**
 * Variables of the local launcher behind `pnpm start`. The whole environment is passed on
 * to the apps; the launcher fills in the engines' endpoints, the queue URLs, the ports and
 * a development API key. `--workers` and `--crons` set the two replica counts (start.ts).
 */
export const launcherConfigSchema = Type.Object({
  NODE_ENV,
  APP_VERSION,
  LOG_LEVEL,
  LOG_PRETTY,
  AWS_REGION,
  DYNAMODB_ENDPOINT,
  SQS_ENDPOINT,
  DYNAMODB_TABLE_SCHEDULERS,
  DYNAMODB_TABLE_STATUS_HISTORY,
  DYNAMODB_TABLE_STATE,
  SHUTDOWN_TIMEOUT_MS,
  HOST,
  PORT: port(DEFAULT_PORTS.api, 'HTTP port of the api'),
  WORKER_METRICS_PORT: port(DEFAULT_PORTS.worker, 'pnpm start: METRICS_PORT given to the worker'),
  CRON_METRICS_PORT: port(DEFAULT_PORTS.cron, 'pnpm start: METRICS_PORT given to the cron app'),
  WORKER_REPLICAS: replicas(
    'pnpm start: worker processes it runs (--workers wins); worker-n gets WORKER_METRICS_PORT + 10·(n−1)',
  ),
  CRON_REPLICAS: replicas(
    'pnpm start: cron processes it runs (--crons wins); cron-n gets CRON_METRICS_PORT + 10·(n−1)',
  ),
  DYNAMODB_LOCAL_PORT: port(8000, 'pnpm start: port of the embedded DynamoDB engine'),
  SQS_LOCAL_PORT: port(9324, 'pnpm start: port of the embedded SQS engine'),
  DATA_DIR: env.string({
    default: '.data',
    description: 'pnpm start: directory of the embedded engines’ data, kept across restarts',
  }),
  SQS_QUEUE_NAME: env.string({
    default: DEFAULT_RESOURCE_NAMES.queueName,
    description: 'pnpm start: name of the event queue it provisions (.fifo for FIFO)',
  }),
  API_KEYS: env.secret(
    env.string({
      default: 'local-dev-key',
      description: 'Comma-separated API keys; pnpm start uses local-dev-key when unset',
    }),
  ),
});

export type LauncherConfig = Static<typeof launcherConfigSchema>;
