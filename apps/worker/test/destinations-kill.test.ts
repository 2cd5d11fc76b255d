// `kill -9` of the worker after a destination took a transition and before the outbox
// wrote it down (docs/destinations.md → Exactly once): the next worker sends it again
// under the same dedup key and delivery id, so PagerDuty keeps one alert with one
// trigger and the webhook receiver, deduplicating by `id`, one delivery per transition.
import {
  createDocumentClient,
  createDynamoBoardStore,
  createDynamoDeliveryLogStore,
  createDynamoSchedulerStore,
} from '@schedmon/adapters/dynamodb';
import type { StatusMessage } from '@schedmon/domain';
import { boardOf } from '@schedmon/domain';
import type { FakePagerDuty, WebhookReceiver } from '@schedmon/fake-destinations';
import { startFakePagerDuty, startWebhookReceiver } from '@schedmon/fake-destinations';
import type { FakeSlack } from '@schedmon/fake-slack';
import { startFakeSlack } from '@schedmon/fake-slack';
import { waitFor } from '@schedmon/local';
import { useTestEnvironment } from '@schedmon/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerProcess } from './harness.ts';
import { sendEvents, startWorker } from './harness.ts';

const environment = useTestEnvironment();
const CHANNEL = 'C0KILL';
const ROUTING_KEY = 'K1LLTESTROUTINGKEY00000000000000';
const SECRET = 'whsec-kill-0123456789';
let slack: FakeSlack;
let pagerDuty: FakePagerDuty;
let webhook: WebhookReceiver;
const running: WorkerProcess[] = [];

beforeAll(async () => {
  [slack, pagerDuty, webhook] = await Promise.all([
    startFakeSlack(),
    startFakePagerDuty({ routingKeys: [ROUTING_KEY] }),
    startWebhookReceiver({ secret: SECRET }),
  ]);
});
afterEach(async () => {
  for (const worker of running.splice(0)) await worker.stop('SIGKILL');
});
afterAll(async () => {
  await Promise.all([slack.stop(), pagerDuty.stop(), webhook.stop()]);
});

const start = async () => {
  const worker = await startWorker(environment(), {
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_CHANNEL_ID: 'C0DEFAULT',
    SLACK_API_URL: slack.url,
    EOD_TIMEZONE: 'UTC',
    PAGERDUTY_API_URL: pagerDuty.url,
    DESTINATION_ALLOW_PRIVATE_URLS: 'true',
    DESTINATION_LEASE_SECONDS: '2',
    DESTINATION_TIMEOUT_SECONDS: '1',
    ALERT_RETRY_INTERVAL_SECONDS: '1',
    VISIBILITY_TIMEOUT_SECONDS: '5',
    LOG_LEVEL: 'warn',
  });
  running.push(worker);
  return worker;
};

/** The incident outbox's claim lease, which the worker does not let the test shorten. */
const SLACK_LEASE_MS = 60_000;

const status = (value: StatusMessage['status'], eventId: string): StatusMessage => ({
  v: 1,
  type: 'status',
  event_id: eventId,
  scheduler_id: 'kill-eod',
  service_name: 'Payments',
  job_name: 'EOD settlement',
  status: value,
  timestamp: new Date().toISOString(),
  ...(value === 'failed' ? { error_message: 'ledger locked' } : {}),
});

describe('kill -9 between a destination’s 2xx and the outbox write (issue 18)', () => {
  it('sends the transition again with the same keys: one trigger, one delivery per id', async () => {
    const env = environment();
    const documents = createDocumentClient(env.clients.dynamodb);
    const now = new Date().toISOString();
    await createDynamoSchedulerStore(documents, env.names.schedulersTable).register(
      { scheduler_id: 'kill-eod', service_name: 'Payments', job_name: 'EOD settlement' },
      now,
    );
    const board = boardOf(
      'payments',
      {
        title: 'Payments EOD',
        slack_channel_id: CHANNEL,
        timezone: 'UTC',
        window_start: '00:00',
        window_end: '00:30',
        members: { scheduler_ids: ['kill-*'] },
        destinations: [
          { type: 'pagerduty', routing_key: ROUTING_KEY },
          { type: 'webhook', url: `${webhook.url}/in`, secret: SECRET },
        ],
      },
      now,
    );
    await createDynamoBoardStore(documents, env.names.stateTable).put(board, now);

    const first = await start();
    // PagerDuty takes the trigger, and its answer is held: the worker dies before it.
    const held = pagerDuty.hold();
    await sendEvents(env, [status('failed', 'kill-ev-1')]);
    const taken = await held;
    expect(pagerDuty.alerts()[0]?.transitions).toEqual(['trigger']);
    await first.stop('SIGKILL');
    // The worker's connection closes with it, unanswered.
    await taken.disconnected;
    taken.release();

    // Its successor finds the claims run out and sends both again, same keys and ids.
    await start();
    await waitFor(
      async () =>
        (pagerDuty.alerts()[0]?.duplicates ?? 0) >= 1 && (webhook.deliveries()[0]?.count ?? 0) >= 1,
      'the trigger sent again',
      30_000,
    );
    await sendEvents(env, [status('completed', 'kill-ev-2')]);
    await waitFor(
      async () => pagerDuty.alerts()[0]?.status === 'resolved' && webhook.deliveries().length === 2,
      'the resolution delivered',
      30_000,
    );

    const [alert, ...others] = pagerDuty.alerts();
    expect(others).toEqual([]);
    expect(alert).toMatchObject({
      dedup_key: 'kill-eod#kill-ev-1',
      transitions: ['trigger', 'resolve'],
      duplicates: 1,
    });
    // One delivery per transition once deduplicated by id; the opening arrived once or
    // twice (the first worker may have got its 200 before it died), never under a new id.
    const deliveries = webhook.deliveries();
    expect(deliveries.map((delivery) => delivery.type)).toEqual([
      'incident.opened',
      'incident.resolved',
    ]);
    expect(deliveries.every((delivery) => delivery.verified === true)).toBe(true);
    expect(deliveries[1]?.count).toBe(1);

    const log = await createDynamoDeliveryLogStore(documents, env.names.stateTable).list(
      'kill-eod#kill-ev-1',
      new Date().toISOString(),
    );
    const pagerOpened = log.filter(
      (line) => line.destination_type === 'pagerduty' && line.transition === 'opened',
    );
    // The dead worker wrote nothing; its successor's attempt is the second, marked resent.
    expect(pagerOpened).toEqual([
      expect.objectContaining({ attempt: 2, outcome: 'delivered', resent: true }),
    ]);
    // Slack was told once: the root message is not sent again. Had the first worker died
    // after claiming its post and before making it, its successor posts it once the
    // claim's lease (60 s, incident-outbox.ts) has run out: wait past that, then count.
    await waitFor(
      () => slack.messages(CHANNEL).length >= 1,
      'the root message in Slack',
      SLACK_LEASE_MS + 30_000,
    );
    expect(slack.messages(CHANNEL)).toHaveLength(1);
  }, 180_000);
});
