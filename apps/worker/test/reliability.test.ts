// Reliability of the worker on the real engines (docs/performance.md R1, R3, R5): crashes, a
// DynamoDB outage and a Slack outage lose nothing and post no alert twice.
import type { StatusMessage } from '@schedmon/domain';
import { compareOrder } from '@schedmon/domain';
import { seededRandom } from '@schedmon/domain/fakes';
import type { FakeSlack } from '@schedmon/fake-slack';
import { startFakeSlack } from '@schedmon/fake-slack';
import { waitFor } from '@schedmon/local';
import { useTestEnvironment } from '@schedmon/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerProcess } from './harness.ts';
import { deadLetterDepth, sendEvents, startWorker, storesOf, waitDrained } from './harness.ts';

// `pnpm test:reliability` with RELIABILITY_SOAK=1 runs the long variants: 50,000 events
// through R1 and a 10-minute Slack outage for R5 (docs/performance.md), instead of the CI sizes.
const SOAK = process.env.RELIABILITY_SOAK === '1';
const R1_SCHEDULERS = SOAK ? 1_000 : 200;
const SLACK_OUTAGE_MS = SOAK ? 600_000 : 3_000;
const environment = useTestEnvironment();
let slack: FakeSlack;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  slack = await startFakeSlack();
});
afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.stop('SIGKILL');
  slack.clearFailures();
  slack.reset();
});
afterAll(async () => {
  await slack.stop();
});

const stores = () => storesOf(environment());
const baseEnv = () => ({
  SLACK_BOT_TOKEN: 'xoxb-test',
  SLACK_CHANNEL_ID: 'C0ALERTS',
  SLACK_API_URL: slack.url,
  VISIBILITY_TIMEOUT_SECONDS: '5',
  ALERT_RETRY_INTERVAL_SECONDS: '1',
  LOG_LEVEL: 'warn',
});
const start = async (extra: Record<string, string> = {}) => {
  const worker = await startWorker(environment(), { ...baseEnv(), ...extra });
  workers.push(worker);
  return worker;
};
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

function makeEvents(prefix: string, schedulers: number, perScheduler: number, failedEvery: number) {
  const random = seededRandom(prefix.length * 7919);
  const events: StatusMessage[] = [];
  for (let s = 0; s < schedulers; s += 1) {
    for (let e = 0; e < perScheduler; e += 1) {
      const n = s * perScheduler + e;
      const failed = n % failedEvery === failedEvery - 1;
      events.push({
        v: 1,
        type: 'status',
        event_id: `${prefix}-${n}`,
        scheduler_id: `${prefix}-job-${s}`,
        service_name: 'Reliability',
        job_name: `Job ${s}`,
        status: failed ? 'failed' : random() < 0.5 ? 'running' : 'completed',
        timestamp: ago(600_000 - Math.floor(random() * 300_000)),
        ...(failed ? { error_message: `boom ${n}` } : {}),
      });
    }
  }
  return events;
}

async function expectStoredExactly(events: readonly StatusMessage[]) {
  const { schedulers, history } = stores();
  const byScheduler = new Map<string, StatusMessage[]>();
  for (const event of events)
    byScheduler.set(event.scheduler_id, [...(byScheduler.get(event.scheduler_id) ?? []), event]);
  let rows = 0;
  await Promise.all(
    [...byScheduler].map(async ([id, own]) => {
      const stored = await history.query(id, { limit: 1000, now: new Date().toISOString() });
      rows += stored.length;
      expect(new Set(stored.map((row) => row.id)).size, id).toBe(stored.length);
      expect(stored.map((row) => row.id).sort(), id).toEqual(
        own.map((event) => event.event_id).sort(),
      );
      const newest = [...own]
        .sort((a, b) =>
          compareOrder(
            { timestamp: a.timestamp, status: a.status, event_id: a.event_id ?? '' },
            { timestamp: b.timestamp, status: b.status, event_id: b.event_id ?? '' },
          ),
        )
        .at(-1);
      const record = await schedulers.get(id);
      expect(record?.status, id).toBe(newest?.status);
      expect(record?.timestamp, id).toBe(newest?.timestamp);
    }),
  );
  expect(rows).toBe(events.length);
}

/**
 * Incident root messages the fake Slack accepted, by the event that opened them (the
 * Acknowledge button carries the incident id, `<scheduler id>#<event id>`).
 */
function deliveredAlerts() {
  const counts = new Map<string, number>();
  for (const call of slack.callsOf('chat.postMessage')) {
    if (call.response?.body.ok !== true) continue;
    const body = JSON.stringify(call.body);
    if (body.includes('thread_ts')) continue;
    const ids = new Set([...body.matchAll(/[a-z0-9-]+-job-\d+#([a-z0-9-]+)/g)].map((m) => m[1]));
    for (const id of ids) if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe('R1: kill -9 of the worker at random points while 10,000 events flow', () => {
  it(
    'leaves exactly one history row per event, every record at its newest event, no alert twice, an empty DLQ',
    async () => {
      const events = makeEvents('r1', R1_SCHEDULERS, 50, 97);
      const { schedulers } = stores();
      for (let s = 0; s < R1_SCHEDULERS; s += 20) {
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            schedulers.register(
              {
                scheduler_id: `r1-job-${s + i}`,
                service_name: 'Reliability',
                job_name: `Job ${s + i}`,
              },
              ago(3_600_000),
            ),
          ),
        );
      }
      const random = seededRandom(2026);
      const shuffled = [...events].sort(() => random() - 0.5);
      let worker = await start();
      const sending = (async () => {
        for (let i = 0; i < shuffled.length; i += 500)
          await sendEvents(environment(), shuffled.slice(i, i + 500));
      })();
      for (let round = 0; round < 3; round += 1) {
        await new Promise((resolve) => setTimeout(resolve, 1_000 + Math.floor(random() * 2_000)));
        await worker.stop('SIGKILL');
        worker = await start();
      }
      await sending;
      await waitDrained(environment(), SOAK ? 1_800_000 : 180_000);
      await expectStoredExactly(events);
      const alerts = deliveredAlerts();
      expect([...alerts.values()].filter((count) => count > 1)).toEqual([]);
      expect(await deadLetterDepth(environment())).toBe(0);
    },
    SOAK ? 3_600_000 : 300_000,
  );
});

describe('R3: the DynamoDB engine stopped for 30 s during flow', () => {
  it('retries, loses nothing, parks nothing, and readiness goes down and back', async () => {
    const events = makeEvents('r3', 40, 50, 1_000_000);
    const { schedulers } = stores();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        schedulers.register(
          { scheduler_id: `r3-job-${i}`, service_name: 'Reliability', job_name: `Job ${i}` },
          ago(3_600_000),
        ),
      ),
    );
    const worker = await start();
    const ready = () => fetch(`http://127.0.0.1:${worker.port}/health/ready`).then((r) => r.status);
    await sendEvents(environment(), events.slice(0, 1_000));
    const restore = await environment().interrupt('dynamodb');
    try {
      await sendEvents(environment(), events.slice(1_000));
      await waitFor(async () => (await ready()) === 503, 'readiness to go down', 10_000);
      await new Promise((resolve) => setTimeout(resolve, 30_000));
    } finally {
      await restore();
    }
    await waitFor(async () => (await ready()) === 200, 'readiness to come back', 20_000);
    await waitDrained(environment(), 120_000);
    await expectStoredExactly(events);
    expect(await deadLetterDepth(environment())).toBe(0);
  }, 240_000);
});

describe('R9: the DynamoDB engine stopped for longer than the redrive budget', () => {
  // Time compressed: messages hidden 2 s, unexpected failures retried after 1, 2, 4, 8 s,
  // probes at most 1 s apart. Retried on that schedule, an in-flight message has failed
  // its fifth receive about 15 s into the outage, and the redrive policy parks it on the
  // sixth: the 20 s outage below is to this test what 10 minutes are to the defaults.
  const R9_OUTAGE_MS = 20_000;

  it('pauses receiving and keeps in-flight messages hidden: nothing lost, nothing parked', async () => {
    const events = makeEvents('r9', 20, 3, 1_000_000);
    const { schedulers } = stores();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        schedulers.register(
          { scheduler_id: `r9-job-${i}`, service_name: 'Reliability', job_name: `Job ${i}` },
          ago(3_600_000),
        ),
      ),
    );
    const worker = await start({
      VISIBILITY_TIMEOUT_SECONDS: '2',
      RETRY_DELAY_SECONDS: '1',
      ENGINE_PROBE_MAX_INTERVAL_SECONDS: '1',
      LOG_LEVEL: 'info',
    });
    const logged = (message: string) => worker.logs.some((line) => line.msg === message);
    const readiness = async () => {
      const response = await fetch(`http://127.0.0.1:${worker.port}/health/ready`);
      return (await response.json()) as { components: Record<string, { status: string }> };
    };
    const restore = await environment().interrupt('dynamodb');
    let during: Awaited<ReturnType<typeof readiness>>;
    try {
      await sendEvents(environment(), events.slice(0, 40));
      // The outage has reached the worker once it has messages it could not apply.
      await waitFor(() => logged('event not applied; will retry'), 'a failed apply', 20_000);
      await new Promise((resolve) => setTimeout(resolve, R9_OUTAGE_MS));
      during = await readiness();
    } finally {
      await restore();
    }
    // Receiving resumed: what is sent after the outage is processed too.
    await sendEvents(environment(), events.slice(40));
    await waitDrained(environment(), 40_000);
    expect(await deadLetterDepth(environment())).toBe(0);
    await expectStoredExactly(events);
    expect(during.components.consumer?.status).toBe('down');
    expect(logged('DynamoDB unreachable: receiving paused')).toBe(true);
    expect(logged('DynamoDB answers again: receiving resumed')).toBe(true);
    await waitFor(
      async () => (await readiness()).components.consumer?.status === 'up',
      'the consumer ready again',
    );
  }, 90_000);
});

describe('R5: Slack answers 5xx and 429 for a while', () => {
  it(
    'delivers every failure alert exactly once after recovery',
    async () => {
      const events = makeEvents('r5', 20, 1, 1);
      const mine = () => new Map([...deliveredAlerts()].filter(([id]) => id.startsWith('r5-')));
      const { schedulers } = stores();
      for (const event of events) {
        await schedulers.register(
          { scheduler_id: event.scheduler_id, service_name: 'Reliability', job_name: 'Job' },
          ago(3_600_000),
        );
        event.timestamp = ago(1_000);
      }
      slack.failUntilCleared({ method: 'chat.postMessage', status: 503 });
      await start({ ALERT_MAX_AGE_MINUTES: '60' });
      await sendEvents(environment(), events);
      await waitDrained(environment(), 30_000);
      await new Promise((resolve) => setTimeout(resolve, SLACK_OUTAGE_MS));
      expect(mine().size).toBe(0);
      slack.clearFailures();
      slack.failNext({ method: 'chat.postMessage', status: 429, retryAfterSeconds: 1, times: 3 });
      await waitFor(() => mine().size === events.length, 'every alert to arrive', 90_000);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const alerts = mine();
      expect(alerts.size).toBe(events.length);
      expect([...alerts.values()].every((count) => count === 1)).toBe(true);
    },
    SLACK_OUTAGE_MS + 150_000,
  );

  it('logs and counts a permanent refusal (channel_not_found) and does not retry it', async () => {
    const { schedulers } = stores();
    await schedulers.register(
      { scheduler_id: 'r5-permanent', service_name: 'Reliability', job_name: 'Job' },
      ago(3_600_000),
    );
    slack.failUntilCleared({ method: 'chat.postMessage', error: 'channel_not_found' });
    const worker = await start({ LOG_LEVEL: 'info' });
    const attempts = () =>
      slack
        .callsOf('chat.postMessage')
        .filter((call) => JSON.stringify(call.body).includes('r5-permanent-1')).length;
    await sendEvents(environment(), [
      {
        v: 1,
        type: 'status',
        event_id: 'r5-permanent-1',
        scheduler_id: 'r5-permanent',
        service_name: 'Reliability',
        job_name: 'Job',
        status: 'failed',
        timestamp: ago(1_000),
        error_message: 'boom',
      },
    ]);
    await waitDrained(environment(), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    slack.clearFailures();
    expect(attempts()).toBe(1);
    const metrics = await fetch(`http://127.0.0.1:${worker.port}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/schedmon_incident_messages_total\{outcome="refused"\} 1/);
    expect(worker.logs.some((line) => JSON.stringify(line).includes('channel_not_found'))).toBe(
      true,
    );
  }, 60_000);
});
