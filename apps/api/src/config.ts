import { commonConfig, env, loadConfigOrExit } from '@schedmon/runtime';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';

export const apiConfigSchema = Type.Object({
  ...commonConfig,
  PORT: env.integer({
    default: 3000,
    minimum: 0,
    maximum: 65535,
    description: 'HTTP port of the api',
  }),
  HOST: env.string({ default: '0.0.0.0', description: 'Address the api listens on' }),
});

export type ApiConfig = Static<typeof apiConfigSchema>;

/** The api's configuration from the environment; exits listing every problem. */
export function loadApiConfig(
  variables: Readonly<Record<string, string | undefined>> = process.env,
) {
  return loadConfigOrExit('api', apiConfigSchema, variables);
}
