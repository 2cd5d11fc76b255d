/**
 * Requests with a missing or unknown API key, counted per client address (docs/api.md →
 * Authentication), so keys cannot be guessed at line rate. Once an address has used up
 * its failures in a window, every `/api/v1` request from it is refused until the window
 * ends, with a valid key or not: letting a valid key through would tell a guesser when it
 * guessed right, at any rate.
 */

export type AuthFailureLimiter = {
  /** Whole seconds until `address` may try again; 0 when it may now. */
  blockedFor(address: string, nowMs: number): number;
  /** Counts one failed attempt from `address`. */
  record(address: string, nowMs: number): void;
};

export type AuthFailureLimits = {
  /** Failures allowed per address in one window (`AUTH_FAILURES_PER_MINUTE`). */
  max: number;
  windowMs?: number;
  /** Addresses remembered at most; the oldest window is forgotten first past it. */
  maxAddresses?: number;
};

type Window = { startMs: number; count: number };

/**
 * What failures are counted by: an IPv4 address, or an IPv6 address's /64 (one host is
 * usually given a whole /64, so counting single addresses would let it guess freely).
 */
export function clientKey(address: string): string {
  if (!address.includes(':') || address.startsWith('::ffff:')) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** A fixed window per address, starting at its first failure; memory is bounded. */
export function createAuthFailureLimiter(limits: AuthFailureLimits): AuthFailureLimiter {
  const windowMs = limits.windowMs ?? 60_000;
  const maxAddresses = limits.maxAddresses ?? 10_000;
  const windows = new Map<string, Window>();

  const current = (address: string, nowMs: number) => {
    const window = windows.get(address);
    if (window && nowMs - window.startMs < windowMs) return window;
    if (window) windows.delete(address);
    return undefined;
  };

  return {
    blockedFor(address, nowMs) {
      const window = current(address, nowMs);
      if (!window || window.count < limits.max) return 0;
      return Math.max(1, Math.ceil((window.startMs + windowMs - nowMs) / 1000));
    },
    record(address, nowMs) {
      const window = current(address, nowMs);
      if (window) {
        window.count += 1;
        return;
      }
      // Insertion order is window start order, so the first entry is the oldest window.
      if (windows.size >= maxAddresses) {
        const oldest = windows.keys().next().value;
        if (oldest !== undefined) windows.delete(oldest);
      }
      windows.set(address, { startMs: nowMs, count: 1 });
    },
  };
}
