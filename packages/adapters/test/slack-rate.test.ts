import type { SlackMessage } from '@schedmon/domain';
import { NotifierError } from '@schedmon/domain';
import type { FakeSlack } from '@schedmon/fake-slack';
import { startFakeSlack } from '@schedmon/fake-slack';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SlackNotifierOptions } from '../src/slack/index.ts';
import { createNotifier, createSlackNotifier } from '../src/slack/index.ts';

// Slack's own limits, as the fake enforces them here: Tier 3 for chat.update, and one
// chat.postMessage a second per channel with bursts.
const SLACK_RATE_LIMITS = {
  'chat.update': { perMinute: 50 },
  'chat.postMessage': { perChannelPer: { calls: 30, windowMs: 30_000 } },
};

/**
 * A simulated clock shared by the notifier and the fake Slack: time moves only when the
 * notifier sleeps, jumping to the sleeper's wake time (never back), so waiting minutes costs
 * no real time. A sleeper may wake later than asked, as with a real timer.
 */
function simulatedClock(start = Date.UTC(2026, 0, 15, 0, 0)) {
  let time = start;
  return {
    now: () => time,
    async sleep(ms: number): Promise<void> {
      const due = time + ms;
      // Calls already sent are answered before time moves on, as they would be.
      await new Promise<void>((resolve) => setImmediate(resolve));
      time = Math.max(time, due);
    },
  };
}

let clock: ReturnType<typeof simulatedClock>;
let fake: FakeSlack;

beforeEach(async () => {
  clock = simulatedClock();
  fake = await startFakeSlack({ rateLimits: SLACK_RATE_LIMITS, now: clock.now });
});

afterEach(async () => {
  await fake.stop();
});

function notifier(options: Partial<SlackNotifierOptions> = {}) {
  return createSlackNotifier({
    token: 'xoxb-rate-test',
    channel: 'C0OPS',
    apiUrl: fake.url,
    timeoutMs: 5_000,
    now: clock.now,
    sleep: clock.sleep,
    ...options,
  });
}

const text = (value: string): SlackMessage => ({ text: value, blocks: [] });

const channels = Array.from({ length: 30 }, (_, i) => `C0BOARD${String(i).padStart(2, '0')}`);

/** Five tables in each of the 30 channels: 150 messages to edit. */
async function postTables(slack: ReturnType<typeof notifier>) {
  return Promise.all(
    channels.flatMap((channel) =>
      [1, 2, 3, 4, 5].map((part) => slack.post(text(`${channel} part ${part}`), channel)),
    ),
  );
}

describe('Slack rate limits through one notifier', () => {
  it('spreads 150 chat.update calls across 30 channels over two minutes, with no 429', async () => {
    const slack = notifier();
    const tables = await postTables(slack);
    const started = clock.now();
    const realStart = performance.now();

    const edited = await Promise.all(tables.map((ref) => slack.update(ref, text('01:00 edit'))));

    expect(fake.rateLimited()).toEqual([]);
    expect(fake.callsOf('chat.update')).toHaveLength(150);
    expect(edited).toEqual(tables);
    for (const ref of tables) expect(fake.message(ref.channel, ref.ts)?.text).toBe('01:00 edit');
    // 50 now, 50 a minute later, 50 two minutes later: Tier 3 held on the simulated clock.
    expect(clock.now() - started).toBeGreaterThanOrEqual(120_000);
    expect(performance.now() - realStart).toBeLessThan(10_000);
  });

  it('draws 429s from the same fake when its budget is above Slack’s', async () => {
    const slack = notifier({ updatesPerMinute: 1_000 });
    const tables = await postTables(slack);

    const outcomes = await Promise.allSettled(
      tables.map((ref) => slack.update(ref, text('01:00 edit'))),
    );

    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(refused).toHaveLength(100);
    for (const outcome of refused) {
      expect(outcome.reason).toBeInstanceOf(NotifierError);
      // Retry-After is a minute away, past maxRetryWaitMs: for the caller to retry later.
      expect(outcome.reason).toMatchObject({ reason: 'ratelimited', retryable: true });
    }
    expect(fake.rateLimited('chat.update')).toHaveLength(100);
  });

  it('spaces posts per channel and never holds another channel back', async () => {
    const slack = notifier();
    const started = clock.now();

    const burst = Array.from({ length: 65 }, (_, i) => slack.post(text(`incident ${i}`), 'C0BUSY'));
    const calm = slack.post(text('root'), 'C0CALM');
    const posted = await Promise.all([...burst, calm]);

    expect(fake.rateLimited()).toEqual([]);
    expect(posted.map((ref) => ref.channel)).toEqual([...Array(65).fill('C0BUSY'), 'C0CALM']);
    expect(fake.messages('C0BUSY')).toHaveLength(65);
    // Thirty at once, thirty more after 30 s, the last five after 60 s.
    expect(clock.now() - started).toBeGreaterThanOrEqual(60_000);
    // The calm channel went with the first ten, not behind the busy channel's queue.
    const order = fake.callsOf('chat.postMessage').map((call) => call.body.channel);
    expect(order.indexOf('C0CALM')).toBeLessThan(31);
    expect(fake.callsOf('chat.postMessage')[order.indexOf('C0CALM')]?.time.getTime()).toBe(started);
  });

  it('takes the chat.update budget from SLACK_UPDATES_PER_MINUTE', async () => {
    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    const config = {
      SLACK_BOT_TOKEN: 'xoxb-rate-test',
      SLACK_CHANNEL_ID: 'C0OPS',
      SLACK_API_URL: fake.url,
      SLACK_UPDATES_PER_MINUTE: 2,
    };
    const slack = createNotifier(config, quiet, { now: clock.now, sleep: clock.sleep });
    const ref = await slack.post(text('table'));
    const started = clock.now();

    for (let i = 0; i < 3; i += 1) await slack.update(ref, text(`edit ${i}`));

    expect(clock.now() - started).toBeGreaterThanOrEqual(60_000);
    expect(fake.message('C0OPS', ref.ts)?.text).toBe('edit 2');
  });
});
