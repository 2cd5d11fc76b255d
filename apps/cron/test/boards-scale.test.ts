// The boards bar (boards.md): 50 boards × 200 schedulers through a whole simulated night
// with one leader, on the real DynamoDB engine and a fake Slack that enforces Slack's
// Tier 3 limit for chat.update (50 a minute) and a per-channel limit for posts. The
// notifier, the fake Slack and the night share one simulated clock: the limiter's waits
// move it on, so the night takes seconds, not hours, and nothing races a real timer.
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
import { boardOf, DEFAULT_EOD_CONFIG } from '@schedmon/domain';
import { createFakeClock } from '@schedmon/domain/fakes';
import type { FakeSlack } from '@schedmon/fake-slack';
import { startFakeSlack } from '@schedmon/fake-slack';
import { createLogger } from '@schedmon/runtime';
import { useTestEnvironment } from '@schedmon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionDeps } from '../src/actions.ts';
import { createCronRunner } from '../src/schedule.ts';

const environment = useTestEnvironment();
const BOARDS = 50;
const PER_BOARD = 200;
// 2026-04-10 00:00 WIB.
const START = Date.parse('2026-04-09T17:00:00.000Z');
const clock = createFakeClock(new Date(START - 3_600_000));
let slack: FakeSlack;

beforeAll(async () => {
  slack = await startFakeSlack({
    now: () => clock.now().getTime(),
    rateLimits: {
      'chat.update': { perMinute: 50 },
      'chat.postMessage': { perChannelPer: { calls: 30, windowMs: 30_000 } },
    },
  });
});
afterAll(async () => {
  await slack.stop();
});

const pad = (n: number) => String(n).padStart(2, '0');
const channelOf = (b: number) => `C0BOARD${pad(b)}`;

describe('50 boards × 200 schedulers through a night, one leader', () => {
  it('posts one table per board, edits it once per slot, posts one summary each, and draws no 429', async () => {
    const documents = createDocumentClient(environment().clients.dynamodb);
    const { names } = environment();
    const at = new Date(START - 3_600_000).toISOString();
    const boards = createDynamoBoardStore(documents, names.stateTable);
    const schedulers = createDynamoSchedulerStore(documents, names.schedulersTable);
    for (let b = 0; b < BOARDS; b += 1) {
      const input = {
        title: `Team ${pad(b)} EOD`,
        slack_channel_id: channelOf(b),
        timezone: 'Asia/Jakarta',
        window_start: '00:00',
        window_end: '06:00',
        members: { scheduler_ids: [`t${pad(b)}-*`] },
      };
      await boards.put(boardOf(`team-${pad(b)}`, input, at), at);
    }
    const ids = Array.from({ length: BOARDS * PER_BOARD }, (_, i) => {
      const b = Math.floor(i / PER_BOARD);
      return { id: `t${pad(b)}-job-${i % PER_BOARD}`, b };
    });
    // Registered 32 at a time.
    for (let i = 0; i < ids.length; i += 32) {
      await Promise.all(
        ids
          .slice(i, i + 32)
          .map(({ id, b }) =>
            schedulers.register(
              { scheduler_id: id, service_name: `Service ${pad(b)}`, job_name: id },
              at,
            ),
          ),
      );
    }
    const deps: ActionDeps = {
      schedulers,
      history: createDynamoHistoryStore(documents, names.historyTable),
      eodRuns: createDynamoEodRunStore(documents, names.stateTable),
      acknowledgements: createDynamoAcknowledgementStore(documents, names.stateTable),
      notifier: createSlackNotifier({
        token: 'xoxb-test',
        channel: 'C0OPS',
        apiUrl: slack.url,
        now: () => clock.now().getTime(),
        sleep: async (ms) => clock.advance(ms),
      }),
      clock,
      eod: DEFAULT_EOD_CONFIG,
      logger: createLogger({ name: 'cron', level: 'silent', pretty: false }),
      boards,
    };
    const leader = createCronRunner({
      deps,
      leases: createDynamoLeaseStore(documents, names.stateTable),
      owner: 'the-leader',
      leaseTtlSeconds: 600,
      logger: deps.logger,
    });
    // A tick every 10 minutes from 23:50 to 06:10 WIB; the limiter's waits may have moved
    // the clock past a tick's time, and then the tick runs when the clock is.
    for (
      let tickAt = START - 600_000;
      tickAt <= START + 6 * 3_600_000 + 600_000;
      tickAt += 600_000
    ) {
      if (clock.now().getTime() < tickAt) clock.set(new Date(tickAt));
      await leader.step();
    }
    expect(leader.leader).toBe(true);
    await leader.stop();

    expect(slack.rateLimited()).toEqual([]);
    const ok = (method: string) =>
      slack.callsOf(method).filter((call) => call.response?.body.ok === true);
    const posts = ok('chat.postMessage');
    const updates = ok('chat.update');
    expect(slack.messages('C0OPS')).toHaveLength(0);
    for (let b = 0; b < BOARDS; b += 1) {
      const channel = channelOf(b);
      const mine = posts.filter((call) => call.body.channel === channel);
      const summaries = mine.filter((call) => String(call.body.text).startsWith('🏁'));
      const tables = mine.filter((call) => !summaries.includes(call));
      // One table: every message of it posted at the window start (00:00–00:10), and
      // every one of them edited once per slot (01:00 … 05:00) and once by the final.
      expect(tables.length).toBeGreaterThanOrEqual(2);
      for (const call of tables) {
        expect(call.time.getTime()).toBeLessThan(START + 600_000);
      }
      expect(summaries).toHaveLength(1);
      const refs = slack.messages(channel).map((message) => message.ts);
      expect(refs).toHaveLength(tables.length + 1);
      const edits = updates.filter((call) => call.body.channel === channel);
      const perMessage = new Map<string, number>();
      for (const call of edits) {
        const ts = String(call.body.ts);
        perMessage.set(ts, (perMessage.get(ts) ?? 0) + 1);
      }
      expect(perMessage.size).toBe(tables.length);
      for (const count of perMessage.values()) expect(count).toBe(6);
      // Each board's table holds its own 200 schedulers only.
      const text = slack
        .messages(channel)
        .map((message) => JSON.stringify(message.blocks))
        .join('');
      expect(text).toContain(`t${pad(b)}-job-199`);
      expect(text).not.toContain(`t${pad((b + 1) % BOARDS)}-job-`);
    }
    // Within Tier 3: no sliding minute holds more than 50 edits.
    const times = updates.map((call) => call.time.getTime()).sort((x, y) => x - y);
    for (let i = 50; i < times.length; i += 1) {
      expect((times[i] ?? 0) - (times[i - 50] ?? 0)).toBeGreaterThanOrEqual(60_000);
    }
  }, 240_000);
});
