import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { buildStatusMessage } from '@schedmon/domain';
import { findFreePort } from '@schedmon/local';
import type { AwsClients } from '@schedmon/resources';
import { DEFAULT_RESOURCE_NAMES } from '@schedmon/resources';
import type { BenchOptions, BenchOutcome, Row } from './bench.ts';
import { cpuMeter, cpuMicros } from './cpu.ts';
import { withEngines } from './engines.ts';
import { sampleRss } from './memory.ts';
import { spawnApi, spawnApp, stop, waitHealthy } from './processes.ts';
import { drained, queueDepth } from './queue.ts';
import { runLoad } from './run-load.ts';
import { registerSchedulers } from './schedulers.ts';
import { percentile } from './stats.ts';

/** The engine's own write ceiling: concurrent single-item puts for a few seconds. */
async function rawWriteRate(clients: AwsClients, seconds: number) {
  let writes = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: 32 }, async (_, worker) => {
      while (performance.now() < until) {
        await clients.dynamodb.send(
          new PutItemCommand({
            TableName: DEFAULT_RESOURCE_NAMES.historyTable,
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

/** P2 (drain rate beside the raw engine write rate), P3 (202 → visible, p99) and worker P5. */
export async function benchWorker(options: BenchOptions): Promise<BenchOutcome> {
  const { durationSeconds, schedulerCount } = options;
  return withEngines(async (_engines, engineEnv, clients) => {
    const queueUrl = engineEnv.SQS_QUEUE_URL ?? '';
    const { api, url: apiUrl, apiKey } = await spawnApi(engineEnv);
    const workerPort = await findFreePort();
    let worker: ChildProcess | undefined;
    try {
      await waitHealthy(`${apiUrl}/health`);
      await registerSchedulers(apiUrl, apiKey, schedulerCount);
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
        ...(process.env.BENCH_WORKER_BATCH
          ? { WORKER_BATCH_MESSAGES: process.env.BENCH_WORKER_BATCH }
          : {}),
      });
      const peakWorkerRss = sampleRss(worker.pid ?? 0);
      // P6 counts from the moment the worker is up (its start-up is not per event): the
      // events still queued then, over the CPU it uses until the queue is empty.
      await waitHealthy(`http://127.0.0.1:${workerPort}/health`);
      const workerCpu = await cpuMeter(worker.pid);
      const queuedAtMeter = await queueDepth(clients, queueUrl);
      // The drain's halves apart too: the first pays the worker's warm-up (its code
      // compiled and optimised, its heap grown), the second is the worker as it runs on.
      let leftAtHalf = queuedAtMeter;
      while (leftAtHalf > queuedAtMeter / 2 && worker.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        leftAtHalf = await queueDepth(clients, queueUrl);
      }
      const cpuAtHalf = await cpuMicros(worker.pid);
      await drained(() => queueDepth(clients, queueUrl));
      // NaN (shown as such) when the queue emptied between two polls.
      const secondHalfCpuPerEvent =
        leftAtHalf > 0 ? ((await cpuMicros(worker.pid)) - cpuAtHalf) / leftAtHalf : Number.NaN;
      const workerCpuPerEvent = await workerCpu(queuedAtMeter);
      const firstHalfCpuPerEvent =
        (workerCpuPerEvent * queuedAtMeter - secondHalfCpuPerEvent * leftAtHalf) /
        (queuedAtMeter - leftAtHalf);
      const drainSeconds = (performance.now() - drainStarted) / 1000;
      const drainRate = total / drainSeconds;

      // P3: a steady 500 events/s through the api; probes time 202 → visible in GET.
      const p3Seconds = Math.min(durationSeconds, 60);
      const loadDone = runLoad({
        url: apiUrl,
        connections: 16,
        durationSeconds: p3Seconds,
        apiKey,
        schedulers: schedulerCount,
        target: 'status',
        rate: 500,
      });
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
      const loadResult = await loadDone;
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
          bar: 'P6 worker CPU-µs per persisted event',
          figure: workerCpuPerEvent.toFixed(0),
          baseline: `halves ${firstHalfCpuPerEvent.toFixed(0)}, ${secondHalfCpuPerEvent.toFixed(0)}`,
          ratio: '',
          target: '≤ 400',
          met: workerCpuPerEvent <= 400,
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
          workerCpuPerEvent,
          firstHalfCpuPerEvent,
          secondHalfCpuPerEvent,
          queuedAtMeter,
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
