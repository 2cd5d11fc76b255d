import { createHash } from 'node:crypto';
import {
  createDocumentClient,
  createDynamoAcknowledgementStore,
  createDynamoEodRunStore,
  createDynamoHistoryStore,
  createDynamoSchedulerStore,
} from '@schedmon/adapters/dynamodb';
import { createSqsEventProducer } from '@schedmon/adapters/sqs';
import { runAction } from '@schedmon/cron/actions';
import { createWatchdog, DEFAULT_EOD_CONFIG } from '@schedmon/domain';
import { createMemoryNotifier } from '@schedmon/domain/fakes';
import { DEFAULT_RESOURCE_NAMES } from '@schedmon/resources';
import { createLogger } from '@schedmon/runtime';
import type { BenchOptions, BenchOutcome, Row } from './bench.ts';
import { withEngines } from './engines.ts';
import { sampleRss } from './memory.ts';
import { spawnApi, stop, waitHealthy } from './processes.ts';
import { percentile } from './stats.ts';

/**
 * P4: 10,000 registered schedulers — the list endpoint and the cron actions; P8: one
 * watchdog round with 1,000 of them due, sent to the real queue.
 */
export async function benchScale(options: BenchOptions): Promise<BenchOutcome> {
  const { durationSeconds } = options;
  return withEngines(async (_engines, engineEnv, clients) => {
    const documents = createDocumentClient(clients.dynamodb);
    const schedulers = createDynamoSchedulerStore(
      documents,
      DEFAULT_RESOURCE_NAMES.schedulersTable,
    );
    const total = 10_000;
    const windowStart = Date.parse('2026-01-15T00:00:00+07:00');
    const dueAt = new Date(windowStart + 60 * 60_000).toISOString();
    for (let start = 0; start < total; start += 200) {
      await Promise.all(
        Array.from({ length: 200 }, async (_, offset) => {
          const n = start + offset;
          const id = `scale-${n}`;
          const record = await schedulers.register(
            { scheduler_id: id, service_name: `Service ${n % 50}`, job_name: `Job ${n}` },
            '2026-01-14T10:00:00.000Z',
          );
          // One in ten has a deadline due at 01:00 (P8).
          if (n % 10 === 5) {
            await schedulers.setDeadline(
              id,
              { due_at: dueAt, due_kind: 'missed', next_expected_at: null },
              record.updated_at,
            );
          }
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
        history: createDynamoHistoryStore(documents, DEFAULT_RESOURCE_NAMES.historyTable),
        eodRuns: createDynamoEodRunStore(documents, DEFAULT_RESOURCE_NAMES.stateTable),
        acknowledgements: createDynamoAcknowledgementStore(
          documents,
          DEFAULT_RESOURCE_NAMES.stateTable,
        ),
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
      const producer = createSqsEventProducer(clients.sqs, {
        queueUrl: engineEnv.SQS_QUEUE_URL ?? '',
      });
      const watchdog = createWatchdog({
        schedulers,
        producer,
        notifier,
        digest: (text) => createHash('sha256').update(text).digest('hex'),
        timeZone: DEFAULT_EOD_CONFIG.timeZone,
        gapMs: 300_000,
        logger: deps.logger,
      });
      const round = await watchdog.round(windowStart + 60 * 60_000 + 30_000);
      await producer.close();
      if (round.sent !== total / 10)
        throw new Error(`the watchdog sent ${round.sent} of ${total / 10}`);
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
          bar: 'P8 one watchdog round (ms), 10,000 with 1,000 due',
          figure: round.ms.toFixed(0),
          baseline: `${round.sent} sent`,
          ratio: '',
          target: '≤ 5000',
          met: round.ms <= 5000,
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
          watchdogRound: round,
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
