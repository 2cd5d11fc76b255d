// Destinations end to end (docs/destinations.md) on the real engines, the fake Slack and
// the fake PagerDuty, Opsgenie and webhook receiver, with a controllable clock shared by
// all of them: each transition reaches each destination once, in order, whatever they
// answer meanwhile; a refusal is logged, counted and not retried; Slack never waits.
import { createHash } from 'node:crypto';
import { createDestinationSender } from '@schedmon/adapters/destinations';
import {
  createDocumentClient,
  createDynamoBoardStore,
  createDynamoDeliveryLogStore,
  createDynamoDestinationStore,
  createDynamoHistoryStore,
  createDynamoIncidentStore,
  createDynamoSchedulerStore,
} from '@schedmon/adapters/dynamodb';
import { createSlackNotifier } from '@schedmon/adapters/slack';
import type {
  BoardInput,
  DeliveryAttempt,
  Destination,
  QueueMessage,
  ReceivedMessage,
  StatusMessage,
} from '@schedmon/domain';
import { applyIncidentSignal, boardOf, DEFAULT_EOD_CONFIG, signalInputOf } from '@schedmon/domain';
import { createFakeClock } from '@schedmon/domain/fakes';
import type { FakeOpsgenie, FakePagerDuty, WebhookReceiver } from '@schedmon/fake-destinations';
import {
  startFakeOpsgenie,
  startFakePagerDuty,
  startWebhookReceiver,
  verifySchedmonSignature,
} from '@schedmon/fake-destinations';
import type { FakeSlack } from '@schedmon/fake-slack';
import { startFakeSlack } from '@schedmon/fake-slack';
import { createLogger } from '@schedmon/runtime';
import { useTestEnvironment } from '@schedmon/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createBoardRoutes } from '../src/board-routes.ts';
import { createDestinationOutbox } from '../src/destination-outbox.ts';
import { createIncidentOutbox } from '../src/incident-outbox.ts';
import { processBatch } from '../src/process-batch.ts';

const environment = useTestEnvironment();
const CHANNEL = 'C0PAYMENTS';
const ROUTING_KEY = 'R0UTINGKEY0PAYMENTS0000000000000';
const GENIE_KEY = 'genie-key-0b2a6c1e';
const SECRET = 'whsec-0123456789abcdef';
const digest = (text: string) => createHash('sha256').update(text).digest('hex');
const silent = createLogger({ name: 'test', level: 'silent', pretty: false });

type Fakes = {
  slack: FakeSlack;
  pagerDuty: FakePagerDuty;
  opsgenie: FakeOpsgenie;
  webhook: WebhookReceiver;
};
const started: Fakes[] = [];
afterEach(async () => {
  for (const fakes of started.splice(0)) {
    await Promise.all([
      fakes.slack.stop(),
      fakes.pagerDuty.stop(),
      fakes.opsgenie.stop(),
      fakes.webhook.stop(),
    ]);
  }
});

/** What the worker logged at warn and error: the refusals and give-ups the runbook names. */
function capturingLogger() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) => {
    lines.push({ level, obj, msg });
  };
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
}

/**
 * The worker in one process on the engines and the fakes, all at the clock's time: a
 * board `payments` in CHANNEL naming `pay-*` with the three destinations (or `only`).
 */
async function system(start: string, options: { routingKeys?: string[] } = {}) {
  const env = environment();
  const clock = createFakeClock(start);
  const now = () => clock.now().getTime();
  const fakes: Fakes = {
    slack: await startFakeSlack({ now }),
    pagerDuty: await startFakePagerDuty({
      now,
      ...(options.routingKeys ? { routingKeys: options.routingKeys } : {}),
    }),
    opsgenie: await startFakeOpsgenie({ now, apiKeys: [GENIE_KEY] }),
    webhook: await startWebhookReceiver({ now, secret: SECRET }),
  };
  started.push(fakes);
  const documents = createDocumentClient(env.clients.dynamodb);
  const schedulers = createDynamoSchedulerStore(documents, env.names.schedulersTable, {
    deadlines: { timeZone: 'UTC', heartbeatTimeoutMinutes: 15 },
  });
  const store = createDynamoIncidentStore(documents, env.names.stateTable);
  const boards = createDynamoBoardStore(documents, env.names.stateTable);
  const overrides = createDynamoDestinationStore(documents, env.names.stateTable);
  const log = createDynamoDeliveryLogStore(documents, env.names.stateTable);
  const notifier = createSlackNotifier({
    token: 'xoxb-test',
    channel: 'C0DEFAULT',
    apiUrl: fakes.slack.url,
  });
  const outbox = createIncidentOutbox({
    store,
    notifier,
    clock,
    logger: silent,
    timeZone: 'UTC',
    maxAgeMs: 3_600_000,
  });
  const captured = capturingLogger();
  const outcomes: string[] = [];
  const oldest: (number | undefined)[] = [];
  const outboxOf = (owner: string) =>
    createDestinationOutbox({
      owner,
      store,
      sender: createDestinationSender({
        pagerDutyUrl: fakes.pagerDuty.url,
        opsgenieUrl: fakes.opsgenie.url,
        allowPrivateUrls: true,
        timeoutMs: 2_000,
        nowSeconds: () => Math.floor(now() / 1000),
      }),
      log,
      clock,
      logger: captured.logger,
      digest,
      maxAgeMs: 3_600_000,
      logRetentionDays: 30,
      onOutcome: (type, outcome) => outcomes.push(`${type}:${outcome}`),
      onOldest: (ageMs) => oldest.push(ageMs),
    });
  const destinations = outboxOf('worker-1');
  const routes = createBoardRoutes({
    boards,
    destinations: overrides,
    clock,
    eod: { ...DEFAULT_EOD_CONFIG, timeZone: 'UTC' },
    ttlMs: 0,
  });
  const all: Destination[] = [
    { type: 'pagerduty', routing_key: ROUTING_KEY },
    { type: 'opsgenie', api_key: GENIE_KEY, region: 'eu' },
    { type: 'webhook', url: `${fakes.webhook.url}/hooks/schedmon`, secret: SECRET },
  ];
  const board = async (destinations: Destination[], extra: Partial<BoardInput> = {}) => {
    const input: BoardInput = {
      title: 'Payments EOD',
      slack_channel_id: CHANNEL,
      timezone: 'UTC',
      window_start: '12:00',
      window_end: '13:00',
      members: { scheduler_ids: ['pay-*'] },
      destinations,
      ...extra,
    };
    await boards.put(
      boardOf('payments', input, clock.now().toISOString()),
      clock.now().toISOString(),
    );
  };
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
  /**
   * The worker takes these messages as one batch, delivering what they owe at once (to
   * Slack only with `slackOnly`: the destinations are left to the retry loops).
   */
  const work = async (messages: readonly QueueMessage[], slackOnly = false) => {
    const decisions = await processBatch(
      {
        clock,
        schedulers,
        history: createDynamoHistoryStore(documents, env.names.historyTable),
        incidents: {
          apply: (input) => applyIncidentSignal({ store, clock, remindAfterMs: null }, input),
          deliver: async (schedulerId) => {
            await Promise.all([
              outbox.deliver(schedulerId),
              slackOnly ? undefined : destinations.deliver(schedulerId),
            ]);
          },
        },
        routes,
        logger: silent,
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
  /** The retry loop's passes, every `stepMs` until `untilMs` (Slack's and the destinations'). */
  const retry = async (untilMs: number, stepMs = 5_000) => {
    while (clock.now().getTime() < untilMs) {
      clock.advance(stepMs);
      await Promise.all([outbox.deliverDue(), destinations.deliverDue()]);
    }
  };
  /** Someone presses Acknowledge in Slack: the api applies it to the box, as it does. */
  const acknowledge = async (schedulerId: string, incidentId: string, by: string) => {
    const record = await schedulers.get(schedulerId);
    if (!record) throw new Error(`no scheduler ${schedulerId}`);
    const at = clock.now().toISOString();
    await applyIncidentSignal(
      { store, clock, remindAfterMs: null },
      signalInputOf(
        record,
        { type: 'acknowledged', at, user_id: by, incident_id: incidentId },
        clock.now().getTime(),
        Number.POSITIVE_INFINITY,
      ),
    );
  };
  const register = (schedulerId: string) =>
    schedulers.register(
      { scheduler_id: schedulerId, service_name: 'Payments', job_name: 'EOD settlement' },
      clock.now().toISOString(),
    );
  return {
    clock,
    fakes,
    outboxOf,
    schedulersStore: schedulers,
    all,
    board,
    overrides,
    work,
    retry,
    acknowledge,
    register,
    log,
    store,
    captured,
    outcomes,
    oldest,
  };
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
    event_id: `dest-ev-${n}`,
    scheduler_id: schedulerId,
    service_name: 'Payments',
    job_name: 'EOD settlement',
    status: value,
    timestamp,
    ...(value === 'failed' ? { error_message: 'ledger locked' } : {}),
  };
};

type System = Awaited<ReturnType<typeof system>>;

/** One incident of `schedulerId`: fails now, acknowledged a minute later, recovers a minute after. */
async function oneIncident(sys: System, schedulerId: string) {
  await sys.work([status(schedulerId, 'failed', sys.clock.now().toISOString())]);
  const incidentId = `${schedulerId}#dest-ev-${n}`;
  sys.clock.advance(60_000);
  await sys.acknowledge(schedulerId, incidentId, 'U0ONCALL');
  await sys.retry(sys.clock.now().getTime() + 5_000);
  sys.clock.advance(60_000);
  await sys.work([status(schedulerId, 'completed', sys.clock.now().toISOString())]);
  return incidentId;
}

/** The Slack thread of the incident in CHANNEL: its root's text and its replies' texts. */
function slackThread(slack: FakeSlack) {
  const [root, ...others] = slack.messages(CHANNEL);
  expect(others).toEqual([]);
  return {
    root,
    replies: slack.thread(CHANNEL, root?.ts ?? '').map((reply) => reply.text ?? ''),
  };
}

function expectDeliveredOnce(sys: System, incidentId: string) {
  const [alert, ...moreAlerts] = sys.fakes.pagerDuty.alerts();
  expect(moreAlerts).toEqual([]);
  expect(alert).toMatchObject({
    dedup_key: incidentId,
    status: 'resolved',
    transitions: ['trigger', 'acknowledge', 'resolve'],
    duplicates: 0,
  });
  const [genie, ...moreGenies] = sys.fakes.opsgenie.alerts();
  expect(moreGenies).toEqual([]);
  expect(genie).toMatchObject({
    alias: incidentId,
    status: 'closed',
    transitions: ['create', 'acknowledge', 'close'],
    duplicates: 0,
  });
  const deliveries = sys.fakes.webhook.deliveries();
  expect(deliveries.map((delivery) => [delivery.type, delivery.verified, delivery.count])).toEqual([
    ['incident.opened', true, 1],
    ['incident.acknowledged', true, 1],
    ['incident.resolved', true, 1],
  ]);
  expect(new Set(deliveries.map((delivery) => delivery.id)).size).toBe(3);
  for (const delivery of deliveries) {
    expect(delivery.incidentId).toBe(incidentId);
    const request = sys.fakes.webhook.requests.find(
      (item) => (item.body as { id?: string }).id === delivery.id && item.response?.status === 200,
    );
    expect(
      verifySchedmonSignature(
        request?.headers['schedmon-signature'] as string | undefined,
        request?.rawBody ?? '',
        SECRET,
        sys.clock.now().getTime(),
        3_600,
      ),
    ).toBe(true);
  }
}

const lineOf = (line: DeliveryAttempt) =>
  `${line.destination_type} ${line.transition} #${line.attempt} ${line.outcome} ${line.status}`;

describe('one incident to PagerDuty, Opsgenie and a webhook (issue 18)', () => {
  it('opens, is acknowledged in Slack and resolves: each destination sees the three transitions once', async () => {
    const sys = await system('2026-01-15T01:00:00.000Z');
    await sys.register('pay-eod');
    await sys.board(sys.all);
    const incidentId = await oneIncident(sys, 'pay-eod');

    expectDeliveredOnce(sys, incidentId);
    const trigger = sys.fakes.pagerDuty.requests[0]?.body as Record<string, unknown>;
    expect(trigger).toMatchObject({
      event_action: 'trigger',
      dedup_key: incidentId,
      payload: {
        severity: 'critical',
        source: 'pay-eod',
        summary: expect.stringContaining('ledger locked'),
      },
    });
    expect(sys.fakes.opsgenie.requests.map((request) => request.path)).toEqual([
      '/v2/alerts',
      `/v2/alerts/${encodeURIComponent(incidentId)}/acknowledge?identifierType=alias`,
      `/v2/alerts/${encodeURIComponent(incidentId)}/close?identifierType=alias`,
    ]);
    const webhookBody = sys.fakes.webhook.deliveries()[1]?.body as Record<string, unknown>;
    expect(webhookBody).toMatchObject({
      type: 'incident.acknowledged',
      incident: { incident_id: incidentId, state: 'acknowledged', acknowledged_by: 'U0ONCALL' },
    });

    // The Slack thread as without destinations: root, acknowledgement, recovery.
    const thread = slackThread(sys.fakes.slack);
    expect(thread.replies).toEqual([
      expect.stringContaining('Acknowledged'),
      expect.stringContaining('Recovered'),
    ]);

    const lines = await sys.log.list(incidentId, sys.clock.now().toISOString());
    expect(lines.map(lineOf)).toEqual([
      'pagerduty opened #1 delivered 202',
      'opsgenie opened #1 delivered 202',
      'webhook opened #1 delivered 200',
      'pagerduty acknowledged #1 delivered 202',
      'opsgenie acknowledged #1 delivered 202',
      'webhook acknowledged #1 delivered 200',
      'pagerduty resolved #1 delivered 202',
      'opsgenie resolved #1 delivered 202',
      'webhook resolved #1 delivered 200',
    ]);
    expect(JSON.stringify(lines)).not.toContain(ROUTING_KEY);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
    expect(JSON.stringify(lines)).not.toContain(GENIE_KEY);
    // Nothing owed any more: the box's pointer is gone.
    await sys.retry(sys.clock.now().getTime() + 10_000);
    expect(
      (await sys.store.scheduled(sys.clock.now().toISOString())).filter(
        (pointer) => pointer.schedulerId === 'pay-eod',
      ),
    ).toEqual([]);
    expect(sys.oldest.at(-1)).toBeUndefined();
  });

  it('each destination answering 503 for 5 minutes: every transition arrives once, in order, and Slack is not held up', async () => {
    const sys = await system('2026-01-15T02:00:00.000Z');
    await sys.register('pay-outage');
    await sys.board(sys.all);
    const outageEnds = sys.clock.now().getTime() + 5 * 60_000;
    for (const fake of [sys.fakes.pagerDuty, sys.fakes.opsgenie, sys.fakes.webhook]) {
      fake.fail({ status: 503, untilMs: outageEnds });
    }
    const incidentId = await oneIncident(sys, 'pay-outage');

    // Slack had the whole thread while every destination was down.
    const thread = slackThread(sys.fakes.slack);
    expect(thread.replies).toHaveLength(2);
    expect(sys.fakes.slack.calls.every((call) => call.time.getTime() < outageEnds)).toBe(true);
    expect(sys.oldest.at(-1)).toBeGreaterThan(0);

    await sys.retry(outageEnds + 15 * 60_000, 10_000);
    expectDeliveredOnce(sys, incidentId);
    // Refused while down, in order afterwards: nothing reached a destination before its
    // preceding transition did.
    const accepted = (
      requests: readonly { response?: { status: number } | undefined; body: unknown }[],
    ) => requests.filter((request) => (request.response?.status ?? 0) < 300);
    expect(
      accepted(sys.fakes.pagerDuty.requests).map(
        (request) => (request.body as { event_action: string }).event_action,
      ),
    ).toEqual(['trigger', 'acknowledge', 'resolve']);
    const lines = await sys.log.list(incidentId, sys.clock.now().toISOString());
    const opened = lines.filter(
      (line) => line.destination_type === 'pagerduty' && line.transition === 'opened',
    );
    expect(opened.length).toBeGreaterThan(2);
    expect(
      opened.slice(0, -1).every((line) => line.outcome === 'retry' && line.status === 503),
    ).toBe(true);
    expect(opened.at(-1)).toMatchObject({ outcome: 'delivered', status: 202 });
    expect(opened.map((line) => line.attempt)).toEqual(opened.map((_, index) => index + 1));
    expect(sys.outcomes.filter((outcome) => outcome.endsWith(':retry')).length).toBeGreaterThan(6);
    expect(sys.oldest.at(-1)).toBeUndefined();
  });

  it('a destination answering 400 (bad routing key) is logged, counted, shown in the log and not retried; the others deliver', async () => {
    const sys = await system('2026-01-15T03:00:00.000Z', { routingKeys: ['0'.repeat(32)] });
    await sys.register('pay-badkey');
    await sys.board(sys.all);
    const incidentId = await oneIncident(sys, 'pay-badkey');
    await sys.retry(sys.clock.now().getTime() + 30 * 60_000, 30_000);

    // One attempt per transition, each refused, none again.
    const mine = sys.fakes.pagerDuty.requests.filter(
      (request) => (request.body as { dedup_key?: string }).dedup_key === incidentId,
    );
    expect(mine.map((request) => request.response?.status)).toEqual([400, 400, 400]);
    expect(sys.fakes.pagerDuty.alerts()).toEqual([]);
    const lines = await sys.log.list(incidentId, sys.clock.now().toISOString());
    expect(lines.filter((line) => line.destination_type === 'pagerduty').map(lineOf)).toEqual([
      'pagerduty opened #1 refused 400',
      'pagerduty acknowledged #1 refused 400',
      'pagerduty resolved #1 refused 400',
    ]);
    expect(lines.find((line) => line.destination_type === 'pagerduty')?.error).toContain(
      'Invalid routing key',
    );
    expect(sys.outcomes.filter((outcome) => outcome === 'pagerduty:refused')).toHaveLength(3);
    const refusals = sys.captured.lines.filter(
      (line) => line.level === 'error' && line.msg.includes('refused'),
    );
    expect(refusals).toHaveLength(3);
    expect(JSON.stringify(sys.captured.lines)).not.toContain(ROUTING_KEY);
    // The others delivered everything.
    expect(sys.fakes.opsgenie.alerts()[0]?.transitions).toEqual(['create', 'acknowledge', 'close']);
    expect(sys.fakes.webhook.deliveries().map((delivery) => delivery.type)).toEqual([
      'incident.opened',
      'incident.acknowledged',
      'incident.resolved',
    ]);
  });
});

describe('competing workers', () => {
  it('three workers delivering the same 20 boxes at once send each transition once', async () => {
    const sys = await system('2026-01-15T07:00:00.000Z');
    await sys.board(sys.all);
    const ids = Array.from({ length: 20 }, (_, i) => `pay-race-${i}`);
    for (const id of ids) await sys.register(id);
    // Every destination slow and failing now and then, so claims overlap and retries mix in.
    sys.fakes.pagerDuty.fail({ status: 503, times: 7 });
    sys.fakes.webhook.fail({ status: 500, times: 5 });
    const at = sys.clock.now().toISOString();
    // The batch's own delivery is skipped: only the competitors send.
    const workers = ['w-a', 'w-b', 'w-c'].map((owner) => sys.outboxOf(owner));
    await sys.work(
      ids.map((id) => status(id, 'failed', at)),
      true,
    );
    for (let round = 0; round < 30; round += 1) {
      sys.clock.advance(20_000);
      await Promise.all(workers.map((worker) => worker.deliverDue()));
    }
    const alerts = sys.fakes.pagerDuty
      .alerts()
      .filter((alert) => alert.dedup_key.startsWith('pay-race-'));
    expect(alerts).toHaveLength(20);
    for (const alert of alerts)
      expect(alert).toMatchObject({ transitions: ['trigger'], duplicates: 0 });
    const genies = sys.fakes.opsgenie
      .alerts()
      .filter((alert) => alert.alias.startsWith('pay-race-'));
    expect(genies.map((genie) => genie.duplicates)).toEqual(Array(20).fill(0));
    const hooks = sys.fakes.webhook
      .deliveries()
      .filter((delivery) => delivery.incidentId.startsWith('pay-race-'));
    expect(hooks).toHaveLength(20);
    expect(hooks.every((delivery) => delivery.count === 1)).toBe(true);
  });
});

describe('which destinations an incident goes to', () => {
  it("a scheduler's own destinations replace its boards'; an empty list silences them", async () => {
    const sys = await system('2026-01-15T04:00:00.000Z');
    await sys.register('pay-own');
    await sys.register('pay-none');
    await sys.board(sys.all);
    const at = sys.clock.now().toISOString();
    await sys.overrides.put(
      { scheduler_id: 'pay-own', destinations: [sys.all[2] as Destination], updated_at: at },
      at,
    );
    await sys.overrides.put({ scheduler_id: 'pay-none', destinations: [], updated_at: at }, at);
    await sys.work([status('pay-own', 'failed', at), status('pay-none', 'failed', at)]);
    expect(sys.fakes.pagerDuty.requests).toEqual([]);
    expect(sys.fakes.opsgenie.requests).toEqual([]);
    expect(sys.fakes.webhook.deliveries().map((delivery) => delivery.incidentId)).toEqual([
      expect.stringMatching(/^pay-own#/),
    ]);
    // Slack still pages both, in the board's channel.
    expect(sys.fakes.slack.messages(CHANNEL)).toHaveLength(2);
  });

  it('an incident keeps the destinations it opened with when the board changes', async () => {
    const sys = await system('2026-01-15T05:00:00.000Z');
    await sys.register('pay-keep');
    await sys.board([sys.all[0] as Destination]);
    await sys.work([status('pay-keep', 'failed', sys.clock.now().toISOString())]);
    await sys.board([sys.all[2] as Destination]);
    sys.clock.advance(60_000);
    await sys.work([status('pay-keep', 'completed', sys.clock.now().toISOString())]);
    expect(sys.fakes.pagerDuty.alerts()[0]?.transitions).toEqual(['trigger', 'resolve']);
    expect(sys.fakes.webhook.requests).toEqual([]);
  });

  it('a quiet date of its board sends nothing anywhere', async () => {
    const sys = await system('2026-12-25T04:00:00.000Z');
    await sys.register('pay-holiday');
    await sys.board(sys.all, { quiet_dates: ['2026-12-25'] });
    await sys.work([status('pay-holiday', 'failed', sys.clock.now().toISOString())]);
    expect(sys.fakes.pagerDuty.requests).toEqual([]);
    expect(sys.fakes.webhook.requests).toEqual([]);
  });

  it('gives up after DESTINATION_MAX_AGE_MINUTES, says so in the log, and the later transitions still go', async () => {
    const sys = await system('2026-01-15T06:00:00.000Z');
    await sys.register('pay-gone');
    await sys.board([sys.all[2] as Destination]);
    const downUntil = sys.clock.now().getTime() + 61 * 60_000;
    sys.fakes.webhook.fail({ status: 502, untilMs: downUntil });
    await sys.work([status('pay-gone', 'failed', sys.clock.now().toISOString())]);
    const incidentId = `pay-gone#dest-ev-${n}`;
    await sys.retry(downUntil, 60_000);
    await sys.work([status('pay-gone', 'completed', sys.clock.now().toISOString())]);
    await sys.retry(sys.clock.now().getTime() + 60_000);
    const lines = await sys.log.list(incidentId, sys.clock.now().toISOString());
    expect(lines.filter((line) => line.transition === 'opened').at(-1)).toMatchObject({
      outcome: 'expired',
      error: expect.stringContaining('http 502'),
    });
    expect(sys.captured.lines.some((line) => line.msg.includes('gave up'))).toBe(true);
    expect(sys.fakes.webhook.deliveries().map((delivery) => delivery.type)).toEqual([
      'incident.resolved',
    ]);
  });
});
