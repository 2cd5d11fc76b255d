// `schedmon run`, `status` and `history` as real processes against the real api and
// worker on the local engines: what ends up in the record and the history is what the
// worker applied from the CLI's reports.
import type { Socket } from 'node:net';
import { connect, createServer } from 'node:net';
import { findFreePort, waitFor } from '@schedmon/local';
import { useTestEnvironment } from '@schedmon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from './stack.ts';
import { API_KEY, spawnCli, startStack, waitForRecord } from './stack.ts';

const environment = useTestEnvironment();
// The node running the tests itself: `node` on the PATH may be a shell wrapper, which
// would take the forwarded signal in the job's place.
const NODE = process.execPath;

describe('the schedmon CLI against the running stack', () => {
  let stack: Stack;
  let env: Record<string, string>;

  beforeAll(async () => {
    stack = await startStack(environment());
    env = { SCHEDMON_URL: stack.baseUrl, SCHEDMON_API_KEY: API_KEY };
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('runs a command that succeeds: registers, reports running then completed, exits 0', async () => {
    const cli = spawnCli(
      [
        'run',
        '--id',
        'cli-ok',
        '--service',
        'Service A',
        '--job',
        'EOD ok',
        '--',
        NODE,
        '-e',
        'console.log("hello from the job")',
      ],
      env,
    );
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stdout()).toBe('hello from the job\n');
    expect(cli.stderr()).toBe('');
    const record = await waitForRecord(stack.client, 'cli-ok', (r) => r.status === 'completed');
    expect(record).toMatchObject({
      service_name: 'Service A',
      job_name: 'EOD ok',
      error_message: null,
    });
    expect(record.execution_time_ms).toBeGreaterThanOrEqual(0);
    const history = await waitFor(async () => {
      const rows = await stack.client.history('cli-ok');
      return rows.ok && rows.value.length === 2 ? rows.value : undefined;
    }, 'two history rows');
    expect(history.map((row) => row.status)).toEqual(['completed', 'running']);
    // Both events of the run carry the same run id.
    expect(history[0]?.run_id).toBeTruthy();
    expect(history[0]?.run_id).toBe(history[1]?.run_id);
  });

  it('reports a failing command with its exit code and stderr tail, and exits with its code', async () => {
    const script =
      'for (let i = 1; i <= 25; i++) console.error("stderr line " + i); process.exit(3)';
    const cli = spawnCli(['run', '--id', 'cli-fail', '--', NODE, '-e', script], env);
    expect((await cli.exited).code).toBe(3);
    // Passed through as it came, all of it.
    expect(cli.stderr()).toContain('stderr line 1\n');
    expect(cli.stderr()).toContain('stderr line 25\n');
    const record = await waitForRecord(stack.client, 'cli-fail', (r) => r.status === 'failed');
    // Registered with the id as names, since no names were given.
    expect(record).toMatchObject({ service_name: 'cli-fail', job_name: 'cli-fail' });
    expect(record.error_message).toContain('exit code 3');
    expect(record.error_message).toMatch(/^stderr line 6$/m);
    expect(record.error_message).toMatch(/stderr line 25$/);
    expect(record.error_message).not.toMatch(/^stderr line 5$/m);
  });

  it('forwards SIGTERM to the command, reports the signal and exits 143', async () => {
    const cli = spawnCli(
      [
        'run',
        '--id',
        'cli-term',
        '--heartbeat',
        '0',
        '--',
        NODE,
        '-e',
        'setInterval(() => {}, 1000)',
      ],
      env,
    );
    // Running is reported once the command has started: the signal reaches a live job.
    await waitForRecord(stack.client, 'cli-term', (r) => r.status === 'running');
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 143, signal: null });
    const record = await waitForRecord(stack.client, 'cli-term', (r) => r.status === 'failed');
    expect(record.error_message).toBe('killed by signal SIGTERM');
  });

  it('sends heartbeats while the command runs past two intervals', async () => {
    const cli = spawnCli(
      [
        'run',
        '--id',
        'cli-beat',
        '--heartbeat',
        '1s',
        '--',
        NODE,
        '-e',
        'setTimeout(() => {}, 2600)',
      ],
      env,
    );
    expect((await cli.exited).code).toBe(0);
    const record = await waitForRecord(stack.client, 'cli-beat', (r) => r.status === 'completed');
    expect(record.execution_time_ms).toBeGreaterThanOrEqual(2600);
    const beats = await waitFor(async () => {
      const rows = await stack.client.history('cli-beat');
      const found = rows.ok ? rows.value.filter((row) => row.type === 'heartbeat') : [];
      return found.length >= 2 ? found : undefined;
    }, 'two heartbeat rows');
    const latest = await waitForRecord(stack.client, 'cli-beat', (r) => r.last_heartbeat !== null);
    // Status events move last_heartbeat too, so it is at least the latest heartbeat's time.
    expect((latest.last_heartbeat ?? '') >= (beats[0]?.timestamp ?? '~')).toBe(true);
  });

  it('still runs the command when the api is down, warns, and exits with its own code', async () => {
    const closedPort = await findFreePort();
    const cli = spawnCli(
      ['run', '--id', 'cli-down', '--', NODE, '-e', 'console.log("ran anyway"); process.exit(5)'],
      { SCHEDMON_URL: `http://127.0.0.1:${closedPort}`, SCHEDMON_API_KEY: API_KEY },
    );
    expect((await cli.exited).code).toBe(5);
    expect(cli.stdout()).toBe('ran anyway\n');
    expect(cli.stderr()).toContain('schedmon: warning: could not report running for cli-down');
    expect(cli.stderr()).toContain('ECONNREFUSED');
    expect(cli.stderr()).toContain('the command runs anyway');
  });

  it('reports running late, then heartbeats, when the api comes back during the run', async () => {
    // The api is reachable only through a port that starts listening a second late.
    const port = await findFreePort();
    const sockets = new Set<Socket>();
    const proxy = createServer((socket) => {
      const upstream = connect(Number(new URL(stack.baseUrl).port), '127.0.0.1');
      for (const end of [socket, upstream]) {
        sockets.add(end);
        end.on('error', () => end.destroy());
        end.on('close', () => sockets.delete(end));
      }
      socket.pipe(upstream).pipe(socket);
    });
    const cli = spawnCli(
      [
        'run',
        '--id',
        'cli-late',
        '--heartbeat',
        '400ms',
        '--',
        NODE,
        '-e',
        'setTimeout(() => {}, 3000)',
      ],
      { SCHEDMON_URL: `http://127.0.0.1:${port}`, SCHEDMON_API_KEY: API_KEY },
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
      expect((await cli.exited).code).toBe(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
    expect(cli.stderr()).toContain('the command runs anyway');
    const record = await waitForRecord(stack.client, 'cli-late', (r) => r.status === 'completed');
    expect(record.last_heartbeat).not.toBeNull();
    const rows = await waitFor(async () => {
      const found = await stack.client.history('cli-late');
      return found.ok && found.value.some((row) => row.type === 'heartbeat')
        ? found.value
        : undefined;
    }, 'a heartbeat row');
    expect(rows.filter((row) => row.type === 'status').map((row) => row.status)).toEqual([
      'completed',
      'running',
    ]);
  });

  it('shows tonight’s table in Slack’s order, without colours in a pipe', async () => {
    // A window around now, so the statuses just reported count as tonight's whatever the hour.
    const start = new Date(Date.now() - 30 * 60_000);
    const hhmm = (date: Date) => date.toISOString().slice(11, 16);
    const cli = spawnCli(['status'], {
      ...env,
      EOD_TIMEZONE: 'UTC',
      EOD_WINDOW_START: hhmm(start),
      EOD_WINDOW_END: hhmm(new Date(start.getTime() + 2 * 3_600_000)),
    });
    expect((await cli.exited).code).toBe(0);
    const out = cli.stdout();
    expect(out).toMatch(/^📊 EOD Process Status — /);
    expect(out).toContain('✅ 3 completed · 🟡 0 running · ⬜ 0 pending · ❌ 2 failed');
    // Failed first, then completed; by service name inside a group.
    const order = ['cli-fail', 'cli-term', 'cli-beat', 'cli-late', 'Service A'].map((name) =>
      out.indexOf(name),
    );
    expect(order.every((index) => index > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(out).toContain('❌ Failed');
    expect(out).not.toContain('\u001B[');
  });

  it('redraws the table with --watch until Ctrl-C, then exits 0', async () => {
    const cli = spawnCli(['status', '--watch', '--interval', '1'], env);
    await waitFor(
      async () => (cli.stdout().match(/📊 EOD Process Status/g) ?? []).length >= 2,
      'two refreshes',
    );
    cli.child.kill('SIGINT');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stdout()).toContain('Every 1 s');
  });

  it('prints a scheduler’s history, and exits 1 when the api refuses', async () => {
    const cli = spawnCli(['history', 'cli-beat', '--limit', '3'], env);
    expect((await cli.exited).code).toBe(0);
    const lines = cli.stdout().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Time \(UTC\)\s+Event\s+Took/);
    expect(lines.slice(1)).toHaveLength(3);
    expect(lines[1]).toContain('completed');

    const unknown = spawnCli(['history', 'no-such-job'], env);
    expect((await unknown.exited).code).toBe(1);
    expect(unknown.stderr()).toContain('answered 404: Scheduler no-such-job not found');
  });
});
