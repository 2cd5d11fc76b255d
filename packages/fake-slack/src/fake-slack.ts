import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Fault } from './faults.ts';
import { createFaultQueue, faultAnswer } from './faults.ts';
import type { MessageLimits, MessageRefusal } from './limits.ts';
import { DEFAULT_MESSAGE_LIMITS, validateMessage } from './limits.ts';
import type { StoredEphemeral, StoredMessage } from './message-store.ts';
import { createMessageStore } from './message-store.ts';
import type { ParsedRequest } from './request-body.ts';
import { parseRequest } from './request-body.ts';

/** Options of {@link startFakeSlack}. */
export type FakeSlackOptions = {
  /** Port on 127.0.0.1; default 0 (a free port). */
  port?: number;
  /** Only these tokens authenticate; default: any token starting with `xox`. */
  tokens?: readonly string[];
  /** Only these channels exist (others answer `channel_not_found`); default: every channel. */
  channels?: readonly string[];
  /** Overrides of {@link DEFAULT_MESSAGE_LIMITS}. */
  limits?: Partial<MessageLimits>;
  /** Seconds part of the first issued `ts`; default 1700000000. */
  startTs?: number;
  /**
   * Slack's rate limits to enforce, per Web API method; none by default. A call past its
   * limit is answered HTTP 429 with `Retry-After` and `{ ok: false, error: 'ratelimited' }`,
   * as Slack does, and recorded with `rateLimited: true`.
   */
  rateLimits?: RateLimits;
  /** The clock of the rate limits and of `RecordedCall.time`, in ms; default `Date.now`. */
  now?: () => number;
};

/**
 * A method's rate limit, counted over the calls the fake let through (whatever it then
 * answered) in a sliding window: `perMinute` workspace-wide, as Slack's tiers
 * (`chat.update` is Tier 3, about 50), or `perChannelPer` in each channel, as
 * `chat.postMessage`'s one per second with short bursts.
 */
export type RateLimit =
  | { perMinute: number }
  | { perChannelPer: { calls: number; windowMs: number } };

/** The rate limits to enforce, by Web API method (`chat.update`, `chat.postMessage`, …). */
export type RateLimits = Readonly<Partial<Record<string, RateLimit>>>;

/** What the fake answered to a call. */
export type RecordedResponse = {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
};

/** One request the fake received, refused and injected-failure calls included. */
export type RecordedCall = {
  /** The Web API method, e.g. `chat.postMessage`. */
  method: string;
  /** The arguments, `blocks` / `attachments` parsed to objects. */
  body: Record<string, unknown>;
  /** The body exactly as it arrived. */
  rawBody: string;
  headers: IncomingHttpHeaders;
  time: Date;
  /** `undefined` while the answer is pending, or when the client left before it (a timeout). */
  response: RecordedResponse | undefined;
  /** Refused with 429 by the enforced `rateLimits` (an injected 429 is not). */
  rateLimited: boolean;
};

/** The identity `auth.test` answers with and posted messages are attributed to. */
export const FAKE_SLACK_IDENTITY = Object.freeze({
  url: 'https://schedmon-test.slack.com/',
  team: 'schedmon-test',
  user: 'schedmon',
  team_id: 'T0FAKESLACK',
  user_id: 'U0FAKEBOT',
  bot_id: 'B0FAKEBOT',
});

const METHODS = [
  'auth.test',
  'chat.postMessage',
  'chat.update',
  'chat.postEphemeral',
  'chat.delete',
] as const;
type Method = (typeof METHODS)[number];
type SlackBody = Record<string, unknown>;

/**
 * A fake Slack Web API on loopback HTTP for tests: serves `auth.test`, `chat.postMessage`,
 * `chat.update`, `chat.postEphemeral` and `chat.delete` at `POST {url}<method>` with form or
 * JSON bodies, keeps posted messages and thread replies (`thread_ts`), records every call,
 * refuses messages over Slack's limits the way Slack does (HTTP 200, `ok: false`), and injects
 * 429 / 5xx / `ok: false` failures on request. Point `@slack/web-api`'s `WebClient` at it with
 * `slackApiUrl: fake.url`.
 *
 * Threads, per chat.postMessage's `thread_ts` and `reply_broadcast`
 * (https://docs.slack.dev/reference/methods/chat.postMessage): a reply is kept in its
 * parent's thread ({@link thread}) and stays out of the channel ({@link messages}) unless
 * posted with `reply_broadcast`. `thread_ts` must be the ts of a top-level message in the same
 * channel; anything else is refused with `thread_not_found` (see `#threadRefusal`). A reply
 * is edited and deleted like any message, and faults and limits apply to it as to any post.
 *
 * Start it with {@link startFakeSlack}; always `await stop()` it.
 */
export class FakeSlack {
  readonly #server: Server;
  readonly #tokens: readonly string[] | undefined;
  readonly #channels: readonly string[] | undefined;
  readonly #limits: Readonly<MessageLimits>;
  readonly #store: ReturnType<typeof createMessageStore>;
  readonly #faults = createFaultQueue();
  // Cancels each pending injected delay, so stop() leaves no timer behind.
  readonly #pendingDelays = new Set<() => void>();
  // The replies posted with `reply_broadcast`, which Slack shows in the channel too.
  readonly #broadcasts = new Set<string>();
  readonly #rateLimits: RateLimits;
  readonly #now: () => number;
  // The times of the calls let through, per rate-limit lane (a method, or a method and channel).
  readonly #admitted = new Map<string, number[]>();
  #calls: RecordedCall[] = [];
  #port = 0;
  #stopped: Promise<void> | undefined;

  private constructor(options: FakeSlackOptions) {
    this.#tokens = options.tokens;
    this.#channels = options.channels;
    this.#limits = { ...DEFAULT_MESSAGE_LIMITS, ...options.limits };
    this.#store = createMessageStore(options.startTs ?? 1_700_000_000);
    this.#rateLimits = options.rateLimits ?? {};
    this.#now = options.now ?? Date.now;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        // A bug in the fake must show up in the test, not hang the client.
        if (res.headersSent) res.destroy();
        else res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
      });
    });
  }

  /** Same as {@link startFakeSlack}. */
  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    await new Promise<void>((resolve, reject) => {
      fake.#server.once('error', reject);
      fake.#server.listen(options.port ?? 0, '127.0.0.1', () => {
        fake.#server.off('error', reject);
        resolve();
      });
    });
    fake.#port = (fake.#server.address() as AddressInfo).port;
    return fake;
  }

  /** The port the fake listens on. */
  get port(): number {
    return this.#port;
  }

  /** Base URL such as `http://127.0.0.1:PORT/api/`, usable as `WebClient`'s `slackApiUrl`. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}/api/`;
  }

  /** Every call received since start or the last `reset()`, oldest first. */
  get calls(): readonly RecordedCall[] {
    return [...this.#calls];
  }

  /** The calls to one Web API method, oldest first. */
  callsOf(method: string): RecordedCall[] {
    return this.#calls.filter((call) => call.method === method);
  }

  /** The calls refused by the enforced `rateLimits` (of one method, or of all), oldest first. */
  rateLimited(method?: string): RecordedCall[] {
    return this.#calls.filter(
      (call) => call.rateLimited && (method === undefined || call.method === method),
    );
  }

  /**
   * The messages shown in the channel as they are now (after updates and deletes), in post
   * order; copies. Thread replies are not among them, unless posted with `reply_broadcast`:
   * read a thread with {@link thread}.
   */
  messages(channel?: string): StoredMessage[] {
    return this.#store
      .list(channel)
      .filter((message) => message.thread_ts === undefined || this.#broadcasts.has(message.ts))
      .map((message) => structuredClone(message));
  }

  /**
   * The replies in the thread of the message at `channel` and `ts`, as they are now, in post
   * order, without the parent itself; copies. Empty when the message has no replies.
   */
  thread(channel: string, ts: string): StoredMessage[] {
    return this.#store
      .list(channel)
      .filter((message) => message.thread_ts === ts)
      .map((message) => structuredClone(message));
  }

  /**
   * One message, top-level or thread reply, as it is now, or `undefined` when there is none
   * at that channel and ts.
   */
  message(channel: string, ts: string): StoredMessage | undefined {
    const message = this.#store.get(channel, ts);
    return message === undefined ? undefined : structuredClone(message);
  }

  /** Ephemeral messages accepted by `chat.postEphemeral`, in post order; copies. */
  ephemerals(channel?: string): StoredEphemeral[] {
    return this.#store.listEphemeral(channel).map((message) => structuredClone(message));
  }

  /**
   * Makes the next `times` (default 1) calls matching `fault.method` fail as `fault` says,
   * e.g. `{ status: 429, retryAfterSeconds: 1 }`, `{ status: 503 }`, `{ error: 'channel_not_found' }`.
   * Failed calls are recorded and never store or change messages.
   */
  failNext(fault: Fault & { times?: number }): void {
    const { times = 1, ...rest } = fault;
    this.#faults.add(rest, times);
  }

  /** Makes every call matching `fault.method` fail as `fault` says until {@link clearFailures}. */
  failUntilCleared(fault: Fault): void {
    this.#faults.add(fault, Number.POSITIVE_INFINITY);
  }

  /** Drops every injected failure that has not been used up. */
  clearFailures(): void {
    this.#faults.clear();
  }

  /**
   * Forgets calls, messages, injected failures and the rate-limit windows; issued `ts` values
   * are never reused.
   */
  reset(): void {
    this.#calls = [];
    this.#admitted.clear();
    this.#store.clear();
    this.#broadcasts.clear();
    this.#faults.clear();
  }

  /**
   * Stops listening, closes every connection (keep-alive ones included) and cancels pending
   * delays, so no handle outlives the fake. Safe to call more than once.
   */
  stop(): Promise<void> {
    this.#stopped ??= new Promise<void>((resolve, reject) => {
      for (const cancel of this.#pendingDelays) cancel();
      this.#server.close((error) => (error ? reject(error) : resolve()));
      this.#server.closeAllConnections();
    });
    return this.#stopped;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = /^\/api\/([\w.]+)$/.exec(new URL(req.url ?? '/', 'http://fake').pathname)?.[1];
    if (req.method !== 'POST' || method === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not a Slack Web API call');
      return;
    }
    const rawBody = await readBody(req);
    const request = parseRequest(rawBody, req.headers);
    const call: RecordedCall = {
      method,
      body: request.body,
      rawBody,
      headers: req.headers,
      time: new Date(this.#now()),
      response: undefined,
      rateLimited: false,
    };
    this.#calls.push(call);

    const fault = this.#faults.take(method);
    if (fault?.delayMs !== undefined && !(await this.#delay(fault.delayMs, res))) return;
    // An injected failure stands in for Slack's answer, so it is not counted against a limit.
    const limited = fault && faultAnswer(fault) ? undefined : this.#rateLimit(method, request);
    call.rateLimited = limited !== undefined;
    const response = (fault && faultAnswer(fault)) ?? limited ?? this.#answer(method, request);
    call.response = response;
    res
      .writeHead(response.status, { ...response.headers, 'content-type': 'application/json' })
      .end(JSON.stringify(response.body));
  }

  /** Resolves `true` after `ms`, or `false` once the client or the fake gave up on the call. */
  #delay(ms: number, res: ServerResponse): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const finish = (answer: boolean) => {
        clearTimeout(timer);
        res.off('close', cancel);
        this.#pendingDelays.delete(cancel);
        resolve(answer);
      };
      const cancel = () => finish(false);
      const timer = setTimeout(() => finish(true), ms);
      res.on('close', cancel);
      this.#pendingDelays.add(cancel);
    });
  }

  /**
   * Lets the call through and counts it, or answers 429 when its method's limit is used up:
   * `Retry-After` is the seconds until the oldest counted call leaves the window, rounded
   * up, at least 1.
   */
  #rateLimit(method: string, request: ParsedRequest): RecordedResponse | undefined {
    const limit = this.#rateLimits[method];
    if (limit === undefined) return undefined;
    const [lane, calls, windowMs] =
      'perMinute' in limit
        ? [method, limit.perMinute, 60_000]
        : [
            `${method} ${asString(request.body.channel) ?? ''}`,
            limit.perChannelPer.calls,
            limit.perChannelPer.windowMs,
          ];
    const now = this.#now();
    const admitted = (this.#admitted.get(lane) ?? []).filter((at) => at + windowMs > now);
    this.#admitted.set(lane, admitted);
    const oldest = admitted[0];
    if (admitted.length < calls || oldest === undefined) {
      admitted.push(now);
      return undefined;
    }
    const retryAfter = Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
    return {
      status: 429,
      headers: { 'retry-after': String(retryAfter) },
      body: { ok: false, error: 'ratelimited' },
    };
  }

  #answer(method: string, request: ParsedRequest): RecordedResponse {
    const { body, token } = request;
    if (!isMethod(method)) return slack({ ok: false, error: 'unknown_method' });
    if (request.error !== undefined) return slack({ ok: false, error: request.error });
    if (token === undefined) return slack({ ok: false, error: 'not_authed' });
    const known = this.#tokens ? this.#tokens.includes(token) : token.startsWith('xox');
    if (!known) return slack({ ok: false, error: 'invalid_auth' });
    switch (method) {
      case 'auth.test':
        return slack({ ok: true, ...FAKE_SLACK_IDENTITY });
      case 'chat.postMessage':
        return slack(this.#postMessage(body));
      case 'chat.update':
        return slack(this.#update(body));
      case 'chat.postEphemeral':
        return slack(this.#postEphemeral(body));
      case 'chat.delete':
        return slack(this.#delete(body));
    }
  }

  #postMessage(body: SlackBody): SlackBody {
    const channel = this.#channel(body);
    if (channel === undefined) return { ok: false, error: 'channel_not_found' };
    // An empty `thread_ts` (a form field left blank) posts at the top level, as no thread_ts.
    const threadTs = asString(body.thread_ts) || undefined;
    if (threadTs !== undefined && this.#threadRefusal(channel, threadTs)) {
      return { ok: false, error: 'thread_not_found' };
    }
    const refusal = validateMessage(body, this.#limits);
    if (refusal) return refused(refusal);
    const message: StoredMessage = {
      channel,
      ts: this.#store.nextTs(),
      text: asString(body.text),
      blocks: asArray(body.blocks),
      attachments: asArray(body.attachments),
      thread_ts: threadTs,
      user: FAKE_SLACK_IDENTITY.user_id,
      bot_id: FAKE_SLACK_IDENTITY.bot_id,
      edited: undefined,
    };
    this.#store.add(message);
    // Slack documents `reply_broadcast` as used with `thread_ts`; without one it does nothing.
    if (threadTs !== undefined && isTrue(body.reply_broadcast)) this.#broadcasts.add(message.ts);
    return { ok: true, channel, ts: message.ts, message: this.#slackMessage(message) };
  }

  /**
   * Whether `thread_ts` names no thread the fake would post into: true unless it is the ts of
   * a top-level message in `channel`.
   *
   * - No such message in the channel (never posted, deleted, or in another channel):
   *   chat.postMessage's reference lists no error for it, so the fake takes the strict
   *   reading and answers `thread_not_found`: the code Slack documents for a `thread_ts`
   *   "missing or invalid" (conversations.replies), and the one Slack's SDK maintainers name
   *   for a reply whose parent is gone (https://github.com/slackapi/bolt-js/issues/2307).
   * - The ts of a reply: the reference says "Avoid using a reply's ts value; use its parent
   *   instead" without saying what Slack then does, and one report ties it to a message
   *   showing in both the thread and the channel
   *   (https://github.com/slackapi/python-slack-sdk/issues/1116). The fake refuses it the same
   *   way, so a caller threading under a reply is caught in tests rather than in Slack.
   */
  #threadRefusal(channel: string, threadTs: string): boolean {
    const parent = this.#store.get(channel, threadTs);
    return parent === undefined || parent.thread_ts !== undefined;
  }

  /** `message` as Slack's answers show it; a broadcast reply is a `thread_broadcast`. */
  #slackMessage(message: StoredMessage): SlackBody {
    return {
      ...(this.#broadcasts.has(message.ts) && { subtype: 'thread_broadcast' }),
      ...slackMessage(message),
    };
  }

  #update(body: SlackBody): SlackBody {
    const channel = this.#channel(body);
    if (channel === undefined) return { ok: false, error: 'channel_not_found' };
    const current = this.#store.get(channel, asString(body.ts) ?? '');
    if (current === undefined) return { ok: false, error: 'message_not_found' };
    if (body.text === undefined && body.blocks === undefined && body.attachments === undefined) {
      return { ok: false, error: 'no_text' };
    }
    // Like Slack, an argument left out keeps the message's current value; `blocks: []` clears.
    const next = {
      text: body.text === undefined ? current.text : asString(body.text),
      blocks: body.blocks === undefined ? current.blocks : body.blocks,
      attachments: body.attachments === undefined ? current.attachments : body.attachments,
    };
    const refusal = validateMessage(next, this.#limits);
    if (refusal) return refused(refusal);
    const updated: StoredMessage = {
      ...current,
      text: next.text,
      blocks: asArray(next.blocks),
      attachments: asArray(next.attachments),
      edited: { user: FAKE_SLACK_IDENTITY.user_id, ts: this.#store.nextTs() },
    };
    this.#store.add(updated);
    return {
      ok: true,
      channel,
      ts: updated.ts,
      text: updated.text ?? '',
      message: this.#slackMessage(updated),
    };
  }

  #postEphemeral(body: SlackBody): SlackBody {
    const channel = this.#channel(body);
    if (channel === undefined) return { ok: false, error: 'channel_not_found' };
    const user = asString(body.user);
    if (user === undefined || user === '') return { ok: false, error: 'user_not_in_channel' };
    const refusal = validateMessage(body, this.#limits);
    if (refusal) return refused(refusal);
    const message_ts = this.#store.nextTs();
    this.#store.addEphemeral({
      channel,
      user,
      message_ts,
      text: asString(body.text),
      blocks: asArray(body.blocks),
    });
    return { ok: true, message_ts };
  }

  #delete(body: SlackBody): SlackBody {
    const channel = this.#channel(body);
    if (channel === undefined) return { ok: false, error: 'channel_not_found' };
    const ts = asString(body.ts) ?? '';
    if (!this.#store.remove(channel, ts)) return { ok: false, error: 'message_not_found' };
    return { ok: true, channel, ts };
  }

  /** The request's channel, or `undefined` when it is missing or not in the allow-list. */
  #channel(body: SlackBody): string | undefined {
    const channel = asString(body.channel);
    if (channel === undefined || channel === '') return undefined;
    if (this.#channels && !this.#channels.includes(channel)) return undefined;
    return channel;
  }
}

/**
 * Starts a {@link FakeSlack} on 127.0.0.1 (port 0 unless `options.port` is given).
 * Rejects when the port cannot be bound.
 */
export function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  return FakeSlack.start(options);
}

function isMethod(method: string): method is Method {
  return (METHODS as readonly string[]).includes(method);
}

// Slack answers every Web API result, errors included, with HTTP 200.
function slack(body: SlackBody): RecordedResponse {
  return { status: 200, headers: {}, body };
}

function refused(refusal: MessageRefusal): SlackBody {
  if (refusal.errors === undefined) return { ok: false, error: refusal.error };
  return {
    ok: false,
    error: refusal.error,
    errors: refusal.errors,
    response_metadata: { messages: refusal.errors.map((error) => `[ERROR] ${error}`) },
  };
}

function slackMessage(message: StoredMessage): SlackBody {
  return {
    type: 'message',
    user: message.user,
    bot_id: message.bot_id,
    team: FAKE_SLACK_IDENTITY.team_id,
    ts: message.ts,
    text: message.text ?? '',
    ...(message.blocks && { blocks: message.blocks }),
    ...(message.attachments && { attachments: message.attachments }),
    ...(message.thread_ts && { thread_ts: message.thread_ts }),
    ...(message.edited && { edited: message.edited }),
  };
}

function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

// A form body carries booleans as strings, a JSON body as booleans.
function isTrue(value: unknown): boolean {
  return value === true || value === 'true' || value === '1';
}

function asArray(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
