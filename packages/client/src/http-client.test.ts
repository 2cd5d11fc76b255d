import { describe, expect, it } from 'vitest';
import { backoffDelayMs, retryAfterMs } from './http-client.ts';

describe('retry timing', () => {
  it('backs off exponentially with jitter in the upper half', () => {
    expect([1, 2, 3].map((attempt) => backoffDelayMs(attempt, () => 0))).toEqual([125, 250, 500]);
    expect([1, 2, 3].map((attempt) => backoffDelayMs(attempt, () => 1))).toEqual([250, 500, 1000]);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-15T01:00:00.000Z');
    expect(retryAfterMs('1', now)).toBe(1_000);
    expect(retryAfterMs('Thu, 15 Jan 2026 01:00:05 GMT', now)).toBe(5_000);
    expect(retryAfterMs('Thu, 15 Jan 2026 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});
