import { setTimeout as delay } from 'node:timers/promises';

/** At most `calls` calls in any sliding window of `windowMs`. */
export type RateBudget = { calls: number; windowMs: number };

/** Options of {@link createRateLimiter}. */
export type RateLimiterOptions = {
  /** The current time in ms; default `Date.now`. Tests pass a simulated clock. */
  now?: () => number;
  /** Waits `ms`; default a timer. Tests pass one that advances the simulated clock. */
  sleep?: (ms: number) => Promise<void>;
};

/** Ends a call admitted by {@link RateLimiter.acquire}; call it once the call is answered or failed. */
export type Release = () => void;

/**
 * Sliding-log rate limits, one lane per name: a method for a workspace-wide budget, a method
 * and a channel for a per-channel one.
 *
 * Failure: none of its own; `acquire` rejects only if `sleep` does.
 */
export type RateLimiter = {
  /**
   * Resolves once one more call in `lane` is within `budget`, and holds a slot for it until
   * `release` is called and a whole window has passed after that. Callers of one lane are
   * admitted in the order they called; a caller waiting in one lane never delays another.
   */
  acquire(lane: string, budget: RateBudget, maxWaitMs?: number): Promise<Release>;
};

/**
 * The budget would make the call wait longer than the caller allows: `retryAfterMs` is
 * about when its turn would have come.
 */
export class RateWaitTooLong extends Error {
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number) {
    super(`the rate limit would hold this call for about ${retryAfterMs} ms`);
    this.retryAfterMs = retryAfterMs;
  }
}

/** A call in the log: in flight until released, then stamped with the release time. */
type Slot = { at: number; inFlight: boolean };

type Lane = {
  slots: Slot[];
  /** The last admission queued in this lane, which the next caller waits behind (FIFO). */
  tail: Promise<unknown>;
  /** Wakes the head of the queue when every slot was in flight and one was released. */
  wake: (() => void) | undefined;
};

/**
 * A sliding log per lane, not a token bucket: a lane keeps one entry per call in its last
 * window and admits a call only while fewer than `budget.calls` entries are left, waiting
 * otherwise until the oldest one leaves the window. A call keeps its entry while in flight
 * and is stamped when it ends, so however long it took to reach Slack, the server's own
 * sliding-window count of arrivals never exceeds the budget either.
 *
 * Lanes are kept for the process's life: one per channel and method, a few hundred at most.
 */
export function createRateLimiter(options: RateLimiterOptions = {}): RateLimiter {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => delay(ms).then(() => undefined));
  const lanes = new Map<string, Lane>();

  const laneOf = (name: string): Lane => {
    let lane = lanes.get(name);
    if (lane === undefined) {
      lane = { slots: [], tail: Promise.resolve(), wake: undefined };
      lanes.set(name, lane);
    }
    return lane;
  };

  async function admit(lane: Lane, budget: RateBudget, deadline: number): Promise<Release> {
    for (;;) {
      const time = now();
      lane.slots = lane.slots.filter((slot) => slot.inFlight || slot.at + budget.windowMs > time);
      if (lane.slots.length < budget.calls) {
        const slot: Slot = { at: time, inFlight: true };
        lane.slots.push(slot);
        return () => {
          if (!slot.inFlight) return;
          slot.at = now();
          slot.inFlight = false;
          const wake = lane.wake;
          lane.wake = undefined;
          wake?.();
        };
      }
      const done = lane.slots.filter((slot) => !slot.inFlight).map((slot) => slot.at);
      const turn = done.length === 0 ? time + budget.windowMs : Math.min(...done) + budget.windowMs;
      // Past the caller's patience: refused now, for the caller to retry later, rather
      // than held (a worker must not sit on a batch or a delivery claim for minutes).
      if (turn > deadline) throw new RateWaitTooLong(Math.max(1, turn - time));
      if (done.length === 0) {
        // Every slot is in flight: the first to end starts the clock on a free slot.
        await new Promise<void>((resolve) => {
          lane.wake = resolve;
        });
      } else {
        // An in-flight call ends later than this one leaves, so the oldest ended call frees first.
        await sleep(Math.min(...done) + budget.windowMs - time);
      }
    }
  }

  return {
    acquire(name, budget, maxWaitMs = Number.POSITIVE_INFINITY) {
      const lane = laneOf(name);
      const deadline = now() + maxWaitMs;
      const admitted = lane.tail.then(() => admit(lane, budget, deadline));
      // The next caller waits for this admission, not for this call's outcome.
      lane.tail = admitted.catch(() => undefined);
      return admitted;
    },
  };
}
