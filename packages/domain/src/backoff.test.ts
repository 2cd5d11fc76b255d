import { describe, expect, it } from 'vitest';
import { exponentialBackoffMs } from './backoff.ts';

describe('exponentialBackoffMs', () => {
  it('doubles from the base per attempt', () => {
    expect([1, 2, 3, 4].map((attempt) => exponentialBackoffMs(attempt, { baseMs: 250 }))).toEqual([
      250, 500, 1000, 2000,
    ]);
  });

  it('counts an attempt below 1 as the first', () => {
    expect(exponentialBackoffMs(0, { baseMs: 5000 })).toBe(5000);
    expect(exponentialBackoffMs(-3, { baseMs: 5000 })).toBe(5000);
  });

  it('caps the delay', () => {
    const delays = [1, 5, 6, 7, 40].map((attempt) =>
      exponentialBackoffMs(attempt, { baseMs: 500, maxMs: 10_000 }),
    );
    expect(delays).toEqual([500, 8000, 10_000, 10_000, 10_000]);
  });

  it('jitters within the upper half of the delay', () => {
    const at = (random: number) =>
      [1, 2, 3].map((attempt) =>
        exponentialBackoffMs(attempt, { baseMs: 250, jitter: true, random: () => random }),
      );
    expect(at(0)).toEqual([125, 250, 500]);
    expect(at(0.5)).toEqual([187.5, 375, 750]);
    expect(at(1)).toEqual([250, 500, 1000]);
  });

  it('jitters after capping', () => {
    const options = { baseMs: 100, maxMs: 1000, jitter: true } as const;
    expect(exponentialBackoffMs(10, { ...options, random: () => 0 })).toBe(500);
    expect(exponentialBackoffMs(10, { ...options, random: () => 1 })).toBe(1000);
  });

  it('uses Math.random when no source is given', () => {
    for (let i = 0; i < 100; i += 1) {
      const delay = exponentialBackoffMs(3, { baseMs: 50, jitter: true });
      expect(delay).toBeGreaterThanOrEqual(100);
      expect(delay).toBeLessThan(200);
    }
  });
});
