import { seededRandom } from '@schedmon/domain/fakes';
import { describe, expect, it } from 'vitest';
import type { RateBudget, Release } from '../src/slack/rate-limiter.ts';
import { createRateLimiter } from '../src/slack/rate-limiter.ts';

/**
 * A simulated clock: `sleep` resolves only when `advance` moves the time past its end, so
 * the tests say exactly when time passes and nothing really waits.
 */
function manualClock() {
  let time = 0;
  const timers: { due: number; resolve: () => void }[] = [];
  const sleeps: number[] = [];
  return {
    now: () => time,
    sleep: (ms: number) => {
      sleeps.push(ms);
      return new Promise<void>((resolve) => {
        timers.push({ due: time + ms, resolve });
      });
    },
    sleeps,
    async advance(ms: number): Promise<void> {
      time += ms;
      for (const timer of timers.filter((entry) => entry.due <= time)) {
        timers.splice(timers.indexOf(timer), 1);
        timer.resolve();
      }
      await settle();
    },
  };
}

/** Lets every promise that can move on do so (no real time passes). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Starts `acquire` and notes the simulated time it was admitted at. */
function track(clock: ReturnType<typeof manualClock>, acquired: Promise<Release>) {
  const state: { at: number | undefined; release: Release | undefined } = {
    at: undefined,
    release: undefined,
  };
  void acquired.then((release) => {
    state.at = clock.now();
    state.release = release;
  });
  return state;
}

const budget: RateBudget = { calls: 3, windowMs: 1_000 };

describe('createRateLimiter', () => {
  it('admits N calls at once, without waiting', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter(clock);

    const calls = [1, 2, 3].map(() => track(clock, limiter.acquire('chat.update', budget)));
    await settle();

    expect(calls.map((call) => call.at)).toEqual([0, 0, 0]);
    expect(clock.sleeps).toEqual([]);
  });

  it('holds the N+1th call exactly until the first leaves the window', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter(clock);
    const first = await limiter.acquire('chat.update', budget);
    await clock.advance(200);
    first();
    (await limiter.acquire('chat.update', budget))();
    (await limiter.acquire('chat.update', budget))();

    const next = track(clock, limiter.acquire('chat.update', budget));
    await settle();
    expect(next.at).toBeUndefined();
    // The first call ended at 200, so its slot frees at 1 200.
    expect(clock.sleeps).toEqual([1_000]);
    await clock.advance(999);
    expect(next.at).toBeUndefined();
    await clock.advance(1);
    expect(next.at).toBe(1_200);
  });

  it('keeps the slot of a call in flight until a window after it ends', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter(clock);
    const releases = await Promise.all([1, 2, 3].map(() => limiter.acquire('chat.update', budget)));

    const next = track(clock, limiter.acquire('chat.update', budget));
    await clock.advance(5_000);
    expect(next.at).toBeUndefined();
    // However long the call took to reach Slack, it counts from when it ended.
    releases[1]?.();
    await clock.advance(999);
    expect(next.at).toBeUndefined();
    await clock.advance(1);
    expect(next.at).toBe(6_000);
  });

  it('admits waiting callers of one lane in the order they called', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter(clock);
    const order: string[] = [];
    const one = { calls: 1, windowMs: 1_000 };
    const calls = ['a', 'b', 'c', 'd'].map((name) =>
      limiter.acquire('chat.update', one).then((release) => {
        order.push(`${name}@${clock.now()}`);
        release();
      }),
    );

    await settle();
    for (let i = 0; i < 3; i += 1) await clock.advance(1_000);
    await Promise.all(calls);

    expect(order).toEqual(['a@0', 'b@1000', 'c@2000', 'd@3000']);
  });

  it('never holds one lane back for another, nor for another channel', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter(clock);
    const one = { calls: 1, windowMs: 1_000 };
    (await limiter.acquire('chat.postMessage C1', one))();
    const waiting = track(clock, limiter.acquire('chat.postMessage C1', one));

    const other = track(clock, limiter.acquire('chat.postMessage C2', one));
    const update = track(clock, limiter.acquire('chat.update', one));
    await settle();

    expect(waiting.at).toBeUndefined();
    expect(other.at).toBe(0);
    expect(update.at).toBe(0);
  });

  it('never lets more than N calls overlap one window, whatever their durations', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter(clock);
    const random = seededRandom(7);
    const spans: { admitted: number; ended: number }[] = [];
    const calls = Array.from({ length: 40 }, () =>
      limiter.acquire('chat.update', budget).then(async (release) => {
        const admitted = clock.now();
        await clock.sleep(Math.floor(random() * 1_500));
        release();
        spans.push({ admitted, ended: clock.now() });
      }),
    );
    while (spans.length < 40) await clock.advance(50);
    await Promise.all(calls);

    // Slack sees a call somewhere between its admission and its end: at no instant may more
    // than N calls lie in the window a server counting arrivals would look at.
    for (const { admitted: at } of spans) {
      const counted = spans.filter(
        (span) => span.admitted <= at && span.ended + budget.windowMs > at,
      );
      expect(counted.length).toBeLessThanOrEqual(budget.calls);
    }
  });

  it('waits on real timers by default', async () => {
    const limiter = createRateLimiter();
    const short = { calls: 1, windowMs: 30 };
    (await limiter.acquire('chat.update', short))();
    const started = performance.now();

    (await limiter.acquire('chat.update', short))();

    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });
});

describe('a caller with a patience (maxWaitMs)', () => {
  it('is refused at once, with when its turn would come, when the budget is used up for longer', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ now: clock.now, sleep: clock.sleep });
    const budget: RateBudget = { calls: 2, windowMs: 60_000 };
    (await limiter.acquire('chat.update', budget, 5_000))();
    await clock.advance(1_000);
    (await limiter.acquire('chat.update', budget, 5_000))();
    // The oldest call leaves the window at 60 s: 59 s away, past the 5 s patience.
    await expect(limiter.acquire('chat.update', budget, 5_000)).rejects.toMatchObject({
      retryAfterMs: 59_000,
    });
    expect(clock.sleeps).toEqual([]);
    // A patient caller still waits its turn, and the refusal took no slot.
    const patient = track(clock, limiter.acquire('chat.update', budget));
    await clock.advance(58_999);
    expect(patient.at).toBeUndefined();
    await clock.advance(1);
    expect(patient.at).toBe(60_000);
  });

  it('waits when its turn comes within its patience', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ now: clock.now, sleep: clock.sleep });
    const budget: RateBudget = { calls: 1, windowMs: 3_000 };
    (await limiter.acquire('lane', budget, 5_000))();
    const next = track(clock, limiter.acquire('lane', budget, 5_000));
    await clock.advance(3_000);
    expect(next.at).toBe(3_000);
  });
});
