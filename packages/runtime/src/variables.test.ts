import { Type } from '@sinclair/typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { problemsOf } from './config-test-helpers.ts';
import { describeConfig, env, loadConfig } from './env-schema.ts';
import { commonConfig } from './variables.ts';

describe('commonConfig', () => {
  const schema = Type.Object({ ...commonConfig });

  it('loads with only SQS_QUEUE_URL set and yields the defaults', () => {
    const config = loadConfig(schema, { SQS_QUEUE_URL: 'http://localhost:4566/000000000000/q' });
    expect(config).toEqual({
      NODE_ENV: 'development',
      APP_VERSION: '0.1.0',
      LOG_LEVEL: 'info',
      LOG_PRETTY: undefined,
      AWS_REGION: 'ap-southeast-1',
      DYNAMODB_ENDPOINT: undefined,
      DYNAMODB_TABLE_SCHEDULERS: 'schedulers',
      DYNAMODB_TABLE_STATUS_HISTORY: 'scheduler_status_history',
      DYNAMODB_TABLE_STATE: 'scheduler_monitor_state',
      SQS_ENDPOINT: undefined,
      SQS_QUEUE_URL: 'http://localhost:4566/000000000000/q',
      SQS_DLQ_URL: undefined,
      HISTORY_RETENTION_DAYS: 30,
      SHUTDOWN_TIMEOUT_MS: 10000,
      HOST: '127.0.0.1',
    });
  });

  it('types each variable by its builder', () => {
    const config = loadConfig(
      Type.Object({
        ...commonConfig,
        PORT: env.integer({ default: 3000, description: 'p' }),
        SLACK_ENABLED: env.boolean({ default: true, description: 's' }),
        API_KEYS: env.secret(env.list({ default: [], description: 'k' })),
        EOD_WINDOW_START: env.time({ default: '00:00', description: 'w' }),
      }),
      { SQS_QUEUE_URL: 'http://q' },
    );
    expectTypeOf(config.PORT).toEqualTypeOf<number>();
    expectTypeOf(config.SLACK_ENABLED).toEqualTypeOf<boolean>();
    expectTypeOf(config.API_KEYS).toEqualTypeOf<string[]>();
    expectTypeOf(config.EOD_WINDOW_START).toEqualTypeOf<string>();
    expectTypeOf(config.NODE_ENV).toEqualTypeOf<'development' | 'test' | 'production'>();
    expectTypeOf(config.LOG_PRETTY).toEqualTypeOf<boolean | undefined>();
    expectTypeOf(config.SQS_QUEUE_URL).toEqualTypeOf<string>();
    expectTypeOf(config.HISTORY_RETENTION_DAYS).toEqualTypeOf<number>();
  });

  it('requires SQS_QUEUE_URL', () => {
    expect(problemsOf(schema, {}).problems).toEqual([
      { variable: 'SQS_QUEUE_URL', given: undefined, expected: 'a URL' },
    ]);
  });

  it('checks its bounds and choices', () => {
    const error = problemsOf(schema, {
      SQS_QUEUE_URL: 'http://q',
      NODE_ENV: 'staging',
      LOG_LEVEL: 'verbose',
      LOG_PRETTY: 'sometimes',
      HISTORY_RETENTION_DAYS: '0',
    });
    expect(error.problems.map((problem) => problem.variable)).toEqual([
      'NODE_ENV',
      'LOG_LEVEL',
      'LOG_PRETTY',
      'HISTORY_RETENTION_DAYS',
    ]);
    expect(error.problems[0]?.expected).toBe('one of development, test, production');
    expect(error.problems[1]?.expected).toBe('one of fatal, error, warn, info, debug, trace');
    expect(error.problems[3]?.expected).toBe('an integer between 1 and 3650');
  });

  it('gives every variable a one-line description', () => {
    for (const row of describeConfig(schema)) {
      expect(row.description, row.variable).toMatch(/^[^\n]+$/);
    }
  });
});
