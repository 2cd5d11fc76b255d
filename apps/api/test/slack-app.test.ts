// The Slack app at POST /slack/events, with requests signed exactly as Slack signs them,
// on the real engines and the fake Slack server.
import {
  createDocumentClient,
  createDynamoHistoryStore,
  createDynamoSchedulerStore,
  createDynamoStateStore,
} from '@schedmon/adapters/dynamodb';
import { createSlackNotifier } from '@schedmon/adapters/slack';
import {
  ALERT_PARTITION,
  acknowledgeButtonValue,
  acknowledgementPartition,
  DEFAULT_EOD_CONFIG,
  renderFailureAlert,
} from '@schedmon/domain';
import { createFakeClock } from '@schedmon/domain/fakes';
import type { FakeSlack } from '@schedmon/fake-slack';
import { startFakeSlack } from '@schedmon/fake-slack';
import { createLogger } from '@schedmon/runtime';
import { useTestEnvironment } from '@schedmon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadApiKeys } from '../src/auth.ts';
import { signatureOf } from '../src/slack/signature.ts';

const SECRET = 'slack-signing-secret';
const NOW = new Date('2026-01-15T01:55:00+07:00');
const environment = useTestEnvironment();
let slack: FakeSlack;
let app: ReturnType<typeof buildApp>;
const clock = createFakeClock(NOW);

const stores = () => {
  const documents = createDocumentClient(environment().clients.dynamodb);
  const { names } = environment();
  return {
    schedulers: createDynamoSchedulerStore(documents, names.schedulersTable),
    history: createDynamoHistoryStore(documents, names.historyTable),
    state: createDynamoStateStore(documents, names.stateTable),
  };
};

beforeAll(async () => {
  slack = await startFakeSlack();
  const { schedulers, history, state } = stores();
  app = buildApp({
    logger: createLogger({ name: 'api', level: 'silent', pretty: false }),
    version: 'test',
    clock,
    keys: loadApiKeys(['k']),
    schedulers,
    history,
    queue: { send: async () => ({ messageId: 'x' }) },
    readiness: async () => ({ status: 'healthy', components: {} }),
    limits: {
      rateLimitPerMinute: 100,
      bodyLimitBytes: 65_536,
      maxClockSkewMs: 300_000,
      knownSchedulerTtlMs: 1_000,
    },
    slack: {
      schedulers,
      history,
      state,
      eod: DEFAULT_EOD_CONFIG,
      clock,
      logger: createLogger({ name: 'api', level: 'silent', pretty: false }),
      signingSecret: SECRET,
      botToken: 'xoxb-test',
      apiUrl: slack.url,
    },
  });
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
    const response = await app.inject(
      signed(command('status'), 'application/x-www-form-urlencoded'),
    );
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('EOD Process Status — 15 Jan 2026 01:55 WIB');
    expect(body.text).toContain('Backup');
  });

  it('answers `show <id>` with the record and its last history rows', async () => {
    const response = await app.inject(
      signed(command('show service-d-backup'), 'application/x-www-form-urlencoded'),
    );
    const body = response.json();
    expect(body.text).toContain('Service D › Backup');
    expect(body.text).toContain('failed: disk full');
  });

  it('answers `help`, an unknown word and an unknown id with help, never an error', async () => {
    for (const text of ['help', '', 'dance <!channel>', 'show nobody']) {
      const response = await app.inject(signed(command(text), 'application/x-www-form-urlencoded'));
      expect(response.statusCode, text).toBe(200);
      expect(response.json().text, text).toContain('/schedmon status');
      expect(response.body, text).not.toContain('<!channel>');
    }
  });
});

describe('Acknowledge button', () => {
  it('records who and when, edits the alert in place, and a second click changes nothing', async () => {
    const { state } = stores();
    const input = {
      scheduler: {
        scheduler_id: 'service-d-backup',
        service_name: 'Service D',
        job_name: 'Backup',
        timestamp: '2026-01-14T18:42:00.000Z',
        execution_time_ms: 1000,
        error_message: 'disk full',
        alert_user_id: 'U0OPS',
      },
      eventId: 'fail-1',
      timeZone: 'Asia/Jakarta',
      zoneLabel: 'WIB',
    };
    const notifier = createSlackNotifier({
      token: 'xoxb-test',
      channel: 'C0EOD',
      apiUrl: slack.url,
    });
    const ref = await notifier.post(renderFailureAlert(input));
    await state.put({
      pk: ALERT_PARTITION,
      sk: 'fail-1',
      data: { state: 'sent', input, ref, failed_at: '2026-01-14T18:42:00.000Z' },
      expires_at: 1_900_000_000,
    });
    const payload = JSON.stringify({
      type: 'block_actions',
      user: { id: 'U0ACK', username: 'ops' },
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
          value: acknowledgeButtonValue({ scheduler_id: 'service-d-backup', event_id: 'fail-1' }),
          action_ts: '1',
        },
      ],
    });
    const form = new URLSearchParams({ payload }).toString();
    const first = await app.inject(signed(form, 'application/x-www-form-urlencoded'));
    expect(first.statusCode).toBe(200);
    const edited = slack.message(ref.channel, ref.ts);
    expect(JSON.stringify(edited)).toContain('Acknowledged by <@U0ACK> at 01:55');
    expect(JSON.stringify(edited)).not.toContain('acknowledge_failure');
    const ack = await state.get(
      acknowledgementPartition('2026-01-15'),
      'fail-1',
      NOW.toISOString(),
    );
    expect(ack?.data).toMatchObject({ user_id: 'U0ACK', scheduler_id: 'service-d-backup' });

    const updatesBefore = slack.callsOf('chat.update').length;
    const second = await app.inject(
      signed(
        new URLSearchParams({ payload: payload.replace('U0ACK', 'U0OTHER') }).toString(),
        'application/x-www-form-urlencoded',
      ),
    );
    expect(second.statusCode).toBe(200);
    expect(slack.callsOf('chat.update')).toHaveLength(updatesBefore);
    expect(
      (await state.get(acknowledgementPartition('2026-01-15'), 'fail-1', NOW.toISOString()))?.data
        .user_id,
    ).toBe('U0ACK');
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
