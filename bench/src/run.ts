// `pnpm bench [name …] [--duration s] [--connections n]`: runs the benchmarks against the
// real processes on the local engines, prints a table and writes bench/results/<date>.json.
// Each figure stands beside a baseline measured in the same run (docs/performance.md).
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import {
  createDocumentClient,
  createDynamoHistoryStore,
  createDynamoSchedulerStore,
  createDynamoStateStore,
} from '@schedmon/adapters/dynamodb';
import { runAction } from '@schedmon/cron/actions';
import { buildStatusMessage, DEFAULT_EOD_CONFIG } from '@schedmon/domain';
import { createMemoryNotifier } from '@schedmon/domain/fakes';
import type { LocalEngines } from '@schedmon/local';
import { APPS, bundleApp, bundlePath, findFreePort, startLocalEngines } from '@schedmon/local';
import type { AwsClients } from '@schedmon/resources';
import {
  createAwsClients,
  DEFAULT_RESOURCE_NAMES,
  PRODUCTION_RUNTIME_ENV,
  provisionResources,
} from '@schedmon/resources';
import { createLogger } from '@schedmon/runtime';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: 'string', default: '60' },
    connections: { type: 'string', default: '32' },
    schedulers: { type: 'string', default: '1000' },
  },
});
const durationSeconds = Number(values.duration);
const connections = Number(values.connections);
const schedulerCount = Number(values.schedulers);

type LoadResult = {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
};

type Row = {
  bar: string;
  figure: string;
  baseline: string;
  ratio: string;
  target: string;
  met: boolean | null;
};

async function waitHealthy(url: string, timeoutMs = 20_000) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer`);
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Heap and external memory from the process's own /metrics, to explain its RSS. */
async function memoryBreakdown(url: string) {
  const text = await fetch(`${url}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  const read = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN) /
    1024 /
    1024;
  return {
    heapUsedMb: read('schedmon_nodejs_heap_size_used_bytes'),
    heapTotalMb: read('schedmon_nodejs_heap_size_total_bytes'),
    externalMb: read('schedmon_nodejs_external_memory_bytes'),
    rssNowMb: read('schedmon_process_resident_memory_bytes'),
  };
}

/** Peak resident memory of a process, sampled from /proc every 250 ms (Linux). */
function sampleRss(pid: number) {
  let peakKb = 0;
  const timer = setInterval(() => {
    readFile(`/proc/${pid}/status`, 'utf8').then(
      (status) => {
        const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
        peakKb = Math.max(peakKb, kb);
      },
      () => undefined,
    );
  }, 250);
  return () => {
    clearInterval(timer);
    return peakKb / 1024;
  };
}

async function load(url: string, target: 'status' | 'bare', apiKey: string): Promise<LoadResult> {
  const options = { url, connections, durationSeconds, apiKey, schedulers: schedulerCount, target };
  const { stdout } = await run(
    process.execPath,
    [fileURLToPath(new URL('./load.ts', import.meta.url)), JSON.stringify(options)],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return JSON.parse(stdout) as LoadResult;
}

async function withEngines<T>(
  body: (engines: LocalEngines, env: Record<string, string>, clients: AwsClients) => Promise<T>,
) {
  const engines = await startLocalEngines();
  const clients = createAwsClients({
    region: 'ap-southeast-1',
    dynamodbEndpoint: engines.dynamodb.endpoint,
    sqsEndpoint: engines.sqs.endpoint,
  });
  try {
    const { queueUrl, deadLetterQueueUrl } = await provisionResources(
      clients,
      DEFAULT_RESOURCE_NAMES,
    );
    return await body(
      engines,
      {
        AWS_REGION: 'ap-southeast-1',
        DYNAMODB_ENDPOINT: engines.dynamodb.endpoint,
        SQS_ENDPOINT: engines.sqs.endpoint,
        SQS_QUEUE_URL: queueUrl,
        SQS_DLQ_URL: deadLetterQueueUrl,
      },
      clients,
    );
  } finally {
    clients.destroy();
    await engines.stop();
  }
}

/** P1 (accepted status writes/s, p99) and P5 for the api, beside a bare Fastify 202 route. */
async function benchApi(): Promise<{ rows: Row[]; data: Record<string, unknown> }> {
  return withEngines(async (_engines, engineEnv) => {
    const { api, url, apiKey } = await spawnApi(engineEnv);
    try {
      await waitHealthy(`${url}/health`);
      await registerSchedulers(url, apiKey);
      const peakRss = sampleRss(api.pid ?? 0);
      const measured = await load(url, 'status', apiKey);
      const apiRssMb = peakRss();
      const apiMemory = await memoryBreakdown(url);

      const barePort = await findFreePort();
      const bare = spawn(
        process.execPath,
        [fileURLToPath(new URL('./bare-server.ts', import.meta.url))],
        {
          env: { PATH: process.env.PATH, PORT: String(barePort) },
          stdio: 'inherit',
        },
      );
      let baseline: LoadResult;
      try {
        await waitHealthy(`http://127.0.0.1:${barePort}/bare/x`).catch(() => undefined);
        baseline = await load(`http://127.0.0.1:${barePort}`, 'bare', apiKey);
      } finally {
        await stop(bare);
      }
      const rps = measured.requests.average;
      const rows: Row[] = [
        {
          bar: 'P1 api accepted status writes/s',
          figure: rps.toFixed(0),
          baseline: baseline.requests.average.toFixed(0),
          ratio: (rps / baseline.requests.average).toFixed(2),
          target: '≥ 3000',
          met: rps >= 3000,
        },
        {
          bar: 'P1 api p99 latency (ms)',
          figure: String(measured.latency.p99),
          baseline: String(baseline.latency.p99),
          ratio: (measured.latency.p99 / Math.max(1, baseline.latency.p99)).toFixed(2),
          target: '≤ 50',
          met: measured.latency.p99 <= 50,
        },
        {
          bar: 'P1 api p50 latency (ms)',
          figure: String(measured.latency.p50),
          baseline: String(baseline.latency.p50),
          ratio: (measured.latency.p50 / Math.max(1, baseline.latency.p50)).toFixed(2),
          target: '',
          met: null,
        },
        {
          bar: 'P5 api peak RSS (MB)',
          figure: apiRssMb.toFixed(0),
          baseline: '',
          ratio: '',
          target: '≤ 150',
          met: apiRssMb <= 150,
        },
      ];
      const errors = measured.errors + measured.timeouts + measured.non2xx;
      if (errors > 0)
        rows.push({
          bar: 'P1 api failed requests',
          figure: String(errors),
          baseline: '',
          ratio: '',
          target: '0',
          met: false,
        });
      return { rows, data: { measured, baseline, apiRssMb, apiMemory } };
    } finally {
      await stop(api);
    }
  });
}

function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * What the apps run: `bundle` (the default) is production's form — the bundled app with
 * `PRODUCTION_RUNTIME_ENV`; `source` is the TypeScript sources with Node's defaults, as
 * development runs them (BENCH_APPS=source, to compare).
 */
const appForm = process.env.BENCH_APPS === 'source' ? 'source' : 'bundle';

/**
 * Starts an app. `BENCH_NODE_OPTIONS` is added to its Node options, to profile it
 * (`--cpu-prof --cpu-prof-dir=…`, `--heapsnapshot-signal=SIGUSR2`) or try heap flags.
 */
function spawnApp(app: 'api' | 'worker', env: Record<string, string>) {
  const runtime: Record<string, string> =
    appForm === 'bundle' ? { ...PRODUCTION_RUNTIME_ENV } : { NODE_ENV: 'production' };
  const nodeOptions = [runtime.NODE_OPTIONS, process.env.BENCH_NODE_OPTIONS]
    .filter(Boolean)
    .join(' ');
  const entry = appForm === 'bundle' ? bundlePath(app) : `${root}apps/${app}/src/main.ts`;
  return spawn(process.execPath, [entry], {
    env: {
      PATH: process.env.PATH,
      LOG_LEVEL: 'warn',
      ...runtime,
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** The api on a free port, with the bench's key and the rate limit lifted. */
async function spawnApi(engineEnv: Record<string, string>) {
  const apiKey = 'bench-key';
  const port = await findFreePort();
  const api = spawnApp('api', {
    ...engineEnv,
    API_KEYS: apiKey,
    PORT: String(port),
    HOST: '127.0.0.1',
    // The per-key limit (100/min by default) would measure the limiter, not the api.
    RATE_LIMIT_PER_MINUTE: '1000000000',
  });
  return { api, url: `http://127.0.0.1:${port}`, apiKey };
}

/** Registers `bench-0` … `bench-<n-1>` through the api, 50 at a time. */
async function registerSchedulers(url: string, apiKey: string) {
  for (let start = 0; start < schedulerCount; start += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, schedulerCount - start) }, (_, offset) =>
        fetch(`${url}/api/v1/schedulers/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
          body: JSON.stringify({
            scheduler_id: `bench-${start + offset}`,
            service_name: 'Bench',
            job_name: 'EOD',
          }),
        }),
      ),
    );
  }
}

/** The engine's own write ceiling: concurrent single-item puts for a few seconds. */
async function rawWriteRate(clients: AwsClients, seconds: number) {
  let writes = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: 32 }, async (_, worker) => {
      while (performance.now() < until) {
        await clients.dynamodb.send(
          new PutItemCommand({
            TableName: 'scheduler_status_history',
            Item: {
              scheduler_id: { S: `raw-${worker}` },
              sk: { S: `${new Date().toISOString()}#${writes}` },
              expires_at: { N: '0' },
            },
          }),
        );
        writes += 1;
      }
    }),
  );
  return writes / seconds;
}

async function queueDepth(clients: AwsClients, queueUrl: string) {
  const result = await clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(result.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** P2 (drain rate beside the raw engine write rate), P3 (202 → visible, p99) and worker P5. */
async function benchWorker(): Promise<{ rows: Row[]; data: Record<string, unknown> }> {
  return withEngines(async (_engines, engineEnv, clients) => {
    const queueUrl = engineEnv.SQS_QUEUE_URL ?? '';
    const { api, url: apiUrl, apiKey } = await spawnApi(engineEnv);
    const workerPort = await findFreePort();
    let worker: ChildProcess | undefined;
    try {
      await waitHealthy(`${apiUrl}/health`);
      await registerSchedulers(apiUrl, apiKey);
      const rawRate = await rawWriteRate(clients, 5);

      // P2: 20,000 events queued before the worker starts, then timed until drained.
      // Sent in raw batches for speed, but built as every producer builds them.
      const total = 20_000;
      const base = Date.now() - 600_000;
      const batches = Array.from({ length: total / 10 }, (_, b) =>
        Array.from({ length: 10 }, (_, i) => {
          const n = b * 10 + i;
          const message = buildStatusMessage(
            {
              scheduler_id: `bench-${n % schedulerCount}`,
              service_name: 'Bench',
              job_name: 'EOD',
              status: n % 3 === 0 ? 'completed' : 'running',
              timestamp: new Date(base + n).toISOString(),
            },
            { now: Date.now(), random: randomBytes },
          );
          return { Id: String(i), MessageBody: JSON.stringify(message) };
        }),
      );
      for (let b = 0; b < batches.length; b += 20) {
        await Promise.all(
          batches
            .slice(b, b + 20)
            .map((Entries) =>
              clients.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries })),
            ),
        );
      }
      const drainStarted = performance.now();
      worker = spawnApp('worker', {
        ...engineEnv,
        METRICS_PORT: String(workerPort),
        RECEIVE_WAIT_SECONDS: '1',
        WORKER_CONCURRENCY: process.env.BENCH_WORKER_CONCURRENCY ?? '4',
      });
      const peakWorkerRss = sampleRss(worker.pid ?? 0);
      while ((await queueDepth(clients, queueUrl)) > 0)
        await new Promise((resolve) => setTimeout(resolve, 200));
      const drainSeconds = (performance.now() - drainStarted) / 1000;
      const drainRate = total / drainSeconds;

      // P3: a steady 500 events/s through the api; probes time 202 → visible in GET.
      const p3Seconds = Math.min(durationSeconds, 60);
      const loadDone = run(
        process.execPath,
        [
          fileURLToPath(new URL('./load.ts', import.meta.url)),
          JSON.stringify({
            url: apiUrl,
            connections: 16,
            durationSeconds: p3Seconds,
            apiKey,
            schedulers: schedulerCount,
            target: 'status',
            rate: 500,
          }),
        ],
        { maxBuffer: 64 * 1024 * 1024 },
      );
      const lags: number[] = [];
      const probeUntil = performance.now() + (p3Seconds - 2) * 1000;
      let probe = 0;
      while (performance.now() < probeUntil) {
        probe += 1;
        const id = `bench-${probe % schedulerCount}`;
        const timestamp = new Date(Date.now() + 1_000).toISOString();
        const sent = performance.now();
        const response = await fetch(`${apiUrl}/api/v1/schedulers/${id}/status`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
          body: JSON.stringify({
            scheduler_id: id,
            service_name: 'Bench',
            job_name: 'EOD',
            status: 'failed',
            error_message: 'probe',
            timestamp,
          }),
        });
        if (response.status !== 202) continue;
        for (;;) {
          const record = (await fetch(`${apiUrl}/api/v1/schedulers/${id}`, {
            headers: { 'x-api-key': apiKey },
          }).then((r) => r.json())) as { timestamp?: string };
          if (record.timestamp === timestamp) break;
          if (performance.now() - sent > 10_000) break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        lags.push(performance.now() - sent);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const loadResult = JSON.parse((await loadDone).stdout) as LoadResult;
      const workerRssMb = peakWorkerRss();
      const p99 = percentile(lags, 99);
      const rows: Row[] = [
        {
          bar: 'P2 worker events persisted/s',
          figure: drainRate.toFixed(0),
          baseline: `${rawRate.toFixed(0)} w/s`,
          ratio: (drainRate / (rawRate / 2)).toFixed(2),
          target: '≥ 800',
          met: drainRate >= 800,
        },
        {
          bar: 'P3 202 → visible p99 (ms) @500/s',
          figure: p99.toFixed(0),
          baseline: `p50 ${percentile(lags, 50).toFixed(0)}`,
          ratio: '',
          target: '≤ 500',
          met: p99 <= 500,
        },
        {
          bar: 'P3 load actually sent (req/s)',
          figure: loadResult.requests.average.toFixed(0),
          baseline: '',
          ratio: '',
          target: '500',
          met: null,
        },
        {
          bar: 'P5 worker peak RSS (MB)',
          figure: workerRssMb.toFixed(0),
          baseline: '',
          ratio: '',
          target: '≤ 150',
          met: workerRssMb <= 150,
        },
      ];
      return {
        rows,
        data: {
          rawRate,
          drainSeconds,
          drainRate,
          lags: { count: lags.length, p50: percentile(lags, 50), p99 },
          load: loadResult,
          workerRssMb,
        },
      };
    } finally {
      if (worker) await stop(worker);
      await stop(api);
    }
  });
}

/** P4: 10,000 registered schedulers — the list endpoint, one stale check, cron actions. */
async function benchScale(): Promise<{ rows: Row[]; data: Record<string, unknown> }> {
  return withEngines(async (_engines, engineEnv, clients) => {
    const documents = createDocumentClient(clients.dynamodb);
    const schedulers = createDynamoSchedulerStore(documents, 'schedulers');
    const total = 10_000;
    const windowStart = Date.parse('2026-01-15T00:00:00+07:00');
    for (let start = 0; start < total; start += 200) {
      await Promise.all(
        Array.from({ length: 200 }, async (_, offset) => {
          const n = start + offset;
          const id = `scale-${n}`;
          await schedulers.register(
            { scheduler_id: id, service_name: `Service ${n % 50}`, job_name: `Job ${n}` },
            '2026-01-14T10:00:00.000Z',
          );
          // One in a hundred is running and silent: stale at 02:00.
          if (n % 100 === 0) {
            await schedulers.applyStatus(
              {
                type: 'status',
                event_id: `s-${n}`,
                scheduler_id: id,
                service_name: `Service ${n % 50}`,
                job_name: `Job ${n}`,
                status: 'running',
                timestamp: new Date(windowStart + 10 * 60_000).toISOString(),
                execution_time_ms: null,
                error_message: null,
                metadata: null,
                run_id: null,
                accepted_at: null,
              },
              new Date(windowStart).toISOString(),
            );
          }
        }),
      );
    }
    const { api, url, apiKey } = await spawnApi(engineEnv);
    try {
      await waitHealthy(`${url}/health`);
      const peakListRss = sampleRss(api.pid ?? 0);
      const listLatencies: number[] = [];
      const until = performance.now() + Math.min(durationSeconds, 20) * 1000;
      while (performance.now() < until) {
        const started = performance.now();
        const response = await fetch(`${url}/api/v1/schedulers`, {
          headers: { 'x-api-key': apiKey },
        });
        const body = (await response.json()) as unknown[];
        if (body.length !== total) throw new Error(`GET /schedulers returned ${body.length}`);
        listLatencies.push(performance.now() - started);
      }
      const listRssMb = peakListRss();
      const notifier = createMemoryNotifier('C0BENCH');
      const deps = {
        schedulers,
        history: createDynamoHistoryStore(documents, 'scheduler_status_history'),
        state: createDynamoStateStore(documents, 'scheduler_monitor_state'),
        notifier,
        clock: { now: () => new Date(windowStart + 2 * 3_600_000) },
        eod: DEFAULT_EOD_CONFIG,
        logger: createLogger({ name: 'bench', level: 'silent', pretty: false }),
      };
      const timed = async (run: () => Promise<unknown>) => {
        const started = performance.now();
        await run();
        return performance.now() - started;
      };
      const staleMs = await timed(() =>
        runAction(deps, 'stale-check', windowStart + 2 * 3_600_000),
      );
      const staleWarnings = notifier.posted().length;
      const postMs = await timed(() => runAction(deps, 'post', windowStart));
      const updateMs = await timed(() => runAction(deps, 'update', windowStart + 3_600_000));
      const finalMs = await timed(() => runAction(deps, 'final', windowStart + 6 * 3_600_000));
      const listP99 = percentile(listLatencies, 99);
      const worstAction = Math.max(postMs, updateMs, finalMs);
      const rows: Row[] = [
        {
          bar: 'P4 GET /schedulers p99 (ms), 10,000',
          figure: listP99.toFixed(0),
          baseline: `n=${listLatencies.length}`,
          ratio: '',
          target: '≤ 1000',
          met: listP99 <= 1000,
        },
        {
          bar: 'P4 api peak RSS listing 10,000 (MB)',
          figure: listRssMb.toFixed(0),
          baseline: '',
          ratio: '',
          target: '',
          met: null,
        },
        {
          bar: 'P4 one stale check (ms), 10,000',
          figure: staleMs.toFixed(0),
          baseline: `${staleWarnings} warnings`,
          ratio: '',
          target: '≤ 2000',
          met: staleMs <= 2000,
        },
        {
          bar: 'P4 slowest cron action (ms), 10,000',
          figure: worstAction.toFixed(0),
          baseline: `post ${postMs.toFixed(0)}`,
          ratio: '',
          target: '≤ 5000 (at 2,000)',
          met: worstAction <= 5000,
        },
      ];
      return {
        rows,
        data: {
          listLatencies: {
            count: listLatencies.length,
            p50: percentile(listLatencies, 50),
            p99: listP99,
          },
          listRssMb,
          staleMs,
          postMs,
          updateMs,
          finalMs,
        },
      };
    } finally {
      await stop(api);
    }
  });
}

const BENCHES: Record<string, () => Promise<{ rows: Row[]; data: Record<string, unknown> }>> = {
  api: benchApi,
  worker: benchWorker,
  scale: benchScale,
};

const unknown = positionals.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  process.stderr.write(
    `Unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`,
  );
  process.exit(2);
}
const selected = positionals.length > 0 ? positionals : Object.keys(BENCHES);
if (appForm === 'bundle') {
  // Always the current code: bundling all three takes about a second.
  for (const app of APPS) await bundleApp(app);
}
process.stderr.write(
  `apps: ${appForm === 'bundle' ? 'bundled, production runtime' : 'TypeScript sources'}\n`,
);
const rows: Row[] = [];
const results: Record<string, unknown> = {};
for (const name of selected) {
  process.stderr.write(`bench ${name}: ${durationSeconds} s, ${connections} connections…\n`);
  const bench = BENCHES[name];
  if (!bench) continue;
  const outcome = await bench();
  rows.push(...outcome.rows);
  results[name] = outcome.data;
}

const date = new Date().toISOString().slice(0, 10);
const file = `${root}bench/results/${date}.json`;
const previous = await readFile(file, 'utf8').then(
  (text) => JSON.parse(text) as Record<string, unknown>,
  () => ({}),
);
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version };
await writeFile(
  file,
  `${JSON.stringify({ ...previous, machine, [`run-${new Date().toISOString()}`]: { durationSeconds, connections, apps: appForm, rows, results } }, null, 2)}\n`,
);

const widths = [36, 10, 10, 7, 8, 4];
const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 8)).join(' │ ');
process.stdout.write(`${line(['bar', 'figure', 'baseline', 'ratio', 'target', 'met'])}\n`);
for (const row of rows) {
  process.stdout.write(
    `${line([row.bar, row.figure, row.baseline, row.ratio, row.target, row.met === null ? '' : row.met ? 'yes' : 'NO'])}\n`,
  );
}
process.stdout.write(`results: ${file}\n`);
