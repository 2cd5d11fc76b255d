import { setTimeout as delay } from 'node:timers/promises';
import type { MessageRef, Notifier, SlackMessage } from '@schedmon/domain';
import { NotifierError } from '@schedmon/domain';
import type { Block, KnownBlock, Logger as SdkLogger } from '@slack/web-api';
import { LogLevel, WebClient } from '@slack/web-api';
import { classifySlackError } from './classify-slack-error.ts';
import type { NotifierLogger } from './notifier-logger.ts';
import type { RateBudget } from './rate-limiter.ts';
import { createRateLimiter, RateWaitTooLong } from './rate-limiter.ts';

/** Options of {@link createSlackNotifier}. */
export type SlackNotifierOptions = {
  /** The bot token (`xoxb-…`). Never logged. */
  token: string;
  /**
   * The channel id messages are posted to when `post` is given none. Without one, `post`
   * needs a channel and rejects with `channel_not_set` when given none.
   */
  channel?: string;
  /** Base URL of a Slack-compatible Web API (`SLACK_API_URL`); Slack's own when omitted. */
  apiUrl?: string;
  /** Where each call's outcome is logged; nothing is logged when omitted. */
  logger?: NotifierLogger;
  /** Limit on each HTTP call, so a hung Slack cannot hold a batch; default 10 000 ms. */
  timeoutMs?: number;
  /** How many times a short rate limit is waited out and the call repeated; default 2. */
  retries?: number;
  /** The longest `Retry-After` waited out inside the call; a longer one rejects at once. Default 5 000 ms. */
  maxRetryWaitMs?: number;
  /**
   * `chat.update` calls this notifier (one per process) admits in any sliding minute;
   * Slack's Tier 3 is about 50 per workspace, shared by every process. Default 50.
   */
  updatesPerMinute?: number;
  /**
   * `chat.postMessage` calls (posts and thread replies) admitted per channel in any sliding
   * window: Slack allows about one a second per channel with short bursts. Default 30 per
   * 30 000 ms: a table of up to 30 messages posts at once, and the average stays 1/s.
   */
  postsPerChannel?: RateBudget;
  /**
   * The longest a call waits for its rate budget; past it, it rejects at once with a
   * retryable `ratelimited` `NotifierError` carrying `retryAfterMs`. Default: no limit
   * (the cron leader's table edits wait their turn); the worker sets one.
   */
  maxQueueWaitMs?: number;
  /** The clock of the rate limits, in ms; default `Date.now`. */
  now?: () => number;
  /** Waits for the rate limits and for a short `Retry-After`; default a timer. */
  sleep?: (ms: number) => Promise<void>;
};

/** The default of {@link SlackNotifierOptions.updatesPerMinute}. */
const DEFAULT_UPDATES_PER_MINUTE = 50;
/** The default of {@link SlackNotifierOptions.postsPerChannel}. */
const DEFAULT_POSTS_PER_CHANNEL: RateBudget = Object.freeze({ calls: 30, windowMs: 30_000 });

type SlackBlocks = (KnownBlock | Block)[];

// Every call's outcome is logged by the notifier itself, with the method and without the
// token; the SDK's own lines would repeat them and print its request details.
const SILENT_SDK_LOGGER: SdkLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

/**
 * A `Notifier` on Slack's Web API: `post` is `chat.postMessage` (link and media unfurling off),
 * `update` is `chat.update` of the same message, `reply` is `chat.postMessage` with `thread_ts`
 * in the parent's channel (unfurling off, not broadcast), `check` is `auth.test`.
 *
 * Rate limits are kept before each call, by one limiter per notifier (see `createRateLimiter`):
 * `chat.update` at most `updatesPerMinute` in any sliding minute, workspace-wide;
 * `chat.postMessage` at most `postsPerChannel` per channel; `auth.test` unlimited. A call over
 * its budget waits, in call order, until a slot frees; it never delays a call of another
 * budget (another method, another channel).
 *
 * A 429 that still arrives (other processes share the workspace's budget) is handled as
 * before: one whose `Retry-After` is at most `maxRetryWaitMs` is waited out and the call
 * repeated, up to `retries` times, since Slack took nothing and the wait is short. A
 * longer wait is not done here, so a worker never sits on a batch for minutes: the call
 * rejects at once with a retryable `NotifierError` carrying `retryAfterMs`, for the caller to
 * retry later. Nothing else is retried here: after a 5xx or a timeout Slack may have posted
 * the message, and only the caller knows whether a second post is safe.
 *
 * Beyond the wait for its budget, a call is bounded by about
 * `(retries + 1) × timeoutMs + retries × maxRetryWaitMs`.
 *
 * Failure: `post`, `update` and `reply` reject with `NotifierError` (see `classifySlackError`;
 * a `parent` that is not a top-level message of its channel is `thread_not_found`);
 * `check` never rejects.
 */
export function createSlackNotifier(options: SlackNotifierOptions): Notifier {
  const { channel, logger, timeoutMs = 10_000, retries = 2, maxRetryWaitMs = 5_000 } = options;
  const maxQueueWaitMs = options.maxQueueWaitMs ?? Number.POSITIVE_INFINITY;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => delay(ms).then(() => undefined));
  const updates: RateBudget = {
    calls: options.updatesPerMinute ?? DEFAULT_UPDATES_PER_MINUTE,
    windowMs: 60_000,
  };
  const posts = options.postsPerChannel ?? DEFAULT_POSTS_PER_CHANNEL;
  for (const budget of [updates, posts]) {
    // A budget of no calls would hold every call forever.
    if (!Number.isInteger(budget.calls) || budget.calls < 1 || !(budget.windowMs > 0)) {
      throw new RangeError(`Slack rate budget must allow calls: ${JSON.stringify(budget)}`);
    }
  }
  const limiter = createRateLimiter({ now, sleep });
  const client = new WebClient(options.token, {
    ...(options.apiUrl !== undefined && { slackApiUrl: options.apiUrl }),
    logger: SILENT_SDK_LOGGER,
    timeout: timeoutMs,
    // The SDK's default retries for about 30 minutes and waits out any Retry-After however
    // long; the retry policy above is this adapter's, and longer waits are the caller's.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });

  /** The budget a call of `method` in `target` waits for, or `undefined` when unlimited. */
  const budgetOf = (method: string, target: string) =>
    method === 'chat.update'
      ? { lane: method, budget: updates }
      : method === 'chat.postMessage'
        ? { lane: `${method} ${target}`, budget: posts }
        : undefined;

  async function call<T>(
    method: string,
    target: string,
    send: () => Promise<T>,
    maxRetries: number,
  ): Promise<T> {
    const limit = budgetOf(method, target);
    for (let attempt = 1; ; attempt += 1) {
      // Each attempt is a request Slack may count, so each one waits for its budget.
      const queued = now();
      let release: (() => void) | undefined;
      try {
        release = limit && (await limiter.acquire(limit.lane, limit.budget, maxQueueWaitMs));
      } catch (error) {
        if (!(error instanceof RateWaitTooLong)) throw error;
        logger?.warn(
          { method, attempt, retryAfterMs: error.retryAfterMs },
          `Slack ${method} held back: its rate budget is used up for ${error.retryAfterMs} ms`,
        );
        throw new NotifierError('ratelimited', true, { retryAfterMs: error.retryAfterMs });
      }
      const queuedMs = now() - queued;
      const started = performance.now();
      try {
        const result = await send().finally(release);
        logger?.debug?.({ method, attempt, ms: elapsed(started), queuedMs }, `Slack ${method} ok`);
        return result;
      } catch (error) {
        const failure = classifySlackError(error);
        const wait = inlineWait(failure, attempt <= maxRetries, maxRetryWaitMs);
        logger?.warn(
          {
            method,
            attempt,
            ms: elapsed(started),
            queuedMs,
            reason: failure.reason,
            retryable: failure.retryable,
            retryAfterMs: failure.retryAfterMs,
            detail: slackDetail(failure.cause),
          },
          wait === undefined
            ? `Slack ${method} failed: ${failure.reason}`
            : `Slack ${method} rate-limited: retrying in ${wait} ms`,
        );
        if (wait === undefined) throw failure;
        await sleep(wait);
      }
    }
  }

  return {
    async post(message: SlackMessage, to?: string): Promise<MessageRef> {
      const target = to ?? channel;
      // Not retryable: a setup mistake, the same on every try.
      if (target === undefined) throw new NotifierError('channel_not_set', false);
      const result = await call(
        'chat.postMessage',
        target,
        () =>
          client.chat.postMessage({
            channel: target,
            text: message.text,
            blocks: toSlackBlocks(message.blocks),
            unfurl_links: false,
            unfurl_media: false,
          }),
        retries,
      );
      return { channel: result.channel ?? target, ts: requireTs(result.ts) };
    },

    async update(ref: MessageRef, message: SlackMessage): Promise<MessageRef> {
      const result = await call(
        'chat.update',
        ref.channel,
        () =>
          client.chat.update({
            channel: ref.channel,
            ts: ref.ts,
            text: message.text,
            // Sent even when empty: leaving `blocks` out would keep the old ones.
            blocks: toSlackBlocks(message.blocks),
          }),
        retries,
      );
      return { channel: result.channel ?? ref.channel, ts: result.ts ?? ref.ts };
    },

    async reply(parent: MessageRef, message: SlackMessage): Promise<MessageRef> {
      // The thread lives where its parent is, which need not be the configured channel.
      const result = await call(
        'chat.postMessage',
        parent.channel,
        () =>
          client.chat.postMessage({
            channel: parent.channel,
            thread_ts: parent.ts,
            text: message.text,
            blocks: toSlackBlocks(message.blocks),
            unfurl_links: false,
            unfurl_media: false,
          }),
        retries,
      );
      return { channel: result.channel ?? parent.channel, ts: requireTs(result.ts) };
    },

    async check(): Promise<{ ok: boolean; message: string }> {
      try {
        // A readiness probe must answer quickly, so no rate-limit waits here.
        const result = await call('auth.test', '', () => client.auth.test(), 0);
        return { ok: true, message: `Slack reachable as ${result.user ?? 'the bot'}` };
      } catch (error) {
        return { ok: false, message: `Slack not usable: ${classifySlackError(error).reason}` };
      }
    },
  };
}

/** How long to wait before repeating the call, or `undefined` to give the failure to the caller. */
function inlineWait(
  failure: NotifierError,
  attemptsLeft: boolean,
  maxRetryWaitMs: number,
): number | undefined {
  // Only a rate limit proves Slack took nothing, so only then is a repeat free of duplicates.
  if (!attemptsLeft || failure.reason !== 'ratelimited') return undefined;
  const wait = failure.retryAfterMs;
  return wait !== undefined && wait <= maxRetryWaitMs ? wait : undefined;
}

// The port keeps blocks as plain data; Slack validates them, and refuses bad ones with
// `invalid_blocks`, which is the check that counts.
function toSlackBlocks(blocks: SlackMessage['blocks']): SlackBlocks {
  return blocks as unknown as SlackBlocks;
}

function requireTs(ts: string | undefined): string {
  // Slack answered ok, so the message may exist: not retryable, to never post it twice.
  if (ts === undefined) throw new NotifierError('missing_ts', false);
  return ts;
}

/** Slack's explanation of a refusal (`invalid_blocks` lists each violated limit). */
function slackDetail(cause: unknown): string[] | undefined {
  if (typeof cause !== 'object' || cause === null || !('data' in cause)) return undefined;
  const data = cause.data as { response_metadata?: { messages?: string[] } } | undefined;
  return data?.response_metadata?.messages;
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
