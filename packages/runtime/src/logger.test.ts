import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it('writes JSON lines with the app name and ISO time', () => {
    const { lines, stream } = capture();
    createLogger({ name: 'worker', level: 'info', pretty: false }, stream).info('hello');
    expect(lines[0]).toMatchObject({ name: 'worker', app: 'worker', msg: 'hello' });
    expect(String(lines[0]?.time)).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('never writes a secret: API keys, tokens and Slack signatures are redacted', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ name: 'api', level: 'info', pretty: false }, stream);
    logger.info({
      req: { headers: { 'x-api-key': 'k-123', authorization: 'Bearer xoxb-1' } },
      config: { API_KEYS: 'a,b', SLACK_BOT_TOKEN: 'xoxb-2', PORT: 3000 },
      token: 'xoxb-3',
    });
    const text = JSON.stringify(lines[0]);
    for (const secret of ['k-123', 'xoxb-1', 'a,b', 'xoxb-2', 'xoxb-3']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('3000');
  });

  it('drops lines below its level', () => {
    const { lines, stream } = capture();
    createLogger({ name: 'cron', level: 'warn', pretty: false }, stream).info('quiet');
    expect(lines).toEqual([]);
  });

  it('writes pretty lines in this thread, none lost when the process exits at once', () => {
    const logger = fileURLToPath(new URL('./logger.ts', import.meta.url));
    const script = `
      import { createLogger } from ${JSON.stringify(logger)};
      createLogger({ name: 'api', level: 'info', pretty: true }).info({ port: 3000 }, 'listening');
      process.exit(0);
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, NO_COLOR: '1' },
      timeout: 10_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/INFO \(api\): listening\n\s+port: 3000/);
  });
});
