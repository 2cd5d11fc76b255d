import { readFileSync } from 'node:fs';
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
} from '@schedmon/runtime';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { ApiKey } from './auth.ts';
import { loadApiKeys } from './auth.ts';

// The api only sends to the queue; parking is the worker's.
const { SQS_DLQ_URL, ...apiCommonConfig } = commonConfig;

export const apiConfigSchema = Type.Object({
  ...apiCommonConfig,
  ...slackConfig,
  ...eodScheduleConfig,
  SLACK_SIGNING_SECRET: Type.Optional(
    env.secret(
      env.string({
        description: 'Slack app signing secret; unset means /slack/events is not served',
      }),
    ),
  ),
  PORT: env.integer({
    default: DEFAULT_PORTS.api,
    minimum: 0,
    maximum: 65535,
    description: 'HTTP port of the api',
  }),
  API_KEYS: Type.Optional(
    env.secret(env.list({ description: 'Comma-separated API keys with every scope' })),
  ),
  API_KEYS_FILE: Type.Optional(
    env.string({ description: 'JSON file of hashed, scoped keys: [{ name, sha256, scopes }]' }),
  ),
  RATE_LIMIT_PER_MINUTE: env.integer({
    default: 100,
    minimum: 1,
    description: 'Requests per API key per rolling minute, per api process',
  }),
  AUTH_FAILURES_PER_MINUTE: env.integer({
    default: 30,
    minimum: 1,
    description: 'Requests with a missing or unknown API key allowed per client address per minute',
  }),
  TRUST_PROXY: Type.Optional(
    env.list({
      description:
        'Proxies (addresses, CIDRs, or loopback/uniquelocal) whose X-Forwarded-For gives the client address; unset trusts none',
    }),
  ),
  BODY_LIMIT_BYTES: env.integer({
    default: 65_536,
    minimum: 1_024,
    maximum: 1_048_576,
    description: 'Largest request body accepted (413 above)',
  }),
  BATCH_BODY_LIMIT_BYTES: env.integer({
    default: 1_048_576,
    minimum: 1_024,
    maximum: 8_388_608,
    description: 'Largest body of POST /api/v1/events, a batch of up to 100 events (413 above)',
  }),
  ...eventIntakeConfig,
  ...destinationConfig,
  KNOWN_SCHEDULER_CACHE_SECONDS: env.integer({
    default: 30,
    minimum: 0,
    maximum: 3_600,
    description: 'How long a known scheduler id skips the existence read on status writes',
  }),
  ...uiLinkConfig,
  UI_REFRESH_SECONDS: env.integer({
    default: 5,
    minimum: 1,
    maximum: 300,
    description:
      'The dashboard reads the stores at most once per this many seconds per api process, however many watch',
  }),
  UI_SESSION_SECRET: Type.Optional(
    env.secret(
      env.string({
        minLength: 32,
        description:
          'Signs dashboard session cookies (32+ characters, the same on every api replica); unset: a random one per process, so sessions end at a restart',
      }),
    ),
  ),
  UI_RATE_LIMIT_PER_MINUTE: env.integer({
    default: 600,
    minimum: 1,
    description:
      'Dashboard requests per signed-in key (or client address before sign-in) per minute, per api process',
  }),
  UI_SESSION_HOURS: env.integer({
    default: 12,
    minimum: 1,
    maximum: 720,
    description: 'How long a dashboard sign-in lasts',
  }),
  METRICS_API_KEY: Type.Optional(
    env.secret(env.string({ description: 'When set, /metrics needs it in x-api-key' })),
  ),
});

export type ApiConfig = Static<typeof apiConfigSchema>;

/**
 * The api's configuration and its API keys; exits listing every problem (a keys file
 * that cannot be read or parsed, or no key at all, is one).
 */
export function loadApiConfig(
  variables: Readonly<Record<string, string | undefined>> = process.env,
): { config: Readonly<ApiConfig>; keys: ApiKey[] } {
  const config = loadConfigOrExit('api', apiConfigSchema, variables);
  try {
    const file = config.API_KEYS_FILE ? readFileSync(config.API_KEYS_FILE, 'utf8') : undefined;
    const keys = loadApiKeys(config.API_KEYS ?? [], file);
    if (keys.length === 0) {
      throw new Error('no API key: set API_KEYS or API_KEYS_FILE');
    }
    return { config, keys };
  } catch (error) {
    const problem = error instanceof Error ? error.message : String(error);
    process.stderr.write(`api: Invalid configuration:\n  - ${problem}\n`);
    process.exit(1);
  }
}
