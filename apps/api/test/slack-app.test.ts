// The Slack app at POST /slack/events, with requests signed exactly as Slack signs them,
// on the real engines and the fake Slack server.
import { Writable } from 'node:stream';
import {
  createDocumentClient,
  createDynamoAcknowledgementStore,
  createDynamoAlertStore,
  createDynamoHistoryStore,
  createDynamoIncidentStore,
  createDynamoSchedulerStore,
} from '@schedmon/adapters/dynamodb';
import { createSlackNotifier } from '@schedmon/adapters/slack';
import type { IncidentSignal, MessageRef, Notifier } from '@schedmon/domain';
import {
  acknowledgeButtonValue,
  alertKey,
  applyIncidentSignal,
  DEFAULT_EOD_CONFIG,
  defaultBoardOf,
  INCIDENT_ACKNOWLEDGE_ACTION,
  incidentIdOf,
  newAlert,
  renderFailureAlert,
} from '@schedmon/domain';
import {
  createFakeClock,
  createMemoryBoardStore,
  createMemoryDeliveryLogStore,
  createMemoryDestinationStore,
  createMemoryIdempotencyStore,
} from '@schedmon/domain/fakes';
import type { FakeSlack } from '@schedmon/fake-slack';
import { startFakeSlack } from '@schedmon/fake-slack';
import { waitFor } from '@schedmon/local';
import { createLogger } from '@schedmon/runtime';
import { useTestEnvironment } from '@schedmon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadApiKeys } from '../src/auth.ts';
import { signatureOf } from '../src/slack/signature.ts';

const SECRET = 'slack-signing-secret';
// Distinctive, so a log line that holds it is found.
const BOT_TOKEN = 'xoxb-slack-app-bot-token-4711';
const NOW = new Date('2026-01-15T01:55:00+07:00');
const FORM = 'application/x-www-form-urlencoded';
// Slack gives up on an answer after 3 s; the clicks must be answered well within it, and
// the slow or failing edit after the ack must not count against it.
const SLACK_DEADLINE_MS = 2_500;
const environment = useTestEnvironment();
let slack: FakeSlack;
let app: ReturnType<typeof buildApp>;
// Posts the alerts the Acknowledge tests click, as the worker would.
let worker: Notifier;
const clock = createFakeClock(NOW);

// Every log line of the apps, parsed, to find what was logged and check what never was.
const logLines: string[] = [];
const logs = () => logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
const logger = createLogger(
  { name: 'api', level: 'debug', pretty: false },
  new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
);

const stores = () => {
  const documents = createDocumentClient(environment().clients.dynamodb);
  const { names } = environment();
  return {
    schedulers: createDynamoSchedulerStore(documents, names.schedulersTable),
    history: createDynamoHistoryStore(documents, names.historyTable),
    alerts: createDynamoAlertStore(documents, names.stateTable),
    acknowledgements: createDynamoAcknowledgementStore(documents, names.stateTable),
    incidents: createDynamoIncidentStore(documents, names.stateTable),
  };
};

/** The api with its Slack app on the real engines, talking to Slack at `apiUrl`. */
function buildSlackApp(apiUrl: string) {
  const { schedulers, history, alerts, acknowledgements, incidents } = stores();
  return buildApp({
    logger,
    version: 'test',
    clock,
    keys: loadApiKeys(['k']),
    schedulers,
    history,
    incidents,
    boards: createMemoryBoardStore(),
    defaultBoard: defaultBoardOf(DEFAULT_EOD_CONFIG, undefined),
    destinations: createMemoryDestinationStore(),
    deliveries: createMemoryDeliveryLogStore(),
    allowPrivateUrls: false,
    queue: { send: async () => ({ messageId: 'x' }) },
    idempotency: createMemoryIdempotencyStore(),
    readiness: async () => ({ status: 'healthy', components: {} }),
    limits: {
      rateLimitPerMinute: 100,
      authFailuresPerMinute: 30,
      bodyLimitBytes: 65_536,
      batchBodyLimitBytes: 1_048_576,
      maxClockSkewMs: 300_000,
      knownSchedulerTtlMs: 1_000,
    },
    slack: {
      schedulers,
      history,
      incidents,
      alerts,
      acknowledgements,
      eod: DEFAULT_EOD_CONFIG,
      clock,
      logger,
      signingSecret: SECRET,
      botToken: BOT_TOKEN,
      apiUrl,
    },
  });
}

beforeAll(async () => {
  slack = await startFakeSlack();
  worker = createSlackNotifier({ token: BOT_TOKEN, channel: 'C0EOD', apiUrl: slack.url });
  app = buildSlackApp(slack.url);
  const { schedulers, history } = stores();
  await schedulers.register(
    {
      scheduler_id: 'service-d-backup',
      service_name: 'Service D',
      job_name: 'Backup',
      alert_user_id: 'U0OPS',
    },
    '2026-01-14T17:00:00.000Z',
  );
  await schedulers.applyStatus(
    {
      type: 'status',
      event_id: 'fail-1',
      scheduler_id: 'service-d-backup',
      service_name: 'Service D',
      job_name: 'Backup',
      status: 'failed',
      timestamp: '2026-01-14T18:42:00.000Z',
      execution_time_ms: 1000,
      error_message: 'disk full',
      metadata: null,
      run_id: null,
      accepted_at: null,
    },
    '2026-01-14T18:42:00.000Z',
  );
  await history.putAll([
    {
      scheduler_id: 'service-d-backup',
      sk: '2026-01-14T18:42:00.000Z#fail-1',
      id: 'fail-1',
      type: 'status',
      status: 'failed',
      timestamp: '2026-01-14T18:42:00.000Z',
      execution_time_ms: 1000,
      error_message: 'disk full',
      metadata: null,
      run_id: null,
      expires_at: 1_900_000_000,
    },
  ]);
});

afterAll(async () => {
  await app.close();
  await slack.stop();
});

function signed(
  body: string,
  contentType: string,
  options: { secret?: string; timestamp?: number; tamper?: boolean } = {},
) {
  const timestamp = String(options.timestamp ?? Math.floor(NOW.getTime() / 1000));
  const signature = signatureOf(options.secret ?? SECRET, timestamp, body);
  return {
    method: 'POST' as const,
    url: '/slack/events',
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signature,
    },
    payload: options.tamper ? `${body}&x=1` : body,
  };
}

const command = (text: string) =>
  new URLSearchParams({
    command: '/schedmon',
    text,
    user_id: 'U0ASKER',
    channel_id: 'C0EOD',
    team_id: 'T1',
    trigger_id: 't',
    response_url: 'https://hooks.example/r',
    token: 'legacy',
  }).toString();

describe('/schedmon slash command', () => {
  it('answers `status` with tonight’s table, ephemeral', async () => {
    const response = await app.inject(signed(command('status'), FORM));
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('EOD Process Status — night of 15 Jan 2026 · 15 Jan 01:55 WIB');
    expect(body.text).toContain('Backup');
  });

  it('answers `show <id>` with the record and its last history rows', async () => {
    const response = await app.inject(signed(command('show service-d-backup'), FORM));
    const body = response.json();
    expect(body.text).toContain('Service D › Backup');
    expect(body.text).toContain('failed: disk full');
  });

  it('answers `help`, an unknown word and an unknown id with help, never an error', async () => {
    for (const text of ['help', '', 'dance <!channel>', 'show nobody']) {
      const response = await app.inject(signed(command(text), FORM));
      expect(response.statusCode, text).toBe(200);
      expect(response.json().text, text).toContain('/schedmon status');
      expect(response.body, text).not.toContain('<!channel>');
    }
  });

  it('answers `show` with what is not a scheduler id, before any lookup', async () => {
    for (const argument of [
      'x'.repeat(2_048),
      // Over the id rule's 255 characters, though a key the table would take.
      'a'.repeat(256),
      // Over the table's key size in bytes, though under 2 048 characters.
      'é'.repeat(1_200),
      '-starts-with-a-dash',
      'has/slash',
      '<!channel>',
      '\u0000',
    ]) {
      const response = await app.inject(signed(command(`show ${argument}`), FORM));
      const name = argument.slice(0, 20);
      expect(response.statusCode, name).toBe(200);
      const body = response.json();
      expect(body.response_type, name).toBe('ephemeral');
      expect(body.text, name).toContain('is not a scheduler id');
      expect(body.text.length, name).toBeLessThan(1_000);
    }
  });

  it.each([
    ['control characters', '\u0000\u0007\u001b[31mshow\u0008 x\u007f'],
    ['10 KB of text', 'x'.repeat(10_240)],
    ['10 KB after `show`', `show ${'y'.repeat(10_240)}`],
    ['broadcasts and mentions', '<!channel> <!here> <@U0OPS> <!subteam^S0OPS>'],
    ['mrkdwn entities', '&<> &amp; &lt;'],
    ['entities after `show`', 'show &<>'],
    ['a mention after `show`', 'show <@U0OPS>'],
    ['a bidi override', '\u202Eshow service-d-backup'],
    ['backticks', '```dance```'],
    ['only white space', ' \t\n '],
    ['`show` alone', 'show'],
  ])('answers %s ephemerally, without a 500 or live markup', async (_name, text) => {
    const response = await app.inject(signed(command(text), FORM));
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.response_type).toBe('ephemeral');
    // Neither a mention, a link nor a stray entity: `<`, `>` and `&` only as entities.
    const shown = `${body.text}${JSON.stringify(body.blocks)}`;
    expect(shown).not.toMatch(/[<>]/);
    expect(shown).not.toMatch(/&(?!amp;|lt;|gt;)/);
  });
});

const ALERT_INPUT = {
  scheduler: {
    scheduler_id: 'service-d-backup',
    service_name: 'Service D',
    job_name: 'Backup',
    timestamp: '2026-01-14T18:42:00.000Z',
    execution_time_ms: 1000,
    error_message: 'disk full',
    alert_user_id: 'U0OPS',
  },
  timeZone: 'Asia/Jakarta',
  zoneLabel: 'WIB',
};

const SCHEDULER = 'service-d-backup';

/** Posts the failure alert of `eventId` and stores its item, as the worker does. */
async function postAlert(eventId: string, schedulerId = SCHEDULER): Promise<MessageRef> {
  const input = {
    ...ALERT_INPUT,
    eventId,
    scheduler: { ...ALERT_INPUT.scheduler, scheduler_id: schedulerId },
  };
  const ref = await worker.post(renderFailureAlert(input));
  const failedAt = '2026-01-14T18:42:00.000Z';
  const alert = newAlert(
    { schedulerId, eventId, message: renderFailureAlert(input), input, failedAt },
    failedAt,
  );
  await stores().alerts.create(
    { ...alert, state: 'sent', ref, finished_at: failedAt },
    1_900_000_000,
    NOW.toISOString(),
  );
  return ref;
}

/** A click of the alert's Acknowledge button by `userId`, signed as Slack signs it. */
function click(ref: MessageRef, eventId: string, userId: string, schedulerId = SCHEDULER) {
  const payload = JSON.stringify({
    type: 'block_actions',
    user: { id: userId, username: 'ops' },
    team: { id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy',
    container: { type: 'message', channel_id: ref.channel, message_ts: ref.ts },
    channel: { id: ref.channel },
    message: { ts: ref.ts },
    actions: [
      {
        type: 'button',
        action_id: 'acknowledge_failure',
        block_id: 'b',
        value: acknowledgeButtonValue({ scheduler_id: schedulerId, event_id: eventId }),
        action_ts: '1',
      },
    ],
  });
  return signed(new URLSearchParams({ payload }).toString(), FORM);
}

/** Sends `request` and how long the answer took. */
async function timed(target: ReturnType<typeof buildApp>, request: ReturnType<typeof click>) {
  const started = performance.now();
  const response = await target.inject(request);
  return { response, ms: performance.now() - started };
}

const acknowledgementOf = (eventId: string, schedulerId = SCHEDULER) =>
  stores().acknowledgements.get('2026-01-15', alertKey(schedulerId, eventId), NOW.toISOString());

const logged = (message: string, eventId: string) =>
  waitFor(
    () => logs().find((line) => line.msg === message && line.event_id === eventId),
    `the log line "${message}" for ${eventId}`,
  );

describe('Acknowledge button', () => {
  it('records who and when, redraws the alert through the notifier, and a second click changes nothing recorded', async () => {
    const ref = await postAlert('fail-1');
    const first = await app.inject(click(ref, 'fail-1', 'U0ACK'));
    expect(first.statusCode).toBe(200);
    const edited = await waitFor(() => {
      const message = JSON.stringify(slack.message(ref.channel, ref.ts));
      return message.includes('Acknowledged by') && message;
    }, 'the alert redrawn acknowledged');
    expect(edited).toContain('Acknowledged by <@U0ACK> at 01:55');
    expect(edited).not.toContain('acknowledge_failure');
    expect(await acknowledgementOf('fail-1')).toMatchObject({
      user_id: 'U0ACK',
      scheduler_id: 'service-d-backup',
    });
    // The notifier's edit (its own log line), and no call at all from Bolt's client.
    expect(logs()).toContainEqual(
      expect.objectContaining({ method: 'chat.update', msg: 'Slack chat.update ok' }),
    );
    expect(slack.callsOf('auth.test')).toHaveLength(0);

    const updatesBefore = slack.callsOf('chat.update').length;
    const second = await app.inject(click(ref, 'fail-1', 'U0OTHER'));
    expect(second.statusCode).toBe(200);
    expect(await logged('already acknowledged: nothing changed', 'fail-1')).toMatchObject({
      userId: 'U0OTHER',
    });
    // Redrawn as the first click left it (in case that redraw was lost), nothing recorded.
    await waitFor(
      () => slack.callsOf('chat.update').length > updatesBefore,
      'the alert redrawn again',
    );
    expect(JSON.stringify(slack.message(ref.channel, ref.ts))).toContain(
      'Acknowledged by <@U0ACK> at 01:55',
    );
    expect((await acknowledgementOf('fail-1'))?.user_id).toBe('U0ACK');
  });

  it('acknowledges only the scheduler clicked when two schedulers share an event id', async () => {
    // Producers may reuse event ids across schedulers: markers are keyed by both.
    const other = 'service-e-backup';
    const refD = await postAlert('nightly-run-1');
    const refE = await postAlert('nightly-run-1', other);
    const acknowledged = (ref: MessageRef) =>
      JSON.stringify(slack.message(ref.channel, ref.ts)).includes('Acknowledged by');
    expect((await app.inject(click(refD, 'nightly-run-1', 'U0ACKA'))).statusCode).toBe(200);
    await waitFor(() => acknowledged(refD), 'the first alert redrawn acknowledged');
    expect(acknowledged(refE)).toBe(false);
    expect(await acknowledgementOf('nightly-run-1', other)).toBeUndefined();
    expect((await app.inject(click(refE, 'nightly-run-1', 'U0ACKB', other))).statusCode).toBe(200);
    await waitFor(() => acknowledged(refE), 'the second alert redrawn acknowledged');
    expect(await acknowledgementOf('nightly-run-1')).toMatchObject({ user_id: 'U0ACKA' });
    expect(await acknowledgementOf('nightly-run-1', other)).toMatchObject({
      user_id: 'U0ACKB',
      scheduler_id: other,
      event_id: 'nightly-run-1',
    });
  });

  it('answers Slack before the chat.update when Slack is slow, and the edit lands later', async () => {
    const ref = await postAlert('fail-2');
    slack.failNext({ method: 'chat.update', delayMs: 1_500 });
    const { response, ms } = await timed(app, click(ref, 'fail-2', 'U0ACK'));
    expect(response.statusCode).toBe(200);
    // Answered while Slack had not answered the edit (or not even received it).
    const edits = slack.callsOf('chat.update').filter((call) => call.body.ts === ref.ts);
    expect(edits.every((call) => call.response === undefined)).toBe(true);
    expect(ms).toBeLessThan(SLACK_DEADLINE_MS);
    await waitFor(
      () => JSON.stringify(slack.message(ref.channel, ref.ts)).includes('Acknowledged by'),
      'the slow edit to land',
    );
  });

  it('waits, when the app closes, for an edit still under way', async () => {
    const draining = buildSlackApp(slack.url);
    const ref = await postAlert('fail-5');
    slack.failNext({ method: 'chat.update', delayMs: 1_000 });
    try {
      const response = await draining.inject(click(ref, 'fail-5', 'U0ACK'));
      expect(response.statusCode).toBe(200);
    } finally {
      await draining.close();
    }
    expect(JSON.stringify(slack.message(ref.channel, ref.ts))).toContain(
      'Acknowledged by <@U0ACK>',
    );
  });

  it('logs a redraw Slack refuses with a 5xx, without the bot token, and answers at once', async () => {
    const ref = await postAlert('fail-3');
    slack.failUntilCleared({ method: 'chat.update', status: 503 });
    try {
      const { response, ms } = await timed(app, click(ref, 'fail-3', 'U0ACK'));
      expect(response.statusCode).toBe(200);
      expect(ms).toBeLessThan(SLACK_DEADLINE_MS);
      expect(
        await logged('acknowledged, but the alert could not be redrawn', 'fail-3'),
      ).toMatchObject({ reason: '503' });
    } finally {
      slack.clearFailures();
    }
    // The click still counts: only the redraw is missing.
    expect(await acknowledgementOf('fail-3')).toMatchObject({ user_id: 'U0ACK' });
    expect(logLines.join('\n')).not.toContain(BOT_TOKEN);
  });

  it('logs an unreachable Slack without the bot token, and answers at once', async () => {
    const gone = await startFakeSlack();
    await gone.stop();
    const offline = buildSlackApp(gone.url);
    try {
      const ref = await postAlert('fail-4');
      const { response, ms } = await timed(offline, click(ref, 'fail-4', 'U0ACK'));
      expect(response.statusCode).toBe(200);
      expect(ms).toBeLessThan(SLACK_DEADLINE_MS);
      expect(
        await logged('acknowledged, but the alert could not be redrawn', 'fail-4'),
      ).toMatchObject({ reason: 'ECONNREFUSED' });
    } finally {
      await offline.close();
    }
    expect(logLines.join('\n')).not.toContain(BOT_TOKEN);
  });
});

const POLICY = {
  alert_after_failures: 1,
  recover_after_successes: 1,
  min_runtime_seconds: null,
  quiet: false,
};

/** Applies `signal` to the incidents of `schedulerId`, as the worker does. */
async function signalIncident(schedulerId: string, signal: IncidentSignal, serviceName: string) {
  await applyIncidentSignal(
    { store: stores().incidents, clock, remindAfterMs: 3_600_000 },
    {
      schedulerId,
      signal,
      policy: POLICY,
      context: {
        scheduler: {
          scheduler_id: schedulerId,
          service_name: serviceName,
          job_name: 'Backup',
          alert_user_id: 'U0OPS',
        },
        opening: {
          at: signal.at,
          expected_at: null,
          grace_seconds: 600,
          error_message: 'disk full',
          execution_time_ms: 1000,
          min_runtime_seconds: null,
          max_runtime_seconds: null,
          started_at: null,
          last_signal_at: null,
          failures_in_row: null,
        },
      },
    },
  );
}

/** Registers `schedulerId` and opens an incident of it with a failed run; its id. */
async function openIncident(
  schedulerId: string,
  eventId: string,
  serviceName = 'Service D',
  at = '2026-01-14T18:50:00.000Z',
) {
  await stores().schedulers.register(
    { scheduler_id: schedulerId, service_name: serviceName, job_name: 'Backup' },
    '2026-01-14T17:00:00.000Z',
  );
  await signalIncident(
    schedulerId,
    { type: 'failed', at, event_id: eventId, error_message: 'disk full' },
    serviceName,
  );
  return incidentIdOf(schedulerId, eventId);
}

/** A click of an incident root message's Acknowledge button, signed as Slack signs it. */
function incidentClick(value: string, userId: string) {
  const payload = JSON.stringify({
    type: 'block_actions',
    user: { id: userId, username: 'ops' },
    team: { id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy',
    container: { type: 'message', channel_id: 'C0EOD', message_ts: '1768416600.000100' },
    channel: { id: 'C0EOD' },
    message: { ts: '1768416600.000100' },
    actions: [
      {
        type: 'button',
        action_id: INCIDENT_ACKNOWLEDGE_ACTION,
        block_id: 'b',
        value,
        action_ts: '1',
      },
    ],
  });
  return signed(new URLSearchParams({ payload }).toString(), FORM);
}

const incidentLogged = (message: string, incidentId: string) =>
  waitFor(
    () => logs().find((line) => line.msg === message && line.incident_id === incidentId),
    `the log line "${message}" for ${incidentId}`,
  );

/** What the box of `schedulerId` still owes Slack, by delivery (and reason) type. */
async function outboxOf(schedulerId: string) {
  const found = await stores().incidents.box(schedulerId, NOW.toISOString());
  return (found?.box.outbox ?? []).map((entry) =>
    entry.delivery.type === 'reply' ? `reply:${entry.delivery.reason.type}` : entry.delivery.type,
  );
}

describe('incident Acknowledge button', () => {
  it('acknowledges as the Slack user who clicked and queues one reply and one redraw, however often clicked', async () => {
    const id = await openIncident('service-d-backup', 'inc-fail-1');
    const { response, ms } = await timed(app, incidentClick(id, 'U0ACK'));
    expect(response.statusCode).toBe(200);
    expect(ms).toBeLessThan(SLACK_DEADLINE_MS);
    const acknowledged = await waitFor(async () => {
      const incident = await stores().incidents.incident(id, NOW.toISOString());
      return incident?.state === 'acknowledged' && incident;
    }, 'the incident acknowledged');
    expect(acknowledged).toMatchObject({
      acknowledged_by: 'U0ACK',
      acknowledged_at: NOW.toISOString(),
      service_name: 'Service D',
    });
    const box = await stores().incidents.box('service-d-backup', NOW.toISOString());
    expect(box?.box.tracker.open).toMatchObject({ incident_id: id, state: 'acknowledged' });

    expect((await app.inject(incidentClick(id, 'U0OTHER'))).statusCode).toBe(200);
    expect(
      await incidentLogged('incident already acknowledged: nothing changed', id),
    ).toMatchObject({ userId: 'U0OTHER', acknowledgedBy: 'U0ACK' });
    // The worker delivers these; the api only queued them, once.
    expect(await outboxOf('service-d-backup')).toEqual([
      'post_root',
      'reply:acknowledged',
      'edit_root',
    ]);
    expect((await stores().incidents.incident(id, NOW.toISOString()))?.acknowledged_by).toBe(
      'U0ACK',
    );
  });

  it('changes nothing for a click on a resolved incident, an unknown one or a forged value', async () => {
    const id = await openIncident('service-f-sync', 'inc-fail-2');
    await signalIncident(
      'service-f-sync',
      { type: 'completed', at: '2026-01-14T18:52:00.000Z', event_id: 'ok-1', duration_ms: 1000 },
      'Service F',
    );
    const before = await outboxOf('service-f-sync');
    expect(before).toEqual(['post_root', 'resolved', 'edit_root']);

    expect((await app.inject(incidentClick(id, 'U0ACK'))).statusCode).toBe(200);
    expect(await incidentLogged('incident not open: nothing changed', id)).toMatchObject({
      outcome: 'resolved',
    });
    expect(await stores().incidents.incident(id, NOW.toISOString())).toMatchObject({
      state: 'resolved',
      acknowledged_by: null,
    });
    expect(await outboxOf('service-f-sync')).toEqual(before);

    const unknown = 'service-f-sync#never-opened';
    expect((await app.inject(incidentClick(unknown, 'U0ACK'))).statusCode).toBe(200);
    expect(await incidentLogged('incident not open: nothing changed', unknown)).toMatchObject({
      outcome: 'not_found',
    });

    const errors = () => logs().filter((line) => Number(line.level) >= 50).length;
    const errorsBefore = errors();
    for (const forged of ['x'.repeat(10_240), '<!channel>', 'service-f-sync', '']) {
      const warnings = logs().filter((line) => String(line.msg).includes('unreadable')).length;
      const response = await app.inject(incidentClick(forged, 'U0ACK'));
      expect(response.statusCode, forged.slice(0, 20)).toBe(200);
      await waitFor(
        () => logs().filter((line) => String(line.msg).includes('unreadable')).length > warnings,
        'the forged value refused',
      );
    }
    expect(errors()).toBe(errorsBefore);
  });
});

describe('/schedmon incidents', () => {
  it('lists the incidents not resolved, newest first, names escaped', async () => {
    const hostile = await openIncident(
      'service-g-pay',
      'inc-fail-3',
      '<!channel> Payments & Co',
      '2026-01-14T18:53:00.000Z',
    );
    const response = await app.inject(signed(command('incidents'), FORM));
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('&lt;!channel&gt; Payments &amp; Co › Backup');
    expect(`${body.text}${JSON.stringify(body.blocks)}`).not.toContain('<!channel>');
    expect(body.text).toContain('`service-g-pay`');
    expect(body.text).toContain('*failed* since 01:53 WIB (2026-01-15)');
    // The one resolved above is not listed.
    expect(body.text).not.toContain('service-f-sync');
    const lines = String(body.text).split('\n');
    expect(lines.findIndex((line) => line.includes('service-g-pay'))).toBeLessThan(
      lines.findIndex((line) => line.includes('service-d-backup')),
    );
    expect(hostile).toBe('service-g-pay#inc-fail-3');
  });
});

describe('request signatures (R8, Slack half)', () => {
  it.each([
    ['a tampered body', { tamper: true }],
    ['a wrong secret', { secret: 'not-the-secret' }],
    ['a timestamp older than 5 minutes', { timestamp: Math.floor(NOW.getTime() / 1000) - 301 }],
  ])('answers 401 to %s and runs nothing', async (_name, options) => {
    const callsBefore = slack.calls.length;
    const response = await app.inject(
      signed(command('status'), 'application/x-www-form-urlencoded', options),
    );
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Invalid Slack signature',
    });
    expect(slack.calls.length).toBe(callsBefore);
  });

  it('answers 401 when the signature headers are missing', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/slack/events',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: command('status'),
    });
    expect(response.statusCode).toBe(401);
  });

  it('answers Slack’s URL verification challenge', async () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'abc123', token: 't' });
    const response = await app.inject(signed(body, 'application/json'));
    expect(response.json()).toEqual({ challenge: 'abc123' });
  });
});
