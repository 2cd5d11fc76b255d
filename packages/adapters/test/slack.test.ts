import { inspect } from 'node:util';
import type { MessageRef, SlackMessage } from '@schedmon/domain';
import { NotifierError } from '@schedmon/domain';
import { createMemoryNotifier } from '@schedmon/domain/fakes';
import type { FakeSlack, StoredMessage } from '@schedmon/fake-slack';
import { startFakeSlack } from '@schedmon/fake-slack';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NotifierLogger, SlackNotifierOptions } from '../src/slack/index.ts';
import { createLogNotifier, createNotifier, createSlackNotifier } from '../src/slack/index.ts';
import { notifierContract } from './contracts/notifier.ts';

const TOKEN = 'xoxb-secret-test-token-0123456789';
const CHANNEL = 'C0OPSALERTS';

type LogLine = { level: string; obj: Record<string, unknown>; msg: string };

/** A logger that keeps every line, to read what the notifiers logged. */
function captureLog() {
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (obj: Record<string, unknown>, msg: string): void => {
      lines.push({ level, obj, msg });
    };
  const logger: NotifierLogger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { lines, logger };
}

let fake: FakeSlack;
const log = captureLog();

beforeAll(async () => {
  fake = await startFakeSlack();
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  fake.reset();
});

function slackNotifier(options: Partial<SlackNotifierOptions> = {}) {
  return createSlackNotifier({
    token: TOKEN,
    channel: CHANNEL,
    apiUrl: fake.url,
    logger: log.logger,
    timeoutMs: 2_000,
    ...options,
  });
}

const text = (value: string): SlackMessage => ({ text: value, blocks: [] });
const section = (value: string) => ({ type: 'section', text: { type: 'mrkdwn', text: value } });

/** The NotifierError a call rejected with; fails the test if it resolved or threw anything else. */
async function failureOf(call: Promise<unknown>): Promise<NotifierError> {
  const error = await call.then(
    () => undefined,
    (rejected: unknown) => rejected,
  );
  expect(error).toBeInstanceOf(NotifierError);
  return error as NotifierError;
}

const delivered = (message: StoredMessage) => ({
  text: message.text ?? '',
  blocks: message.blocks ?? [],
});

notifierContract('Slack on the fake Slack server', () => ({
  notifier: slackNotifier(),
  read: (ref) => {
    const message = fake.message(ref.channel, ref.ts);
    return message && delivered(message);
  },
  thread: (parent) => fake.thread(parent.channel, parent.ts).map(delivered),
}));

notifierContract('in memory', () => {
  const notifier = createMemoryNotifier(CHANNEL);
  return {
    notifier,
    read: (ref) => notifier.read(ref),
    thread: (parent) => notifier.thread(parent).map((entry) => entry.message),
  };
});

notifierContract(
  'log',
  () => {
    const own = captureLog();
    // The first line of the log message says what it is; the rest is the message's text.
    const text = (line: LogLine) => ({ text: line.msg.slice(line.msg.indexOf('\n') + 1) });
    const latest = (ref: MessageRef) =>
      own.lines.findLast((entry) => entry.obj.channel === ref.channel && entry.obj.ts === ref.ts);
    return {
      notifier: createLogNotifier(own.logger, { channel: CHANNEL }),
      read: (ref) => {
        const line = latest(ref);
        return line && text(line);
      },
      // Each reply as its latest line says it is now, in the order the replies were posted.
      thread: (parent) =>
        own.lines
          .filter(
            (entry) => entry.obj.thread_ts === parent.ts && entry.obj.channel === parent.channel,
          )
          .map((entry) =>
            text(latest({ channel: parent.channel, ts: String(entry.obj.ts) }) ?? entry),
          ),
    };
  },
  { knowsMessages: false },
);

describe('createSlackNotifier', () => {
  it('posts with unfurling off and updates the same message', async () => {
    const notifier = slackNotifier();
    const ref = await notifier.post({ text: 'alert', blocks: [section('*failed*')] });
    await notifier.update(ref, text('acknowledged'));

    const [post] = fake.callsOf('chat.postMessage');
    // The SDK sends a form body, so the booleans arrive as strings.
    expect(post?.body).toMatchObject({
      channel: CHANNEL,
      unfurl_links: 'false',
      unfurl_media: 'false',
    });
    expect(fake.callsOf('chat.update')[0]?.body).toMatchObject({ channel: CHANNEL, ts: ref.ts });
    // Empty blocks are sent on update so the old ones do not linger.
    expect(fake.message(CHANNEL, ref.ts)).toMatchObject({ text: 'acknowledged', blocks: [] });
  });

  it('posts in the channel given, and needs one when none is configured', async () => {
    const ref = await slackNotifier().post(text('to the board'), 'C0BOARD');
    expect(ref.channel).toBe('C0BOARD');
    expect(fake.messages('C0BOARD').map((message) => message.text)).toEqual(['to the board']);

    const unconfigured = createSlackNotifier({ token: TOKEN, apiUrl: fake.url, timeoutMs: 2_000 });
    expect(await unconfigured.post(text('board'), 'C0BOARD')).toMatchObject({
      channel: 'C0BOARD',
    });
    const error = await failureOf(unconfigured.post(text('nowhere')));
    expect(error).toMatchObject({ reason: 'channel_not_set', retryable: false });
    expect(fake.callsOf('chat.postMessage')).toHaveLength(2);
  });

  it('refuses a rate budget that allows no call', () => {
    expect(() => slackNotifier({ updatesPerMinute: 0 })).toThrow(RangeError);
    expect(() => slackNotifier({ postsPerChannel: { calls: 1, windowMs: 0 } })).toThrow(RangeError);
  });

  it("replies in the parent's channel and thread, unfurling off, not broadcast", async () => {
    const { ts: root } = await slackNotifier({ channel: 'C0OTHER' }).post(text('root'));
    // No channel configured: a reply goes where its parent is, like an edit.
    const notifier = createSlackNotifier({ token: TOKEN, apiUrl: fake.url, timeoutMs: 2_000 });

    const ref = await notifier.reply({ channel: 'C0OTHER', ts: root }, text('follow-up'));

    expect(ref.channel).toBe('C0OTHER');
    expect(ref.ts).not.toBe(root);
    expect(fake.callsOf('chat.postMessage')[1]?.body).toMatchObject({
      channel: 'C0OTHER',
      thread_ts: root,
      unfurl_links: 'false',
      unfurl_media: 'false',
    });
    expect(fake.callsOf('chat.postMessage')[1]?.body).not.toHaveProperty('reply_broadcast');
    expect(fake.messages('C0OTHER').map((message) => message.ts)).toEqual([root]);
    expect(fake.thread('C0OTHER', root)).toMatchObject([{ ts: ref.ts, text: 'follow-up' }]);
  });

  it('waits out a short Retry-After on a reply as on a post', async () => {
    const notifier = slackNotifier();
    const root = await notifier.post(text('root'));
    fake.failNext({ method: 'chat.postMessage', status: 429, retryAfterSeconds: 0 });

    const ref = await notifier.reply(root, text('after the rate limit'));

    expect(fake.callsOf('chat.postMessage')).toHaveLength(3);
    expect(fake.thread(CHANNEL, root.ts)).toMatchObject([{ ts: ref.ts }]);
  });

  it('waits out a short Retry-After and then succeeds', async () => {
    fake.failNext({ method: 'chat.postMessage', status: 429, retryAfterSeconds: 1 });
    const started = performance.now();

    const ref = await slackNotifier().post(text('after the rate limit'));

    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(3_000);
    expect(fake.callsOf('chat.postMessage')).toHaveLength(2);
    expect(fake.message(CHANNEL, ref.ts)?.text).toBe('after the rate limit');
  });

  it('gives up after `retries` short rate limits, retryable', async () => {
    fake.failNext({ method: 'chat.postMessage', status: 429, retryAfterSeconds: 0, times: 3 });

    const error = await failureOf(slackNotifier({ retries: 2 }).post(text('x')));

    expect(error).toMatchObject({ retryable: true, reason: 'ratelimited', retryAfterMs: 0 });
    expect(fake.callsOf('chat.postMessage')).toHaveLength(3);
    expect(fake.messages()).toEqual([]);
  });

  it('rejects at once, retryable with retryAfterMs, when Retry-After is long', async () => {
    fake.failNext({ method: 'chat.postMessage', status: 429, retryAfterSeconds: 120 });
    const started = performance.now();

    const error = await failureOf(slackNotifier().post(text('x')));

    expect(performance.now() - started).toBeLessThan(1_000);
    expect(error).toMatchObject({ retryable: true, reason: 'ratelimited', retryAfterMs: 120_000 });
    expect(fake.callsOf('chat.postMessage')).toHaveLength(1);
  });

  it('treats a 5xx as retryable and does not repeat it itself', async () => {
    fake.failNext({ method: 'chat.postMessage', status: 503 });

    const error = await failureOf(slackNotifier().post(text('x')));

    expect(error).toMatchObject({ retryable: true, reason: '503' });
    expect(fake.callsOf('chat.postMessage')).toHaveLength(1);
  });

  it('treats ok:false fatal_error as retryable', async () => {
    fake.failNext({ method: 'chat.update', error: 'fatal_error' });
    const notifier = slackNotifier();
    const ref = await notifier.post(text('x'));

    const error = await failureOf(notifier.update(ref, text('y')));

    expect(error).toMatchObject({ retryable: true, reason: 'fatal_error' });
  });

  it('treats channel_not_found as a permanent refusal', async () => {
    fake.failNext({ method: 'chat.postMessage', error: 'channel_not_found' });

    const error = await failureOf(slackNotifier().post(text('x')));

    expect(error).toMatchObject({ retryable: false, reason: 'channel_not_found' });
    expect(error.code).toBe('NOTIFIER_FAILED');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('refuses a message over 50 blocks as invalid_blocks, not retryable', async () => {
    const blocks = Array.from({ length: 51 }, (_, i) => section(`row ${i}`));

    const error = await failureOf(slackNotifier().post({ text: 'too big', blocks }));

    expect(error).toMatchObject({ retryable: false, reason: 'invalid_blocks' });
    expect(fake.messages()).toEqual([]);
    const warning = log.lines.findLast((line) => line.obj.reason === 'invalid_blocks');
    expect(warning?.obj.detail).toEqual([expect.stringContaining('/blocks')]);
  });

  it('refuses an update of an unknown message as message_not_found', async () => {
    const error = await failureOf(
      slackNotifier().update({ channel: CHANNEL, ts: '1.000001' }, text('x')),
    );

    expect(error).toMatchObject({ retryable: false, reason: 'message_not_found' });
  });

  it('treats a rejected token as permanent, and check() reports it', async () => {
    const notifier = slackNotifier({ token: 'not-a-slack-token' });

    const error = await failureOf(notifier.post(text('x')));

    expect(error).toMatchObject({ retryable: false, reason: 'invalid_auth' });
    expect(await notifier.check()).toEqual({
      ok: false,
      message: 'Slack not usable: invalid_auth',
    });
  });

  it('treats a refused connection as retryable, and check() reports it without throwing', async () => {
    const gone = await startFakeSlack();
    const url = gone.url;
    await gone.stop();
    const notifier = slackNotifier({ apiUrl: url });

    const error = await failureOf(notifier.post(text('x')));

    expect(error).toMatchObject({ retryable: true, reason: 'ECONNREFUSED' });
    expect(await notifier.check()).toEqual({
      ok: false,
      message: 'Slack not usable: ECONNREFUSED',
    });
  });

  it('gives up on a call slower than timeoutMs, retryable, leaving no timer behind', async () => {
    fake.failNext({ method: 'chat.postMessage', delayMs: 5_000 });
    const started = performance.now();

    const error = await failureOf(slackNotifier({ timeoutMs: 200 }).post(text('x')));

    expect(performance.now() - started).toBeLessThan(1_500);
    expect(error).toMatchObject({ retryable: true, reason: 'timeout' });
    // The leak check after this test fails it if the request's or the fake's timer survived.
  });

  it('check() is ok against a reachable Slack', async () => {
    expect(await slackNotifier().check()).toEqual({
      ok: true,
      message: 'Slack reachable as schedmon',
    });
    expect(fake.callsOf('auth.test')).toHaveLength(1);
  });

  it('logs each call with its method, and never the token', async () => {
    const own = captureLog();
    const notifier = slackNotifier({ logger: own.logger, timeoutMs: 200 });
    const ref = await notifier.post(text('ok'));
    await notifier.update(ref, text('still ok'));
    fake.failNext({ method: 'chat.postMessage', error: 'invalid_auth' });
    const refused = await failureOf(notifier.post(text('x')));
    fake.failNext({ method: 'chat.postMessage', delayMs: 2_000 });
    const timedOut = await failureOf(notifier.post(text('x')));
    const gone = await startFakeSlack();
    const url = gone.url;
    await gone.stop();
    const unreachable = await failureOf(
      slackNotifier({ apiUrl: url, logger: own.logger }).post(text('x')),
    );

    expect(own.lines.map((line) => [line.level, line.obj.method])).toEqual([
      ['debug', 'chat.postMessage'],
      ['debug', 'chat.update'],
      ['warn', 'chat.postMessage'],
      ['warn', 'chat.postMessage'],
      ['warn', 'chat.postMessage'],
    ]);
    expect(JSON.stringify(own.lines)).not.toContain(TOKEN);
    // A logger serialising the error and its causes must not find the token either.
    for (const error of [refused, timedOut, unreachable]) {
      expect(inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true })).not.toContain(
        TOKEN,
      );
    }
  });
});

describe('createLogNotifier', () => {
  it('logs the plain text at info, and updates as "update of <ts>"', async () => {
    const own = captureLog();
    const notifier = createLogNotifier(own.logger);

    const first = await notifier.post({ text: 'line 1\nline 2', blocks: [section('x')] });
    const second = await notifier.post(text('second'));
    await notifier.update(first, text('line 1 edited'));

    expect(first).toEqual({ channel: 'log', ts: 'log-000001' });
    expect(second).toEqual({ channel: 'log', ts: 'log-000002' });
    expect(own.lines).toEqual([
      {
        level: 'info',
        obj: expect.objectContaining({ method: 'chat.postMessage', ts: 'log-000001', blocks: 1 }),
        msg: 'Slack message log-000001 in log (Slack is off):\nline 1\nline 2',
      },
      expect.objectContaining({ level: 'info' }),
      {
        level: 'info',
        obj: expect.objectContaining({ method: 'chat.update', ts: 'log-000001' }),
        msg: 'Slack message update of log-000001 in log (Slack is off):\nline 1 edited',
      },
    ]);
    expect(await notifier.check()).toEqual({
      ok: true,
      message: 'Slack disabled: messages go to the log',
    });
  });

  it('logs a post in the channel it was given', async () => {
    const own = captureLog();
    const notifier = createLogNotifier(own.logger, { channel: CHANNEL });

    const ref = await notifier.post(text('Payments EOD'), 'C0PAYMENTS');

    expect(ref).toEqual({ channel: 'C0PAYMENTS', ts: 'log-000001' });
    expect(own.lines).toEqual([
      {
        level: 'info',
        obj: expect.objectContaining({ method: 'chat.postMessage', channel: 'C0PAYMENTS' }),
        msg: 'Slack message log-000001 in C0PAYMENTS (Slack is off):\nPayments EOD',
      },
    ]);
  });

  it('logs a reply as a thread reply to its parent, with a ref of its own', async () => {
    const own = captureLog();
    const notifier = createLogNotifier(own.logger);
    const parent = { channel: 'C0BOARD', ts: '1700000000.000100' };

    const ref = await notifier.reply(parent, text('started 47 min late'));

    expect(ref).toEqual({ channel: 'C0BOARD', ts: 'log-000001' });
    expect(own.lines).toEqual([
      {
        level: 'info',
        obj: expect.objectContaining({
          method: 'chat.postMessage',
          channel: 'C0BOARD',
          ts: 'log-000001',
          thread_ts: parent.ts,
        }),
        msg: `Slack thread reply log-000001 to ${parent.ts} in C0BOARD (Slack is off):\nstarted 47 min late`,
      },
    ]);
  });
});

describe('createMemoryNotifier', () => {
  it('records the channel of each post, and lists the posts of one channel', async () => {
    const notifier = createMemoryNotifier(CHANNEL);
    const board = await notifier.post(text('board'), 'C0BOARD');
    const own = await notifier.post(text('own'));

    expect(board.channel).toBe('C0BOARD');
    expect(own.channel).toBe(CHANNEL);
    expect(notifier.posted().map((entry) => entry.ref)).toEqual([board, own]);
    expect(notifier.posted('C0BOARD').map((entry) => entry.message.text)).toEqual(['board']);
    // A ref names a message in its own channel only, as in Slack.
    const error = await failureOf(notifier.update({ ...board, channel: CHANNEL }, text('x')));
    expect(error).toMatchObject({ reason: 'message_not_found' });
  });
});

describe('createNotifier', () => {
  const slackConfig = () => ({
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_CHANNEL_ID: CHANNEL,
    SLACK_ENABLED: true,
    SLACK_API_URL: fake.url,
  });

  it('uses Slack when enabled with a token and a channel', async () => {
    const own = captureLog();
    const notifier = createNotifier(slackConfig(), own.logger);

    const ref = await notifier.post(text('to Slack'));

    expect(fake.message(CHANNEL, ref.ts)?.text).toBe('to Slack');
    expect(own.lines[0]).toMatchObject({ level: 'info', obj: { notifier: 'slack' } });
    expect(JSON.stringify(own.lines)).not.toContain(TOKEN);
  });

  it.each([
    ['SLACK_ENABLED is false', { SLACK_ENABLED: false }, 'info'],
    ['SLACK_BOT_TOKEN is not set', { SLACK_BOT_TOKEN: undefined }, 'info'],
    ['SLACK_BOT_TOKEN is not set', { SLACK_BOT_TOKEN: '' }, 'info'],
    ['SLACK_CHANNEL_ID is not set', { SLACK_CHANNEL_ID: undefined }, 'warn'],
  ])('uses the log when %s, and says so once', async (why, change, level) => {
    const own = captureLog();
    const notifier = createNotifier({ ...slackConfig(), ...change }, own.logger);

    const ref = await notifier.post(text('to the log'));
    await notifier.post(text('again'));

    expect(ref.ts).toMatch(/^log-/);
    expect(fake.calls).toEqual([]);
    expect(await notifier.check()).toMatchObject({ ok: true });
    const notices = own.lines.filter((line) => line.obj.notifier === 'log' && 'reason' in line.obj);
    expect(notices).toEqual([
      { level, obj: { notifier: 'log', reason: why }, msg: expect.stringContaining(why) },
    ]);
    expect(JSON.stringify(own.lines)).not.toContain(TOKEN);
  });
});
