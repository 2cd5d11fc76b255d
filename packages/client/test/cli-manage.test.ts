// `schedmon pause`, `resume` and `archive` as real processes against a local server that
// answers as the api would: what they send, what they print (terminal-safe), exit codes.
import type { IncomingMessage, Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordOf } from './fake-fetch.ts';
import { spawnCli } from './stack.ts';

type Seen = { method: string; url: string; body: string; headers: IncomingMessage['headers'] };

let server: Server;
let env: Record<string, string>;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const url = request.url ?? '';
      seen.push({ method: request.method ?? '', url, body, headers: request.headers });
      const id = decodeURIComponent(url.split('/')[4] ?? '');
      const now = '2026-01-15T01:00:00.000Z';
      const sent = body === '' ? {} : (JSON.parse(body) as { until?: string; reason?: string });
      const [status, answer] =
        id === 'unknown'
          ? [404, { statusCode: 404, error: 'Not Found', message: 'Scheduler unknown not found' }]
          : url.endsWith('/pause')
            ? [
                200,
                recordOf(id, {
                  paused_at: now,
                  paused_until: sent.until ?? null,
                  pause_reason: sent.reason ?? null,
                }),
              ]
            : url.endsWith('/resume')
              ? [200, recordOf(id)]
              : [200, recordOf(id, { archived_at: now })];
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  env = { SCHEDMON_URL: `http://127.0.0.1:${port}`, SCHEDMON_API_KEY: 'k' };
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const last = () => seen.at(-1);

describe('schedmon pause, resume and archive', () => {
  it('pauses until resumed, with no options', async () => {
    const cli = spawnCli(['pause', 'job-a'], env);
    expect((await cli.exited).code).toBe(0);
    expect(last()).toMatchObject({ method: 'POST', url: '/api/v1/schedulers/job-a/pause' });
    expect(JSON.parse(last()?.body ?? '')).toEqual({});
    expect(cli.stdout()).toBe('⏸ Paused job-a until resumed\n');
  });

  it('pauses until a time, for a reason, the reason shown terminal-safe', async () => {
    const cli = spawnCli(
      ['pause', 'job-a', '--until', '2026-01-15T06:00:00+07:00', '--reason', 'db \u001b[2J move'],
      env,
    );
    expect((await cli.exited).code).toBe(0);
    expect(JSON.parse(last()?.body ?? '')).toEqual({
      until: '2026-01-15T06:00:00+07:00',
      reason: 'db \u001b[2J move',
    });
    expect(cli.stdout()).toBe(
      '⏸ Paused job-a until 2026-01-15T06:00:00+07:00 (db \\u001b[2J move)\n',
    );
  });

  it('resumes', async () => {
    const cli = spawnCli(['resume', 'job-a'], env);
    expect((await cli.exited).code).toBe(0);
    expect(last()).toMatchObject({ method: 'POST', url: '/api/v1/schedulers/job-a/resume' });
    expect(last()?.body).toBe('');
    expect(cli.stdout()).toBe('Resumed job-a\n');
  });

  it('archives', async () => {
    const cli = spawnCli(['archive', 'job-a'], env);
    expect((await cli.exited).code).toBe(0);
    expect(last()).toMatchObject({ method: 'DELETE', url: '/api/v1/schedulers/job-a' });
    expect(cli.stdout()).toBe(
      'Archived job-a at 2026-01-15T01:00:00.000Z: out of tables, lists and alerts, history kept; register it again to restore it\n',
    );
  });

  it('exits 1 with the api’s answer when it refuses', async () => {
    const cli = spawnCli(['resume', 'unknown'], env);
    expect((await cli.exited).code).toBe(1);
    expect(cli.stderr()).toContain('answered 404: Scheduler unknown not found');
    expect(cli.stdout()).toBe('');
  });

  it.each([
    [['pause'], 'name one scheduler: schedmon pause <scheduler_id>'],
    [['archive', 'a', 'b'], 'name one scheduler: schedmon archive <scheduler_id>'],
    [['resume', 'bad id'], 'a scheduler id is 1–255 of'],
    [['pause', 'job-a', '--until', 'tomorrow'], '--until must be an ISO 8601 time'],
    [['pause', 'job-a', '--reason', ' '], '--reason is empty'],
    [['resume', 'job-a', '--until', '2026-01-15T06:00:00Z'], "Unknown option '--until'"],
  ])('refuses %j as a usage error, sending nothing', async (args, message) => {
    const before = seen.length;
    const cli = spawnCli(args, env);
    expect((await cli.exited).code).toBe(2);
    expect(cli.stderr()).toContain(message);
    expect(cli.stderr()).toContain(`Run "schedmon ${args[0]} --help" for usage.`);
    expect(seen).toHaveLength(before);
  });

  it('has help for each', async () => {
    for (const command of ['pause', 'resume', 'archive']) {
      const cli = spawnCli([command, '--help'], env);
      expect((await cli.exited).code).toBe(0);
      expect(cli.stdout()).toMatch(new RegExp(`^schedmon ${command} — `));
    }
  });
});
