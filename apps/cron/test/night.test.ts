// A whole simulated EOD night on the real DynamoDB engine and the fake Slack server,
// driven minute by minute with an injected clock.
import {
  createDocumentClient,
  createDynamoAcknowledgementStore,
  createDynamoEodRunStore,
  createDynamoHistoryStore,
  createDynamoLeaseStore,
  createDynamoSchedulerStore,
} from '@schedmon/adapters/dynamodb';
import { createSlackNotifier } from '@schedmon/adapters/slack';
import type { EodConfig, HistoryRow } from '@schedmon/domain';
import { DEFAULT_EOD_CONFIG } from '@schedmon/domain';
import { createFakeClock, createMemoryIncidentStore } from '@schedmon/domain/fakes';
import type { FakeSlack } from '@schedmon/fake-slack';
import { startFakeSlack } from '@schedmon/fake-slack';
import { createLogger } from '@schedmon/runtime';
import { useTestEnvironment } from '@schedmon/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ActionDeps } from '../src/actions.ts';
import { runAction, tick } from '../src/actions.ts';
import { createCronRunner } from '../src/schedule.ts';

const environment = useTestEnvironment();
let slack: FakeSlack;
const CHANNEL = 'C0EOD';

beforeAll(async () => {
  slack = await startFakeSlack();
});
afterEach(() => {
  slack.clearFailures();
  slack.reset();
});
afterAll(async () => {
  await slack.stop();
});

/** Deps on fresh tables of their own (a new prefix per test), so tests do not share a night. */
function depsFor(
  prefix: string,
  clock: ReturnType<typeof createFakeClock>,
  eod: EodConfig = DEFAULT_EOD_CONFIG,
): ActionDeps {
  const documents = createDocumentClient(environment().clients.dynamodb);
  const { names } = environment();
  const schedulers = createDynamoSchedulerStore(documents, names.schedulersTable);
  return {
    // Each test sees only its own schedulers.
    schedulers: {
      ...schedulers,
      list: async (filter) =>
        (await schedulers.list(filter)).filter((record) => record.scheduler_id.startsWith(prefix)),
    },
    history: createDynamoHistoryStore(documents, names.historyTable),
    eodRuns: createDynamoEodRunStore(documents, names.stateTable),
    acknowledgements: createDynamoAcknowledgementStore(documents, names.stateTable),
    notifier: createSlackNotifier({ token: 'xoxb-test', channel: CHANNEL, apiUrl: slack.url }),
    clock,
    eod,
    logger: createLogger({ name: 'cron', level: 'silent', pretty: false }),
  };
}

/** One cron replica on `deps`, with a 30 s lease. */
const replicaOf = (deps: ActionDeps, owner: string) =>
  createCronRunner({
    deps,
    leases: createDynamoLeaseStore(
      createDocumentClient(environment().clients.dynamodb),
      environment().names.stateTable,
    ),
    owner,
    leaseTtlSeconds: 30,
    logger: deps.logger,
  });

const wib = (date: string, time: string) => Date.parse(`${date}T${time}:00.000+07:00`);

async function runNight(
  deps: ActionDeps,
  fromMs: number,
  toMs: number,
  clock: ReturnType<typeof createFakeClock>,
  each?: (ms: number) => Promise<void>,
) {
  for (let at = fromMs; at <= toMs; at += 60_000) {
    clock.set(new Date(at));
    await each?.(at);
    await tick(deps, at);
  }
}

const posts = () =>
  slack.callsOf('chat.postMessage').filter((call) => call.response?.body.ok === true);
const updates = () =>
  slack.callsOf('chat.update').filter((call) => call.response?.body.ok === true);
const textOf = (call: { body: Record<string, unknown> }) => JSON.stringify(call.body);

describe('a whole night, Asia/Jakarta 00:00–06:00', () => {
  it('posts one table at 00:00, edits it hourly, ends with a final edit and one summary', async () => {
    // State is keyed by business date; this night (2026-01-15) is used by this test only.
    const clock = createFakeClock(new Date(wib('2026-01-14', '23:00')));
    const deps = depsFor('n1-', clock);
    const at = (time: string, day = '2026-01-15') => new Date(wib(day, time)).toISOString();
    await deps.schedulers.register(
      { scheduler_id: 'n1-old', service_name: 'Service A', job_name: 'EOD Process' },
      at('20:00', '2026-01-12'),
    );
    await deps.schedulers.applyStatus(
      {
        type: 'status',
        event_id: 'old-1',
        scheduler_id: 'n1-old',
        service_name: 'Service A',
        job_name: 'EOD Process',
        status: 'completed',
        timestamp: at('01:00', '2026-01-13'),
        execution_time_ms: 1000,
        error_message: null,
        metadata: null,
        run_id: null,
        accepted_at: null,
      },
      at('01:00', '2026-01-13'),
    );
    await deps.schedulers.register(
      { scheduler_id: 'n1-sync', service_name: 'Service B', job_name: 'Data Sync' },
      at('20:00', '2026-01-14'),
    );
    await deps.schedulers.register(
      {
        scheduler_id: 'n1-backup',
        service_name: 'Service D',
        job_name: 'Backup',
        alert_user_id: 'U0OPS',
      },
      at('20:00', '2026-01-14'),
    );

    const events: Record<string, () => Promise<unknown>> = {
      [at('00:31')]: () =>
        deps.schedulers.applyStatus(
          {
            type: 'status',
            event_id: 'sync-1',
            scheduler_id: 'n1-sync',
            service_name: 'Service B',
            job_name: 'Data Sync',
            status: 'running',
            timestamp: at('00:31'),
            execution_time_ms: null,
            error_message: null,
            metadata: null,
            run_id: null,
            accepted_at: null,
          },
          at('00:31'),
        ),
      [at('01:42')]: () =>
        deps.schedulers.applyStatus(
          {
            type: 'status',
            event_id: 'backup-1',
            scheduler_id: 'n1-backup',
            service_name: 'Service D',
            job_name: 'Backup',
            status: 'failed',
            timestamp: at('01:42'),
            execution_time_ms: 5000,
            error_message: 'disk full',
            metadata: null,
            run_id: null,
            accepted_at: null,
          },
          at('01:42'),
        ),
      // Silence is the watchdog's business (a `stale` deadline), not the night's.
      [at('02:00')]: () =>
        deps.schedulers.applyHeartbeat({
          type: 'heartbeat',
          event_id: 'hb-1',
          scheduler_id: 'n1-sync',
          timestamp: at('02:00'),
          accepted_at: null,
        }),
    };
    let restarted = deps;
    await runNight(
      deps,
      wib('2026-01-14', '23:58'),
      wib('2026-01-15', '02:29'),
      clock,
      async (ms) => {
        await events[new Date(ms).toISOString()]?.();
      },
    );
    // A restart at 02:30: a new process with the same tables edits the same message.
    restarted = { ...depsFor('n1-', clock) };
    await runNight(restarted, wib('2026-01-15', '02:30'), wib('2026-01-15', '06:05'), clock);

    const tablePosts = posts().filter((call) => textOf(call).includes('EOD Process Status'));
    expect(tablePosts).toHaveLength(1);
    const tableTs = String(tablePosts[0]?.response?.body.ts);
    const tableEdits = updates().filter((call) => call.body.ts === tableTs);
    expect(tableEdits).toHaveLength(6);
    const summaries = posts().filter(
      (call) => !textOf(call).includes('EOD Process Status') && /summary/i.test(textOf(call)),
    );
    expect(summaries).toHaveLength(1);
    const staleWarnings = posts().filter(
      (call) =>
        /stale|no heartbeat/i.test(textOf(call)) &&
        !textOf(call).includes('EOD Process Status') &&
        !/summary/i.test(textOf(call)),
    );
    // A silent running job is a stale incident raised by the watchdog and the worker
    // (apps/worker/test/incidents.test.ts); the night posts no warnings of its own.
    expect(staleWarnings).toHaveLength(0);

    const finalTable = slack.message(CHANNEL, tableTs);
    const finalText = JSON.stringify(finalTable);
    expect(finalText).toContain('Failed');
    // Completed two nights ago: not tonight's success.
    expect(finalText).not.toMatch(/Service A[^\\n]*Completed/);
  }, 120_000);

  it('posts the table when it starts inside the window with none yet (catch-up), once', async () => {
    const clock = createFakeClock(new Date(wib('2026-01-16', '02:30')));
    const deps = depsFor('n2-', clock);
    await deps.schedulers.register(
      { scheduler_id: 'n2-job', service_name: 'S', job_name: 'J' },
      new Date(wib('2026-01-15', '20:00')).toISOString(),
    );
    await tick(deps, wib('2026-01-16', '02:30'));
    await tick(deps, wib('2026-01-16', '02:31'));
    expect(posts().filter((call) => textOf(call).includes('EOD Process Status'))).toHaveLength(1);
  });

  it('keeps editing the same message after Slack was down during a slot', async () => {
    const clock = createFakeClock(new Date(wib('2026-01-17', '00:00')));
    const deps = depsFor('n3-', clock);
    await deps.schedulers.register(
      { scheduler_id: 'n3-job', service_name: 'S', job_name: 'J' },
      new Date(wib('2026-01-16', '20:00')).toISOString(),
    );
    await tick(deps, wib('2026-01-17', '00:00'));
    slack.failUntilCleared({ status: 503 });
    await expect(tick(deps, wib('2026-01-17', '01:00'))).rejects.toThrow();
    slack.clearFailures();
    await tick(deps, wib('2026-01-17', '01:01'));
    await tick(deps, wib('2026-01-17', '02:00'));
    const tablePosts = posts().filter((call) => textOf(call).includes('EOD Process Status'));
    expect(tablePosts).toHaveLength(1);
    expect(updates().map((call) => call.body.ts)).toEqual([
      tablePosts[0]?.response?.body.ts,
      tablePosts[0]?.response?.body.ts,
    ]);
  });

  it('re-posts a fresh table on an explicit `once post` (ops), and later edits go to it', async () => {
    const clock = createFakeClock(new Date(wib('2026-01-18', '00:00')));
    const deps = depsFor('n4-', clock);
    await deps.schedulers.register(
      { scheduler_id: 'n4-job', service_name: 'S', job_name: 'J' },
      new Date(wib('2026-01-17', '20:00')).toISOString(),
    );
    await tick(deps, wib('2026-01-18', '00:00'));
    await runAction(deps, 'post', wib('2026-01-18', '00:40'), { force: true });
    await tick(deps, wib('2026-01-18', '01:00'));
    const tablePosts = posts().filter((call) => textOf(call).includes('EOD Process Status'));
    expect(tablePosts).toHaveLength(2);
    expect(updates()[0]?.body.ts).toBe(tablePosts[1]?.response?.body.ts);
  });
});

describe('the 06:00 summary', () => {
  it('lists who acknowledged which failure', async () => {
    const clock = createFakeClock(new Date(wib('2026-01-25', '06:00')));
    const deps = depsFor('n9-', clock);
    await deps.schedulers.register(
      { scheduler_id: 'n9-job', service_name: 'S', job_name: 'J' },
      new Date(wib('2026-01-24', '20:00')).toISOString(),
    );
    await deps.acknowledgements.record(
      '2026-01-25',
      {
        scheduler_id: 'n9-job',
        event_id: 'n9-fail',
        user_id: 'U0ACKER',
        at: new Date(wib('2026-01-25', '01:55')).toISOString(),
      },
      Math.floor(wib('2026-01-30', '00:00') / 1000),
      new Date(wib('2026-01-25', '06:00')).toISOString(),
    );
    await runAction(deps, 'final', wib('2026-01-25', '06:00'));
    const summary = posts().find((call) => /summary/i.test(textOf(call)));
    expect(textOf(summary ?? { body: {} })).toContain('<@U0ACKER>');
  });

  it('leaves archived schedulers out of the table and the summary, shows paused ones as ⏸, and brings a restored one back with its history', async () => {
    const clock = createFakeClock(new Date(wib('2026-01-26', '00:00')));
    const deps = depsFor('n10-', clock);
    const before = new Date(wib('2026-01-25', '20:00')).toISOString();
    for (const id of ['n10-kept', 'n10-archived', 'n10-paused']) {
      await deps.schedulers.register({ scheduler_id: id, service_name: 'S', job_name: id }, before);
    }
    const failedAt = new Date(wib('2026-01-25', '23:30')).toISOString();
    await deps.history.putAll([
      {
        scheduler_id: 'n10-archived',
        sk: `${failedAt}#n10-e1`,
        id: 'n10-e1',
        type: 'status',
        status: 'failed',
        timestamp: failedAt,
        execution_time_ms: null,
        error_message: 'boom',
        metadata: null,
        run_id: null,
        expires_at: Math.floor(wib('2026-02-20', '00:00') / 1000),
      },
    ]);
    await deps.schedulers.archive('n10-archived', before);
    await deps.schedulers.pause('n10-paused', { until: null, reason: 'migration' }, before);
    await runAction(deps, 'post', wib('2026-01-26', '00:00'));
    await runAction(deps, 'final', wib('2026-01-26', '06:00'));
    const table = textOf(posts()[0] ?? { body: {} });
    expect(table).toContain('n10-kept');
    expect(table).toContain('⏸ Paused (migration)');
    expect(table).not.toContain('n10-archived');
    const summary = textOf(posts().find((call) => /summary/i.test(textOf(call))) ?? { body: {} });
    expect(summary).toContain('⏸ 1 paused');
    expect(summary).not.toContain('n10-archived');
    const restored = await deps.schedulers.register(
      { scheduler_id: 'n10-archived', service_name: 'S', job_name: 'n10-archived' },
      new Date(wib('2026-01-26', '07:00')).toISOString(),
    );
    expect(restored.archived_at).toBeNull();
    expect((await deps.schedulers.list()).map((record) => record.scheduler_id)).toContain(
      'n10-archived',
    );
    const history = await deps.history.query('n10-archived', {
      limit: 10,
      now: new Date(wib('2026-01-26', '07:00')).toISOString(),
    });
    expect(history.map((row) => row.id)).toEqual(['n10-e1']);
  });
});

describe('Europe/London 22:00–04:00 across the spring DST change', () => {
  it('posts at 22:00, edits at each wall-clock hour, finals at 04:00', async () => {
    const eod: EodConfig = {
      ...DEFAULT_EOD_CONFIG,
      timeZone: 'Europe/London',
      windowStart: '22:00',
      windowEnd: '04:00',
    };
    const clock = createFakeClock(new Date('2026-03-28T21:58:00Z'));
    const deps = depsFor('n5-', clock, eod);
    await deps.schedulers.register(
      { scheduler_id: 'n5-job', service_name: 'S', job_name: 'J' },
      '2026-03-28T12:00:00.000Z',
    );
    await runNight(
      deps,
      Date.parse('2026-03-28T21:58:00Z'),
      Date.parse('2026-03-29T03:05:00Z'),
      clock,
    );
    const tablePosts = posts().filter((call) => textOf(call).includes('EOD Process Status'));
    expect(tablePosts).toHaveLength(1);
    expect(textOf(tablePosts[0] ?? { body: {} })).toContain(
      'night of 28 Mar 2026 · 28 Mar 22:00 GMT',
    );
    // 22:00 GMT → 04:00 BST is 5 real hours; updates at 23:00, 00:00, 02:00 and 03:00 BST, then the final.
    expect(updates()).toHaveLength(5);
    expect(textOf(updates().at(-1) ?? { body: {} })).toContain('04:00 BST');
  }, 60_000);
});

describe('scale and limits', () => {
  it('posts and edits 2,000 schedulers within every Slack limit, problems first, each action under 5 s', async () => {
    const clock = createFakeClock(new Date(wib('2026-01-20', '00:00')));
    const deps = depsFor('n6-', clock);
    const registeredAt = new Date(wib('2026-01-19', '20:00')).toISOString();
    for (let start = 0; start < 2000; start += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          deps.schedulers.register(
            {
              scheduler_id: `n6-${start + i}`,
              service_name: `Service ${(start + i) % 40}`,
              job_name: `Job ${start + i} ${'x'.repeat(40)}`,
            },
            registeredAt,
          ),
        ),
      );
    }
    for (let i = 0; i < 30; i += 1) {
      await deps.schedulers.applyStatus(
        {
          type: 'status',
          event_id: `n6-f${i}`,
          scheduler_id: `n6-${i * 7}`,
          service_name: `Service ${(i * 7) % 40}`,
          job_name: `Job ${i * 7}`,
          status: 'failed',
          timestamp: new Date(wib('2026-01-19', '23:30')).toISOString(),
          execution_time_ms: 1,
          error_message: 'boom '.repeat(300),
          metadata: null,
          run_id: null,
          accepted_at: null,
        },
        registeredAt,
      );
    }
    const timed = async (run: () => Promise<unknown>) => {
      const started = performance.now();
      await run();
      return performance.now() - started;
    };
    const elapsed = await timed(() => runAction(deps, 'post', wib('2026-01-20', '00:00')));
    const others = [
      await timed(() => runAction(deps, 'update', wib('2026-01-20', '01:00'))),
      await timed(() => runAction(deps, 'final', wib('2026-01-20', '06:00'))),
    ];
    expect(Math.max(...others)).toBeLessThan(5_000);
    expect(slack.calls.every((call) => call.response?.body.ok === true)).toBe(true);
    const tableCalls = slack.callsOf('chat.postMessage');
    expect(tableCalls.length).toBeGreaterThan(1);
    expect(tableCalls.every((call) => call.response?.body.ok === true)).toBe(true);
    const first = textOf(tableCalls[0] ?? { body: {} });
    for (let i = 0; i < 30; i += 1) expect(first).toContain(`Job ${i * 7} `);
    expect(elapsed).toBeLessThan(5_000);
  }, 120_000);
});

describe('the sweep', () => {
  it('deletes history rows past retention, outside the window, once a day', async () => {
    const clock = createFakeClock(new Date(wib('2026-01-21', '12:00')));
    const deps = depsFor('n7-', clock);
    const row = (id: string, expiresAt: number): HistoryRow => ({
      scheduler_id: 'n7-job',
      sk: `2025-12-01T00:00:00.000Z#${id}`,
      id,
      type: 'status',
      status: 'completed',
      timestamp: '2025-12-01T00:00:00.000Z',
      execution_time_ms: null,
      error_message: null,
      metadata: null,
      run_id: null,
      expires_at: expiresAt,
    });
    const nowSeconds = wib('2026-01-21', '12:00') / 1000;
    await deps.history.putAll([row('old', nowSeconds - 10), row('kept', nowSeconds + 86_400)]);
    const results = await tick(deps, wib('2026-01-21', '12:00'));
    expect(results.map((result) => result.action)).toEqual(['sweep']);
    expect(await tick(deps, wib('2026-01-21', '12:01'))).toEqual([]);
    const left = await deps.history.query('n7-job', {
      limit: 10,
      now: new Date(wib('2026-01-21', '12:00')).toISOString(),
    });
    expect(left.map((r) => r.id)).toEqual(['kept']);
  });
});

describe('R6: two replicas through a night, the leader killed at 03:10', () => {
  it('posts one table, one edit per slot and one summary', async () => {
    const clock = createFakeClock(new Date(wib('2026-01-23', '23:59')));
    const deps = depsFor('n8-', clock);
    await deps.schedulers.register(
      { scheduler_id: 'n8-job', service_name: 'S', job_name: 'J' },
      new Date(wib('2026-01-23', '20:00')).toISOString(),
    );
    const replica = (owner: string) => replicaOf(deps, owner);
    const a = replica('a');
    const b = replica('b');
    for (let at = wib('2026-01-23', '23:59'); at <= wib('2026-01-24', '06:02'); at += 60_000) {
      clock.set(new Date(at));
      // A dies at 03:10 without releasing its lease; B keeps trying.
      if (at < wib('2026-01-24', '03:10')) await a.step();
      await b.step();
    }
    expect(a.leader).toBe(true);
    expect(b.leader).toBe(true);
    const tablePosts = posts().filter((call) => textOf(call).includes('EOD Process Status'));
    expect(tablePosts).toHaveLength(1);
    expect(updates()).toHaveLength(6);
    expect(
      posts().filter(
        (call) => /summary/i.test(textOf(call)) && !textOf(call).includes('EOD Process Status'),
      ),
    ).toHaveLength(1);
  }, 120_000);
});

describe('a runner stopped while it starts (SIGTERM during start-up)', () => {
  it('waits for its first lease round, releases the lease, and schedules nothing', async () => {
    const clock = createFakeClock(new Date(wib('2026-01-25', '12:00')));
    const deps = depsFor('n9-', clock);
    const replica = (owner: string) => replicaOf(deps, owner);
    const a = replica('n9-a');
    const starting = a.start();
    await a.stop();
    await starting;
    expect(a.leader).toBe(false);
    // The lease is free at once: another replica leads without waiting for the TTL.
    const b = replica('n9-b');
    await b.step();
    expect(b.leader).toBe(true);
    await b.stop();
  });
});

describe('incidents in the table and the summary', () => {
  it('shows an open missed incident on its row and lists tonight’s incidents in the summary', async () => {
    // This night (2026-02-25) is used by this test only.
    const clock = createFakeClock(new Date(wib('2026-02-25', '00:00')));
    const incidents = createMemoryIncidentStore();
    const deps = { ...depsFor('n9-', clock), incidents };
    await deps.schedulers.register(
      { scheduler_id: 'n9-job', service_name: 'Service N', job_name: 'Nightly' },
      new Date(wib('2026-02-24', '20:00')).toISOString(),
    );
    const opened = new Date(wib('2026-02-25', '01:10')).toISOString();
    await incidents.saveIncident(
      {
        incident_id: 'n9-job#dl-1',
        scheduler_id: 'n9-job',
        kind: 'missed',
        state: 'open',
        opened_at: opened,
        updated_at: opened,
        resolved_at: null,
        events: 1,
        acknowledged_by: null,
        acknowledged_at: null,
        service_name: 'Service N',
        job_name: 'Nightly',
        slack: null,
      },
      1,
      opened,
    );
    await runAction(deps, 'update', wib('2026-02-25', '02:00'));
    const table = posts().find((call) => textOf(call).includes('Nightly'));
    expect(textOf(table ?? { body: {} })).toContain('Missed');
    await runAction(deps, 'final', wib('2026-02-25', '06:00'));
    const summary = posts().find((call) => /Incidents tonight/.test(textOf(call)));
    expect(textOf(summary ?? { body: {} })).toContain('Nightly');
  }, 60_000);
});
