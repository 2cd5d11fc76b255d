// `schedmon run`, `status` and `history` as real processes against the real api and
// worker on the local engines: what ends up in the record and the history is what the
// worker applied from the CLI's reports.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort, waitFor } from '@schedmon/local';
import { useTestEnvironment, windowAroundNow } from '@schedmon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from './stack.ts';
import { API_KEY, spawnCli, startStack, waitForRecord } from './stack.ts';

const environment = useTestEnvironment();
// The node running the tests itself: `node` on the PATH may be a shell wrapper, which
// would take the forwarded signal in the job's place.
const NODE = process.execPath;
// Jobs that run until their test says so, so no test bets on a timer outlasting a race.
const releases = mkdtempSync(join(tmpdir(), 'schedmon-cli-test-'));

/** A job (`node -e` script) that runs until `release()` creates its file. */
function releasableJob(name: string) {
  const file = join(releases, name);
  const script = `const f = ${JSON.stringify(file)}; const t = setInterval(() => { if (require('node:fs').existsSync(f)) clearInterval(t); }, 50);`;
  return {
    script,
    release: () => {
      if (!existsSync(file)) writeFileSync(file, '');
    },
  };
}

describe('the schedmon CLI against the running stack', () => {
  let stack: Stack;
  let env: Record<string, string>;

  beforeAll(async () => {
    stack = await startStack(environment());
    env = { SCHEDMON_URL: stack.baseUrl, SCHEDMON_API_KEY: API_KEY };
  });

  afterAll(async () => {
    await stack?.stop();
    rmSync(releases, { recursive: true, force: true });
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
    const job = releasableJob('beat');
    const cli = spawnCli(
      ['run', '--id', 'cli-beat', '--heartbeat', '1s', '--', NODE, '-e', job.script],
      env,
    );
    let beats: { timestamp: string }[];
    try {
      // The job runs until two heartbeats are in the history, however slow the machine.
      beats = await waitFor(async () => {
        const rows = await stack.client.history('cli-beat');
        const found = rows.ok ? rows.value.filter((row) => row.type === 'heartbeat') : [];
        return found.length >= 2 ? found : undefined;
      }, 'two heartbeat rows');
    } finally {
      job.release();
    }
    expect((await cli.exited).code).toBe(0);
    const record = await waitForRecord(stack.client, 'cli-beat', (r) => r.status === 'completed');
    // The second heartbeat went out at least one interval after the first, both mid-run.
    expect(record.execution_time_ms).toBeGreaterThan(1_000);
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
    // The api is reachable only through a port that starts listening once the CLI has
    // given up reporting `running`; the job runs until a heartbeat got through.
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
    const job = releasableJob('late');
    const cli = spawnCli(
      ['run', '--id', 'cli-late', '--heartbeat', '400ms', '--', NODE, '-e', job.script],
      { SCHEDMON_URL: `http://127.0.0.1:${port}`, SCHEDMON_API_KEY: API_KEY },
    );
    try {
      await waitFor(
        () => cli.stderr().includes('the command runs anyway'),
        'the warning that running could not be reported',
      );
      await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
      // A tick reports running late, and the ticks after it send heartbeats.
      await waitFor(async () => {
        const found = await stack.client.history('cli-late');
        return found.ok && found.value.some((row) => row.type === 'heartbeat');
      }, 'a heartbeat row');
      job.release();
      expect((await cli.exited).code).toBe(0);
    } finally {
      job.release();
      await cli.exited;
      for (const socket of sockets) socket.destroy();
      if (proxy.listening) await new Promise((resolve) => proxy.close(resolve));
    }
    const record = await waitForRecord(stack.client, 'cli-late', (r) => r.status === 'completed');
    expect(record.last_heartbeat).not.toBeNull();
    const rows = await waitFor(async () => {
      const found = await stack.client.history('cli-late');
      return found.ok && found.value.some((row) => row.status === 'completed')
        ? found.value
        : undefined;
    }, 'the completed row');
    expect(rows.filter((row) => row.type === 'status').map((row) => row.status)).toEqual([
      'completed',
      'running',
    ]);
  });

  it('shows tonight’s table in Slack’s order, without colours in a pipe', async () => {
    const cli = spawnCli(['status'], { ...env, ...windowAroundNow() });
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
    // The api's newest three, in its order: a heartbeat still in flight when the job
    // ended carries the api's later time, so `completed` need not be the first.
    const newest = await stack.client.history('cli-beat', { limit: 3 });
    expect(newest.ok).toBe(true);
    expect(lines.slice(1).map((line) => line.split(/\s+/)[1])).toEqual(
      newest.ok ? newest.value.map((row) => row.status ?? row.type) : [],
    );
    expect(lines.join('\n')).toContain('completed');

    const unknown = spawnCli(['history', 'no-such-job'], env);
    expect((await unknown.exited).code).toBe(1);
    expect(unknown.stderr()).toContain('answered 404: Scheduler no-such-job not found');
  });

  it('hands the command its environment without the SCHEDMON_* variables', async () => {
    const cli = spawnCli(
      [
        'run',
        '--id',
        'cli-env',
        '--heartbeat',
        '0',
        '--',
        NODE,
        '-e',
        'process.stdout.write(JSON.stringify(process.env))',
      ],
      { ...env, SCHEDMON_EXTRA: 'x', JOB_SETTING: 'kept' },
    );
    expect((await cli.exited).code).toBe(0);
    const seen = JSON.parse(cli.stdout()) as Record<string, string>;
    expect(seen.JOB_SETTING).toBe('kept');
    expect(Object.keys(seen).filter((name) => /^schedmon_/i.test(name))).toEqual([]);
    expect(cli.stdout()).not.toContain(API_KEY);
    // The run itself was reported with the key the job no longer sees.
    await waitForRecord(stack.client, 'cli-env', (r) => r.status === 'completed');
  });

  it('redacts secrets in the stderr tail it reports, and passes stderr through as it came', async () => {
    const lines = [
      'DATABASE_URL=postgres://app:hunter2@db.internal:5432/app',
      'Authorization: Bearer tok-0123456789',
      'using AKIAIOSFODNN7EXAMPLE',
      'client_secret=abc123 went wrong',
    ];
    const script = `for (const line of ${JSON.stringify(lines)}) console.error(line); process.exit(1)`;
    const cli = spawnCli(['run', '--id', 'cli-secrets', '--', NODE, '-e', script], env);
    expect((await cli.exited).code).toBe(1);
    expect(cli.stderr()).toContain(lines.join('\n'));
    const record = await waitForRecord(stack.client, 'cli-secrets', (r) => r.status === 'failed');
    expect(record.error_message).toBe(
      [
        'exit code 1; last lines of stderr:',
        'DATABASE_URL=postgres://app:[REDACTED]@db.internal:5432/app',
        'Authorization: Bearer [REDACTED]',
        'using [REDACTED]',
        'client_secret=[REDACTED] went wrong',
      ].join('\n'),
    );
  });

  it('prints history --json with metadata’s C1 and bidi controls escaped, the JSON unchanged', async () => {
    const job = { scheduler_id: 'cli-meta', service_name: 'Service M', job_name: 'Meta' };
    expect((await stack.client.register(job)).ok).toBe(true);
    const metadata = { note: 'a\u009b31mred\u0085\u007f\u202eb', '\u009dkey': 'x' };
    expect((await stack.client.status({ ...job, status: 'completed', metadata })).ok).toBe(true);
    await waitFor(async () => {
      const rows = await stack.client.history('cli-meta');
      return rows.ok && rows.value.length === 1;
    }, 'the history row');
    const cli = spawnCli(['history', 'cli-meta', '--json'], env);
    expect((await cli.exited).code).toBe(0);
    expect(cli.stdout()).not.toMatch(/[\u007f-\u009f\u202a-\u202e]/);
    expect(cli.stdout()).toContain('"note": "a\\u009b31mred\\u0085\\u007f\\u202eb"');
    expect((JSON.parse(cli.stdout()) as { metadata: unknown }[])[0]?.metadata).toEqual(metadata);
  });
});
