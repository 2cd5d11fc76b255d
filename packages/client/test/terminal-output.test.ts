// Producer text on an operator's terminal: the real `schedmon` process reading an api
// that answers hostile text (records stored before the api refused control characters, or
// a URL pointing somewhere it should not). Nothing it prints may drive the terminal.
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { windowAroundNow } from '@schedmon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from './stack.ts';

// C0 (ESC, BEL, CR, BS…) but the newlines ending lines, DEL, C1 (8-bit CSI, OSC, NEL…),
// line separators and bidi controls.
const DRIVES_A_TERMINAL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point.
  /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;
const HOSTILE =
  '\u001b[2J\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007\u009b31m\u009d0;title\u009c\u0085\u007f\r\b\u202e\tend';
const NOW = new Date().toISOString();

const record = {
  scheduler_id: 'hostile',
  service_name: `Service ${HOSTILE}`,
  job_name: `Job ${HOSTILE}`,
  status: 'failed',
  timestamp: NOW,
  execution_time_ms: 1_000,
  error_message: `${HOSTILE}\nsecond line`,
  metadata: { [HOSTILE]: HOSTILE },
  last_heartbeat: NOW,
  created_at: NOW,
  updated_at: NOW,
  owner_email: null,
  alert_user_id: null,
};
const historyRow = {
  id: 'e1',
  scheduler_id: 'hostile',
  type: 'status',
  status: 'failed',
  timestamp: NOW,
  execution_time_ms: 1_000,
  error_message: record.error_message,
  metadata: record.metadata,
  run_id: null,
};

let server: Server;
let env: Record<string, string>;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    const url = request.url ?? '';
    const [status, body] = url.startsWith('/api/v1/schedulers/hostile/history')
      ? [200, [historyRow]]
      : url.startsWith('/api/v1/schedulers?') || url === '/api/v1/schedulers'
        ? [200, [record]]
        : [500, { statusCode: 500, error: 'Internal Server Error', message: `boom ${HOSTILE}` }];
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  env = { SCHEDMON_URL: `http://127.0.0.1:${port}`, SCHEDMON_API_KEY: 'k' };
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('producer text on the terminal', () => {
  it('history shows the error with every control character escaped, the table intact', async () => {
    const cli = spawnCli(['history', 'hostile'], env);
    expect((await cli.exited).code).toBe(0);
    expect(cli.stdout()).not.toMatch(DRIVES_A_TERMINAL);
    const lines = cli.stdout().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(
      'failed  1.0 s  \\u001b[2J\\u001b]8;;https://evil.example\\u0007click',
    );
    expect(lines[1]).toMatch(/\\u202e end$/);
  });

  it('history --json prints the same JSON, C1 and DEL escaped as JSON escapes', async () => {
    const cli = spawnCli(['history', 'hostile', '--json'], env);
    expect((await cli.exited).code).toBe(0);
    expect(cli.stdout()).not.toMatch(DRIVES_A_TERMINAL);
    expect(JSON.parse(cli.stdout())).toEqual([historyRow]);
  });

  it('status shows the table without anything that drives the terminal', async () => {
    const cli = spawnCli(['status'], { ...env, ...windowAroundNow() });
    expect((await cli.exited).code).toBe(0);
    expect(cli.stdout()).toContain('❌ Failed');
    expect(cli.stdout()).not.toMatch(DRIVES_A_TERMINAL);
  });

  it('an error the api answers reaches stderr escaped too', async () => {
    const cli = spawnCli(['history', 'other'], env);
    expect((await cli.exited).code).toBe(1);
    expect(cli.stderr()).toContain('answered 500: boom \\u001b[2J');
    expect(cli.stderr()).not.toMatch(DRIVES_A_TERMINAL);
  });
});
