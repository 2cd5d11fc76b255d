// Incidents end to end on the real engines and the fake Slack server, with a controllable
// clock: the watchdog finds what came due, the worker applies it as any event and the
// incident outbox tells Slack — root message, thread replies, the root edited.
import { createHash } from 'node:crypto';
import {
  createDocumentClient,
  createDynamoHistoryStore,
  createDynamoIncidentStore,
  createDynamoSchedulerStore,
} from '@schedmon/adapters/dynamodb';
import { createSlackNotifier } from '@schedmon/adapters/slack';
import type { QueueMessage, ReceivedMessage, Registration, StatusMessage } from '@schedmon/domain';
import {
  applyIncidentSignal,
  createWatchdog,
  parseQueueMessage,
  signalInputOf,
} from '@schedmon/domain';
import { createFakeClock, shuffled } from '@schedmon/domain/fakes';
import type { FakeSlack } from '@schedmon/fake-slack';
import { startFakeSlack } from '@schedmon/fake-slack';
import { createLogger } from '@schedmon/runtime';
import { useTestEnvironment } from '@schedmon/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createIncidentOutbox } from '../src/incident-outbox.ts';
import { processBatch } from '../src/process-batch.ts';

const environment = useTestEnvironment();
let slack: FakeSlack;
const CHANNEL = 'C0INCIDENTS';
const settings = { timeZone: 'Asia/Jakarta', heartbeatTimeoutMinutes: 15 };
const digest = (text: string) => createHash('sha256').update(text).digest('hex');
const logger = createLogger({ name: 'test', level: 'silent', pretty: false });

beforeAll(async () => {
  slack = await startFakeSlack();
});
beforeEach(() => slack.reset());
afterAll(async () => {
  await slack.stop();
});

/** The worker and the watchdog in one process, on the engines, at the clock's time. */
function system(start: string) {
  const env = environment();
  const documents = createDocumentClient(env.clients.dynamodb);
  const clock = createFakeClock(start);
  const schedulers = createDynamoSchedulerStore(documents, env.names.schedulersTable, {
    deadlines: settings,
  });
  const store = createDynamoIncidentStore(documents, env.names.stateTable);
  const notifier = createSlackNotifier({ token: 'xoxb-test', channel: CHANNEL, apiUrl: slack.url });
  const outbox = createIncidentOutbox({
    store,
    notifier,
    clock,
    logger,
    timeZone: 'Asia/Jakarta',
    maxAgeMs: 3_600_000,
  });
  const queued: QueueMessage[] = [];
  const watchdog = createWatchdog({
    schedulers,
    producer: {
      send: async (message) => {
        queued.push(message);
        return { messageId: `m-${queued.length}` };
      },
    },
    notifier,
    digest,
    timeZone: 'Asia/Jakarta',
    gapMs: 300_000,
    logger,
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
  /** Runs after the batch's boxes are read, before they are used (to race them). */
  let afterBoxesRead: (() => Promise<void>) | undefined;
  /** The worker takes these messages as one batch. */
  const work = async (messages: readonly QueueMessage[]) => {
    const decisions = await processBatch(
      {
        clock,
        schedulers,
        history: createDynamoHistoryStore(documents, env.names.historyTable),
        incidents: {
          apply: (input, read) =>
            applyIncidentSignal({ store, clock, remindAfterMs: 3_600_000 }, input, read),
          deliver: (schedulerId) => outbox.deliver(schedulerId),
          // As the worker reads them: the boxes of a batch's schedulers in one call.
          boxes: async (ids) => {
            const boxes = await store.boxes(ids, clock.now().toISOString());
            await afterBoxesRead?.();
            return boxes;
          },
        },
        logger,
        maxSkewMs: 300_000,
        retentionDays: 30,
        alertMaxAgeMs: 3_600_000,
        deadlineGapMs: 300_000,
        digest,
      },
      messages.map(asReceived),
    );
    for (const decision of decisions.values()) expect(decision.kind).toBe('done');
  };
  /** Runs the watchdog every 30 s from now until `until`, the worker taking what it sends. */
  const watch = async (until: string) => {
    while (clock.now().getTime() < Date.parse(until)) {
      clock.advance(30_000);
      await watchdog.round(clock.now().getTime());
      const batch = queued.splice(0);
      if (batch.length > 0) await work(batch);
    }
  };
  /** Registers `schedulerId` as Payments › EOD settlement, with `settings`. */
  const register = (schedulerId: string, settings: Partial<Registration> = {}) =>
    schedulers.register(
      {
        scheduler_id: schedulerId,
        service_name: 'Payments',
        job_name: 'EOD settlement',
        ...settings,
      },
      clock.now().toISOString(),
    );
  const raceBoxes = (race: (() => Promise<void>) | undefined) => {
    afterBoxesRead = race;
  };
  return { clock, schedulers, store, work, watch, register, watchdog, queued, outbox, raceBoxes };
}

let n = 0;
const status = (
  schedulerId: string,
  value: StatusMessage['status'],
  timestamp: string,
  extra: Partial<StatusMessage> = {},
): StatusMessage => {
  n += 1;
  return {
    v: 1,
    type: 'status',
    event_id: `ev-${n}`,
    scheduler_id: schedulerId,
    service_name: 'Payments',
    job_name: 'EOD settlement',
    status: value,
    timestamp,
    ...(value === 'failed' ? { error_message: `disk full ${n}` } : {}),
    ...extra,
  };
};

const DAILY_0100_WIB = { schedule: '0 1 * * *', timezone: 'Asia/Jakarta' };
const roots = () => slack.messages(CHANNEL);
/** The incidents of one scheduler, newest first (the engines are shared by every test). */
const incidentsOf = async (
  store: ReturnType<typeof system>['store'],
  schedulerId: string,
  now: string,
) =>
  (await store.incidents({ limit: 100 }, now)).incidents.filter(
    (incident) => incident.scheduler_id === schedulerId,
  );
const textOf = (message: { text?: string | undefined; blocks?: unknown }) =>
  `${message.text ?? ''} ${JSON.stringify(message.blocks ?? [])}`;

describe('a missed start (incidents.md)', () => {
  it('pages once between 01:10 and 01:11 WIB, says it started 37 min late, recovers and edits the root', async () => {
    // 2026-01-15 01:00 WIB = 2026-01-14T18:00Z; registered the evening before.
    const sys = system('2026-01-14T12:00:00.000Z');
    await sys.register('jakarta-eod', { ...DAILY_0100_WIB, alert_user_id: 'U0ONCALL' });
    sys.clock.set('2026-01-14T18:09:00.000Z');
    await sys.watch('2026-01-14T18:09:30.000Z');
    expect(roots()).toHaveLength(0);
    await sys.watch('2026-01-14T18:11:00.000Z');
    const [root] = roots();
    expect(roots()).toHaveLength(1);
    expect(root?.text).toContain('Missed');
    expect(textOf(root ?? {})).toContain('<@U0ONCALL>');

    // More rounds while nothing happens: no second page.
    await sys.watch('2026-01-14T18:40:00.000Z');
    expect(roots()).toHaveLength(1);

    sys.clock.set('2026-01-14T18:47:00.000Z');
    await sys.work([status('jakarta-eod', 'running', '2026-01-14T18:47:00.000Z')]);
    sys.clock.set('2026-01-14T18:59:00.000Z');
    await sys.work([status('jakarta-eod', 'completed', '2026-01-14T18:59:00.000Z')]);

    expect(roots()).toHaveLength(1);
    const replies = slack.thread(CHANNEL, root?.ts ?? '');
    expect(replies.map((reply) => reply.text)).toEqual([
      expect.stringContaining('37 min late'),
      expect.stringContaining('Recovered'),
    ]);
    for (const reply of replies) expect(textOf(reply)).not.toContain('<@U0ONCALL>');
    const edited = slack.message(CHANNEL, root?.ts ?? '');
    expect(edited?.edited).toBeDefined();
    expect(edited?.text).toMatch(/Resolved/i);
    expect(textOf(edited ?? {})).not.toContain('incident_acknowledge');

    const incidents = await incidentsOf(sys.store, 'jakarta-eod', sys.clock.now().toISOString());
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      kind: 'missed',
      state: 'resolved',
      opened_at: '2026-01-14T18:10:00.000Z',
      resolved_at: '2026-01-14T18:59:00.000Z',
      slack: { channel: CHANNEL, ts: root?.ts },
    });
  }, 60_000);
});

describe('a run past max_runtime_seconds', () => {
  it('opens one overrun incident within grace + 60 s; the failure escalates it without a new page', async () => {
    const sys = system('2026-01-14T12:00:00.000Z');
    await sys.register('long-run', { max_runtime_seconds: 600 });
    sys.clock.set('2026-01-14T18:00:00.000Z');
    await sys.work([status('long-run', 'running', '2026-01-14T18:00:00.000Z')]);
    // Heartbeats keep it from going stale; a later running event does not move the start.
    sys.clock.set('2026-01-14T18:05:00.000Z');
    await sys.work([status('long-run', 'running', '2026-01-14T18:05:00.000Z')]);
    await sys.watch('2026-01-14T18:09:30.000Z');
    expect(roots()).toHaveLength(0);
    await sys.watch('2026-01-14T18:11:00.000Z');
    expect(roots()).toHaveLength(1);
    const root = roots()[0];
    expect(root?.text).toContain('Overrunning');
    sys.clock.set('2026-01-14T18:20:00.000Z');
    await sys.work([status('long-run', 'failed', '2026-01-14T18:20:00.000Z')]);
    expect(roots()).toHaveLength(1);
    const replies = slack.thread(CHANNEL, root?.ts ?? '');
    expect(replies.at(-1)?.text).toMatch(/failed/i);
    const [incident] = await incidentsOf(sys.store, 'long-run', sys.clock.now().toISOString());
    expect(incident).toMatchObject({ kind: 'failed', state: 'open', events: 2 });
    expect(slack.message(CHANNEL, root?.ts ?? '')?.text).toMatch(/Failed/);
  }, 60_000);
});

describe('a run gone quiet', () => {
  it('opens one stale incident when a running job is silent past the timeout; a heartbeat resolves it', async () => {
    const sys = system('2026-01-14T12:00:00.000Z');
    await sys.register('quiet', { job_name: 'Sync' });
    sys.clock.set('2026-01-14T18:00:00.000Z');
    await sys.work([status('quiet', 'running', '2026-01-14T18:00:00.000Z')]);
    await sys.watch('2026-01-14T18:14:30.000Z');
    expect(roots()).toHaveLength(0);
    // Silent for 15 min: stale at 18:15, and once only however long the silence lasts.
    await sys.watch('2026-01-14T18:40:00.000Z');
    expect(roots()).toHaveLength(1);
    expect(roots()[0]?.text).toContain('Stale');
    await sys.work([
      {
        v: 1,
        type: 'heartbeat',
        event_id: 'hb-quiet',
        scheduler_id: 'quiet',
        timestamp: '2026-01-14T18:40:00.000Z',
      },
    ]);
    const [incident] = await incidentsOf(sys.store, 'quiet', '2026-01-14T18:41:00.000Z');
    expect(incident).toMatchObject({ kind: 'stale', state: 'resolved' });
    expect(slack.thread(CHANNEL, roots()[0]?.ts ?? '').at(-1)?.text).toContain('Recovered');
  }, 60_000);
});

describe('thresholds', () => {
  it('alert_after_failures 3 pages at the third failure only; two successes resolve it', async () => {
    const sys = system('2026-01-14T12:00:00.000Z');
    await sys.register('flaky', { alert_after_failures: 3, recover_after_successes: 2 });
    const at = (minute: number) => `2026-01-14T18:${String(minute).padStart(2, '0')}:00.000Z`;
    for (const minute of [1, 2]) {
      sys.clock.set(at(minute));
      await sys.work([status('flaky', 'failed', at(minute))]);
    }
    expect(roots()).toHaveLength(0);
    sys.clock.set(at(3));
    await sys.work([status('flaky', 'failed', at(3))]);
    expect(roots()).toHaveLength(1);
    sys.clock.set(at(4));
    await sys.work([status('flaky', 'completed', at(4))]);
    let [incident] = await incidentsOf(sys.store, 'flaky', at(4));
    expect(incident?.state).toBe('open');
    sys.clock.set(at(5));
    await sys.work([status('flaky', 'completed', at(5))]);
    [incident] = await incidentsOf(sys.store, 'flaky', at(5));
    expect(incident).toMatchObject({ state: 'resolved', resolved_at: at(5) });
    expect(roots()).toHaveLength(1);
  }, 60_000);

  it('counts every failure of a batch read in one call, when another worker changed a box after that read', async () => {
    const sys = system('2026-01-14T12:00:00.000Z');
    const ids = ['batch-a', 'batch-b', 'batch-c'];
    for (const id of ids) await sys.register(id, { alert_after_failures: 5 });
    const at = (minute: number) => `2026-01-14T18:${String(minute).padStart(2, '0')}:00.000Z`;
    sys.clock.set(at(1));
    await sys.work(ids.map((id) => status(id, 'failed', at(1))));
    // Between the batch's read and its writes, another worker takes a failure of batch-a.
    const other = status('batch-a', 'failed', '2026-01-14T18:01:30.000Z');
    sys.raceBoxes(async () => {
      sys.raceBoxes(undefined);
      const record = await sys.schedulers.get('batch-a');
      const parsed = parseQueueMessage(JSON.stringify({ ...other, event_id: 'race-1' }), {
        now: sys.clock.now().getTime(),
        maxSkewMs: 300_000,
        digest,
      });
      if (!record || !parsed.ok || parsed.event.type !== 'status') throw new Error('no race');
      await applyIncidentSignal(
        { store: sys.store, clock: sys.clock, remindAfterMs: null },
        signalInputOf(
          record,
          { type: 'status', event: parsed.event },
          sys.clock.now().getTime(),
          3_600_000,
        ),
      );
    });
    const readOne = sys.store.box;
    let singleReads = 0;
    sys.store.box = (...args) => {
      singleReads += 1;
      return readOne(...args);
    };
    sys.clock.set(at(2));
    await sys.work(ids.map((id) => status(id, 'failed', at(2))));
    // The other worker's read, and batch-a's again after its lost race: no read per event.
    expect(singleReads).toBe(2);
    const failures = async (id: string) =>
      (await sys.store.box(id, at(2)))?.box.tracker.consecutive_failures;
    // batch-a: its two batches' failures and the other worker's; the stale read lost its
    // compare-and-set and was read again, so no failure was counted over another.
    expect(await failures('batch-a')).toBe(3);
    expect(await failures('batch-b')).toBe(2);
    expect(await failures('batch-c')).toBe(2);
    expect(roots()).toHaveLength(0);
  }, 60_000);

  it('gives the batch’s read of a box to a scheduler’s first signal only: the next reads the box that one left', async () => {
    const sys = system('2026-01-14T12:00:00.000Z');
    await sys.register('once-a', { alert_after_failures: 5 });
    await sys.register('once-b', { alert_after_failures: 5 });
    const at = (minute: number) => `2026-01-14T18:${String(minute).padStart(2, '0')}:00.000Z`;
    sys.clock.set(at(1));
    await sys.work([status('once-a', 'completed', at(1)), status('once-b', 'completed', at(1))]);
    sys.clock.set(at(3));
    // On the box read before the batch, once-a's success would change nothing (its count
    // is at the cap) and its failure would stay counted.
    await sys.work([
      status('once-a', 'failed', at(2)),
      status('once-a', 'completed', at(3)),
      status('once-b', 'failed', at(2)),
    ]);
    const tracker = async (id: string) => (await sys.store.box(id, at(3)))?.box.tracker;
    expect(await tracker('once-a')).toMatchObject({ consecutive_failures: 0 });
    expect(await tracker('once-b')).toMatchObject({ consecutive_failures: 1 });
  }, 60_000);

  it('a completed run shorter than min_runtime_seconds opens a too_fast incident', async () => {
    const sys = system('2026-01-14T12:00:00.000Z');
    await sys.register('suspicious', { min_runtime_seconds: 60 });
    sys.clock.set('2026-01-14T18:00:10.000Z');
    await sys.work([
      status('suspicious', 'running', '2026-01-14T18:00:00.000Z'),
      status('suspicious', 'completed', '2026-01-14T18:00:05.000Z'),
    ]);
    expect(roots()).toHaveLength(1);
    expect(roots()[0]?.text).toMatch(/Too fast/);
    const [incident] = await incidentsOf(sys.store, 'suspicious', '2026-01-14T18:01:00.000Z');
    expect(incident).toMatchObject({ kind: 'too_fast', state: 'open' });
  }, 60_000);
});

describe('a deadline racing a real status', () => {
  it('ends on the real event: in one batch in any order, nothing is paged', async () => {
    for (let seed = 1; seed <= 4; seed += 1) {
      slack.reset();
      const sys = system('2026-01-14T12:00:00.000Z');
      const id = `race-${seed}`;
      await sys.register(id, { schedule: '0 1 * * *', timezone: 'Asia/Jakarta' });
      // The job started at 01:09:59 WIB; the watchdog found the 01:10 deadline meanwhile.
      sys.clock.set('2026-01-14T18:10:30.000Z');
      await sys.watchdog.round(sys.clock.now().getTime());
      const deadlines = sys.queued.splice(0);
      expect(deadlines).toHaveLength(1);
      const real = status(id, 'running', '2026-01-14T18:09:59.000Z');
      await sys.work(shuffled([...deadlines, real], seed));
      expect(roots()).toHaveLength(0);
      const record = await sys.schedulers.get(id);
      expect(record).toMatchObject({ status: 'running', deadline_fired_at: null });
      expect(record?.due_kind).toBe('stale');
    }
  }, 60_000);

  it('the real event applied first supersedes the deadline delivered after it', async () => {
    const sys = system('2026-01-14T12:00:00.000Z');
    await sys.register('race-late', { schedule: '0 1 * * *', timezone: 'Asia/Jakarta' });
    sys.clock.set('2026-01-14T18:10:30.000Z');
    await sys.watchdog.round(sys.clock.now().getTime());
    const deadlines = sys.queued.splice(0);
    await sys.work([status('race-late', 'running', '2026-01-14T18:09:59.000Z')]);
    await sys.work(deadlines);
    // And a redelivery of the deadline changes nothing either.
    await sys.work(deadlines);
    expect(roots()).toHaveLength(0);
    expect(await sys.schedulers.get('race-late')).toMatchObject({
      status: 'running',
      deadline_fired_at: null,
    });
  }, 60_000);
});

// On a night before every other test's, so no deadline of theirs is due with these.
describe('the monitor’s own outage', () => {
  it('records deadlines that fell while the watchdog was stopped as unknown, says so once, and pages a later one', async () => {
    const sys = system('2026-01-10T12:00:00.000Z');
    const ids = Array.from({ length: 200 }, (_, index) => `gap-${index}`);
    for (const id of ids) {
      await sys.register(id, {
        job_name: id,
        // Due 01:00–01:19 WIB, while the watchdog is stopped from 00:55 to 01:25.
        schedule: `${ids.indexOf(id) % 20} 1 * * *`,
        timezone: 'Asia/Jakarta',
        grace_seconds: 60,
      });
    }
    await sys.register('after-gap', {
      job_name: 'after',
      schedule: '40 1 * * *',
      timezone: 'Asia/Jakarta',
      grace_seconds: 60,
    });
    // Stopped until 01:25 WIB; then it runs again.
    sys.clock.set('2026-01-10T18:25:00.000Z');
    await sys.watch('2026-01-10T18:30:00.000Z');
    const gapMessages = roots().filter((message) => /not watching/.test(message.text ?? ''));
    expect(gapMessages).toHaveLength(1);
    expect(gapMessages[0]?.text).toContain('200 deadlines');
    expect(roots()).toHaveLength(1);
    const record = await sys.schedulers.get('gap-7');
    expect(record?.deadline_unknown_at).toBe('2026-01-10T18:08:00.000Z');
    // The job due after the restart is paged as usual.
    await sys.watch('2026-01-10T18:42:00.000Z');
    expect(roots()).toHaveLength(2);
    expect(roots()[1]?.text).toContain('Missed');
  }, 120_000);
});
