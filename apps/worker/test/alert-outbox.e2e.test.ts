// The alert outbox on the real engines: the state table on the local DynamoDB, posts through
// the Slack notifier to the fake Slack server. Time is an injected clock, so backoffs pass
// at once; Slack's answers are real HTTP.
import { randomUUID } from 'node:crypto';
import { createDocumentClient, createDynamoAlertStore } from '@schedmon/adapters/dynamodb';
import { createSlackNotifier } from '@schedmon/adapters/slack';
import type { Clock } from '@schedmon/domain';
import { alertKey } from '@schedmon/domain';
import { createFakeClock } from '@schedmon/domain/fakes';
import type { FakeSlack } from '@schedmon/fake-slack';
import { startFakeSlack } from '@schedmon/fake-slack';
import { useTestEnvironment } from '@schedmon/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlertInput, AlertOutcome } from '../src/alert-outbox.ts';
import { createAlertOutbox } from '../src/alert-outbox.ts';

const CHANNEL = 'C0ALERTS';
const MINUTE = 60_000;

const environment = useTestEnvironment();
let fake: FakeSlack;

beforeAll(async () => {
  fake = await startFakeSlack({ channels: [CHANNEL] });
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  fake.reset();
});

type LogLine = { level: string; obj: Record<string, unknown>; msg: string };

/** The outbox key of an alert. */
const keyOf = (alert: AlertInput) => alertKey(alert.scheduler.scheduler_id, alert.eventId);

function failure(job: string, failedAt: string): AlertInput {
  return {
    eventId: randomUUID(),
    failedAt,
    scheduler: {
      scheduler_id: `svc-${job}`,
      service_name: 'Service A',
      job_name: job,
      timestamp: failedAt,
      execution_time_ms: 15_000,
      error_message: 'disk full',
      alert_user_id: null,
    },
  };
}

/** An outbox as one worker builds it, on the shared table and the fake Slack. */
function worker(clock: Clock, options: { channel?: string } = {}) {
  const lines: LogLine[] = [];
  const outcomes: AlertOutcome[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) => {
    lines.push({ level, obj, msg });
  };
  const logger = { info: at('info'), warn: at('warn'), error: at('error') };
  const { clients, names } = environment();
  const alerts = createDynamoAlertStore(createDocumentClient(clients.dynamodb), names.stateTable);
  const outbox = createAlertOutbox({
    alerts,
    // No inline rate-limit waits: the outbox's own retry is what is under test.
    notifier: createSlackNotifier({
      token: 'xoxb-test-token',
      channel: options.channel ?? CHANNEL,
      apiUrl: fake.url,
      logger,
      timeoutMs: 2_000,
      retries: 0,
    }),
    clock,
    logger,
    timeZone: 'Asia/Jakarta',
    maxAgeMs: 60 * MINUTE,
    onOutcome: (outcome) => outcomes.push(outcome),
  });
  const pointers = async () =>
    (await alerts.scheduled(clock.now().toISOString())).map((pointer) => pointer.key);
  return { outbox, lines, outcomes, pointers };
}

const posts = () => fake.callsOf('chat.postMessage');
const accepted = () => posts().filter((call) => call.response?.body.ok === true);

// Every test finishes its alerts, so the next one's deliverDue sees none of them.
let check: (() => Promise<string[]>) | undefined;
afterEach(async () => {
  const left = await check?.();
  check = undefined;
  expect(left ?? []).toEqual([]);
});

describe('alert outbox on DynamoDB and the fake Slack', () => {
  it('keeps alerts pending through a Slack outage and posts each once afterwards', async () => {
    const clock = createFakeClock(new Date());
    const { outbox, outcomes, pointers } = worker(clock);
    check = pointers;
    const alerts = ['job-1', 'job-2', 'job-3', 'job-4'].map((job) =>
      failure(job, clock.now().toISOString()),
    );
    fake.failUntilCleared({ method: 'chat.postMessage', status: 503 });

    for (const alert of alerts) {
      expect(await outbox.enqueue(alert)).toBe('created');
      expect(await outbox.deliver(keyOf(alert))).toBe('retry');
    }
    for (let pass = 0; pass < 5; pass += 1) {
      clock.advance(2 * MINUTE);
      expect((await outbox.deliverDue()).sent).toBe(0);
    }
    for (const alert of alerts) {
      expect(await outbox.get(keyOf(alert))).toMatchObject({
        state: 'pending',
        last_error: '503',
      });
    }
    expect(accepted()).toHaveLength(0);

    fake.clearFailures();
    clock.advance(6 * MINUTE);
    expect(await outbox.deliverDue()).toMatchObject({ sent: 4, retry: 0 });
    clock.advance(6 * MINUTE);
    expect(await outbox.deliverDue()).toMatchObject({ sent: 0, duplicate: 0 });
    for (const alert of alerts) expect(await outbox.deliver(keyOf(alert))).toBe('duplicate');

    expect(accepted()).toHaveLength(4);
    const texts = fake.messages(CHANNEL).map((message) => message.text ?? '');
    for (const job of ['job-1', 'job-2', 'job-3', 'job-4']) {
      expect(texts.filter((text) => text.includes(`› ${job} (`))).toHaveLength(1);
    }
    expect(outcomes.filter((outcome) => outcome === 'sent')).toHaveLength(4);
  });

  it("waits out Slack's Retry-After before posting again", async () => {
    const clock = createFakeClock(new Date());
    const { outbox, pointers } = worker(clock);
    check = pointers;
    const alert = failure('job-rl', clock.now().toISOString());
    fake.failNext({ method: 'chat.postMessage', status: 429, retryAfterSeconds: 30 });

    await outbox.enqueue(alert);
    expect(await outbox.deliver(keyOf(alert))).toBe('retry');
    const pending = await outbox.get(keyOf(alert));
    expect(pending).toMatchObject({ state: 'pending', last_error: 'ratelimited' });
    expect(Date.parse(pending?.next_attempt_at ?? '') - clock.now().getTime()).toBe(30_000);

    clock.advance(29_000);
    expect((await outbox.deliverDue()).sent).toBe(0);
    expect(posts()).toHaveLength(1);
    clock.advance(1_000);
    expect((await outbox.deliverDue()).sent).toBe(1);
    expect(accepted()).toHaveLength(1);
    expect(await outbox.get(keyOf(alert))).toMatchObject({
      state: 'sent',
      ref: { channel: CHANNEL, ts: accepted()[0]?.response?.body.ts },
    });
  });

  it('records channel_not_found as failed, logs it and never retries', async () => {
    const clock = createFakeClock(new Date());
    const { outbox, lines, outcomes, pointers } = worker(clock, { channel: 'C0NOWHERE' });
    check = pointers;
    const alert = failure('job-cnf', clock.now().toISOString());

    await outbox.enqueue(alert);
    expect(await outbox.deliver(keyOf(alert))).toBe('failed');
    expect(await outbox.get(keyOf(alert))).toMatchObject({
      state: 'failed',
      last_error: 'channel_not_found',
    });
    expect(lines.find((line) => line.level === 'error')?.obj).toMatchObject({
      eventId: alert.eventId,
      reason: 'channel_not_found',
    });
    clock.advance(10 * MINUTE);
    expect((await outbox.deliverDue()).failed).toBe(0);
    expect(await outbox.deliver(keyOf(alert))).toBe('duplicate');
    expect(posts()).toHaveLength(1);
    expect(outcomes).toEqual(['failed', 'duplicate']);
  });

  it('posts each alert once while two workers drain the outbox at the same time', async () => {
    const clock = createFakeClock(new Date());
    const first = worker(clock);
    const second = worker(clock);
    check = first.pointers;
    const jobs = Array.from({ length: 12 }, (_, i) => `job-${String(i).padStart(2, '0')}`);
    const alerts = jobs.map((job) => failure(job, clock.now().toISOString()));
    // Both workers received the same (redelivered) events.
    await Promise.all(
      alerts.flatMap((alert) => [first.outbox.enqueue(alert), second.outbox.enqueue(alert)]),
    );

    await Promise.all([
      first.outbox.deliverDue(),
      second.outbox.deliverDue(),
      ...alerts.map((alert) => second.outbox.deliver(keyOf(alert))),
    ]);

    expect(accepted()).toHaveLength(jobs.length);
    const texts = fake.messages(CHANNEL).map((message) => message.text ?? '');
    for (const job of jobs) {
      expect(texts.filter((text) => text.includes(`› ${job} (`))).toHaveLength(1);
    }
    const sent = [...first.outcomes, ...second.outcomes].filter((outcome) => outcome === 'sent');
    expect(sent).toHaveLength(jobs.length);
  });
});
