import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('worker start-up', () => {
  it('refuses bad configuration with one message listing every problem', () => {
    const result = spawnSync(process.execPath, [main], {
      env: { PATH: process.env.PATH, METRICS_PORT: 'abc', LOG_LEVEL: 'loud' },
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('worker: Invalid configuration');
    expect(result.stderr).toContain('METRICS_PORT: given "abc", expected an integer');
    expect(result.stderr).toContain('LOG_LEVEL: given "loud"');
    expect(result.stderr).toContain('SQS_QUEUE_URL: missing');
  });
});
