import type { Logger, WebClientOptions } from '@slack/web-api';
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeSlack, FakeSlackOptions } from './index.ts';
import { FAKE_SLACK_IDENTITY, startFakeSlack } from './index.ts';

let fake: FakeSlack;

beforeAll(async () => {
  fake = await startFakeSlack();
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  fake.reset();
});

// The refusals below are expected; the SDK would log each one as an error.
const silent: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

// No retries unless a test asks: the SDK's default policy retries for about 30 minutes.
function client(options: WebClientOptions = {}, token: string | null = 'xoxb-test') {
  return new WebClient(token ?? undefined, {
    slackApiUrl: fake.url,
    logger: silent,
    retryConfig: { retries: 0 },
    ...options,
  });
}

/** Runs `test` against a fake of its own, stopped before the leak check runs. */
async function withFakeSlack(
  options: FakeSlackOptions,
  test: (own: FakeSlack) => Promise<void>,
): Promise<void> {
  const own = await startFakeSlack(options);
  try {
    await test(own);
  } finally {
    await own.stop();
  }
}

function postForm(url: string, fields: Record<string, string>, headers: Record<string, string>) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const header = (text: string) => ({ type: 'header', text: { type: 'plain_text', text } });
const divider = { type: 'divider' };
const table = (rows: number) => ({
  type: 'table',
  rows: Array.from({ length: rows }, (_, i) => [{ type: 'raw_text', text: `row ${i}` }]),
});
const richLink = (link: Record<string, unknown>) => ({
  type: 'rich_text',
  elements: [{ type: 'rich_text_section', elements: [{ type: 'link', ...link }] }],
});
const linkTable = (cell: unknown) => ({ type: 'table', rows: [[cell]] });
const platformError = (error: string) => ({
  code: ErrorCode.PlatformError,
  data: { ok: false, error },
});

describe('messages', () => {
  it('posts a message, answers like Slack and records the call with parsed blocks', async () => {
    const blocks = [header('EOD'), section('*all* good')];
    const result = await client().chat.postMessage({ channel: 'C1', text: 'EOD status', blocks });

    expect(result).toMatchObject({
      ok: true,
      channel: 'C1',
      message: { type: 'message', text: 'EOD status', blocks, bot_id: FAKE_SLACK_IDENTITY.bot_id },
    });
    expect(result.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(result.message?.ts).toBe(result.ts);
    expect(fake.messages()).toMatchObject([
      { channel: 'C1', ts: result.ts, text: 'EOD status', blocks },
    ]);
    const [call] = fake.callsOf('chat.postMessage');
    expect(call?.body).toMatchObject({ channel: 'C1', text: 'EOD status', blocks });
    expect(call?.headers.authorization).toBe('Bearer xoxb-test');
    expect(call?.time).toBeInstanceOf(Date);
    expect(call?.response).toMatchObject({ status: 200, body: { ok: true, ts: result.ts } });
  });

  it('issues unique, increasing ts values and lists messages per channel in post order', async () => {
    const slack = client();
    const tss: string[] = [];
    for (const channel of ['C1', 'C2', 'C1']) {
      const { ts } = await slack.chat.postMessage({ channel, text: `to ${channel}` });
      tss.push(ts ?? '');
    }
    expect(new Set(tss).size).toBe(3);
    expect([...tss].sort((a, b) => Number(a) - Number(b))).toEqual(tss);
    expect(fake.messages('C1').map((m) => m.ts)).toEqual([tss[0], tss[2]]);
    expect(fake.messages().map((m) => m.channel)).toEqual(['C1', 'C2', 'C1']);
  });

  it('updates a message in place', async () => {
    const slack = client();
    const posted = await slack.chat.postMessage({
      channel: 'C1',
      text: 'v1',
      blocks: [section('v1')],
    });
    const ts = posted.ts ?? '';
    await slack.chat.postMessage({ channel: 'C1', text: 'later' });

    const updated = await slack.chat.update({
      channel: 'C1',
      ts,
      text: 'v2',
      blocks: [section('v2')],
    });

    expect(updated).toMatchObject({ ok: true, channel: 'C1', ts, text: 'v2' });
    expect(fake.messages('C1').map((m) => m.text)).toEqual(['v2', 'later']);
    expect(fake.message('C1', ts)).toMatchObject({ text: 'v2', blocks: [section('v2')] });
    expect(fake.message('C1', ts)?.edited).toBeDefined();
  });

  it('keeps the blocks an update leaves out, like Slack', async () => {
    const slack = client();
    const { ts = '' } = await slack.chat.postMessage({ channel: 'C1', blocks: [section('kept')] });
    await slack.chat.update({ channel: 'C1', ts, text: 'new fallback' });
    expect(fake.message('C1', ts)).toMatchObject({
      text: 'new fallback',
      blocks: [section('kept')],
    });
  });

  it('answers message_not_found for an update of an unknown ts or channel', async () => {
    const slack = client();
    const { ts = '' } = await slack.chat.postMessage({ channel: 'C1', text: 'x' });
    await expect(
      slack.chat.update({ channel: 'C1', ts: '1600000000.000100', text: 'y' }),
    ).rejects.toMatchObject(platformError('message_not_found'));
    await expect(slack.chat.update({ channel: 'C2', ts, text: 'y' })).rejects.toMatchObject(
      platformError('message_not_found'),
    );
    expect(fake.message('C1', ts)?.text).toBe('x');
  });

  it('posts an ephemeral message, which never shows in the channel', async () => {
    const result = await client().chat.postEphemeral({
      channel: 'C1',
      user: 'U1',
      text: 'only you',
    });
    expect(result).toMatchObject({ ok: true });
    expect(result.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(fake.ephemerals('C1')).toMatchObject([{ user: 'U1', text: 'only you' }]);
    expect(fake.messages()).toEqual([]);
  });

  it('deletes a message', async () => {
    const slack = client();
    const { ts = '' } = await slack.chat.postMessage({ channel: 'C1', text: 'x' });
    await expect(slack.chat.delete({ channel: 'C1', ts })).resolves.toMatchObject({ ok: true, ts });
    expect(fake.messages()).toEqual([]);
    await expect(slack.chat.delete({ channel: 'C1', ts })).rejects.toMatchObject(
      platformError('message_not_found'),
    );
  });

  it('answers channel_not_found without a channel or outside the allow-list', async () => {
    await expect(client().apiCall('chat.postMessage', { text: 'x' })).rejects.toMatchObject(
      platformError('channel_not_found'),
    );
    await withFakeSlack({ channels: ['C1'] }, async (own) => {
      const slack = client({ slackApiUrl: own.url });
      await expect(slack.chat.postMessage({ channel: 'C1', text: 'x' })).resolves.toMatchObject({
        ok: true,
      });
      await expect(slack.chat.postMessage({ channel: 'C2', text: 'x' })).rejects.toMatchObject(
        platformError('channel_not_found'),
      );
      expect(own.messages().map((m) => m.channel)).toEqual(['C1']);
    });
  });

  it('answers no_text for a message without text or blocks', async () => {
    await expect(client().chat.postMessage({ channel: 'C1', text: '' })).rejects.toMatchObject(
      platformError('no_text'),
    );
  });
});

describe('threads', () => {
  it("keeps a reply in its parent's thread and out of the channel", async () => {
    const slack = client();
    const { ts: root = '' } = await slack.chat.postMessage({ channel: 'C1', text: 'incident' });
    const first = await slack.chat.postMessage({ channel: 'C1', thread_ts: root, text: 'late' });
    const second = await slack.chat.postMessage({
      channel: 'C1',
      thread_ts: root,
      blocks: [section('recovered')],
    });
    await slack.chat.postMessage({ channel: 'C1', text: 'other' });

    expect(first).toMatchObject({
      ok: true,
      channel: 'C1',
      message: { text: 'late', thread_ts: root, bot_id: FAKE_SLACK_IDENTITY.bot_id },
    });
    expect(first.ts).not.toBe(root);
    expect(first.message).not.toHaveProperty('subtype');
    expect(fake.messages('C1').map((m) => m.text)).toEqual(['incident', 'other']);
    expect(fake.thread('C1', root)).toMatchObject([
      { ts: first.ts, thread_ts: root, text: 'late' },
      { ts: second.ts, thread_ts: root, blocks: [section('recovered')] },
    ]);
    expect(fake.message('C1', first.ts ?? '')).toMatchObject({ text: 'late', thread_ts: root });
    expect(fake.thread('C1', first.ts ?? '')).toEqual([]);
    expect(fake.thread('C2', root)).toEqual([]);
  });

  it('shows a reply posted with reply_broadcast in the channel too', async () => {
    const slack = client();
    const { ts: root = '' } = await slack.chat.postMessage({ channel: 'C1', text: 'incident' });
    const broadcast = await slack.chat.postMessage({
      channel: 'C1',
      thread_ts: root,
      text: 'everyone',
      reply_broadcast: true,
    });
    // Without thread_ts, reply_broadcast does nothing (the SDK's types rule the call out).
    await slack.apiCall('chat.postMessage', {
      channel: 'C1',
      text: 'plain',
      reply_broadcast: true,
    });

    expect(broadcast.message).toMatchObject({ subtype: 'thread_broadcast', thread_ts: root });
    expect(fake.messages('C1').map((m) => m.text)).toEqual(['incident', 'everyone', 'plain']);
    expect(fake.thread('C1', root).map((m) => m.text)).toEqual(['everyone']);
  });

  it.each([
    ['a ts never issued', () => '1600000000.000100'],
    ['a message of another channel', (rootC2: string) => rootC2],
  ])('answers thread_not_found for %s and stores nothing', async (_name, threadTs) => {
    const slack = client();
    const { ts: rootC2 = '' } = await slack.chat.postMessage({ channel: 'C2', text: 'root' });

    await expect(
      slack.chat.postMessage({ channel: 'C1', thread_ts: threadTs(rootC2), text: 'x' }),
    ).rejects.toMatchObject(platformError('thread_not_found'));
    expect(fake.messages('C1')).toEqual([]);
    expect(fake.thread('C2', rootC2)).toEqual([]);
    expect(fake.callsOf('chat.postMessage')[1]?.response?.status).toBe(200);
  });

  it('answers thread_not_found for a deleted parent', async () => {
    const slack = client();
    const { ts: root = '' } = await slack.chat.postMessage({ channel: 'C1', text: 'gone' });
    await slack.chat.delete({ channel: 'C1', ts: root });

    await expect(
      slack.chat.postMessage({ channel: 'C1', thread_ts: root, text: 'x' }),
    ).rejects.toMatchObject(platformError('thread_not_found'));
  });

  it("refuses a reply to a reply's ts, which Slack says to avoid", async () => {
    const slack = client();
    const { ts: root = '' } = await slack.chat.postMessage({ channel: 'C1', text: 'root' });
    const { ts: reply = '' } = await slack.chat.postMessage({
      channel: 'C1',
      thread_ts: root,
      text: 'reply',
    });

    await expect(
      slack.chat.postMessage({ channel: 'C1', thread_ts: reply, text: 'nested' }),
    ).rejects.toMatchObject(platformError('thread_not_found'));
    expect(fake.thread('C1', root).map((m) => m.text)).toEqual(['reply']);
    expect(fake.thread('C1', reply)).toEqual([]);
  });

  it('updates a root and a reply in place, each where it is', async () => {
    const slack = client();
    const { ts: root = '' } = await slack.chat.postMessage({ channel: 'C1', text: 'open' });
    const { ts: reply = '' } = await slack.chat.postMessage({
      channel: 'C1',
      thread_ts: root,
      text: 'late',
    });

    await expect(
      slack.chat.update({ channel: 'C1', ts: root, text: 'resolved' }),
    ).resolves.toMatchObject({ ok: true, ts: root, text: 'resolved' });
    const updated = await slack.chat.update({
      channel: 'C1',
      ts: reply,
      text: 'late, 47 min',
    });

    expect(updated).toMatchObject({
      ok: true,
      ts: reply,
      message: { text: 'late, 47 min', thread_ts: root },
    });
    expect(fake.messages('C1')).toMatchObject([{ ts: root, text: 'resolved' }]);
    expect(fake.message('C1', root)?.edited).toBeDefined();
    expect(fake.thread('C1', root)).toMatchObject([
      { ts: reply, thread_ts: root, text: 'late, 47 min', edited: expect.anything() },
    ]);
  });

  it('applies limits and injected failures to replies as to any post', async () => {
    const slack = client();
    const { ts: root = '' } = await slack.chat.postMessage({ channel: 'C1', text: 'root' });
    const blocks = Array.from({ length: 51 }, () => divider);
    await expect(
      slack.chat.postMessage({ channel: 'C1', thread_ts: root, text: 'x', blocks }),
    ).rejects.toMatchObject(platformError('invalid_blocks'));
    fake.failNext({ method: 'chat.postMessage', status: 429, retryAfterSeconds: 3 });
    await expect(
      client({ rejectRateLimitedCalls: true }).chat.postMessage({
        channel: 'C1',
        thread_ts: root,
        text: 'x',
      }),
    ).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 3 });
    expect(fake.thread('C1', root)).toEqual([]);
  });

  it('posts at the top level for an empty thread_ts from a form', async () => {
    const response = await postForm(
      `${fake.url}chat.postMessage`,
      { channel: 'C1', text: 'top', thread_ts: '' },
      { authorization: 'Bearer xoxb-test' },
    );
    expect(await response.json()).toMatchObject({ ok: true });
    expect(fake.messages('C1')).toMatchObject([{ text: 'top', thread_ts: undefined }]);
  });

  it('forgets threads on reset()', async () => {
    const slack = client();
    const { ts: root = '' } = await slack.chat.postMessage({ channel: 'C1', text: 'root' });
    await slack.chat.postMessage({
      channel: 'C1',
      thread_ts: root,
      text: 'r',
      reply_broadcast: true,
    });
    fake.reset();
    expect(fake.thread('C1', root)).toEqual([]);
    expect(fake.messages()).toEqual([]);
  });
});

describe('auth and methods', () => {
  it('answers auth.test with the bot identity', async () => {
    await expect(client().auth.test()).resolves.toMatchObject({
      ok: true,
      user_id: 'U0FAKEBOT',
      team_id: 'T0FAKESLACK',
      bot_id: 'B0FAKEBOT',
      url: FAKE_SLACK_IDENTITY.url,
      team: FAKE_SLACK_IDENTITY.team,
      user: FAKE_SLACK_IDENTITY.user,
    });
  });

  it('answers unknown_method with HTTP 200', async () => {
    await expect(client().apiCall('chat.scheduleMessage', {})).rejects.toMatchObject(
      platformError('unknown_method'),
    );
    expect(fake.calls[0]?.response?.status).toBe(200);
  });

  it('answers not_authed without a token and invalid_auth with a bad one', async () => {
    await expect(client({}, null).auth.test()).rejects.toMatchObject(platformError('not_authed'));
    await expect(client({}, 'bad-token').auth.test()).rejects.toMatchObject(
      platformError('invalid_auth'),
    );
  });

  it('accepts only the configured tokens when given', async () => {
    await withFakeSlack({ tokens: ['xoxb-good'] }, async (own) => {
      await expect(
        client({ slackApiUrl: own.url }, 'xoxb-good').auth.test(),
      ).resolves.toMatchObject({ ok: true });
      await expect(
        client({ slackApiUrl: own.url }, 'xoxb-other').auth.test(),
      ).rejects.toMatchObject(platformError('invalid_auth'));
    });
  });

  it('answers 404 outside /api/', async () => {
    const response = await fetch(fake.url.replace('/api/', '/other'), { method: 'POST' });
    expect(response.status).toBe(404);
    await response.body?.cancel();
  });
});

describe('Block Kit limits', () => {
  it('refuses 51 blocks like Slack and stores nothing', async () => {
    const blocks = Array.from({ length: 51 }, () => divider);
    const error = await client()
      .chat.postMessage({ channel: 'C1', text: 'x', blocks })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCode.PlatformError,
      data: {
        ok: false,
        error: 'invalid_blocks',
        errors: ['must be less than 51 items [json-pointer:/blocks]'],
        response_metadata: {
          messages: ['[ERROR] must be less than 51 items [json-pointer:/blocks]'],
        },
      },
    });
    expect(fake.messages()).toEqual([]);
    expect(fake.calls[0]?.response?.status).toBe(200);
  });

  it('accepts 50 blocks', async () => {
    const blocks = Array.from({ length: 50 }, () => divider);
    await expect(
      client().chat.postMessage({ channel: 'C1', text: 'x', blocks }),
    ).resolves.toMatchObject({ ok: true });
    expect(fake.messages()[0]?.blocks).toHaveLength(50);
  });

  it.each([
    ['a section text of 3001 chars', [section('s'.repeat(3_001))], 'invalid_blocks'],
    ['a header of 151 chars', [header('h'.repeat(151))], 'invalid_blocks'],
    ['a table of 101 rows', [table(101)], 'invalid_blocks'],
    ['two table blocks', [table(1), table(1)], 'invalid_attachments'],
    ['a table cell of mrkdwn', [linkTable({ type: 'mrkdwn', text: 'x' })], 'invalid_blocks'],
    ['a rich_text cell linking no url', [linkTable(richLink({ text: 'x' }))], 'invalid_blocks'],
    [
      'a link url of 3001 chars',
      [linkTable(richLink({ url: `https://x.example/${'a'.repeat(2_983)}` }))],
      'invalid_blocks',
    ],
  ])('refuses %s', async (_name, blocks, error) => {
    await expect(
      client().chat.postMessage({ channel: 'C1', text: 'x', blocks }),
    ).rejects.toMatchObject(platformError(error));
    expect(fake.messages()).toEqual([]);
  });

  it('accepts a table whose cells link with rich_text, and stores them as sent', async () => {
    const cell = richLink({ url: 'https://schedmon.example.com/ui/schedulers/a%7Cb', text: 'Job' });
    const blocks = [linkTable(cell)];
    await expect(
      client().chat.postMessage({ channel: 'C1', text: 'x', blocks }),
    ).resolves.toMatchObject({ ok: true });
    expect(fake.messages()[0]?.blocks).toEqual(blocks);
  });

  it('refuses an update over the limits and keeps the message as it was', async () => {
    const slack = client();
    const { ts = '' } = await slack.chat.postMessage({ channel: 'C1', blocks: [section('v1')] });
    await expect(
      slack.chat.update({ channel: 'C1', ts, blocks: [section('s'.repeat(3_001))] }),
    ).rejects.toMatchObject(platformError('invalid_blocks'));
    expect(fake.message('C1', ts)).toMatchObject({ blocks: [section('v1')], edited: undefined });
  });

  it('applies overridden limits', async () => {
    await withFakeSlack({ limits: { maxBlocks: 2 } }, async (own) => {
      await expect(
        client({ slackApiUrl: own.url }).chat.postMessage({
          channel: 'C1',
          blocks: [divider, divider, divider],
        }),
      ).rejects.toMatchObject({
        data: { errors: ['must be less than 3 items [json-pointer:/blocks]'] },
      });
    });
  });
});

describe('injected failures', () => {
  it('answers 429 with Retry-After, which WebClient honours before retrying', async () => {
    fake.failNext({ method: 'chat.postMessage', status: 429, retryAfterSeconds: 1 });
    // Tiny back-off of its own, so the wait measured is the Retry-After one.
    const slack = client({ retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 10 } });

    const started = performance.now();
    const result = await slack.chat.postMessage({ channel: 'C1', text: 'x' });

    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(result.ok).toBe(true);
    expect(fake.calls.map((call) => call.response?.status)).toEqual([429, 200]);
    expect(fake.calls[0]?.response).toMatchObject({
      headers: { 'retry-after': '1' },
      body: { ok: false, error: 'ratelimited' },
    });
    expect(fake.messages()).toHaveLength(1);
  });

  it('makes WebClient with rejectRateLimitedCalls throw a rate-limited error', async () => {
    fake.failNext({ status: 429, retryAfterSeconds: 7 });
    await expect(
      client({ rejectRateLimitedCalls: true }).chat.postMessage({ channel: 'C1', text: 'x' }),
    ).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
    expect(fake.calls).toHaveLength(1);
    expect(fake.messages()).toEqual([]);
  });

  it('answers a 5xx once, after which WebClient retries and succeeds', async () => {
    fake.failNext({ status: 503 });
    const slack = client({
      retryConfig: { retries: 1, factor: 1, minTimeout: 10, maxTimeout: 10 },
    });
    await expect(slack.chat.postMessage({ channel: 'C1', text: 'x' })).resolves.toMatchObject({
      ok: true,
    });
    expect(fake.calls.map((call) => call.response?.status)).toEqual([503, 200]);
    expect(fake.messages()).toHaveLength(1);
  });

  it('answers an injected ok:false error and stores nothing', async () => {
    fake.failNext({ method: 'chat.postMessage', error: 'channel_not_found' });
    await expect(client().chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject(
      platformError('channel_not_found'),
    );
    expect(fake.calls[0]?.response?.status).toBe(200);
    expect(fake.messages()).toEqual([]);
  });

  it('fails only the given method, and only as many times as asked', async () => {
    const slack = client();
    fake.failNext({ method: 'chat.update', error: 'cant_update_message', times: 2 });
    const { ts = '' } = await slack.chat.postMessage({ channel: 'C1', text: 'v1' });
    for (let i = 0; i < 2; i += 1) {
      await expect(slack.chat.update({ channel: 'C1', ts, text: 'v2' })).rejects.toMatchObject(
        platformError('cant_update_message'),
      );
    }
    expect(fake.message('C1', ts)?.text).toBe('v1');
    await expect(slack.chat.update({ channel: 'C1', ts, text: 'v2' })).resolves.toMatchObject({
      ok: true,
    });
  });

  it('fails until cleared', async () => {
    const slack = client();
    fake.failUntilCleared({ status: 500 });
    for (let i = 0; i < 3; i += 1) {
      await expect(slack.auth.test()).rejects.toMatchObject({
        code: ErrorCode.HTTPError,
        statusCode: 500,
      });
    }
    fake.clearFailures();
    await expect(slack.auth.test()).resolves.toMatchObject({ ok: true });
    expect(fake.calls).toHaveLength(4);
  });

  it('delays an answer past the client timeout and leaves no timer behind', async () => {
    fake.failNext({ delayMs: 10_000 });
    await expect(
      client({ timeout: 100 }).chat.postMessage({ channel: 'C1', text: 'x' }),
    ).rejects.toMatchObject({ code: ErrorCode.RequestError });
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]?.response).toBeUndefined();
    expect(fake.messages()).toEqual([]);
  });

  it('answers normally after a delay-only fault', async () => {
    fake.failNext({ delayMs: 50 });
    await expect(client().chat.postMessage({ channel: 'C1', text: 'x' })).resolves.toMatchObject({
      ok: true,
    });
  });

  it('cancels a pending delay on stop()', async () => {
    await withFakeSlack({}, async (own) => {
      own.failNext({ delayMs: 10_000 });
      const pending = fetch(`${own.url}auth.test`, {
        method: 'POST',
        headers: { authorization: 'Bearer xoxb-test' },
      }).catch((error: unknown) => error);
      await expect.poll(() => own.calls.length).toBe(1);
      await own.stop();
      expect(await pending).toBeInstanceOf(Error);
    });
  });
});

describe('rate limits', () => {
  /** A fake enforcing `rateLimits` on a clock the test moves, and a client that never retries. */
  async function withRateLimits(
    rateLimits: FakeSlackOptions['rateLimits'],
    test: (own: FakeSlack, slack: WebClient, clock: { time: number }) => Promise<void>,
  ): Promise<void> {
    const clock = { time: 1_000_000 };
    await withFakeSlack({ rateLimits, now: () => clock.time }, (own) =>
      test(own, client({ slackApiUrl: own.url, rejectRateLimitedCalls: true }), clock),
    );
  }

  it('answers chat.update past perMinute with 429 and Retry-After, workspace-wide', async () => {
    await withRateLimits({ 'chat.update': { perMinute: 2 } }, async (own, slack, clock) => {
      const { ts: first = '' } = await slack.chat.postMessage({ channel: 'C1', text: 'a' });
      const { ts: second = '' } = await slack.chat.postMessage({ channel: 'C2', text: 'b' });
      await slack.chat.update({ channel: 'C1', ts: first, text: 'a2' });
      clock.time += 10_200;
      await slack.chat.update({ channel: 'C2', ts: second, text: 'b2' });

      // Another channel is no way around a workspace-wide limit.
      await expect(
        slack.chat.update({ channel: 'C2', ts: second, text: 'b3' }),
      ).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 50 });

      expect(own.message('C2', second)?.text).toBe('b2');
      const [refused] = own.rateLimited();
      expect(own.rateLimited('chat.update')).toHaveLength(1);
      expect(own.rateLimited('chat.postMessage')).toEqual([]);
      expect(refused).toMatchObject({
        method: 'chat.update',
        rateLimited: true,
        response: {
          status: 429,
          headers: { 'retry-after': '50' },
          body: { ok: false, error: 'ratelimited' },
        },
      });
      expect(refused?.time.getTime()).toBe(clock.time);
      expect(own.calls.filter((call) => !call.rateLimited)).toHaveLength(4);
    });
  });

  it('lets a call through once the oldest counted one leaves the sliding minute', async () => {
    await withRateLimits({ 'chat.update': { perMinute: 1 } }, async (own, slack, clock) => {
      const { ts = '' } = await slack.chat.postMessage({ channel: 'C1', text: 'a' });
      await slack.chat.update({ channel: 'C1', ts, text: 'a2' });
      clock.time += 59_999;
      // Under a second left still asks for a whole one.
      await expect(slack.chat.update({ channel: 'C1', ts, text: 'a3' })).rejects.toMatchObject({
        retryAfter: 1,
      });
      clock.time += 1;
      await expect(slack.chat.update({ channel: 'C1', ts, text: 'a3' })).resolves.toMatchObject({
        ok: true,
      });
      // A refused call is not counted: the window holds only the accepted one.
      await expect(slack.chat.update({ channel: 'C1', ts, text: 'a4' })).rejects.toMatchObject({
        retryAfter: 60,
      });
      expect(own.message('C1', ts)?.text).toBe('a3');
      expect(own.rateLimited()).toHaveLength(2);
    });
  });

  it('limits chat.postMessage per channel, replies included', async () => {
    const rateLimits = { 'chat.postMessage': { perChannelPer: { calls: 2, windowMs: 10_000 } } };
    await withRateLimits(rateLimits, async (own, slack, clock) => {
      const { ts: root = '' } = await slack.chat.postMessage({ channel: 'C1', text: 'root' });
      await slack.chat.postMessage({ channel: 'C1', thread_ts: root, text: 'reply' });
      clock.time += 2_500;

      await expect(slack.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({
        code: ErrorCode.RateLimitedError,
        retryAfter: 8,
      });
      await expect(slack.chat.postMessage({ channel: 'C2', text: 'y' })).resolves.toMatchObject({
        ok: true,
      });
      // Unlimited methods are never refused.
      for (let i = 0; i < 5; i += 1) await slack.auth.test();
      clock.time += 7_500;
      await expect(slack.chat.postMessage({ channel: 'C1', text: 'x' })).resolves.toMatchObject({
        ok: true,
      });
      expect(own.messages('C1').map((m) => m.text)).toEqual(['root', 'x']);
      expect(own.rateLimited().map((call) => call.body.channel)).toEqual(['C1']);
    });
  });

  it('keeps injected failures, which are not counted, and forgets the windows on reset()', async () => {
    await withRateLimits({ 'chat.update': { perMinute: 1 } }, async (own, slack) => {
      const { ts = '' } = await slack.chat.postMessage({ channel: 'C1', text: 'a' });
      own.failNext({ method: 'chat.update', status: 503 });
      await expect(slack.chat.update({ channel: 'C1', ts, text: 'b' })).rejects.toMatchObject({
        code: ErrorCode.HTTPError,
        statusCode: 503,
      });
      await slack.chat.update({ channel: 'C1', ts, text: 'b' });
      own.failNext({ method: 'chat.update', status: 429, retryAfterSeconds: 3 });
      await expect(slack.chat.update({ channel: 'C1', ts, text: 'c' })).rejects.toMatchObject({
        retryAfter: 3,
      });
      // An injected 429 is the test's, not the enforced limit's.
      expect(own.rateLimited()).toEqual([]);
      await expect(slack.chat.update({ channel: 'C1', ts, text: 'c' })).rejects.toMatchObject({
        retryAfter: 60,
      });
      expect(own.rateLimited()).toHaveLength(1);

      own.reset();
      const { ts: next = '' } = await slack.chat.postMessage({ channel: 'C1', text: 'n' });
      await expect(
        slack.chat.update({ channel: 'C1', ts: next, text: 'n2' }),
      ).resolves.toMatchObject({ ok: true });
    });
  });

  it('enforces nothing unless asked', async () => {
    const slack = client();
    const { ts = '' } = await slack.chat.postMessage({ channel: 'C1', text: 'a' });
    for (let i = 0; i < 60; i += 1) await slack.chat.update({ channel: 'C1', ts, text: `v${i}` });
    expect(fake.rateLimited()).toEqual([]);
    expect(fake.calls.every((call) => call.response?.status === 200)).toBe(true);
  });
});

describe('request bodies', () => {
  it('parses a form-encoded body with blocks as a JSON string and a token field', async () => {
    const blocks = [section('from a form')];
    const response = await postForm(
      `${fake.url}chat.postMessage`,
      { token: 'xoxb-form', channel: 'C1', text: 'a & b', blocks: JSON.stringify(blocks) },
      {},
    );
    expect(await response.json()).toMatchObject({ ok: true, message: { text: 'a & b', blocks } });
    expect(fake.calls[0]?.body).toMatchObject({ channel: 'C1', text: 'a & b', blocks });
    expect(fake.messages()[0]?.blocks).toEqual(blocks);
  });

  it('answers invalid_blocks_format for blocks that are not JSON', async () => {
    const response = await postForm(
      `${fake.url}chat.postMessage`,
      { channel: 'C1', blocks: '[{"type":' },
      { authorization: 'Bearer xoxb-test' },
    );
    expect(await response.json()).toEqual({ ok: false, error: 'invalid_blocks_format' });
  });

  it('accepts a JSON body with a bearer token', async () => {
    const response = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        authorization: 'Bearer xoxb-j',
      },
      body: JSON.stringify({ channel: 'C1', blocks: [section('json')] }),
    });
    expect(await response.json()).toMatchObject({ ok: true, channel: 'C1' });
    expect(fake.messages()[0]?.blocks).toEqual([section('json')]);
  });

  it('ignores a token inside a JSON body, as Slack does', async () => {
    const response = await fetch(`${fake.url}auth.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'xoxb-test' }),
    });
    expect(await response.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it('answers invalid_json for a malformed JSON body', async () => {
    const response = await fetch(`${fake.url}auth.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer xoxb-test' },
      body: '{',
    });
    expect(await response.json()).toEqual({ ok: false, error: 'invalid_json' });
  });
});
