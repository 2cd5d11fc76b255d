/**
 * The Slack app (eod-slack.md → The Slack app), served by the api at `POST /slack/events`
 * with @slack/bolt behind a small receiver, so there is one HTTP server. Every request's
 * signature is checked on the raw body before anything runs; a bad one answers 401.
 */
import type { Clock, StateStore, StoredAlert } from '@schedmon/domain';
import {
  ACKNOWLEDGE_ACTION_ID,
  ALERT_PARTITION,
  acknowledgementPartition,
  formatTimestamp,
  parseAcknowledgeButtonValue,
  renderFailureAlert,
  slotOf,
} from '@schedmon/domain';
import type { Logger } from '@schedmon/runtime';
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { FastifyInstance } from 'fastify';
import { errorBody } from '../errors.ts';
import type { CommandDeps } from './commands.ts';
import { answerCommand } from './commands.ts';
import { verifySlackSignature } from './signature.ts';

export type SlackAppDeps = CommandDeps & {
  state: StateStore;
  clock: Clock;
  logger: Logger;
  signingSecret: string;
  botToken: string;
  /** Another Slack-compatible Web API (tests); unset means Slack. */
  apiUrl?: string | undefined;
};

/** Bolt's receiver contract, fed by the Fastify route instead of a server of its own. */
class FastifyReceiver implements Receiver {
  app: App | undefined;

  init(app: App) {
    this.app = app;
  }

  async start() {}

  async stop() {}

  /** Runs the listeners and resolves with what they acknowledged with. */
  async dispatch(body: Record<string, unknown>): Promise<unknown> {
    let response: unknown;
    const event: ReceiverEvent = {
      body,
      ack: async (answer?: unknown) => {
        response = answer;
      },
    };
    await this.app?.processEvent(event);
    return response;
  }
}

const ACK_DAYS = 8;

async function createBolt(deps: SlackAppDeps, receiver: FastifyReceiver) {
  // Loaded only when the Slack app is on: Bolt costs ~18 MB of memory an api without it need not pay.
  const { App } = await import('@slack/bolt');
  const bolt = new App({
    receiver,
    token: deps.botToken,
    // No auth.test at start-up: the api must start even while Slack is unreachable.
    tokenVerificationEnabled: false,
    ...(deps.apiUrl ? { clientOptions: { slackApiUrl: deps.apiUrl } } : {}),
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

  bolt.command('/schedmon', async ({ command, ack }) => {
    const message = await answerCommand(deps, command.text ?? '', deps.clock.now().getTime());
    await ack({
      response_type: 'ephemeral',
      text: message.text,
      blocks: [...message.blocks] as never,
    });
  });

  bolt.action(ACKNOWLEDGE_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const value = parseAcknowledgeButtonValue((action as { value?: string }).value ?? '');
    const userId = body.user.id;
    if (!value) {
      deps.logger.warn({ userId }, 'Acknowledge with an unreadable button value');
      return;
    }
    const nowMs = deps.clock.now().getTime();
    const now = formatTimestamp(nowMs);
    const alert = (await deps.state.get(ALERT_PARTITION, value.event_id, now))?.data as
      | StoredAlert
      | undefined;
    const failedMs = alert?.failed_at ? Date.parse(alert.failed_at) : nowMs;
    const businessDate = slotOf(
      Number.isFinite(failedMs) ? failedMs : nowMs,
      deps.eod,
    ).businessDate;
    const recorded = await deps.state.putIfAbsent(
      {
        pk: acknowledgementPartition(businessDate),
        sk: value.event_id,
        data: { scheduler_id: value.scheduler_id, user_id: userId, at: now },
        expires_at: Math.floor(nowMs / 1000) + ACK_DAYS * 86_400,
      },
      now,
    );
    // A second click (or Slack's retry of the first) changes nothing.
    if (!recorded) return;
    deps.logger.info({ event_id: value.event_id, userId }, 'failure acknowledged');
    const container = (body as { container?: { channel_id?: string; message_ts?: string } })
      .container;
    const channel = container?.channel_id ?? (body as { channel?: { id?: string } }).channel?.id;
    const ts = container?.message_ts ?? (body as { message?: { ts?: string } }).message?.ts;
    if (!alert?.input || !channel || !ts) return;
    const message = renderFailureAlert({ ...alert.input, acknowledgement: { userId, at: now } });
    await client.chat.update({
      channel,
      ts,
      text: message.text,
      blocks: [...message.blocks] as never,
    });
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
  const receiver = new FastifyReceiver();
  await createBolt(deps, receiver);
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
