import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { collectVariables, renderEnvExample } from '../src/env-example.ts';

describe('.env.example', () => {
  it('is up to date with every app’s configuration schema (run `pnpm generate`)', async () => {
    const committed = await readFile(new URL('../../.env.example', import.meta.url), 'utf8');
    expect(committed).toBe(renderEnvExample());
  });

  it('names the variables the spec fixes, each with a one-line description', () => {
    const rows = collectVariables();
    const names = rows.map((row) => row.variable);
    for (const name of [
      'NODE_ENV',
      'PORT',
      'APP_VERSION',
      'AWS_REGION',
      'DYNAMODB_TABLE_SCHEDULERS',
      'DYNAMODB_TABLE_STATUS_HISTORY',
      'DYNAMODB_ENDPOINT',
      'API_KEYS',
      'SQS_QUEUE_URL',
      'SQS_ENDPOINT',
      'METRICS_PORT',
    ]) {
      expect(names).toContain(name);
    }
    for (const row of rows) {
      expect(row.description, row.variable).toMatch(/^[^\n]+$/);
    }
  });

  it('never writes a secret’s value', () => {
    expect(renderEnvExample()).toMatch(/^# API_KEYS=$/m);
    expect(renderEnvExample()).not.toMatch(/^#? ?(API_KEYS|METRICS_API_KEY)=.+/m);
  });
});
