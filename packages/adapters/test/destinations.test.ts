// The destination sender against the fake PagerDuty, Opsgenie and webhook receiver, over
// real HTTP on loopback: each transition lands, hostile text is cut to each service's
// limits, and every failure is classified without a key, a secret or a URL path in it.
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Destination, Incident, IncidentContext, Transition } from '@schedmon/domain';
import { compileValidator, DestinationError, IncidentSchema } from '@schedmon/domain';
import type { FakeOpsgenie, FakePagerDuty, WebhookReceiver } from '@schedmon/fake-destinations';
import {
  startFakeOpsgenie,
  startFakePagerDuty,
  startWebhookReceiver,
  verifySchedmonSignature,
} from '@schedmon/fake-destinations';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DestinationMessage, DestinationSenderOptions } from '../src/destinations/index.ts';
import {
  createDestinationSender,
  dedupKeyOf,
  deliveryIdOf,
  webhookSignature,
} from '../src/destinations/index.ts';
import { opsgenieCallOf, pagerDutyEventOf, webhookBodyOf } from '../src/destinations/payloads.ts';

const ROUTING_KEY = 'R0ut1ngKeyOfTheEventsIntegration';
const API_KEY = 'genie-api-key-5f0c9d2e';
const SECRET = 'whsec_7d1e0a93c4b2f58e';
// A token in the path, as many receivers (Slack, Zapier, Teams) take their credential.
const WEBHOOK_PATH = '/hooks/T0KEN-4a9e1c77b3d2';
/** What no error may carry. */
const SECRETS = [ROUTING_KEY, API_KEY, SECRET, WEBHOOK_PATH, 'T0KEN-4a9e1c77b3d2'];

const OPENED_AT = '2026-01-15T01:02:03.000Z';
const ACKED_AT = '2026-01-15T01:10:00.000Z';
const RESOLVED_AT = '2026-01-15T01:30:00.000Z';
// The one clock of signatures and of the receiver's check.
const NOW_SECONDS = Date.parse(RESOLVED_AT) / 1000;

let pagerDuty: FakePagerDuty;
let opsgenie: FakeOpsgenie;
let receiver: WebhookReceiver;

beforeAll(async () => {
  [pagerDuty, opsgenie, receiver] = await Promise.all([
    startFakePagerDuty({ routingKeys: [ROUTING_KEY] }),
    startFakeOpsgenie({ apiKeys: [API_KEY] }),
    startWebhookReceiver({ secret: SECRET, now: () => NOW_SECONDS * 1000 }),
  ]);
});

afterAll(async () => {
  await Promise.all([pagerDuty?.stop(), opsgenie?.stop(), receiver?.stop()]);
});

beforeEach(() => {
  pagerDuty.reset();
  opsgenie.reset();
  receiver.reset();
});

const sender = (options: DestinationSenderOptions = {}) =>
  createDestinationSender({
    pagerDutyUrl: pagerDuty.url,
    opsgenieUrl: opsgenie.url,
    allowPrivateUrls: true,
    timeoutMs: 2_000,
    nowSeconds: () => NOW_SECONDS,
    ...options,
  });

const pagerDutyDestination = (routingKey = ROUTING_KEY): Destination => ({
  type: 'pagerduty',
  routing_key: routingKey,
});
const opsgenieDestination = (apiKey = API_KEY, region: 'us' | 'eu' = 'eu'): Destination => ({
  type: 'opsgenie',
  api_key: apiKey,
  region,
});
const webhookDestination = (url = `${receiver.url}${WEBHOOK_PATH}`): Destination => ({
  type: 'webhook',
  url,
  secret: SECRET,
});

const incidentValidator = compileValidator(IncidentSchema);

type Story = {
  schedulerId?: string;
  eventId?: string;
  serviceName?: string;
  jobName?: string;
  errorMessage?: string | null;
  acknowledgedBy?: string;
};

/** The incident as each transition leaves it: opened, acknowledged, resolved. */
function incidentAfter(transition: Transition, story: Story = {}): Incident {
  const schedulerId = story.schedulerId ?? 'payments-eod-settlement';
  const opened: Incident = {
    incident_id: `${schedulerId}#${story.eventId ?? 'evt-01HZX3'}`,
    scheduler_id: schedulerId,
    kind: 'failed',
    state: 'open',
    opened_at: OPENED_AT,
    updated_at: OPENED_AT,
    resolved_at: null,
    events: 1,
    acknowledged_by: null,
    acknowledged_at: null,
  };
  const acknowledged: Incident = {
    ...opened,
    state: 'acknowledged',
    updated_at: ACKED_AT,
    acknowledged_by: story.acknowledgedBy ?? 'U0ONCALL',
    acknowledged_at: ACKED_AT,
  };
  const resolved: Incident = {
    ...acknowledged,
    state: 'resolved',
    updated_at: RESOLVED_AT,
    resolved_at: RESOLVED_AT,
    events: 2,
  };
  const incident = { opened, acknowledged, resolved }[transition];
  expect(incidentValidator.check(incident)).toBe(true);
  return incident;
}

/** The message of one transition of the story's incident to `destination`. */
function messageOf(
  destination: Destination,
  transition: Transition,
  story: Story = {},
): DestinationMessage {
  const incident = incidentAfter(transition, story);
  const scheduler: IncidentContext['scheduler'] = {
    scheduler_id: incident.scheduler_id,
    service_name: story.serviceName ?? 'Payments',
    job_name: story.jobName ?? 'EOD settlement',
    alert_user_id: 'U0OWNER',
  };
  const opening: IncidentContext['opening'] = {
    at: OPENED_AT,
    expected_at: '2026-01-15T01:00:00.000Z',
    grace_seconds: 60,
    error_message:
      story.errorMessage === undefined
        ? 'ConnectionResetError: settlement batch 42 aborted\n  at Batch.run (batch.ts:10)'
        : story.errorMessage,
    execution_time_ms: 62_000,
    min_runtime_seconds: null,
    max_runtime_seconds: 3_600,
    started_at: '2026-01-15T01:00:58.000Z',
    last_signal_at: OPENED_AT,
    failures_in_row: 1,
  };
  const createdAt = { opened: OPENED_AT, acknowledged: ACKED_AT, resolved: RESOLVED_AT }[
    transition
  ];
  return {
    destination,
    transition,
    incident,
    scheduler,
    opening,
    deliveryId: deliveryIdOf(incident.incident_id, 0, transition),
    createdAt,
  };
}

const TRANSITIONS: readonly Transition[] = ['opened', 'acknowledged', 'resolved'];

/** Sends the story's three transitions in order; the status of each. */
async function sendLifecycle(destination: Destination, story: Story = {}) {
  const send = sender();
  const statuses: number[] = [];
  for (const transition of TRANSITIONS) {
    statuses.push((await send.send(messageOf(destination, transition, story))).status);
  }
  return statuses;
}

/** The DestinationError a send rejected with; fails the test if it resolved. */
async function failureOf(call: Promise<unknown>): Promise<DestinationError> {
  const error = await call.then(
    () => undefined,
    (rejected: unknown) => rejected,
  );
  expect(error).toBeInstanceOf(DestinationError);
  const failure = error as DestinationError;
  for (const secret of SECRETS) {
    expect(failure.message).not.toContain(secret);
    expect(failure.reason).not.toContain(secret);
    expect(String(failure.stack)).not.toContain(secret);
  }
  return failure;
}

/** Starts a bare loopback server answering with `handler`; `stop()` closes it. */
async function startServer(handler: Parameters<typeof createServer>[1]) {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

describe('each transition reaches each destination', () => {
  it('PagerDuty: trigger, acknowledge, resolve on one dedup_key', async () => {
    expect(await sendLifecycle(pagerDutyDestination())).toEqual([202, 202, 202]);
    const alerts = pagerDuty.alerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      routing_key: ROUTING_KEY,
      dedup_key: 'payments-eod-settlement#evt-01HZX3',
      status: 'resolved',
      transitions: ['trigger', 'acknowledge', 'resolve'],
      duplicates: 0,
    });
    const trigger = pagerDuty.requests[0]?.body as { payload: Record<string, unknown> };
    expect(trigger.payload).toMatchObject({
      summary:
        'Failed: Payments › EOD settlement: ConnectionResetError: settlement batch 42 aborted',
      source: 'payments-eod-settlement',
      severity: 'critical',
      timestamp: OPENED_AT,
      component: 'Payments',
      group: 'EOD settlement',
      class: 'failed',
    });
    expect(pagerDuty.requests.every((request) => request.response?.status === 202)).toBe(true);
  });

  it('Opsgenie: create, acknowledge, close on one alias, with the key in the header', async () => {
    expect(await sendLifecycle(opsgenieDestination())).toEqual([202, 202, 202]);
    const alerts = opsgenie.alerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      alias: 'payments-eod-settlement#evt-01HZX3',
      status: 'closed',
      transitions: ['create', 'acknowledge', 'close'],
      count: 1,
      duplicates: 0,
    });
    const [create, acknowledge, close] = opsgenie.requests;
    expect(create?.headers.authorization).toBe(`GenieKey ${API_KEY}`);
    expect(create?.body).toMatchObject({
      message:
        'Failed: Payments › EOD settlement: ConnectionResetError: settlement batch 42 aborted',
      alias: 'payments-eod-settlement#evt-01HZX3',
      priority: 'P1',
      entity: 'Payments',
      tags: ['schedmon', 'failed'],
    });
    expect(acknowledge?.path).toBe(
      '/v2/alerts/payments-eod-settlement%23evt-01HZX3/acknowledge?identifierType=alias',
    );
    expect(acknowledge?.body).toMatchObject({ user: 'U0ONCALL', source: 'schedmon' });
    expect(close?.path).toBe(
      '/v2/alerts/payments-eod-settlement%23evt-01HZX3/close?identifierType=alias',
    );
  });

  it('webhook: three signed deliveries with id, type, created_at and the incident', async () => {
    expect(await sendLifecycle(webhookDestination())).toEqual([200, 200, 200]);
    const deliveries = receiver.deliveries();
    expect(deliveries.map((delivery) => delivery.type)).toEqual([
      'incident.opened',
      'incident.acknowledged',
      'incident.resolved',
    ]);
    expect(deliveries.every((delivery) => delivery.verified === true)).toBe(true);
    expect(deliveries.every((delivery) => delivery.count === 1)).toBe(true);
    const incidentId = 'payments-eod-settlement#evt-01HZX3';
    for (const [index, request] of receiver.requests.entries()) {
      const transition = TRANSITIONS[index] ?? 'opened';
      expect(request.path).toBe(WEBHOOK_PATH);
      const header = request.headers['schedmon-signature'] as string;
      expect(verifySchedmonSignature(header, request.rawBody, SECRET, NOW_SECONDS * 1000)).toBe(
        true,
      );
      expect(request.headers['schedmon-delivery']).toBe(deliveryIdOf(incidentId, 0, transition));
      expect(request.headers['schedmon-event']).toBe(`incident.${transition}`);
      expect(request.body).toMatchObject({
        id: deliveryIdOf(incidentId, 0, transition),
        type: `incident.${transition}`,
        created_at: messageOf(webhookDestination(), transition).createdAt,
        incident: {
          incident_id: incidentId,
          scheduler_id: 'payments-eod-settlement',
          service_name: 'Payments',
          job_name: 'EOD settlement',
          kind: 'failed',
          state: incidentAfter(transition).state,
        },
      });
    }
    expect(receiver.requests[2]?.body).toMatchObject({
      incident: { resolved_at: RESOLVED_AT, acknowledged_by: 'U0ONCALL' },
    });
  });

  it('sends the same transition again under the same ids, which the destinations dedupe', async () => {
    const send = sender();
    for (const destination of [pagerDutyDestination(), opsgenieDestination()]) {
      await send.send(messageOf(destination, 'opened'));
      await send.send(messageOf(destination, 'opened'));
    }
    await send.send(messageOf(webhookDestination(), 'opened'));
    await send.send(messageOf(webhookDestination(), 'opened'));
    expect(pagerDuty.alerts()).toMatchObject([{ status: 'triggered', duplicates: 1 }]);
    expect(opsgenie.alerts()).toMatchObject([{ status: 'open', count: 2 }]);
    expect(receiver.deliveries()).toMatchObject([{ type: 'incident.opened', count: 2 }]);
  });
});

describe('hostile and oversized content is cut to each service’s limits', () => {
  // C0 and C1 controls, an escape sequence, bidi overrides and lone surrogates.
  const odd = '\u0000\u0007\u001b[31m\u0085\u202e\ud800\udfff\ufeff';
  const story: Story = {
    // A scheduler id of 255 and an event id of 128: the longest incident id, 384.
    schedulerId: `s${'x'.repeat(254)}`,
    eventId: `e${'y'.repeat(127)}`,
    serviceName: `Pay${odd}ments ${'🧾'.repeat(300)}`,
    jobName: `${odd}${'J'.repeat(10_000)}`,
    // 1 MB on one line (all of it would be the headline), then more lines.
    errorMessage: `${odd}${'E'.repeat(1_000_000)}\n${odd}\n${'trace '.repeat(1_000)}`,
    acknowledgedBy: `U${odd}${'A'.repeat(500)}`,
  };

  it('is 384 characters of incident id, for a dedup_key of at most 255', () => {
    expect(incidentAfter('opened', story).incident_id).toHaveLength(384);
    const key = dedupKeyOf(incidentAfter('opened', story).incident_id);
    expect(key.length).toBeLessThanOrEqual(255);
  });

  it('PagerDuty accepts every event; the summary and names are cut', async () => {
    expect(await sendLifecycle(pagerDutyDestination(), story)).toEqual([202, 202, 202]);
    const [alert] = pagerDuty.alerts();
    expect(alert?.transitions).toEqual(['trigger', 'acknowledge', 'resolve']);
    expect(alert?.dedup_key).toBe(dedupKeyOf(incidentAfter('opened', story).incident_id));
    const trigger = pagerDuty.requests[0]?.body as { payload: Record<string, string> };
    const payload = trigger.payload;
    expect(payload.summary?.length).toBeLessThanOrEqual(1_024);
    expect(payload.component?.length).toBeLessThanOrEqual(255);
    expect(payload.group?.length).toBeLessThanOrEqual(255);
    // Under PagerDuty's 512 KB although the error alone is 1 MB.
    expect(Buffer.byteLength(pagerDuty.requests[0]?.rawBody ?? '')).toBeLessThan(64 * 1024);
  });

  it('Opsgenie accepts every call; message, description and details are cut', async () => {
    expect(await sendLifecycle(opsgenieDestination(), story)).toEqual([202, 202, 202]);
    const [alert] = opsgenie.alerts();
    expect(alert?.alias).toBe(incidentAfter('opened', story).incident_id);
    expect(alert?.transitions).toEqual(['create', 'acknowledge', 'close']);
    const create = opsgenie.requests[0]?.body as Record<string, unknown>;
    expect((create.message as string).length).toBeLessThanOrEqual(130);
    expect((create.description as string).length).toBeLessThanOrEqual(15_000);
    expect((create.entity as string).length).toBeLessThanOrEqual(512);
    const details = Object.entries(create.details as Record<string, string>);
    expect(details.reduce((sum, [key, value]) => sum + key.length + value.length, 0)).toBeLessThan(
      8_000,
    );
    const acknowledge = opsgenie.requests[1]?.body as Record<string, string>;
    expect(acknowledge.user?.length).toBeLessThanOrEqual(100);
  });

  it('the webhook receiver takes every delivery, signed over the exact bytes', async () => {
    expect(await sendLifecycle(webhookDestination(), story)).toEqual([200, 200, 200]);
    const deliveries = receiver.deliveries();
    expect(deliveries).toHaveLength(3);
    expect(deliveries.every((delivery) => delivery.verified === true)).toBe(true);
    const body = receiver.requests[0]?.body as { incident: Record<string, unknown> };
    expect(body.incident.incident_id).toBe(incidentAfter('opened', story).incident_id);
    // The names arrive as they were (JSON escapes what needs escaping); the error is cut.
    expect(body.incident.job_name).toBe(story.jobName);
    expect((body.incident.error_message as string).length).toBeLessThanOrEqual(2_000);
    for (const request of receiver.requests) {
      expect(Buffer.byteLength(request.rawBody)).toBeLessThan(256 * 1024);
    }
  });

  it('never splits a surrogate pair when it cuts', () => {
    const emoji = { ...story, serviceName: '🧾'.repeat(1_000), errorMessage: null };
    const event = pagerDutyEventOf({
      ...messageOf(pagerDutyDestination(), 'opened', emoji),
      destination: { type: 'pagerduty', routing_key: ROUTING_KEY },
    }) as { payload: { summary: string; component: string } };
    const call = opsgenieCallOf({
      ...messageOf(opsgenieDestination(), 'opened', emoji),
      destination: { type: 'opsgenie', api_key: API_KEY, region: 'us' },
    });
    for (const text of [event.payload.summary, event.payload.component, call.body.message]) {
      expect(String(text)).toMatch(/^(?:[^\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/);
    }
  });
});

describe('failures say whether a retry can help, and never carry a secret', () => {
  it('400: PagerDuty does not know the routing key', async () => {
    const unknown = pagerDutyDestination('UnknownKeyOfAnotherIntegration00');
    const failure = await failureOf(sender().send(messageOf(unknown, 'opened')));
    expect(failure).toMatchObject({ retryable: false, status: 400 });
    expect(failure.reason).toContain('Invalid routing key');
    expect(failure.message).not.toContain('UnknownKeyOfAnotherIntegration00');
    expect(pagerDuty.alerts()).toEqual([]);
  });

  it('401: Opsgenie does not take the API key', async () => {
    const wrong = opsgenieDestination('genie-wrong-key-0000');
    const failure = await failureOf(sender().send(messageOf(wrong, 'opened')));
    expect(failure).toMatchObject({ retryable: false, status: 401 });
    expect(failure.reason).toContain('Could not authenticate');
    expect(failure.message).not.toContain('genie-wrong-key-0000');
    expect(opsgenie.alerts()).toEqual([]);
  });

  it.each([404, 413, 422])('%i: not retryable, with the status', async (status) => {
    const send = sender();
    pagerDuty.fail({ status });
    opsgenie.fail({ status });
    receiver.fail({ status });
    for (const destination of [
      pagerDutyDestination(),
      opsgenieDestination(),
      webhookDestination(),
    ]) {
      const failure = await failureOf(send.send(messageOf(destination, 'opened')));
      expect(failure).toMatchObject({ retryable: false, status });
      expect(failure.retryAfterMs).toBeUndefined();
    }
  });

  it('413: a receiver’s real refusal of a body over its limit', async () => {
    // The body is what the receiver refuses, not an injected fault; ~300 KB of names.
    const story = { serviceName: 'S'.repeat(150_000), jobName: 'J'.repeat(150_000) };
    const failure = await failureOf(
      sender().send(messageOf(webhookDestination(), 'opened', story)),
    );
    expect(failure).toMatchObject({ retryable: false, status: 413 });
  });

  it('429 with Retry-After: retryable, after the wait asked for', async () => {
    const send = sender();
    pagerDuty.fail({ status: 429, retryAfterSeconds: 7 });
    opsgenie.fail({ status: 429, retryAfterSeconds: 30 });
    receiver.fail({ status: 429, retryAfterSeconds: 2 });
    const waits = [];
    for (const destination of [
      pagerDutyDestination(),
      opsgenieDestination(),
      webhookDestination(),
    ]) {
      const failure = await failureOf(send.send(messageOf(destination, 'opened')));
      expect(failure).toMatchObject({ retryable: true, status: 429 });
      waits.push(failure.retryAfterMs);
    }
    expect(waits).toEqual([7_000, 30_000, 2_000]);
    // The next attempt goes through.
    expect((await send.send(messageOf(pagerDutyDestination(), 'opened'))).status).toBe(202);
  });

  it.each([500, 503])('%i: retryable', async (status) => {
    const send = sender();
    pagerDuty.fail({ status });
    opsgenie.fail({ status });
    receiver.fail({ status });
    for (const destination of [
      pagerDutyDestination(),
      opsgenieDestination(),
      webhookDestination(),
    ]) {
      const failure = await failureOf(send.send(messageOf(destination, 'opened')));
      expect(failure).toMatchObject({ retryable: true, status });
    }
  });

  it('a destination that never answers: retryable timeout without a status', async () => {
    const send = sender({ timeoutMs: 200 });
    for (const fake of [pagerDuty, opsgenie, receiver]) {
      const held = fake.hold();
      const destination =
        fake === pagerDuty
          ? pagerDutyDestination()
          : fake === opsgenie
            ? opsgenieDestination()
            : webhookDestination();
      const failure = await failureOf(send.send(messageOf(destination, 'opened')));
      expect(failure).toMatchObject({ retryable: true, status: null, reason: 'timeout' });
      // The service took it (it was held, not refused), and the sender hung up.
      await (await held).disconnected;
    }
  });

  it('connection refused: retryable without a status', async () => {
    const closed = await startServer((_req, res) => res.end());
    await closed.stop();
    const send = sender({ pagerDutyUrl: closed.url, opsgenieUrl: closed.url });
    for (const destination of [
      pagerDutyDestination(),
      opsgenieDestination(),
      webhookDestination(`${closed.url}${WEBHOOK_PATH}`),
    ]) {
      const failure = await failureOf(send.send(messageOf(destination, 'opened')));
      expect(failure).toMatchObject({ retryable: true, status: null });
      expect(failure.reason).toBe('network: ECONNREFUSED');
    }
  });

  it('302: not retryable, and the redirect is not followed', async () => {
    const target = `${receiver.url}/elsewhere`;
    let redirected = 0;
    const redirector = await startServer((req, res) => {
      redirected += 1;
      req.resume();
      res.writeHead(302, { location: target }).end();
    });
    try {
      const send = sender({ pagerDutyUrl: redirector.url, opsgenieUrl: redirector.url });
      for (const destination of [
        pagerDutyDestination(),
        opsgenieDestination(),
        webhookDestination(`${redirector.url}${WEBHOOK_PATH}`),
      ]) {
        const failure = await failureOf(send.send(messageOf(destination, 'opened')));
        expect(failure).toMatchObject({ retryable: false, status: 302 });
      }
      expect(redirected).toBe(3);
      expect(receiver.requests).toEqual([]);
    } finally {
      await redirector.stop();
    }
  });

  // The sender quotes the answer's body in its error, and a receiver that echoes the
  // request (Express's default 404 is `Cannot POST <path>`) would put the webhook's path,
  // which may carry a token, into the delivery log the api shows: it is cut out.
  it('a receiver that echoes the path in its error: the path is not in the error', async () => {
    const echo = await startServer((req, res) => {
      req.resume();
      res.writeHead(404, { 'content-type': 'text/html' }).end(`<pre>Cannot POST ${req.url}</pre>`);
    });
    try {
      const destination = webhookDestination(`${echo.url}${WEBHOOK_PATH}`);
      const failure = await failureOf(sender().send(messageOf(destination, 'opened')));
      expect(failure).toMatchObject({ retryable: false, status: 404 });
    } finally {
      await echo.stop();
    }
  });
});

describe('webhooks to private addresses', () => {
  it('are refused unless allowed, before any request', async () => {
    const port = new URL(receiver.url).port;
    const send = sender({ allowPrivateUrls: false });
    for (const url of [
      `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
      `http://localhost:${port}${WEBHOOK_PATH}`,
      // Other spellings of loopback.
      `http://127.1:${port}/`,
      `http://0x7f000001:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://[::1]:${port}/`,
    ]) {
      const failure = await failureOf(send.send(messageOf(webhookDestination(url), 'opened')));
      expect(failure).toMatchObject({ retryable: false, status: null });
      expect(failure.reason).toContain('loopback, private or link-local');
    }
    expect(receiver.requests).toEqual([]);
  });

  it('are delivered when allowed', async () => {
    const port = new URL(receiver.url).port;
    const send = sender({ allowPrivateUrls: true });
    for (const host of ['127.0.0.1', 'localhost']) {
      const url = `http://${host}:${port}${WEBHOOK_PATH}`;
      expect(await send.send(messageOf(webhookDestination(url), 'opened'))).toEqual({
        status: 200,
      });
    }
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.deliveries()).toMatchObject([{ verified: true, count: 2 }]);
  });

  it('PagerDuty and Opsgenie are not checked: their hosts are configured, not user input', async () => {
    const send = sender({ allowPrivateUrls: false });
    expect((await send.send(messageOf(pagerDutyDestination(), 'opened'))).status).toBe(202);
    expect((await send.send(messageOf(opsgenieDestination(), 'opened'))).status).toBe(202);
  });
});

describe('the transport', () => {
  it('never lends a webhook a socket kept alive for PagerDuty: the guard looks up every time', async () => {
    const paths: string[] = [];
    const internal = await startServer((req, res) => {
      paths.push(req.url ?? '');
      req.resume();
      // A refusal's body is read to its end, and its socket would be kept alive.
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"errors":["no"]}');
    });
    try {
      const send = sender({
        pagerDutyUrl: `http://localhost:${internal.port}`,
        allowPrivateUrls: false,
      });
      expect(await failureOf(send.send(messageOf(pagerDutyDestination(), 'opened')))).toMatchObject(
        {
          status: 400,
        },
      );
      const failure = await failureOf(
        send.send(
          messageOf(
            webhookDestination(`http://localhost:${internal.port}/internal-admin`),
            'opened',
          ),
        ),
      );
      expect(failure).toMatchObject({ retryable: false, status: null });
      expect(paths).toEqual(['/v2/enqueue']);
    } finally {
      await internal.stop();
    }
  });

  it('judges a refusal by its status even when its body stalls, keeping its Retry-After', async () => {
    const stall = await startServer((req, res) => {
      req.resume();
      const status = req.url === '/slow-429' ? 429 : 400;
      res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '5' });
      res.write('{"errors":["Invalid');
      // …and nothing more, ever.
    });
    try {
      const send = sender({ timeoutMs: 3_000 });
      const refused = await failureOf(
        send.send(messageOf(webhookDestination(`${stall.url}/slow-400`), 'opened')),
      );
      expect(refused).toMatchObject({ retryable: false, status: 400 });
      const limited = await failureOf(
        send.send(messageOf(webhookDestination(`${stall.url}/slow-429`), 'opened')),
      );
      expect(limited).toMatchObject({ retryable: true, status: 429, retryAfterMs: 5_000 });
    } finally {
      await stall.stop();
    }
  });

  it('takes a 2xx as delivered at once, however slowly or endlessly its body comes', async () => {
    const drip = await startServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('.'), 50);
      res.on('close', () => clearInterval(timer));
    });
    try {
      const send = sender({ timeoutMs: 300 });
      const answer = await send.send(messageOf(webhookDestination(`${drip.url}/in`), 'opened'));
      expect(answer.status).toBe(200);
    } finally {
      await drip.stop();
    }
  });
});

describe('Opsgenie region and calls', () => {
  it('OPSGENIE_API_URL replaces the host of both regions', async () => {
    const send = sender();
    await send.send(messageOf(opsgenieDestination(API_KEY, 'us'), 'opened', { eventId: 'us' }));
    await send.send(messageOf(opsgenieDestination(API_KEY, 'eu'), 'opened', { eventId: 'eu' }));
    expect(opsgenie.requests.map((request) => request.response?.status)).toEqual([202, 202]);
    expect(opsgenie.alerts().map((alert) => alert.alias)).toEqual([
      'payments-eod-settlement#us',
      'payments-eod-settlement#eu',
    ]);
  });

  it('addresses acknowledge and close by alias, encoded as one path segment', () => {
    const story = { schedulerId: 'a/b', eventId: 'c?d=e&f' };
    const destination = { type: 'opsgenie', api_key: API_KEY, region: 'eu' } as const;
    const ack = opsgenieCallOf({ ...messageOf(destination, 'acknowledged', story), destination });
    expect(ack.path).toBe('/a%2Fb%23c%3Fd%3De%26f/acknowledge?identifierType=alias');
    const close = opsgenieCallOf({ ...messageOf(destination, 'resolved', story), destination });
    expect(close.path).toBe('/a%2Fb%23c%3Fd%3De%26f/close?identifierType=alias');
    expect(close.body).toEqual({ source: 'schedmon', note: `Recovered at ${RESOLVED_AT}` });
    const create = opsgenieCallOf({ ...messageOf(destination, 'opened', story), destination });
    expect(create.path).toBe('');
    expect(create.body).not.toHaveProperty('api_key');
  });
});

describe('ids and signatures', () => {
  it('dedupKeyOf keeps ids up to 255 and digests longer ones, telling them apart', () => {
    expect(dedupKeyOf('a'.repeat(255))).toBe('a'.repeat(255));
    const long = dedupKeyOf('a'.repeat(256));
    expect(long).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(dedupKeyOf('a'.repeat(256))).toBe(long);
    expect(dedupKeyOf(`${'a'.repeat(255)}b`)).not.toBe(long);
  });

  it('deliveryIdOf is one id per incident, destination and transition', () => {
    const ids = new Set(
      ['a#1', 'a#10'].flatMap((incident) =>
        [0, 1].flatMap((destination) =>
          TRANSITIONS.map((transition) => deliveryIdOf(incident, destination, transition)),
        ),
      ),
    );
    expect(ids.size).toBe(12);
    expect(deliveryIdOf('a#1', 0, 'opened')).toBe(deliveryIdOf('a#1', 0, 'opened'));
  });

  it('webhookSignature verifies, and a tampered body, secret or time does not', () => {
    const body = webhookBodyOf(messageOf(webhookDestination(), 'opened'));
    const header = webhookSignature(SECRET, body, NOW_SECONDS);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const at = NOW_SECONDS * 1000;
    expect(verifySchedmonSignature(header, body, SECRET, at)).toBe(true);
    expect(verifySchedmonSignature(header, body.replace('failed', 'missed'), SECRET, at)).toBe(
      false,
    );
    expect(verifySchedmonSignature(header, `${body} `, SECRET, at)).toBe(false);
    expect(verifySchedmonSignature(header, body, `${SECRET}x`, at)).toBe(false);
    expect(verifySchedmonSignature(header, body, SECRET, at + 301_000)).toBe(false);
    const otherTime = webhookSignature(SECRET, body, NOW_SECONDS + 1);
    const forged = `t=${NOW_SECONDS + 1},v1=${header.split('v1=')[1]}`;
    expect(forged).not.toBe(otherTime);
    expect(verifySchedmonSignature(forged, body, SECRET, at)).toBe(false);
  });
});
