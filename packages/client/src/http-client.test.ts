import { describe, expect, it } from 'vitest';
import { backoffDelayMs, nextCursorOf, retryAfterMs } from './http-client.ts';

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

describe('nextCursorOf', () => {
  it.each([
    ['</api/v1/schedulers?limit=2&cursor=abc>; rel="next"', 'abc'],
    ['<https://other.example/x?cursor=abc>; rel=next', 'abc'],
    ['</x?cursor=p>; rel="prev", </x?cursor=n>; rel="next"', 'n'],
    ['</x?cursor=n>; title="a, b; rel=prev"; rel="next"', 'n'],
    ['</x?cursor=n>; REL="Next Last"', 'n'],
    ['  </x?cursor=n> ;rel = "next" ', 'n'],
    // Only the first rel counts.
    ['</x?cursor=n>; rel="prev"; rel="next"', null],
    ['</x?cursor=p>; rel="prev"', null],
    ['', null],
    ['garbage', null],
    ['</x?cursor=n', null],
  ])('reads %j as %j', (header, cursor) => {
    expect(nextCursorOf(header)).toBe(cursor);
  });

  it.each([
    '</x>; rel="next"',
    '</x?cursor=a&cursor=b>; rel="next"',
    '</x?cursor=a%20b>; rel="next"',
    `</x?cursor=${'a'.repeat(1025)}>; rel="next"`,
    '<http://[bad>; rel="next"',
  ])('finds no usable cursor in %j', (header) => {
    expect(nextCursorOf(header)).toBeUndefined();
  });

  it('gives null without a header', () => {
    expect(nextCursorOf(null)).toBeNull();
  });
});
