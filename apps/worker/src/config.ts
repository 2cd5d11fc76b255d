import { commonConfig, env, loadConfigOrExit } from '@schedmon/runtime';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';

export const workerConfigSchema = Type.Object({
  ...commonConfig,
  METRICS_PORT: env.integer({
    default: 3001,
    minimum: 0,
    maximum: 65535,
    description: 'Port of the /health, /health/ready and /metrics of the worker or cron app',
  }),
});

export type WorkerConfig = Static<typeof workerConfigSchema>;

/** The worker's configuration from the environment; exits listing every problem. */
export function loadWorkerConfig(
  variables: Readonly<Record<string, string | undefined>> = process.env,
) {
  return loadConfigOrExit('worker', workerConfigSchema, variables);
}
