// P7: the whole stack as a user runs it. `pnpm start` (the launcher, with its embedded
// engines, and the api, worker and cron apps from their TypeScript sources) on this
// machine, loaded by autocannon in another process as P1 is.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { findFreePort } from '@schedmon/local';
import { createAwsClients, DEFAULT_RESOURCE_NAMES } from '@schedmon/resources';
import type { BenchOptions, BenchOutcome, Row } from './bench.ts';
import { cpuMicros, PPID, statFields } from './cpu.ts';
import { root, spawnBareServer, stop, waitHealthy } from './processes.ts';
import { drained, queueDepth } from './queue.ts';
import type { LoadResult } from './run-load.ts';
import { runLoad } from './run-load.ts';
import { registerSchedulers } from './schedulers.ts';
import { failedRows, rateRows } from './table.ts';

/** The steady rate of the drain bar, its length, and how soon the queue must be empty. */
const STEADY_RATE = 1_000;
const STEADY_SECONDS = 60;
const DRAIN_BAR_SECONDS = 10;

type StackProcess = { name: string; pid: number };

/** The launcher's children (api, worker, cron) by the entry file they run, from /proc. */
async function childrenOf(launcherPid: number): Promise<StackProcess[]> {
  const found: StackProcess[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(statFields(stat)[PPID]);
    if (ppid !== launcherPid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const app = /apps\/(\w+)\/src\/main\.ts/.exec(cmdline)?.[1];
    if (app) found.push({ name: app, pid: Number(entry) });
  }
  // `pnpm start` runs one of each here; a second one would be told apart by its pid.
  return found.map((child) =>
    found.filter((other) => other.name === child.name).length > 1
      ? { ...child, name: `${child.name} (pid ${child.pid})` }
      : child,
  );
}

/** CPU µs of each process so far (the launcher's own is the embedded engines'). */
async function cpuOf(processes: readonly StackProcess[]) {
  const used = new Map<string, number>();
  for (const { name, pid } of processes) used.set(name, await cpuMicros(pid));
  return used;
}

/** Starts `pnpm start` on free ports with a fresh data directory; resolves once all answer. */
async function startStack() {
  const ports = {
    PORT: await findFreePort(),
    WORKER_METRICS_PORT: await findFreePort(),
    CRON_METRICS_PORT: await findFreePort(),
    DYNAMODB_LOCAL_PORT: await findFreePort(),
    SQS_LOCAL_PORT: await findFreePort(),
  };
  const dataDir = await mkdtemp(join(tmpdir(), 'schedmon-bench-stack-'));
  const apiKey = 'bench-key';
  const launcher = spawn(process.execPath, [`${root}packages/local/src/start.ts`], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
      DATA_DIR: dataDir,
      API_KEYS: apiKey,
      LOG_LEVEL: 'warn',
      // The per-key limit would measure the limiter, not the stack (as in P1).
      RATE_LIMIT_PER_MINUTE: '1000000000',
      ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${ports.PORT}`;
  try {
    return await connect(launcher, ports, url, apiKey, dataDir);
  } catch (error) {
    await stop(launcher);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Waits for the stack to answer and gives what the bench needs of it. */
async function connect(
  launcher: ChildProcess,
  ports: Record<string, number>,
  url: string,
  apiKey: string,
  dataDir: string,
) {
  await waitHealthy(`${url}/health`, 60_000);
  await waitHealthy(`http://127.0.0.1:${ports.WORKER_METRICS_PORT}/health`, 60_000);
  await waitHealthy(`http://127.0.0.1:${ports.CRON_METRICS_PORT}/health`, 60_000);
  const clients = createAwsClients({
    region: 'ap-southeast-1',
    sqsEndpoint: `http://127.0.0.1:${ports.SQS_LOCAL_PORT}`,
  });
  const { QueueUrl } = await clients.sqs
    .send(new GetQueueUrlCommand({ QueueName: DEFAULT_RESOURCE_NAMES.queueName }))
    .catch((error: unknown) => {
      clients.destroy();
      throw error;
    });
  const depth = () => queueDepth(clients, QueueUrl ?? '');
  const processes = [
    { name: 'engines (launcher)', pid: launcher.pid ?? 0 },
    ...(await childrenOf(launcher.pid ?? 0)),
  ];
  const close = async () => {
    clients.destroy();
    await stop(launcher);
    await rm(dataDir, { recursive: true, force: true });
  };
  return { url, apiKey, queueDepth: depth, processes, close };
}

const perEvent = (before: Map<string, number>, after: Map<string, number>, events: number) =>
  Object.fromEntries(
    [...after].map(([name, used]) => [name, (used - (before.get(name) ?? 0)) / events]),
  );

/**
 * P7 and the whole stack's P6: a steady 1,000/s for 60 s and the drain after it, then the
 * api as fast as it answers for the run's duration, each process's CPU per event, and the
 * bare Fastify route loaded the same way right after.
 */
export async function benchStack(options: BenchOptions): Promise<BenchOutcome> {
  const { connections, durationSeconds, schedulerCount } = options;
  const stack = await startStack();
  let steady: LoadResult;
  let peak: LoadResult;
  let drainSeconds: number;
  let steadyCpu: Record<string, number>;
  let peakCpu: Record<string, number>;
  let backlogAfterPeak: number;
  try {
    await registerSchedulers(stack.url, stack.apiKey, schedulerCount);
    const load = { apiKey: stack.apiKey, schedulers: schedulerCount, url: stack.url };

    // The drain bar: 60 s at 1,000/s; the queue must be empty within 10 s after.
    const beforeSteady = await cpuOf(stack.processes);
    steady = await runLoad({
      ...load,
      connections,
      durationSeconds: STEADY_SECONDS,
      target: 'status',
      rate: STEADY_RATE,
    });
    drainSeconds = await drained(stack.queueDepth, 120);
    steadyCpu = perEvent(beforeSteady, await cpuOf(stack.processes), steady['2xx']);

    // The accepted rate: as fast as the stack answers.
    const beforePeak = await cpuOf(stack.processes);
    peak = await runLoad({ ...load, connections, durationSeconds, target: 'status' });
    peakCpu = perEvent(beforePeak, await cpuOf(stack.processes), peak['2xx']);
    backlogAfterPeak = await stack.queueDepth();
  } finally {
    await stack.close();
  }

  const bare = await spawnBareServer();
  let baseline: LoadResult;
  let bareCpu: number;
  try {
    await waitHealthy(`${bare.url}/bare/x`).catch(() => undefined);
    const before = await cpuMicros(bare.server.pid);
    baseline = await runLoad({
      url: bare.url,
      apiKey: '',
      schedulers: schedulerCount,
      connections,
      durationSeconds,
      target: 'bare',
    });
    bareCpu = ((await cpuMicros(bare.server.pid)) - before) / baseline['2xx'];
  } finally {
    await stop(bare.server);
  }

  // Accepted: answered 2xx (an error answer is fast, and no write).
  const rate = peak['2xx'] / durationSeconds;
  const rows: Row[] = [
    ...rateRows(
      { rate: 'P7 stack accepted writes/s', p99: 'P7 stack p99 latency (ms)' },
      rate,
      peak,
      baseline,
    ),
    {
      bar: `P7 drain after ${STEADY_SECONDS} s @${STEADY_RATE}/s (s)`,
      figure: Number.isFinite(drainSeconds) ? drainSeconds.toFixed(1) : '> 120',
      baseline: `${steady.requests.average.toFixed(0)}/s sent`,
      ratio: '',
      target: `≤ ${DRAIN_BAR_SECONDS}`,
      met: drainSeconds <= DRAIN_BAR_SECONDS && failedRows('', steady).length === 0,
    },
    ...Object.entries(steadyCpu).map(([name, micros]) => ({
      bar: `P6 stack ${name} CPU-µs/event @${STEADY_RATE}/s`,
      figure: micros.toFixed(0),
      baseline: name === 'api' ? `${bareCpu.toFixed(0)} bare` : '',
      ratio: name === 'api' ? (micros / bareCpu).toFixed(1) : '',
      target: name === 'api' ? '≤ 150' : name.startsWith('worker') ? '≤ 400' : '',
      met: name === 'api' ? micros <= 150 : name.startsWith('worker') ? micros <= 400 : null,
    })),
    {
      bar: 'P7 queue backlog after the peak run',
      figure: String(backlogAfterPeak),
      baseline: '',
      ratio: '',
      target: '',
      met: null,
    },
  ];
  rows.push(...failedRows('P7 failed requests', peak, steady));
  return {
    rows,
    data: {
      // Whatever BENCH_APPS says: `pnpm start` runs the TypeScript sources.
      apps: 'pnpm start (TypeScript sources)',
      steady,
      peak,
      baseline,
      drainSeconds,
      steadyCpu,
      peakCpu,
      bareCpu,
      backlogAfterPeak,
    },
  };
}
