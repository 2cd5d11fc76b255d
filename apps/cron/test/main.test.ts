import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('cron start-up', () => {
  it('refuses bad configuration with one message listing every problem', () => {
    const result = spawnSync(process.execPath, [main], {
      env: { PATH: process.env.PATH, METRICS_PORT: '70000', LOG_PRETTY: 'maybe' },
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('cron: Invalid configuration');
    expect(result.stderr).toContain('METRICS_PORT: given "70000"');
    expect(result.stderr).toContain('LOG_PRETTY: given "maybe", expected a boolean');
    // The watchdog sends deadlines to the event queue: the cron app needs its URL.
    expect(result.stderr).toContain('SQS_QUEUE_URL');
  });
});
