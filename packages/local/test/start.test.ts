// The README's run command, end to end: the launcher starts the engines and the apps
// (one of each, or replicas with --workers/--crons), each answers /health, and stopping it
// leaves no process behind.
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
  replica?: string;
  dynamodb?: string;
  sqs?: string;
  [field: string]: unknown;
};

/** How many workers and crons to ask for with --workers/--crons; absent: no flags (one each). */
type Replicas = { workers: number; crons: number };

/** The launcher's replica names (`api`, `worker-1`, …) with the /health port of each. */
function replicaPorts(
  bases: Record<'api' | 'worker' | 'cron', number>,
  { workers, crons }: Replicas,
): Record<string, number> {
  const scaled = (app: 'worker' | 'cron', count: number) =>
    Array.from({ length: count }, (_, index) => [`${app}-${index + 1}`, bases[app] + 10 * index]);
  return Object.fromEntries([
    ['api', bases.api],
    ...scaled('worker', workers),
    ...scaled('cron', crons),
  ]);
}

type Launched = {
  launcher: ChildProcess;
  lines: LogLine[];
  /** Resolves when every writer of the shared stdout pipe (launcher and apps) closed it. */
  outputClosed: Promise<void>;
  exited: Promise<number | null>;
  /** The /health port of each replica, by the launcher's name for it. */
  ports: Record<string, number>;
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
  replicas?: Replicas,
): Promise<Launched> {
  const dataDir = await mkdtemp(join(tmpdir(), 'schedmon-start-'));
  // Replica n listens on its base + 10·(n−1), which may be taken: the launcher then says
  // so before starting anything, and `launchHealthy` tries other ports.
  const bases = {
    api: await findFreePort(),
    worker: await findFreePort(),
    cron: await findFreePort(),
  };
  const ports = replicaPorts(bases, replicas ?? { workers: 1, crons: 1 });
  const flags = replicas
    ? ['--workers', `${replicas.workers}`, '--crons', `${replicas.crons}`]
    : [];
  const version = `0.0.0-test.${randomUUID()}`;
  const launcher = spawn(process.execPath, [startScript, ...flags], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'development',
      LOG_PRETTY: 'false',
      PORT: String(bases.api),
      WORKER_METRICS_PORT: String(bases.worker),
      CRON_METRICS_PORT: String(bases.cron),
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
  replicas?: Replicas,
): Promise<Launched> {
  for (let attempt = 1; ; attempt += 1) {
    const launched = await launch(env, 'pipe', replicas);
    track(launched);
    if ((await waitUntilHealthy(launched)) === 'healthy') return launched;
    const code = await launched.exited;
    const output = `${launched.stderr()}${JSON.stringify(launched.lines.slice(-20))}`;
    const portTaken = /is in use|is wanted twice|EADDRINUSE/.test(output);
    if (!portTaken || attempt === 3) {
      throw new Error(
        `the launcher stopped (exit ${code}) before its apps were healthy:\n${output}`,
      );
    }
    await rm(launched.dataDir, { recursive: true, force: true });
  }
}

/** The samples of `metric` on the /metrics page at `port`: their labels and values. */
async function samples(port: number, metric: string) {
  const page = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return page.split('\n').flatMap((line) => {
    const sample = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line);
    return sample?.[1] === metric ? [{ labels: sample[2] ?? '', value: Number(sample[3]) }] : [];
  });
}

/** The pid of each replica, from the launcher's `<name> started` lines. */
function replicaPids(lines: LogLine[]): Map<string, number> {
  return new Map(
    lines.flatMap(({ replica, childPid, msg }) =>
      replica && childPid && msg === `${replica} started` ? [[replica, childPid] as const] : [],
    ),
  );
}

/** SIGKILLs one replica: never pid 0 or below (that would be this test's own group). */
function killReplica(pids: Map<string, number>, name: string) {
  const pid = pids.get(name);
  if (pid === undefined || pid <= 0) throw new Error(`no pid logged for ${name}`);
  process.kill(pid, 'SIGKILL');
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

describe('pnpm start', () => {
  let launched: Launched | undefined;

  afterEach(async () => {
    if (!launched) return;
    if (launched.launcher.exitCode === null) launched.launcher.kill('SIGKILL');
    await launched.exited;
    // The apps stop once the launcher's channel closes (within SHUTDOWN_TIMEOUT_MS); waited
    // for while their output is still read, so a test that failed half-way leaves none.
    const pids = [...replicaPids(launched.lines).values()];
    await waitFor(() => !pids.some(isAlive), 'the apps to exit', 15_000).catch(() => {
      for (const pid of pids.filter(isAlive)) process.kill(pid, 'SIGKILL');
    });
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

  // The shortest lease the cron app takes, so the takeover is seen in seconds.
  const LEASE_TTL_SECONDS = 5;

  it('runs --workers 3 --crons 2: the workers share the queue, one cron leads, the other takes over when it is killed', {
    timeout: 120_000,
  }, async () => {
    launched = await launchHealthy(
      (current) => {
        launched = current;
      },
      {
        LEASE_TTL_SECONDS: String(LEASE_TTL_SECONDS),
        RATE_LIMIT_PER_MINUTE: '10000',
        // The flags win over these.
        WORKER_REPLICAS: '1',
        CRON_REPLICAS: '4',
      },
      { workers: 3, crons: 2 },
    );
    const { launcher, lines, exited, ports } = launched;
    const workers = ['worker-1', 'worker-2', 'worker-3'];
    const crons = ['cron-1', 'cron-2'];
    const pids = replicaPids(lines);
    expect([...pids.keys()]).toEqual(['api', ...workers, ...crons]);
    const starting = lines.find((line) => line.msg?.startsWith('schedmon is starting'));
    expect(starting).toMatchObject(
      Object.fromEntries(
        Object.entries(ports).map(([name, port]) => [name, `http://localhost:${port}/health`]),
      ),
    );

    // Statuses through the api: the first of each scheduler alone, the rest in batches.
    const call = (method: string, path: string, body: unknown) =>
      fetch(`http://127.0.0.1:${ports.api}/api/v1${path}`, {
        method,
        headers: { 'x-api-key': 'local-dev-key', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const ids = Array.from({ length: 10 }, (_, index) => `replicas-${index}`);
    const perScheduler = 30;
    const names = (id: string) => ({ scheduler_id: id, service_name: 'Replicas', job_name: id });
    // Minutes ago, so no job is stale yet (HEARTBEAT_TIMEOUT_MINUTES) and the watchdog
    // sends no deadline; each scheduler's last status is the newest.
    const firstAt = Math.floor(Date.now() / 1000) * 1000 - 5 * 60_000;
    const lastAt = firstAt + (perScheduler - 1) * 1000;
    const status = (id: string, index: number) => ({
      ...names(id),
      status: index === perScheduler - 1 ? 'completed' : 'running',
      timestamp: new Date(firstAt + index * 1000).toISOString(),
    });
    for (const id of ids) {
      expect((await call('POST', '/schedulers/register', names(id))).status).toBe(201);
      expect((await call('PUT', `/schedulers/${id}/status`, status(id, 0))).status).toBe(202);
    }
    const batched = ids.flatMap((id) =>
      Array.from({ length: perScheduler - 1 }, (_, index) => ({
        type: 'status',
        ...status(id, index + 1),
      })),
    );
    for (let from = 0; from < batched.length; from += 100) {
      const events = batched.slice(from, from + 100);
      const response = await call('POST', '/events', { events });
      expect(response.status).toBe(202);
      expect(((await response.json()) as { accepted: number }).accepted).toBe(events.length);
    }

    // Competing consumers: each status is processed once, by whichever worker received it.
    // Twelve receive loops (4 per worker) long-poll the one queue and take at most 10 of
    // the 300 messages each time, so every worker gets a share (80 to 120 each in the
    // runs so far); only "at least two" is asserted, which a fair queue cannot miss.
    const sent = ids.length * perScheduler;
    const processedBy = async (name: string) =>
      sum(
        (await samples(ports[name] ?? 0, 'schedmon_events_processed_total'))
          .filter(({ labels }) => labels.includes('type="status"'))
          .map(({ value }) => value),
      );
    const counts = await waitFor(
      async () => {
        const each = await Promise.all(workers.map(processedBy));
        return sum(each) >= sent && each;
      },
      `the workers to process all ${sent} statuses`,
      45_000,
    );
    expect(sum(counts)).toBe(sent);
    expect(
      counts.filter((count) => count > 0).length,
      `per worker: ${counts}`,
    ).toBeGreaterThanOrEqual(2);
    for (const id of ids) {
      const response = await fetch(`http://127.0.0.1:${ports.api}/api/v1/schedulers/${id}`, {
        headers: { 'x-api-key': 'local-dev-key' },
      });
      const record = (await response.json()) as { status: string; timestamp: string };
      expect(record.status, id).toBe('completed');
      expect(Date.parse(record.timestamp), id).toBe(lastAt);
    }

    // One leader among the crons; killed, the other takes the lease once it expires,
    // and the launcher keeps everything else running.
    const leads = async (name: string) =>
      (await samples(ports[name] ?? 0, 'schedmon_cron_leader'))[0]?.value === 1;
    const theLeader = async () => {
      const leading = await Promise.all(crons.map(leads));
      return leading.filter(Boolean).length === 1 && crons[leading.indexOf(true)];
    };
    const leader = await waitFor(theLeader, 'exactly one cron leader', 20_000);
    const standby = crons.find((name) => name !== leader) ?? '';
    expect(await leads(standby)).toBe(false);
    killReplica(pids, leader);
    const noticed = await waitFor(
      () =>
        lines.find(
          (line) => line.msg === `${leader} exited on its own; the other cron replicas go on`,
        ),
      `the launcher to see ${leader} exit`,
      15_000,
    );
    expect(noticed).toMatchObject({ signal: 'SIGKILL', running: [standby] });
    // The lease expires LEASE_TTL_SECONDS after its last renewal and the standby tries
    // every second; the rest of the bound is room for a loaded machine.
    await waitFor(
      () => leads(standby),
      `${standby} to take the lead`,
      LEASE_TTL_SECONDS * 1000 + 20_000,
    );
    expect(launcher.exitCode).toBeNull();
    for (const [name, port] of Object.entries(ports)) {
      if (name === leader) continue;
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status, name).toBe(200);
    }

    // A run that lost a replica does not end as a success.
    launcher.kill('SIGINT');
    expect(await exited).toBe(1);
    expect([...pids.values()].filter(isAlive)).toEqual([]);
    await launched.outputClosed;
    expect(lines.some((line) => line.msg === 'schedmon stopped')).toBe(true);
    const stoppedApps = lines.filter((line) => line.msg === 'stopped').map((line) => line.name);
    expect(stoppedApps.sort()).toEqual(['api', 'cron', 'worker', 'worker', 'worker']);
  });

  it('stops everything, exit 1, when the last replica of an app exits on its own', {
    timeout: 60_000,
  }, async () => {
    launched = await launchHealthy((current) => {
      launched = current;
    });
    const { lines, exited } = launched;
    const pids = replicaPids(lines);
    killReplica(pids, 'cron-1');
    expect(await exited).toBe(1);
    expect([...pids.values()].filter(isAlive)).toEqual([]);
    await launched.outputClosed;
    expect(
      lines.find((line) => line.msg === 'app exited on its own: stopping the rest'),
    ).toMatchObject({ replica: 'cron-1', signal: 'SIGKILL' });
    expect(lines.some((line) => line.msg === 'schedmon stopped')).toBe(true);
  });

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
      // worker-2 listens on WORKER_METRICS_PORT + 10: the line names it and the base.
      launched = await launch({ WORKER_METRICS_PORT: String(port - 10) }, 'pipe', {
        workers: 2,
        crons: 1,
      });
      expect(await launched.exited).toBe(1);
      expect(launched.stderr()).toBe(
        `pnpm start: port ${port} is in use (worker-2, WORKER_METRICS_PORT + 10); stop the other process or move WORKER_METRICS_PORT (replica n listens on WORKER_METRICS_PORT + 10·(n−1))\n`,
      );
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('refuses a replica count outside 1..16 with one line and exit 2', async () => {
    for (const [replicas, flag, given] of [
      [{ workers: 0, crons: 1 }, 'workers', '0'],
      [{ workers: 2, crons: 17 }, 'crons', '17'],
    ] as const) {
      launched = await launch({}, 'pipe', replicas);
      expect(await launched.exited, flag).toBe(2);
      expect(launched.stderr()).toBe(
        `pnpm start: --${flag} "${given}" is not a whole number from 1 to 16; usage: pnpm start [--workers 1..16] [--crons 1..16]\n`,
      );
      await rm(launched.dataDir, { recursive: true, force: true });
      launched = undefined;
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
