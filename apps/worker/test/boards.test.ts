// Boards and incidents (docs/boards.md) on the real engines and the fake Slack server: a
// member's incident goes to each of its boards' channels once, with one thread each and
// the board's mention; a quiet date opens none.
import { createHash } from 'node:crypto';
import {
  createDocumentClient,
  createDynamoBoardStore,
  createDynamoHistoryStore,
  createDynamoIncidentStore,
  createDynamoSchedulerStore,
} from '@schedmon/adapters/dynamodb';
import { createSlackNotifier } from '@schedmon/adapters/slack';
import type { BoardInput, QueueMessage, ReceivedMessage, StatusMessage } from '@schedmon/domain';
import { applyIncidentSignal, boardOf, DEFAULT_EOD_CONFIG } from '@schedmon/domain';
import { createFakeClock } from '@schedmon/domain/fakes';
import type { FakeSlack } from '@schedmon/fake-slack';
import { startFakeSlack } from '@schedmon/fake-slack';
import { createLogger } from '@schedmon/runtime';
import { useTestEnvironment } from '@schedmon/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBoardRoutes } from '../src/board-routes.ts';
import { createIncidentOutbox } from '../src/incident-outbox.ts';
import { processBatch } from '../src/process-batch.ts';

const environment = useTestEnvironment();
let slack: FakeSlack;
const OPS = 'C0OPS';
const digest = (text: string) => createHash('sha256').update(text).digest('hex');
const logger = createLogger({ name: 'test', level: 'silent', pretty: false });

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

/** The worker with boards, on the engines, at the clock's time. */
async function system(start: string, boards: Record<string, BoardInput>) {
  const env = environment();
  const documents = createDocumentClient(env.clients.dynamodb);
  const clock = createFakeClock(start);
  const schedulers = createDynamoSchedulerStore(documents, env.names.schedulersTable, {
    deadlines: { timeZone: 'Asia/Jakarta', heartbeatTimeoutMinutes: 15 },
  });
  const store = createDynamoIncidentStore(documents, env.names.stateTable);
  const boardStore = createDynamoBoardStore(documents, env.names.stateTable);
  for (const stored of await boardStore.list(start))
    await boardStore.delete(stored.board_id, start);
  for (const [id, input] of Object.entries(boards)) {
    await boardStore.put(boardOf(id, input, start), start);
  }
  const notifier = createSlackNotifier({ token: 'xoxb-test', channel: OPS, apiUrl: slack.url });
  const outbox = createIncidentOutbox({
    store,
    notifier,
    clock,
    logger,
    timeZone: 'Asia/Jakarta',
    maxAgeMs: 3_600_000,
  });
  const routes = createBoardRoutes({
    boards: boardStore,
    clock,
    eod: DEFAULT_EOD_CONFIG,
    ttlMs: 0,
  });
  let received = 0;
  const asReceived = (message: QueueMessage): ReceivedMessage => {
    received += 1;
    return {
      messageId: `r-${received}`,
      receiptHandle: `h-${received}`,
      body: JSON.stringify(message),
      attributes: {},
      receiveCount: 1,
      sentAt: clock.now().getTime(),
    };
  };
  const work = async (messages: readonly QueueMessage[]) => {
    const decisions = await processBatch(
      {
        clock,
        schedulers,
        history: createDynamoHistoryStore(documents, env.names.historyTable),
        incidents: {
          apply: (input) => applyIncidentSignal({ store, clock, remindAfterMs: 3_600_000 }, input),
          deliver: (schedulerId) => outbox.deliver(schedulerId),
        },
        logger,
        maxSkewMs: 300_000,
        retentionDays: 30,
        alertMaxAgeMs: 3_600_000,
        deadlineGapMs: 300_000,
        digest,
        routes,
      },
      messages.map(asReceived),
    );
    for (const decision of decisions.values()) expect(decision.kind).toBe('done');
  };
  const register = (schedulerId: string, tags: string[], alertUserId?: string) =>
    schedulers.register(
      {
        scheduler_id: schedulerId,
        service_name: 'Payments',
        job_name: 'EOD settlement',
        tags,
        ...(alertUserId ? { alert_user_id: alertUserId } : {}),
      },
      clock.now().toISOString(),
    );
  return { clock, schedulers, store, work, register };
}

let n = 0;
const status = (
  schedulerId: string,
  value: StatusMessage['status'],
  timestamp: string,
): StatusMessage => {
  n += 1;
  return {
    v: 1,
    type: 'status',
    event_id: `bev-${n}`,
    scheduler_id: schedulerId,
    service_name: 'Payments',
    job_name: 'EOD settlement',
    status: value,
    timestamp,
    ...(value === 'failed' ? { error_message: `disk full ${n}` } : {}),
  };
};
const textOf = (message: { text?: string | undefined; blocks?: unknown }) =>
  `${message.text ?? ''} ${JSON.stringify(message.blocks ?? [])}`;

describe('a scheduler in two boards', () => {
  it('opens one root message in each channel, one thread each, with the board’s mention and zone', async () => {
    const sys = await system('2026-03-02T18:00:00.000Z', {
      payments: board({ mention: 'S0PAYTEAM' }),
      ledger: board({
        title: 'Ledger EOD',
        slack_channel_id: 'C0LEDGER',
        timezone: 'Europe/London',
        members: { scheduler_ids: ['ledger-*', 'pay-settle'] },
        mention: 'U0LEDGER',
      }),
    });
    await sys.register('pay-settle', ['payments']);
    // 18:05Z = 01:05 WIB = 18:05 GMT.
    sys.clock.set('2026-03-02T18:05:00.000Z');
    await sys.work([status('pay-settle', 'failed', '2026-03-02T18:05:00.000Z')]);

    const pay = slack.messages('C0PAY');
    const ledger = slack.messages('C0LEDGER');
    expect(pay).toHaveLength(1);
    expect(ledger).toHaveLength(1);
    expect(slack.messages(OPS)).toHaveLength(0);
    expect(textOf(pay[0] ?? {})).toContain('<!subteam^S0PAYTEAM>');
    expect(textOf(pay[0] ?? {})).toContain('WIB');
    expect(textOf(ledger[0] ?? {})).toContain('<@U0LEDGER>');
    expect(textOf(ledger[0] ?? {})).toContain('GMT');
    expect(textOf(ledger[0] ?? {})).not.toContain('S0PAYTEAM');

    // A second failure is a follow-up in both threads; the recovery resolves both roots.
    sys.clock.set('2026-03-02T18:20:00.000Z');
    await sys.work([status('pay-settle', 'failed', '2026-03-02T18:20:00.000Z')]);
    sys.clock.set('2026-03-02T18:40:00.000Z');
    await sys.work([status('pay-settle', 'completed', '2026-03-02T18:40:00.000Z')]);
    expect(slack.messages('C0PAY')).toHaveLength(1);
    expect(slack.messages('C0LEDGER')).toHaveLength(1);
    for (const [channel, root] of [
      ['C0PAY', pay[0]],
      ['C0LEDGER', ledger[0]],
    ] as const) {
      const replies = slack.thread(channel, root?.ts ?? '');
      expect(replies.map((reply) => reply.text)).toEqual([
        expect.stringContaining('ailed'),
        expect.stringContaining('Recovered'),
      ]);
      for (const reply of replies) expect(textOf(reply)).not.toMatch(/<@U|<!subteam/);
      expect(slack.message(channel, root?.ts ?? '')?.text).toMatch(/Resolved/i);
    }
    const [incident] = (
      await sys.store.incidents({ limit: 50 }, sys.clock.now().toISOString())
    ).incidents.filter((item) => item.scheduler_id === 'pay-settle');
    expect(incident?.state).toBe('resolved');
    expect(incident?.slack?.channel).toMatch(/^C0(PAY|LEDGER)$/);
  });

  it('keeps to the notifier’s channel for a scheduler in no board, and the job’s own mention first', async () => {
    const sys = await system('2026-03-03T18:00:00.000Z', {
      payments: board({ mention: 'S0PAYTEAM' }),
    });
    await sys.register('loner-job', []);
    await sys.register('pay-own', ['payments'], 'U0OWNER');
    sys.clock.set('2026-03-03T18:05:00.000Z');
    await sys.work([
      status('loner-job', 'failed', '2026-03-03T18:05:00.000Z'),
      status('pay-own', 'failed', '2026-03-03T18:05:00.000Z'),
    ]);
    expect(slack.messages(OPS)).toHaveLength(1);
    const [own] = slack.messages('C0PAY');
    expect(textOf(own ?? {})).toContain('<@U0OWNER>');
    expect(textOf(own ?? {})).not.toContain('S0PAYTEAM');
  });
});

describe('a quiet date', () => {
  it('opens no incident for a member of a quiet board, and still records its events', async () => {
    const sys = await system('2026-12-24T10:00:00.000Z', {
      payments: board({ quiet_dates: ['2026-12-25'] }),
    });
    await sys.register('pay-xmas', ['payments']);
    // 02:00 WIB on 25 Dec: a quiet date in the board's zone.
    sys.clock.set('2026-12-24T19:00:00.000Z');
    await sys.work([status('pay-xmas', 'failed', '2026-12-24T19:00:00.000Z')]);
    expect(slack.messages('C0PAY')).toHaveLength(0);
    expect((await sys.schedulers.get('pay-xmas'))?.status).toBe('failed');
    const now = sys.clock.now().toISOString();
    const incidents = (await sys.store.incidents({ limit: 50 }, now)).incidents;
    expect(incidents.filter((item) => item.scheduler_id === 'pay-xmas')).toHaveLength(0);

    // The next day is not quiet: the next failure pages.
    sys.clock.set('2026-12-25T19:00:00.000Z');
    await sys.work([status('pay-xmas', 'failed', '2026-12-25T19:00:00.000Z')]);
    expect(slack.messages('C0PAY')).toHaveLength(1);
  });
});
