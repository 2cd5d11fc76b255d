/** How `exponentialBackoffMs` grows, caps and spreads a retry delay. */
export type BackoffOptions = {
  /** The delay of attempt 1, before jitter. */
  baseMs: number;
  /** The longest delay, before jitter; no cap when absent. */
  maxMs?: number;
  /**
   * Draw the delay uniformly from its upper half (d/2 to d), so the many callers hit by the
   * same outage do not come back in lockstep. Off by default.
   */
  jitter?: boolean;
  /** A number in [0, 1) for the jitter; `Math.random` unless a test pins it. */
  random?: () => number;
};

/**
 * The delay before retry `attempt` (1 for the first): `baseMs × 2^(attempt − 1)`, capped at
 * `maxMs`, then jittered when asked. An attempt below 1 counts as 1. The result is not
 * rounded; callers that store or show it round it themselves. Pure: it never throws.
 */
export function exponentialBackoffMs(attempt: number, options: BackoffOptions): number {
  const {
    baseMs,
    maxMs = Number.POSITIVE_INFINITY,
    jitter = false,
    random = Math.random,
  } = options;
  const delay = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return jitter ? delay * (0.5 + random() / 2) : delay;
}
