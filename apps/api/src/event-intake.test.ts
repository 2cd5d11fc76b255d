import { describe, expect, it } from 'vitest';
import { pooledRandomBytes } from './event-intake.ts';

describe('pooledRandomBytes', () => {
  it('hands out each byte of a pool once, in slices of the size asked, across refills', () => {
    const random = pooledRandomBytes(32);
    const slices = Array.from({ length: 7 }, () => random(10));
    for (const slice of slices) expect(slice).toHaveLength(10);
    // 3 slices of 10 fit a pool of 32: the 4th starts a new one; a slice handed out earlier
    // keeps its bytes when the pool is refilled.
    const copies = slices.map((slice) => Buffer.from(slice).toString('hex'));
    random(10);
    random(10);
    expect(slices.map((slice) => Buffer.from(slice).toString('hex'))).toEqual(copies);
    expect(new Set(copies).size).toBe(copies.length);
    // Copies, not views of the pool: the next ids' bytes are not reachable from one.
    for (const slice of slices) expect(slice.buffer.byteLength).toBe(10);
  });

  it('serves a size larger than the pool on its own', () => {
    const random = pooledRandomBytes(16);
    expect(random(40)).toHaveLength(40);
    expect(random(16)).toHaveLength(16);
  });
});
