import type { BenchOptions, BenchOutcome, Row } from './bench.ts';
import { cpuMeter } from './cpu.ts';
import { withEngines } from './engines.ts';
import { memoryBreakdown, sampleRss } from './memory.ts';
import { spawnApi, spawnBareServer, stop, waitHealthy } from './processes.ts';
import type { LoadResult } from './run-load.ts';
import { runLoad } from './run-load.ts';
import { registerSchedulers } from './schedulers.ts';
import { failedRows, rateRows } from './table.ts';

/** P1 (accepted status writes/s, p99) and P5 for the api, beside a bare Fastify 202 route. */
export async function benchApi(options: BenchOptions): Promise<BenchOutcome> {
  const { connections, durationSeconds, schedulerCount } = options;
  return withEngines(async (_engines, engineEnv) => {
    const { api, url, apiKey } = await spawnApi(engineEnv);
    try {
      await waitHealthy(`${url}/health`);
      await registerSchedulers(url, apiKey, schedulerCount);
      const load = { connections, durationSeconds, apiKey, schedulers: schedulerCount };
      const peakRss = sampleRss(api.pid ?? 0);
      const apiCpu = await cpuMeter(api.pid);
      const measured = await runLoad({ ...load, url, target: 'status' });
      const apiCpuPerWrite = await apiCpu(measured['2xx']);
      const apiRssMb = peakRss();
      const apiMemory = await memoryBreakdown(url);
      // As the typed client and `schedmon run` write: one stored claim per request.
      const keyed = await runLoad({ ...load, url, target: 'status', keyed: true });

      const bare = await spawnBareServer();
      let baseline: LoadResult;
      let bareCpuPerRequest = Number.NaN;
      try {
        await waitHealthy(`${bare.url}/bare/x`).catch(() => undefined);
        const bareCpu = await cpuMeter(bare.server.pid);
        baseline = await runLoad({ ...load, url: bare.url, target: 'bare' });
        bareCpuPerRequest = await bareCpu(baseline['2xx']);
      } finally {
        await stop(bare.server);
      }
      const rps = measured.requests.average;
      const rows: Row[] = [
        ...rateRows(
          { rate: 'P1 api accepted status writes/s', p99: 'P1 api p99 latency (ms)' },
          rps,
          measured,
          baseline,
        ),
        {
          bar: 'P1 api p50 latency (ms)',
          figure: String(measured.latency.p50),
          baseline: String(baseline.latency.p50),
          ratio: (measured.latency.p50 / Math.max(1, baseline.latency.p50)).toFixed(2),
          target: '',
          met: null,
        },
        {
          bar: 'P6 api CPU-µs per accepted write',
          figure: apiCpuPerWrite.toFixed(0),
          baseline: `${bareCpuPerRequest.toFixed(0)} bare`,
          ratio: (apiCpuPerWrite / bareCpuPerRequest).toFixed(1),
          target: '≤ 150',
          met: apiCpuPerWrite <= 150,
        },
        {
          bar: 'P1 api keyed writes/s (Idempotency-Key)',
          figure: keyed.requests.average.toFixed(0),
          baseline: baseline.requests.average.toFixed(0),
          ratio: (keyed.requests.average / baseline.requests.average).toFixed(2),
          target: '',
          met: null,
        },
        {
          bar: 'P1 api keyed p99 latency (ms)',
          figure: String(keyed.latency.p99),
          baseline: String(baseline.latency.p99),
          ratio: (keyed.latency.p99 / Math.max(1, baseline.latency.p99)).toFixed(2),
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
      rows.push(...failedRows('P1 api failed requests', measured, keyed));
      return {
        rows,
        data: { measured, keyed, baseline, apiRssMb, apiMemory, apiCpuPerWrite, bareCpuPerRequest },
      };
    } finally {
      await stop(api);
    }
  });
}
