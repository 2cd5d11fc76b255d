// Boards through whole simulated nights (docs/boards.md) on the real DynamoDB engine and the
// fake Slack server: each board's night in its own channel, zone and window, quiet dates,
// and one table per board and night.
import {
  createDocumentClient,
  createDynamoAcknowledgementStore,
  createDynamoBoardStore,
  createDynamoEodRunStore,
  createDynamoHistoryStore,
  createDynamoSchedulerStore,
} from '@schedmon/adapters/dynamodb';
import { createSlackNotifier } from '@schedmon/adapters/slack';
import type { BoardInput, BoardStore, EodConfig } from '@schedmon/domain';
import { boardOf, DEFAULT_EOD_CONFIG } from '@schedmon/domain';
import { createFakeClock } from '@schedmon/domain/fakes';
import type { FakeSlack } from '@schedmon/fake-slack';
import { startFakeSlack } from '@schedmon/fake-slack';
import { createLogger } from '@schedmon/runtime';
import { useTestEnvironment } from '@schedmon/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ActionDeps } from '../src/actions.ts';
import { runAction, tick } from '../src/actions.ts';

const environment = useTestEnvironment();
let slack: FakeSlack;
const OPS = 'C0OPS';

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

/**
 * Deps on this file's engines with only the boards and schedulers whose ids start with
 * `prefix` (the tests of this file share tables).
 */
async function depsFor(
  prefix: string,
  start: string,
  boards: Record<string, BoardInput>,
  eod: EodConfig = DEFAULT_EOD_CONFIG,
): Promise<ActionDeps & { clock: ReturnType<typeof createFakeClock> }> {
  const documents = createDocumentClient(environment().clients.dynamodb);
  const { names } = environment();
  const schedulers = createDynamoSchedulerStore(documents, names.schedulersTable);
  const stored = createDynamoBoardStore(documents, names.stateTable);
  for (const [id, input] of Object.entries(boards)) {
    await stored.put(boardOf(`${prefix}${id}`, input, start), start);
  }
  const mine: BoardStore = {
    ...stored,
    list: async (now) =>
      (await stored.list(now)).filter((item) => item.board_id.startsWith(prefix)),
  };
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
    clock: createFakeClock(start),
    eod,
    logger: createLogger({ name: 'cron', level: 'silent', pretty: false }),
    boards: mine,
  };
}

type Seen = { at: string; method: string; channel: string; thread: boolean };

/** Ticks every minute from `from` to `to` (inclusive), noting when each Slack call came. */
async function runNight(
  deps: ActionDeps & { clock: { set(at: Date): void } },
  from: string,
  to: string,
) {
  const seen: Seen[] = [];
  let known = 0;
  for (let at = Date.parse(from); at <= Date.parse(to); at += 60_000) {
    deps.clock.set(new Date(at));
    await tick(deps, at);
    const calls = slack.calls.filter((call) => call.response?.body.ok === true);
    for (const call of calls.slice(known)) {
      seen.push({
        at: new Date(at).toISOString(),
        method: call.method,
        channel: String(call.body.channel),
        thread: call.body.thread_ts !== undefined,
      });
    }
    known = calls.length;
  }
  return seen;
}

const register = (deps: ActionDeps, id: string, tags: string[], at: string) =>
  deps.schedulers.register(
    { scheduler_id: id, service_name: 'Payments', job_name: `Job ${id}`, tags },
    at,
  );

describe('two boards in two zones on the London spring-forward night', () => {
  it('posts and edits each at its own local hours', async () => {
    // 29 Mar 2026: London goes from 01:00 GMT to 02:00 BST.
    const deps = await depsFor('dst-', '2026-03-28T12:00:00.000Z', {
      jkt: board({ slack_channel_id: 'C0JKT', members: { scheduler_ids: ['dst-jkt-*'] } }),
      ldn: board({
        title: 'Ledger EOD',
        slack_channel_id: 'C0LDN',
        timezone: 'Europe/London',
        members: { scheduler_ids: ['dst-ldn-*'] },
      }),
    });
    await register(deps, 'dst-jkt-1', [], '2026-03-28T12:00:00.000Z');
    await register(deps, 'dst-ldn-1', [], '2026-03-28T12:00:00.000Z');
    const seen = await runNight(deps, '2026-03-28T16:00:00.000Z', '2026-03-29T06:00:00.000Z');
    const at = (channel: string, method: string) =>
      seen.filter((call) => call.channel === channel && call.method === method).map((c) => c.at);

    // Jakarta (UTC+7, no DST): 00:00–06:00 WIB is 17:00–23:00 UTC on 28 Mar.
    expect(at('C0JKT', 'chat.postMessage')).toEqual([
      '2026-03-28T17:00:00.000Z',
      '2026-03-28T23:00:00.000Z', // the summary
    ]);
    expect(at('C0JKT', 'chat.update')).toEqual([
      '2026-03-28T18:00:00.000Z',
      '2026-03-28T19:00:00.000Z',
      '2026-03-28T20:00:00.000Z',
      '2026-03-28T21:00:00.000Z',
      '2026-03-28T22:00:00.000Z',
      '2026-03-28T23:00:00.000Z', // the final edit
    ]);
    // London: 00:00 GMT, 01:00 GMT, then 03:00 BST (02:00 does not exist, 03:00 runs
    // once), 04:00 and 05:00 BST, and the final at 06:00 BST = 05:00 UTC.
    expect(at('C0LDN', 'chat.postMessage')).toEqual([
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T05:00:00.000Z',
    ]);
    expect(at('C0LDN', 'chat.update')).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T02:00:00.000Z',
      '2026-03-29T03:00:00.000Z',
      '2026-03-29T04:00:00.000Z',
      '2026-03-29T05:00:00.000Z',
    ]);
    // Each table shows its own members only, in its own zone; the default board, with no
    // members once boards exist, posts nothing.
    const [jkt] = slack.messages('C0JKT');
    const [ldn] = slack.messages('C0LDN');
    expect(JSON.stringify(jkt)).toContain('Job dst-jkt-1');
    expect(JSON.stringify(jkt)).not.toContain('Job dst-ldn-1');
    expect(JSON.stringify(ldn)).toContain('Job dst-ldn-1');
    expect(JSON.stringify(ldn)).toContain('Ledger EOD');
    expect(JSON.stringify(ldn)).toMatch(/BST/);
    expect(slack.messages(OPS)).toHaveLength(0);
  });
});

describe('quiet dates and the default board', () => {
  it('skips a quiet night of one board, and the default board holds the schedulers in no board', async () => {
    const deps = await depsFor('q-', '2026-12-24T00:00:00.000Z', {
      pay: board({ members: { scheduler_ids: ['q-pay-*'] }, quiet_dates: ['2026-12-25'] }),
    });
    await register(deps, 'q-pay-1', [], '2026-12-24T00:00:00.000Z');
    await register(deps, 'q-other', [], '2026-12-24T00:00:00.000Z');
    // The night of 25 Dec (WIB): 24 Dec 17:00Z – 23:00Z.
    await runNight(deps, '2026-12-24T16:58:00.000Z', '2026-12-24T17:02:00.000Z');
    expect(slack.messages('C0PAY')).toHaveLength(0);
    const [table] = slack.messages(OPS);
    expect(JSON.stringify(table)).toContain('Job q-other');
    expect(JSON.stringify(table)).not.toContain('Job q-pay-1');
    // The next night is not quiet.
    await runNight(deps, '2026-12-25T17:00:00.000Z', '2026-12-25T17:01:00.000Z');
    expect(slack.messages('C0PAY')).toHaveLength(1);
  });

  it('lists the schedulers of an empty default board every 10 minutes, not every tick', async () => {
    const deps = await depsFor('e-', '2026-02-03T12:00:00.000Z', {
      pay: board({ members: { scheduler_ids: ['e-pay-*'] } }),
    });
    await register(deps, 'e-pay-1', [], '2026-02-03T12:00:00.000Z');
    let lists = 0;
    const list = deps.schedulers.list;
    deps.schedulers = {
      ...deps.schedulers,
      list: (filter) => {
        lists += 1;
        return list(filter);
      },
    };
    // 00:00–00:05 WIB on 4 Feb: the board posts at 00:00; the default board has nobody.
    await runNight(deps, '2026-02-03T17:00:00.000Z', '2026-02-03T17:05:00.000Z');
    expect(slack.messages('C0PAY')).toHaveLength(1);
    expect(slack.messages(OPS)).toHaveLength(0);
    expect(lists).toBe(1);
    // A scheduler in no board at 00:06: the default board's catch-up posts it by 00:10.
    await register(deps, 'e-loner', [], '2026-02-03T17:06:00.000Z');
    await runNight(deps, '2026-02-03T17:06:00.000Z', '2026-02-03T17:10:00.000Z');
    expect(lists).toBe(2);
    const [table] = slack.messages(OPS);
    expect(JSON.stringify(table)).toContain('Job e-loner');
  });

  it('looks at an empty default board again at once when the boards change', async () => {
    const deps = await depsFor('c-', '2026-02-05T12:00:00.000Z', {
      pay: board({ members: { scheduler_ids: ['c-pay-*'] } }),
      // A board left after the deletion: the default board still holds only the rest.
      led: board({ slack_channel_id: 'C0LED', members: { scheduler_ids: ['c-led-*'] } }),
    });
    await register(deps, 'c-pay-1', [], '2026-02-05T12:00:00.000Z');
    await register(deps, 'c-led-1', [], '2026-02-05T12:00:00.000Z');
    // 00:00–00:02 WIB on 6 Feb: the board posts, the default board is empty.
    await runNight(deps, '2026-02-05T17:00:00.000Z', '2026-02-05T17:02:00.000Z');
    expect(slack.messages(OPS)).toHaveLength(0);
    // The board is deleted at 00:03: its member is the default board's from the next tick.
    await deps.boards?.delete('c-pay', '2026-02-05T17:03:00.000Z');
    await runNight(deps, '2026-02-05T17:03:00.000Z', '2026-02-05T17:03:00.000Z');
    const [table] = slack.messages(OPS);
    expect(JSON.stringify(table)).toContain('Job c-pay-1');
  });

  it('runs one action on one board with `once --board`, and names the boards for an unknown one', async () => {
    const deps = await depsFor('o-', '2026-02-01T00:00:00.000Z', {
      pay: board({ members: { scheduler_ids: ['o-pay-*'] } }),
    });
    await register(deps, 'o-pay-1', [], '2026-02-01T00:00:00.000Z');
    const result = await runAction(deps, 'post', Date.parse('2026-02-01T18:00:00.000Z'), {
      board: 'o-pay',
      force: true,
    });
    expect(result).toMatchObject({ board: 'o-pay', businessDate: '2026-02-02' });
    expect(slack.messages('C0PAY')).toHaveLength(1);
    await expect(
      runAction(deps, 'post', Date.parse('2026-02-01T18:00:00.000Z'), { board: 'nope' }),
    ).rejects.toThrow(/no board 'nope'; the boards are default, o-pay/);
  });
});
