// The weekly report (docs/eod.md → The weekly report) on the real DynamoDB engine and the
// fake Slack server, driven by an injected clock: Monday 09:00 in each board's zone, once
// per board and week, through restarts, a second replica and a cron that was down.
import {
  createDocumentClient,
  createDynamoAcknowledgementStore,
  createDynamoBoardStore,
  createDynamoEodRunStore,
  createDynamoHistoryStore,
  createDynamoLeaseStore,
  createDynamoSchedulerStore,
} from '@schedmon/adapters/dynamodb';
import { createSlackNotifier } from '@schedmon/adapters/slack';
import type { BoardInput, HistoryRow, Status } from '@schedmon/domain';
import { boardOf, DEFAULT_EOD_CONFIG, uiLinksOf } from '@schedmon/domain';
import { createFakeClock } from '@schedmon/domain/fakes';
import type { FakeSlack } from '@schedmon/fake-slack';
import { startFakeSlack } from '@schedmon/fake-slack';
import { createLogger } from '@schedmon/runtime';
import { useTestEnvironment } from '@schedmon/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ActionDeps } from '../src/actions.ts';
import { runAction, tick } from '../src/actions.ts';
import { createCronRunner } from '../src/schedule.ts';

const environment = useTestEnvironment();
let slack: FakeSlack;
const OPS = 'C0OPS';
const MINUTE = 60_000;

beforeAll(async () => {
  slack = await startFakeSlack();
});
beforeEach(() => slack.reset());
afterAll(async () => {
  await slack.stop();
});

const board = (overrides: Partial<BoardInput>): BoardInput => ({
  title: 'Payments EOD',
  slack_channel_id: 'C0PAY',
  timezone: 'Asia/Jakarta',
  window_start: '00:00',
  window_end: '06:00',
  members: { tags: ['payments'] },
  ...overrides,
});

type Deps = ActionDeps & { clock: ReturnType<typeof createFakeClock> };

/** Stores the boards (ids prefixed) and returns deps that see only `prefix`'s boards and schedulers. */
async function storeBoards(prefix: string, at: string, boards: Record<string, BoardInput>) {
  const documents = createDocumentClient(environment().clients.dynamodb);
  const stored = createDynamoBoardStore(documents, environment().names.stateTable);
  for (const [id, input] of Object.entries(boards)) {
    await stored.put(boardOf(`${prefix}${id}`, input, at), at);
  }
}

/** One cron process on this file's engines (a new one is a restart: nothing in memory). */
function processOf(prefix: string, at: string): Deps {
  const documents = createDocumentClient(environment().clients.dynamodb);
  const { names } = environment();
  const schedulers = createDynamoSchedulerStore(documents, names.schedulersTable);
  const boards = createDynamoBoardStore(documents, names.stateTable);
  return {
    schedulers: {
      ...schedulers,
      list: async (filter) =>
        (await schedulers.list(filter)).filter((record) => record.scheduler_id.startsWith(prefix)),
    },
    history: createDynamoHistoryStore(documents, names.historyTable),
    eodRuns: createDynamoEodRunStore(documents, names.stateTable),
    acknowledgements: createDynamoAcknowledgementStore(documents, names.stateTable),
    notifier: createSlackNotifier({ token: 'xoxb-test', channel: OPS, apiUrl: slack.url }),
    clock: createFakeClock(at),
    eod: DEFAULT_EOD_CONFIG,
    logger: createLogger({ name: 'cron', level: 'silent', pretty: false }),
    boards: {
      ...boards,
      list: async (now) =>
        (await boards.list(now)).filter((item) => item.board_id.startsWith(prefix)),
    },
    links: uiLinksOf('https://schedmon.example.com'),
  };
}

const register = (deps: ActionDeps, id: string, schedule: string, timezone: string, at: string) =>
  deps.schedulers.register(
    { scheduler_id: id, service_name: 'Payments', job_name: `Job ${id}`, schedule, timezone },
    at,
  );

let ids = 0;
const row = (schedulerId: string, status: Status, timestamp: string): HistoryRow => {
  ids += 1;
  return {
    scheduler_id: schedulerId,
    sk: `${timestamp}#w-${ids}`,
    id: `w-${ids}`,
    type: 'status',
    status,
    timestamp,
    execution_time_ms: null,
    error_message: null,
    metadata: null,
    run_id: null,
    expires_at: 4_000_000_000,
  };
};

/** The weekly reports Slack accepted, in order. */
const weeklyPosts = () =>
  slack
    .callsOf('chat.postMessage')
    .filter(
      (call) => call.response?.body.ok === true && String(call.body.text).includes('weekly report'),
    )
    .map((call) => ({ channel: String(call.body.channel), text: String(call.body.text) }));

/** Ticks every `stepMinutes` from `from` to `to` (inclusive), noting when each weekly report came. */
async function tickEvery(deps: Deps, from: string, to: string, stepMinutes = 1) {
  const seen: { at: string; channel: string }[] = [];
  for (let at = Date.parse(from); at <= Date.parse(to); at += stepMinutes * MINUTE) {
    const before = weeklyPosts().length;
    deps.clock.set(new Date(at));
    await tick(deps, at);
    for (const post of weeklyPosts().slice(before)) {
      seen.push({ at: new Date(at).toISOString(), channel: post.channel });
    }
  }
  return seen;
}

describe('the weekly report', () => {
  it('posts Monday 09:00 board time, once per board and week, through a restart and a second replica', async () => {
    const start = '2026-11-20T00:00:00.000Z';
    await storeBoards('w1-', start, {
      // Monday 7 Dec is a quiet date: no table that night, the report all the same.
      jkt: board({
        slack_channel_id: 'C0WJKT',
        members: { scheduler_ids: ['w1-jkt-*'] },
        quiet_dates: ['2026-12-07'],
      }),
      ldn: board({
        title: 'Ledger EOD',
        slack_channel_id: 'C0WLDN',
        timezone: 'Europe/London',
        members: { scheduler_ids: ['w1-ldn-*'] },
      }),
      empty: board({ slack_channel_id: 'C0WEMPTY', members: { scheduler_ids: ['w1-none-*'] } }),
    });
    const first = processOf('w1-', start);
    await register(first, 'w1-jkt-settle', '0 1 * * *', 'Asia/Jakarta', start);
    await register(first, 'w1-ldn-export', '0 2 * * *', 'Europe/London', start);
    // One run each in the week 30 Nov – 6 Dec; the rest of the week's starts were missed.
    await first.history.putAll([
      row('w1-jkt-settle', 'running', '2026-12-01T18:00:00.000Z'), // Wed 2 Dec 01:00 WIB
      row('w1-jkt-settle', 'completed', '2026-12-01T18:20:00.000Z'),
      row('w1-ldn-export', 'running', '2026-12-02T02:00:00.000Z'), // Wed 2 Dec 02:00 GMT
      row('w1-ldn-export', 'failed', '2026-12-02T02:05:00.000Z'),
      // 1,500 heartbeats during the Jakarta run: the report pages past them to its start.
      ...Array.from({ length: 1_500 }, (_, index) => ({
        ...row(
          'w1-jkt-settle',
          'running',
          new Date(Date.parse('2026-12-01T18:00:00.000Z') + (index + 1) * 700).toISOString(),
        ),
        type: 'heartbeat' as const,
        status: null,
      })),
    ]);

    // Sunday evening to Monday 09:02 WIB: 09:00 WIB is 02:00 UTC, 02:00 in London.
    const seen = await tickEvery(first, '2026-12-06T12:00:00.000Z', '2026-12-07T01:56:00.000Z', 14);
    const minutes = await tickEvery(first, '2026-12-07T01:57:00.000Z', '2026-12-07T02:02:00.000Z');
    expect([...seen, ...minutes]).toEqual([{ at: '2026-12-07T02:00:00.000Z', channel: 'C0WJKT' }]);
    const [jakarta] = weeklyPosts();
    expect(jakarta?.text).toContain('📊 Payments EOD — weekly report');
    expect(jakarta?.text).toContain('*30 Nov – 6 Dec 2026* (Asia/Jakarta) · 1 scheduler');
    expect(jakarta?.text).toContain(
      '*Runs:* 1 · ✅ 1 completed · ❌ 0 failed · ⏰ 0 late · ❗ 6 missed',
    );
    expect(jakarta?.text).toContain(
      '❗ Payments › Job w1-jkt-settle — 1 run · 6 missed · on time 14.3% · p50 20 min',
    );
    expect(jakarta?.text).toContain(
      '<https://schedmon.example.com/ui/reports?board=w1-jkt&amp;days=7|Open the report>',
    );

    // A restart later that morning finds the marker.
    const restarted = processOf('w1-', '2026-12-07T02:30:00.000Z');
    expect(
      await tickEvery(restarted, '2026-12-07T02:30:00.000Z', '2026-12-07T02:31:00.000Z'),
    ).toEqual([]);

    // Two replicas at London's 09:00: the leader posts, the standby does not tick; when
    // the leader stops, the standby takes over and finds the marker.
    const leases = () =>
      createDynamoLeaseStore(
        createDocumentClient(environment().clients.dynamodb),
        environment().names.stateTable,
      );
    const a = processOf('w1-', '2026-12-07T09:00:00.000Z');
    const b = processOf('w1-', '2026-12-07T09:00:00.000Z');
    const replica = (deps: Deps, owner: string) =>
      createCronRunner({ deps, leases: leases(), owner, leaseTtlSeconds: 30, logger: deps.logger });
    const leader = replica(a, 'w1-a');
    const standby = replica(b, 'w1-b');
    const [led, stood] = [await leader.step(), await standby.step()];
    expect(led.filter((result) => result.action === 'weekly-report')).toEqual([
      {
        action: 'weekly-report',
        board: 'w1-ldn',
        businessDate: '2026-11-30',
        done: 'weekly report posted (1 schedulers)',
      },
    ]);
    expect(stood).toEqual([]);
    await leader.stop();
    b.clock.set(new Date('2026-12-07T09:05:00.000Z'));
    const took = await standby.step();
    expect(standby.leader).toBe(true);
    expect(took.filter((result) => result.action === 'weekly-report')).toEqual([]);
    await standby.stop();

    expect(weeklyPosts().map((post) => post.channel)).toEqual(['C0WJKT', 'C0WLDN']);
    const [, london] = weeklyPosts();
    expect(london?.text).toContain('*30 Nov – 6 Dec 2026* (Europe/London)');
    expect(london?.text).toContain('❌ Payments › Job w1-ldn-export — 1 run · 1 failed · 6 missed');
    // Neither the board without members nor the default board (none either) posted one.
  });

  it('catches up later on Monday, and posts nothing on other days or after Monday', async () => {
    const start = '2026-12-01T00:00:00.000Z';
    await storeBoards('w2-', start, {
      late: board({ slack_channel_id: 'C0WLATE', members: { scheduler_ids: ['w2-late-*'] } }),
    });
    const deps = processOf('w2-', start);
    await register(deps, 'w2-late-job', '0 1 * * *', 'Asia/Jakarta', start);
    // Tuesday 8 Dec to Sunday 13 Dec, every 3 hours: never Monday.
    expect(
      await tickEvery(deps, '2026-12-07T17:00:00.000Z', '2026-12-13T16:00:00.000Z', 180),
    ).toEqual([]);
    // Down from Sunday 23:00 until Monday 15:07 WIB: posts at its first tick, then not again.
    const seen = await tickEvery(deps, '2026-12-14T08:07:00.000Z', '2026-12-14T16:59:00.000Z', 29);
    expect(seen).toEqual([{ at: '2026-12-14T08:07:00.000Z', channel: 'C0WLATE' }]);
    expect(weeklyPosts()[0]?.text).toContain('*7–13 Dec 2026* (Asia/Jakarta)');

    // A cron down all Monday 21 Dec posts nothing for that week on Tuesday…
    expect(
      await tickEvery(deps, '2026-12-21T17:00:00.000Z', '2026-12-22T03:00:00.000Z', 60),
    ).toEqual([]);
    // …and ops post it by hand: the week before the instant given.
    const byHand = await runAction(deps, 'weekly-report', Date.parse('2026-12-22T03:00:00.000Z'), {
      board: 'w2-late',
    });
    expect(byHand).toMatchObject({ board: 'w2-late', businessDate: '2026-12-14' });
    expect(weeklyPosts().map((post) => post.text.includes('*14–20 Dec 2026*'))).toEqual([
      false,
      true,
    ]);
  });
});
