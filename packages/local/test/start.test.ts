// The README's run command, end to end: the launcher starts the engines and the three
// apps, each answers /health, and stopping it leaves no process behind.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptsConnections, externalAddresses, findFreePort, waitFor } from '../src/index.ts';

const startScript = fileURLToPath(new URL('../src/start.ts', import.meta.url));

type LogLine = {
  msg?: string;
  childPid?: number;
  name?: string;
  dynamodb?: string;
  sqs?: string;
};

type Launched = {
  launcher: ChildProcess;
  lines: LogLine[];
  /** Resolves when every writer of the shared stdout pipe (launcher and apps) closed it. */
  outputClosed: Promise<void>;
  exited: Promise<number | null>;
  ports: Record<'api' | 'worker' | 'cron', number>;
  /** The `APP_VERSION` of this launch only: its apps' /health says it, no other's does. */
  version: string;
  dataDir: string;
  /** What the launcher wrote to stderr, when started with `stderr: 'pipe'`. */
  stderr: () => string;
};

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function launch(
  env: Record<string, string> = {},
  stderr: 'inherit' | 'pipe' = 'inherit',
): Promise<Launched> {
  const dataDir = await mkdtemp(join(tmpdir(), 'schedmon-start-'));
  const ports = {
    api: await findFreePort(),
    worker: await findFreePort(),
    cron: await findFreePort(),
  };
  const version = `0.0.0-test.${randomUUID()}`;
  const launcher = spawn(process.execPath, [startScript], {
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
      // Bounds each app's stop, so a stop stuck on a dead engine cannot outlast the test.
      SHUTDOWN_TIMEOUT_MS: '5000',
      APP_VERSION: version,
      ...env,
    },
    stdio: ['ignore', 'pipe', stderr],
  });
  let errors = '';
  launcher.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => launcher.once('exit', resolve));
  const lines: LogLine[] = [];
  if (!launcher.stdout) throw new Error('no stdout');
  const reader = createInterface({ input: launcher.stdout });
  const outputClosed = new Promise<void>((resolve) => reader.once('close', () => resolve()));
  reader.on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      lines.push({ msg: line });
    }
  });
  return { launcher, lines, outputClosed, exited, ports, version, dataDir, stderr: () => errors };
}

/** The ports of the three apps and of the two embedded engines, as the launcher logged them. */
function listeningPorts({ ports, lines }: Launched) {
  const engines = lines.find((line) => line.msg === 'embedded engines started');
  return {
    apps: Object.values(ports),
    engines: [engines?.dynamodb, engines?.sqs].map((endpoint) =>
      Number(new URL(endpoint ?? '').port),
    ),
  };
}

/** Whether every port answers on this machine's network addresses (true) or none does (false). */
async function reachableFromOutside(ports: number[]) {
  const answers = await Promise.all(
    externalAddresses().flatMap((address) =>
      ports.map((port) => acceptsConnections(address, port)),
    ),
  );
  if (answers.every(Boolean)) return true;
  if (!answers.some(Boolean)) return false;
  return 'some';
}

const hasNetwork = externalAddresses().length > 0;

/**
 * Waits until each app answers /health as this launch (its own version): a port found
 * free may be bound by another test's server before the app binds it, and that one must
 * not pass for it. `exited`: the launcher stopped first (then a port was taken).
 */
async function waitUntilHealthy(launched: Launched): Promise<'healthy' | 'exited'> {
  const { launcher } = launched;
  const stopped = () => launcher.exitCode !== null || launcher.signalCode !== null;
  for (const [app, port] of Object.entries(launched.ports)) {
    const body = await waitFor(
      async () => {
        if (stopped()) return 'exited' as const;
        const response = await fetch(`http://127.0.0.1:${port}/health`);
        if (!response.ok) return undefined;
        const health = (await response.json()) as { status: string; version: string };
        return health.version === launched.version ? health : undefined;
      },
      `${app} /health`,
      15_000,
    );
    if (body === 'exited') return 'exited';
    expect(body.status, app).toBe('ok');
  }
  return 'healthy';
}

/**
 * Launches and waits until every app is healthy. The ports are found free, then bound by
 * the apps: another test file may take one in between, and the launcher then stops
 * saying so. Only then is it launched again on other ports, up to 3 times; any other
 * stop fails at once with its exit code and output. Each launch is handed to `track`
 * first, so the test's cleanup stops whichever one is running when it fails.
 */
async function launchHealthy(
  track: (launched: Launched) => void,
  env: Record<string, string> = {},
): Promise<Launched> {
  for (let attempt = 1; ; attempt += 1) {
    const launched = await launch(env, 'pipe');
    track(launched);
    if ((await waitUntilHealthy(launched)) === 'healthy') return launched;
    const code = await launched.exited;
    const output = `${launched.stderr()}${JSON.stringify(launched.lines.slice(-20))}`;
    const portTaken = /is in use|EADDRINUSE/.test(output);
    if (!portTaken || attempt === 3) {
      throw new Error(
        `the launcher stopped (exit ${code}) before its apps were healthy:\n${output}`,
      );
    }
    await rm(launched.dataDir, { recursive: true, force: true });
  }
}

describe('pnpm start', () => {
  let launched: Launched | undefined;

  afterEach(async () => {
    if (!launched) return;
    if (launched.launcher.exitCode === null) launched.launcher.kill('SIGKILL');
    await launched.exited;
    await rm(launched.dataDir, { recursive: true, force: true });
    launched = undefined;
  });

  // Room for a second launch when a port was taken meanwhile (`launchHealthy`).
  it('serves /health on the api, worker and cron ports, and stops on one Ctrl-C', {
    timeout: 60_000,
  }, async () => {
    launched = await launchHealthy((current) => {
      launched = current;
    });
    const { launcher, lines, exited, ports } = launched;
    const ready = await fetch(`http://127.0.0.1:${ports.api}/health/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { status: string }).status).toBe('healthy');

    const childPids = lines.flatMap((line) => (line.childPid ? [line.childPid] : []));
    expect(childPids).toHaveLength(3);
    expect(lines.some((line) => line.msg?.includes('local-dev-key'))).toBe(true);
    if (hasNetwork) {
      // Loopback only by default: no other machine reaches the apps or the engines.
      const { apps, engines } = listeningPorts(launched);
      expect(await reachableFromOutside([...apps, ...engines])).toBe(false);
    }

    launcher.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(childPids.filter(isAlive)).toEqual([]);
    for (const port of Object.values(ports)) {
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    }
    // The apps write to the same pipe: their last lines are read once they all closed it.
    await launched.outputClosed;
    const stoppedApps = lines.filter((line) => line.msg === 'stopped').map((line) => line.name);
    expect(stoppedApps.sort()).toEqual(['api', 'cron', 'worker']);
  });

  it.skipIf(!hasNetwork)(
    'listens on every interface with HOST=0.0.0.0, engines excepted',
    { timeout: 60_000 },
    async () => {
      launched = await launchHealthy(
        (current) => {
          launched = current;
        },
        { HOST: '0.0.0.0' },
      );
      const { apps, engines } = listeningPorts(launched);
      expect(await reachableFromOutside(apps)).toBe(true);
      expect(await reachableFromOutside(engines)).toBe(false);
      launched.launcher.kill('SIGINT');
      expect(await launched.exited).toBe(0);
    },
  );

  it('says which port is busy, for what and how to move it, when a port is taken', async () => {
    const busy = createServer();
    const port = await findFreePort();
    await new Promise<void>((resolve) => busy.listen(port, '127.0.0.1', resolve));
    try {
      for (const [variable, owner] of [
        ['PORT', 'api'],
        ['DYNAMODB_LOCAL_PORT', 'DynamoDB engine'],
      ] as const) {
        launched = await launch({ [variable]: String(port) }, 'pipe');
        expect(await launched.exited, variable).toBe(1);
        expect(launched.stderr()).toBe(
          `pnpm start: port ${port} is in use (${owner}, ${variable}); stop the other process or set ${variable} to a free port\n`,
        );
        await rm(launched.dataDir, { recursive: true, force: true });
        launched = undefined;
      }
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('leaves no app running when the launcher itself is killed (kill -9)', {
    timeout: 60_000,
  }, async () => {
    launched = await launchHealthy((current) => {
      launched = current;
    });
    const { launcher, lines, exited } = launched;
    const childPids = lines.flatMap((line) => (line.childPid ? [line.childPid] : []));
    expect(childPids).toHaveLength(3);

    launcher.kill('SIGKILL');
    await exited;
    await waitFor(async () => !childPids.some(isAlive), 'the apps to exit', 15_000);
    expect(childPids.filter(isAlive)).toEqual([]);
  });
});
