// The worker process on the real engines and the fake Slack server: ordering and
// idempotence (R2), poison messages (R7, queue half), failure alerts.
import type { QueueMessage, StatusMessage } from '@schedmon/domain';
import { compareOrder } from '@schedmon/domain';
import { seededRandom } from '@schedmon/domain/fakes';
import type { FakeSlack } from '@schedmon/fake-slack';
import { startFakeSlack } from '@schedmon/fake-slack';
import { waitFor } from '@schedmon/local';
import { useTestEnvironment } from '@schedmon/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerProcess } from './harness.ts';
import {
  deadLetterDepth,
  readDeadLetters,
  sendEvents,
  sendRaw,
  startWorker,
  storesOf,
  waitDrained,
} from './harness.ts';

const environment = useTestEnvironment();
let slack: FakeSlack;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  slack = await startFakeSlack();
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});
afterAll(async () => {
  await slack.stop();
});

const stores = () => storesOf(environment());
const slackEnv = () => ({
  SLACK_BOT_TOKEN: 'xoxb-test',
  SLACK_CHANNEL_ID: 'C0ALERTS',
  SLACK_API_URL: slack.url,
});
const minutesAgo = (minutes: number, ms = 0) =>
  new Date(Date.now() - minutes * 60_000 + ms).toISOString();

describe('worker: ordering and idempotence (R2)', () => {
  it('ends on the same state when 1,000 events arrive twice, shuffled, as applied once in order', async () => {
    const { schedulers, history } = stores();
    const ids = Array.from({ length: 50 }, (_, i) => `r2-job-${i}`);
    for (const id of ids)
      await schedulers.register(
        { scheduler_id: id, service_name: 'R2', job_name: id },
        minutesAgo(120),
      );
    const random = seededRandom(42);
    const statuses = ['pending', 'running', 'completed', 'running'] as const;
    const events: StatusMessage[] = [];
    for (let i = 0; i < 1000; i += 1) {
      const id = ids[i % ids.length] ?? 'r2-job-0';
      // Few distinct timestamps per scheduler, so equal timestamps (ties) are common.
      events.push({
        v: 1,
        type: 'status',
        event_id: `r2-${i}`,
        scheduler_id: id,
        service_name: 'R2',
        job_name: id,
        status: statuses[Math.floor(random() * statuses.length)] ?? 'running',
        timestamp: minutesAgo(60 - Math.floor(random() * 8)),
        execution_time_ms: Math.floor(random() * 1000),
      });
    }
    const twice = [...events, ...events].sort(() => random() - 0.5);
    worker = await startWorker(environment(), slackEnv());
    await sendEvents(environment(), twice);
    await waitDrained(environment(), 60_000);

    for (const id of ids) {
      const expected = events
        .filter((event) => event.scheduler_id === id)
        .sort((a, b) =>
          compareOrder(
            { timestamp: a.timestamp, status: a.status, event_id: a.event_id ?? '' },
            { timestamp: b.timestamp, status: b.status, event_id: b.event_id ?? '' },
          ),
        )
        .at(-1);
      const record = await schedulers.get(id);
      expect(record, id).toMatchObject({
        status: expected?.status,
        timestamp: expected?.timestamp,
        execution_time_ms: expected?.execution_time_ms,
      });
      const rows = await history.query(id, { limit: 1000, now: new Date().toISOString() });
      expect(rows).toHaveLength(events.filter((event) => event.scheduler_id === id).length);
    }
    expect(await deadLetterDepth(environment())).toBe(0);
  }, 120_000);
});

describe('worker: poison messages (R7, queue half)', () => {
  it('parks each malformed message with its reason and keeps processing good ones', async () => {
    const { schedulers } = stores();
    await schedulers.register(
      { scheduler_id: 'r7-good', service_name: 'R7', job_name: 'Good' },
      minutesAgo(30),
    );
    const base = Date.now() - 20 * 60_000;
    const good = (i: number): QueueMessage => ({
      v: 1,
      type: 'heartbeat',
      event_id: `r7-good-${i}`,
      scheduler_id: 'r7-good',
      timestamp: new Date(base + i).toISOString(),
    });
    const valid = {
      v: 1,
      type: 'status',
      scheduler_id: 'r7-good',
      service_name: 'R7',
      job_name: 'Good',
      status: 'running',
      timestamp: minutesAgo(10),
    };
    const poison: [string, string][] = [
      ['{', 'not_json'],
      ['   ', 'not_json'],
      ['not json at all', 'not_json'],
      ['[1,2,3]', 'invalid'],
      ['null', 'invalid'],
      ['"text"', 'invalid'],
      [JSON.stringify({ ...valid, v: 2 }), 'unsupported_version'],
      [JSON.stringify({ ...valid, v: '1' }), 'unsupported_version'],
      [JSON.stringify({ ...valid, v: undefined }), 'unsupported_version'],
      [JSON.stringify({ ...valid, type: 'finish' }), 'invalid'],
      [JSON.stringify({ ...valid, status: 'done' }), 'invalid'],
      [JSON.stringify({ ...valid, status: 'failed' }), 'invalid'],
      [JSON.stringify({ ...valid, timestamp: 'yesterday' }), 'invalid'],
      [JSON.stringify({ ...valid, timestamp: '2099-01-01T00:00:00Z' }), 'future_timestamp'],
      [JSON.stringify({ ...valid, execution_time_ms: 'slow' }), 'invalid'],
      [JSON.stringify({ ...valid, execution_time_ms: -1 }), 'invalid'],
      [JSON.stringify({ ...valid, metadata: { blob: 'x'.repeat(20_000) } }), 'invalid'],
      [JSON.stringify({ ...valid, metadata: 'text' }), 'invalid'],
      [JSON.stringify({ ...valid, scheduler_id: 'never-registered' }), 'unregistered_scheduler'],
      [JSON.stringify({ ...valid, job_name: 'bell\u0007' }), 'invalid'],
      [JSON.stringify({ ...valid, service_name: '\u001b[31mred' }), 'invalid'],
      [JSON.stringify({ ...valid, scheduler_id: '../../etc/passwd' }), 'invalid'],
      [JSON.stringify({ ...valid, extra: true }), 'invalid'],
      [JSON.stringify({ v: 1, type: 'heartbeat', scheduler_id: 'r7-good' }), 'invalid'],
      [
        JSON.stringify({
          v: 1,
          type: 'heartbeat',
          scheduler_id: 'ghost',
          timestamp: minutesAgo(1),
        }),
        'unregistered_scheduler',
      ],
    ];
    // Variations to pass 50: each kind again with a different id or value.
    const more: [string, string][] = Array.from({ length: 30 }, (_, i) => {
      const kinds: [string, string][] = [
        [JSON.stringify({ ...valid, scheduler_id: `unregistered-${i}` }), 'unregistered_scheduler'],
        [JSON.stringify({ ...valid, status: `state-${i}` }), 'invalid'],
        [`{"v":1,"broken":${i}`, 'not_json'],
      ];
      return kinds[i % kinds.length] as [string, string];
    });
    const all = [...poison, ...more];
    expect(all.length).toBeGreaterThanOrEqual(50);
    const interleaved = all.flatMap(([body], i) => [body, JSON.stringify(good(i))]);
    worker = await startWorker(environment(), slackEnv());
    await sendRaw(environment(), interleaved);
    await waitDrained(environment(), 60_000);

    const parked = await readDeadLetters(environment());
    expect(parked).toHaveLength(all.length);
    for (const [body, reason] of all) {
      const found = parked.find((message) => message.body === body && message.reason === reason);
      expect(found, `${reason}: ${body.slice(0, 60)}`).toBeDefined();
      expect(found?.detail.length).toBeGreaterThan(0);
    }
    const record = await schedulers.get('r7-good');
    expect(record?.last_heartbeat).toBe(good(all.length - 1).timestamp);
    expect(worker.child.exitCode).toBeNull();
  }, 120_000);
});

describe('worker: failure alerts', () => {
  it('posts one alert per failure event, however often the event is delivered', async () => {
    const { schedulers } = stores();
    await schedulers.register(
      {
        scheduler_id: 'alert-job',
        service_name: 'Service D',
        job_name: 'Backup',
        alert_user_id: 'U0ONCALL',
      },
      minutesAgo(30),
    );
    const failure: QueueMessage = {
      v: 1,
      type: 'status',
      event_id: 'alert-event-1',
      scheduler_id: 'alert-job',
      service_name: 'Service D',
      job_name: 'Backup',
      status: 'failed',
      timestamp: minutesAgo(1),
      error_message: 'disk full <!channel>',
    };
    worker = await startWorker(environment(), slackEnv());
    await sendEvents(environment(), [failure, failure, failure]);
    await waitDrained(environment(), 30_000);
    await sendEvents(environment(), [failure]);
    await waitDrained(environment(), 30_000);
    await waitFor(() => slack.callsOf('chat.postMessage').length >= 1, 'the alert', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const posts = slack
      .callsOf('chat.postMessage')
      .filter((call) => JSON.stringify(call.body).includes('alert-job'));
    expect(posts).toHaveLength(1);
    const text = JSON.stringify(posts[0]?.body);
    expect(text).toContain('<@U0ONCALL>');
    expect(text).not.toContain('<!channel>');
  }, 90_000);

  it('posts one alert per scheduler when two schedulers report the same event id', async () => {
    const { schedulers } = stores();
    const ids = ['nightly.team-a:backup', 'nightly.team-b:backup'];
    for (const id of ids)
      await schedulers.register(
        { scheduler_id: id, service_name: 'Nightly', job_name: id },
        minutesAgo(30),
      );
    // One producer library, one id scheme: both jobs call their run `nightly-run-1`.
    const failures: QueueMessage[] = ids.map((id) => ({
      v: 1,
      type: 'status',
      event_id: 'nightly-run-1',
      scheduler_id: id,
      service_name: 'Nightly',
      job_name: id,
      status: 'failed',
      timestamp: minutesAgo(1),
      error_message: `${id} broke`,
    }));
    worker = await startWorker(environment(), slackEnv());
    await sendEvents(environment(), [...failures, ...failures]);
    await waitDrained(environment(), 30_000);
    const postsOf = (id: string) =>
      slack
        .callsOf('chat.postMessage')
        .filter((call) => call.response?.body.ok === true)
        .filter((call) => JSON.stringify(call.body).includes(`${id} broke`));
    await waitFor(() => ids.every((id) => postsOf(id).length >= 1), 'an alert per scheduler');
    for (const id of ids) expect(postsOf(id), id).toHaveLength(1);
  }, 90_000);
});

describe('worker: archived and paused schedulers', () => {
  const failureOf = (id: string, eventId: string, timestamp: string): QueueMessage => ({
    v: 1,
    type: 'status',
    event_id: eventId,
    scheduler_id: id,
    service_name: 'Quiet',
    job_name: id,
    status: 'failed',
    timestamp,
    error_message: `${eventId} broke`,
  });
  const postsOf = (eventId: string) =>
    slack
      .callsOf('chat.postMessage')
      .filter((call) => JSON.stringify(call.body).includes(`${eventId} broke`));
  const rowsOf = async (id: string) =>
    (await stores().history.query(id, { limit: 10, now: new Date().toISOString() })).map(
      (row) => row.id,
    );

  it('applies an archived scheduler’s events from before the archive without an alert, and parks later ones', async () => {
    const { schedulers } = stores();
    const id = 'archived-job';
    await schedulers.register(
      { scheduler_id: id, service_name: 'Quiet', job_name: id },
      minutesAgo(60),
    );
    await schedulers.archive(id, minutesAgo(5));
    worker = await startWorker(environment(), slackEnv());
    await sendEvents(environment(), [
      failureOf(id, 'arch-before', minutesAgo(10)),
      failureOf(id, 'arch-after', minutesAgo(1)),
    ]);
    await waitDrained(environment(), 30_000);
    expect(await rowsOf(id)).toEqual(['arch-before']);
    expect(await schedulers.get(id)).toMatchObject({
      status: 'failed',
      error_message: 'arch-before broke',
    });
    const parked = await readDeadLetters(environment());
    expect(parked.filter((message) => message.eventId.startsWith('arch-'))).toEqual([
      expect.objectContaining({ eventId: 'arch-after', reason: 'archived_scheduler' }),
    ]);
    expect(postsOf('arch-before')).toHaveLength(0);
  }, 60_000);

  it('pages no one for a failure during a pause, and still for one from before it', async () => {
    const { schedulers } = stores();
    const id = 'paused-worker-job';
    await schedulers.register(
      { scheduler_id: id, service_name: 'Quiet', job_name: id },
      minutesAgo(60),
    );
    await schedulers.pause(id, { until: null, reason: 'migration' }, minutesAgo(10));
    worker = await startWorker(environment(), slackEnv());
    await sendEvents(environment(), [
      failureOf(id, 'pause-during', minutesAgo(5)),
      failureOf(id, 'pause-before', minutesAgo(20)),
    ]);
    await waitDrained(environment(), 30_000);
    await waitFor(() => postsOf('pause-before').length >= 1, 'the alert of the earlier failure');
    expect(postsOf('pause-during')).toHaveLength(0);
    expect((await rowsOf(id)).sort()).toEqual(['pause-before', 'pause-during']);
  }, 60_000);
});

describe('worker: links to the dashboard (UI_PUBLIC_URL)', () => {
  it('links an incident’s root message to its scheduler and incident pages, and keeps them when resolved', async () => {
    const { schedulers } = stores();
    const id = 'links.job:1';
    await schedulers.register(
      { scheduler_id: id, service_name: 'Linked', job_name: 'Nightly export' },
      minutesAgo(30),
    );
    const event = (status: 'failed' | 'completed', minutes: number): QueueMessage => ({
      v: 1,
      type: 'status',
      event_id: `links-${status}`,
      scheduler_id: id,
      service_name: 'Linked',
      job_name: 'Nightly export',
      status,
      timestamp: minutesAgo(minutes),
      ...(status === 'failed' ? { error_message: 'links broke' } : { execution_time_ms: 1_000 }),
    });
    worker = await startWorker(environment(), {
      ...slackEnv(),
      UI_PUBLIC_URL: 'https://schedmon.example.com/ops/',
    });
    const ofJob = (method: 'chat.postMessage' | 'chat.update') =>
      slack
        .callsOf(method)
        .filter((call) => call.response?.body.ok === true)
        .filter((call) => JSON.stringify(call.body).includes('Nightly export'));
    /** The mrkdwn of a call's last block, and the Acknowledge button's value if any. */
    const partsOf = (body: Record<string, unknown>) => {
      const blocks = body.blocks as { type: string; elements?: Record<string, unknown>[] }[];
      const button = blocks.find((block) => block.type === 'actions')?.elements?.[0];
      return { last: blocks.at(-1), incidentId: button?.value as string | undefined };
    };

    await sendEvents(environment(), [event('failed', 2)]);
    await waitFor(() => ofJob('chat.postMessage').length >= 1, 'the root message', 30_000);
    const [root] = ofJob('chat.postMessage');
    const { last, incidentId } = partsOf(root?.body ?? {});
    expect(incidentId).toBeTruthy();
    const pages =
      '<https://schedmon.example.com/ops/ui/schedulers/links.job%3A1|View scheduler> · ' +
      `<https://schedmon.example.com/ops/ui/incidents/${encodeURIComponent(incidentId ?? '')}|View incident>`;
    expect(last).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: pages, verbatim: true }],
    });

    // The success resolves it: the root is redrawn, links and all.
    await sendEvents(environment(), [event('completed', 1)]);
    await waitFor(() => ofJob('chat.update').length >= 1, 'the resolved root', 30_000);
    const [edit] = ofJob('chat.update');
    expect(edit?.body.ts).toBe(root?.response?.body.ts);
    expect(JSON.stringify(edit?.body.blocks)).toContain('Resolved');
    expect(partsOf(edit?.body ?? {}).last).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: pages, verbatim: true }],
    });
  }, 90_000);
});
