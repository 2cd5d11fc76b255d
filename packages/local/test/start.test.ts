// The README's run command, end to end: the launcher starts the engines and the three
// apps, each answers /health, and one Ctrl-C (SIGINT) leaves no process behind.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../src/index.ts';

const startScript = fileURLToPath(new URL('../src/start.ts', import.meta.url));

type LogLine = { msg?: string; app?: string; childPid?: number; name?: string };

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('pnpm start', () => {
  let launcher: ChildProcess;
  let dataDir: string;
  let exited: Promise<number | null>;
  const lines: LogLine[] = [];
  const ports = { api: 0, worker: 0, cron: 0 };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'schedmon-start-'));
    ports.api = await findFreePort();
    ports.worker = await findFreePort();
    ports.cron = await findFreePort();
    launcher = spawn(process.execPath, [startScript], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'development',
        LOG_PRETTY: 'false',
        PORT: String(ports.api),
        WORKER_METRICS_PORT: String(ports.worker),
        CRON_METRICS_PORT: String(ports.cron),
        DYNAMODB_LOCAL_PORT: '0',
        SQS_LOCAL_PORT: '0',
        DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    exited = new Promise((resolve) => launcher.once('exit', (code) => resolve(code)));
    if (!launcher.stdout) throw new Error('no stdout');
    createInterface({ input: launcher.stdout }).on('line', (line) => {
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        lines.push({ msg: line });
      }
    });
  });

  afterAll(async () => {
    if (launcher.exitCode === null) launcher.kill('SIGKILL');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves /health on the api, worker and cron ports, and stops on one Ctrl-C', async () => {
    for (const [app, port] of Object.entries(ports)) {
      const body = await waitFor(async () => {
        const response = await fetch(`http://127.0.0.1:${port}/health`);
        return response.ok ? ((await response.json()) as { status: string }) : undefined;
      }, 15_000);
      expect(body.status, app).toBe('ok');
    }
    const ready = await fetch(`http://127.0.0.1:${ports.api}/health/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { status: string }).status).toBe('healthy');

    const childPids = lines.flatMap((line) => (line.childPid ? [line.childPid] : []));
    expect(childPids).toHaveLength(3);
    expect(lines.some((line) => line.msg?.includes('local-dev-key'))).toBe(true);

    launcher.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(childPids.filter(isAlive)).toEqual([]);
    for (const port of Object.values(ports)) {
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    }
    const stoppedApps = lines.filter((line) => line.msg === 'stopped').map((line) => line.name);
    expect(stoppedApps.sort()).toEqual(['api', 'cron', 'worker']);
  });
});
