/**
 * The Slack app (docs/slack-app.md), served by the api at `POST /slack/events`
 * with @slack/bolt behind a small receiver, so there is one HTTP server. Every request's
 * signature is checked on the raw body before anything runs; a bad one answers 401.
 *
 * Slack is answered as soon as a listener acks; the work after the ack runs on, tracked,
 * and the app's close waits for it. Bolt holds no token: every Web API call goes through
 * the `Notifier`, with its timeouts, its error classification and no token in any log.
 */
import { createSlackNotifier } from '@schedmon/adapters/slack';
import type { AcknowledgementStore, AlertStore, Clock, Notifier } from '@schedmon/domain';
import {
  ACKNOWLEDGE_ACTION_ID,
  acknowledgeAlert,
  compileValidator,
  INCIDENT_ACKNOWLEDGE_ACTION,
  parseAcknowledgeButtonValue,
} from '@schedmon/domain';
import type { Logger } from '@schedmon/runtime';
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { FastifyInstance } from 'fastify';
import { acknowledgeIncident } from '../acknowledge-incident.ts';
import { errorBody } from '../errors.ts';
import { IncidentIdSchema } from '../routes/incidents.ts';
import type { CommandDeps } from './commands.ts';
import { answerCommand } from './commands.ts';
import { verifySlackSignature } from './signature.ts';

export type SlackAppDeps = CommandDeps & {
  /** The failure alerts of before incidents, whose Acknowledge still works. */
  alerts: AlertStore;
  acknowledgements: AcknowledgementStore;
  clock: Clock;
  logger: Logger;
  signingSecret: string;
  /** The bot token, given to the notifier only. */
  botToken: string;
  /** Another Slack-compatible Web API (tests); unset means Slack. */
  apiUrl?: string | undefined;
};

/** Bolt's receiver contract, fed by the Fastify route instead of a server of its own. */
class FastifyReceiver implements Receiver {
  app: App | undefined;
  readonly #logger: Logger;
  // The listeners' work after their ack, which stop() waits for so a shutdown cuts none short.
  readonly #inFlight = new Set<Promise<void>>();

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  init(app: App) {
    this.app = app;
  }

  async start() {}

  /** Resolves once the work every listener went on with after its ack has ended. */
  async stop() {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  /**
   * Runs the listeners and resolves with what they acknowledged with as soon as they ack
   * (Slack's 3 s deadline is for the ack, not for the work after it), or when they end
   * without one. A failure before the ack rejects; one after it can only be logged.
   */
  dispatch(body: Record<string, unknown>): Promise<unknown> {
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    let acked = false;
    const event: ReceiverEvent = {
      body,
      ack: async (answer?: unknown) => {
        acked = true;
        resolve(answer);
      },
    };
    const run: Promise<void> = Promise.resolve()
      .then(() => this.app?.processEvent(event))
      .then(
        () => resolve(undefined),
        (error: unknown) => {
          if (!acked) reject(error);
          else this.#logger.error({ err: error }, 'Slack listener failed after its ack');
        },
      )
      .finally(() => this.#inFlight.delete(run));
    this.#inFlight.add(run);
    return promise;
  }
}

// The edits run after the ack, but a shutdown (SHUTDOWN_TIMEOUT_MS, 10 s by default) waits
// for them: two tries of 3 s and one short rate-limit wait stay within it.
const EDIT_TUNING = { timeoutMs: 3_000, retries: 1, maxRetryWaitMs: 1_000 };

// The id rule of the api's incident routes: a forged button value is refused before any read.
const incidentId = compileValidator(IncidentIdSchema);

/**
 * A click of an incident's Acknowledge: the acknowledged signal, applied once however
 * often it is clicked; the worker's outbox posts the reply and redraws the root message.
 * Never throws (it runs after the ack, where Bolt could only log it): a failure is logged.
 */
async function onIncidentAcknowledge(deps: SlackAppDeps, value: string, userId: string) {
  if (!incidentId.check(value)) {
    deps.logger.warn({ userId }, 'Incident acknowledge with an unreadable button value');
    return;
  }
  try {
    const result = await acknowledgeIncident(deps, { incidentId: value, by: userId });
    const fields = { incident_id: value, userId };
    if (result.outcome === 'acknowledged' && result.changed) {
      deps.logger.info(fields, 'incident acknowledged');
    } else if (result.outcome === 'acknowledged') {
      deps.logger.info(
        { ...fields, acknowledgedBy: result.incident.acknowledged_by },
        'incident already acknowledged: nothing changed',
      );
    } else {
      deps.logger.info(
        { ...fields, outcome: result.outcome },
        'incident not open: nothing changed',
      );
    }
  } catch (error) {
    deps.logger.error({ err: error, incident_id: value, userId }, 'incident acknowledge failed');
  }
}

async function createBolt(deps: SlackAppDeps, receiver: FastifyReceiver, notifier: Notifier) {
  // Loaded only when the Slack app is on: Bolt costs ~18 MB of memory an api without it need not pay.
  const { App } = await import('@slack/bolt');
  const bolt = new App({
    receiver,
    // No token for Bolt, so its own client (30 minutes of retries, errors that log the
    // token) has nothing to call Slack with, and no auth.test runs before a listener.
    authorize: async () => ({}),
    logger: {
      debug: () => undefined,
      info: () => undefined,
      warn: (...messages: unknown[]) => deps.logger.warn({ bolt: messages }, 'bolt warning'),
      error: (...messages: unknown[]) => deps.logger.error({ bolt: messages }, 'bolt error'),
      setLevel: () => undefined,
      getLevel: () => 'info' as never,
      setName: () => undefined,
    },
  });
  // Rethrown unlogged: the route (a 500) or the receiver (after the ack) logs it, once.
  bolt.error(async (error) => {
    throw error;
  });

  bolt.command('/schedmon', async ({ command, ack }) => {
    const message = await answerCommand(deps, command.text ?? '', deps.clock.now().getTime());
    await ack({
      response_type: 'ephemeral',
      text: message.text,
      blocks: [...message.blocks] as never,
    });
  });

  bolt.action(INCIDENT_ACKNOWLEDGE_ACTION, async ({ ack, body, action }) => {
    // First and at once, as below: Slack's 3 s are for the ack.
    await ack();
    await onIncidentAcknowledge(deps, (action as { value?: string }).value ?? '', body.user.id);
  });

  // The failure alerts' button: served while those alerts are retired in favour of incidents.
  bolt.action(ACKNOWLEDGE_ACTION_ID, async ({ ack, body, action }) => {
    // First and at once: the receiver answers Slack on it, and the rest may take longer.
    await ack();
    const value = parseAcknowledgeButtonValue((action as { value?: string }).value ?? '');
    const userId = body.user.id;
    if (!value) {
      deps.logger.warn({ userId }, 'Acknowledge with an unreadable button value');
      return;
    }
    const container = (body as { container?: { channel_id?: string; message_ts?: string } })
      .container;
    const channel = container?.channel_id ?? (body as { channel?: { id?: string } }).channel?.id;
    const ts = container?.message_ts ?? (body as { message?: { ts?: string } }).message?.ts;
    const result = await acknowledgeAlert(
      { alerts: deps.alerts, acknowledgements: deps.acknowledgements, notifier, eod: deps.eod },
      {
        schedulerId: value.scheduler_id,
        eventId: value.event_id,
        userId,
        now: deps.clock.now().getTime(),
        ref: channel && ts ? { channel, ts } : undefined,
      },
    );
    if (result.recorded) {
      deps.logger.info({ event_id: value.event_id, userId }, 'failure acknowledged');
    } else if (result.acknowledgement) {
      deps.logger.info(
        { event_id: value.event_id, userId, acknowledgedBy: result.acknowledgement.user_id },
        'already acknowledged: nothing changed',
      );
    }
    if (typeof result.redraw === 'object') {
      // The acknowledgement stands (the 06:00 summary lists it); only the redraw is missing.
      deps.logger.warn(
        { event_id: value.event_id, userId, reason: result.redraw.failed },
        'acknowledged, but the alert could not be redrawn',
      );
    }
  });
  return bolt;
}

function parseBody(contentType: string, raw: string): Record<string, unknown> {
  if (contentType.startsWith('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const form = Object.fromEntries(new URLSearchParams(raw));
  // Interactions arrive as one form field holding JSON; slash commands as plain fields.
  return typeof form.payload === 'string'
    ? (JSON.parse(form.payload) as Record<string, unknown>)
    : form;
}

/** Registers `POST /slack/events` (its own body parsing: the signature needs the raw body). */
export async function slackRoutes(scope: FastifyInstance, deps: SlackAppDeps) {
  const receiver = new FastifyReceiver(deps.logger);
  const notifier = createSlackNotifier({
    token: deps.botToken,
    apiUrl: deps.apiUrl,
    logger: deps.logger,
    ...EDIT_TUNING,
  });
  await createBolt(deps, receiver, notifier);
  scope.addHook('onClose', () => receiver.stop());
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser(
    ['application/x-www-form-urlencoded', 'application/json'],
    { parseAs: 'string' },
    (_request, body, done) => done(null, body),
  );

  scope.post('/slack/events', { schema: { hide: true } }, async (request, reply) => {
    const raw = typeof request.body === 'string' ? request.body : '';
    const check = verifySlackSignature(
      deps.signingSecret,
      request.headers,
      raw,
      deps.clock.now().getTime(),
    );
    if (!check.ok) {
      request.log.warn({ reason: check.reason }, 'Slack request refused');
      return reply.code(401).send(errorBody(request, 401, 'Invalid Slack signature'));
    }
    let body: Record<string, unknown>;
    try {
      body = parseBody(String(request.headers['content-type'] ?? ''), raw);
    } catch {
      return reply.code(400).send(errorBody(request, 400, 'Malformed Slack payload'));
    }
    if (body.type === 'url_verification') return { challenge: body.challenge };
    const answer = await receiver.dispatch(body);
    return answer === undefined ? reply.code(200).send() : answer;
  });
}
