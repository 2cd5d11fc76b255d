// The LeaseStore contract: run against the in-memory fake and the DynamoDB adapter.
import { randomUUID } from 'node:crypto';
import type { LeaseStore } from '@schedmon/domain';
import { describe, expect, it } from 'vitest';

const NOW = '2026-01-15T00:00:00.000Z';
const NOW_SECONDS = Date.parse(NOW) / 1000;
const after = (seconds: number) => new Date((NOW_SECONDS + seconds) * 1000).toISOString();

export function leaseStoreContract(name: string, setup: () => LeaseStore) {
  describe(`LeaseStore contract: ${name}`, () => {
    it('gives a lease to one owner until it expires or is released', async () => {
      const store = setup();
      const lease = `cron-${randomUUID()}`;
      const until = (seconds: number) => NOW_SECONDS + seconds;
      const contenders = await Promise.all(
        ['a', 'b', 'c'].map((owner) => store.acquire(lease, owner, until(30), NOW)),
      );
      expect(contenders.filter(Boolean)).toHaveLength(1);
      const winner = ['a', 'b', 'c'][contenders.indexOf(true)] ?? '';
      const loser = winner === 'a' ? 'b' : 'a';
      expect(await store.acquire(lease, winner, until(60), after(20))).toBe(true);
      expect(await store.acquire(lease, loser, until(90), after(59))).toBe(false);
      expect(await store.acquire(lease, loser, until(90), after(61))).toBe(true);
      await store.release(lease, winner);
      expect(await store.acquire(lease, winner, until(120), after(62))).toBe(false);
      await store.release(lease, loser);
      expect(await store.acquire(lease, winner, until(120), after(62))).toBe(true);
    });
  });
}
