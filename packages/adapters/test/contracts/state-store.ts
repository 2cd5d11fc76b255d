// The StateStore contract: run against the in-memory fake and the DynamoDB adapter.
import { randomUUID } from 'node:crypto';
import type { StateStore } from '@schedmon/domain';
import { describe, expect, it } from 'vitest';

const NOW = '2026-01-15T00:00:00.000Z';
const NOW_SECONDS = Date.parse(NOW) / 1000;
const after = (seconds: number) => new Date((NOW_SECONDS + seconds) * 1000).toISOString();

export function stateStoreContract(name: string, setup: () => StateStore) {
  describe(`StateStore contract: ${name}`, () => {
    const newPk = () => `pk-${randomUUID()}`;

    it('puts, gets, lists by partition in sk order and deletes', async () => {
      const store = setup();
      const pk = newPk();
      await store.put({ pk, sk: 'b', data: { ts: '2' }, expires_at: NOW_SECONDS + 60 });
      await store.put({
        pk,
        sk: 'a',
        data: { ts: '1', nested: { n: 1 } },
        expires_at: NOW_SECONDS + 60,
      });
      expect(await store.get(pk, 'a', NOW)).toEqual({
        pk,
        sk: 'a',
        data: { ts: '1', nested: { n: 1 } },
        expires_at: NOW_SECONDS + 60,
      });
      expect((await store.list(pk, NOW)).map((item) => item.sk)).toEqual(['a', 'b']);
      await store.delete(pk, 'a');
      expect(await store.get(pk, 'a', NOW)).toBeUndefined();
      expect(await store.get(newPk(), 'a', NOW)).toBeUndefined();
    });

    it('treats expired items as absent', async () => {
      const store = setup();
      const pk = newPk();
      await store.put({ pk, sk: 'x', data: {}, expires_at: NOW_SECONDS + 10 });
      expect(await store.get(pk, 'x', after(10))).toBeDefined();
      expect(await store.get(pk, 'x', after(11))).toBeUndefined();
      expect(await store.list(pk, after(11))).toEqual([]);
    });

    it('creates an item only once with putIfAbsent, and again once it expired', async () => {
      const store = setup();
      const pk = newPk();
      const marker = { pk, sk: 'alert#e1', data: { by: 'w1' }, expires_at: NOW_SECONDS + 60 };
      const results = await Promise.all([
        store.putIfAbsent(marker, NOW),
        store.putIfAbsent({ ...marker, data: { by: 'w2' } }, NOW),
        store.putIfAbsent({ ...marker, data: { by: 'w3' } }, NOW),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.putIfAbsent(marker, after(30))).toBe(false);
      const renewed = { ...marker, data: { by: 'late' }, expires_at: NOW_SECONDS + 120 };
      expect(await store.putIfAbsent(renewed, after(61))).toBe(true);
      expect((await store.get(pk, 'alert#e1', after(61)))?.data).toEqual({ by: 'late' });
    });

    it('replaces with a version check: one of concurrent writers wins, stale ones lose', async () => {
      const store = setup();
      const pk = newPk();
      const item = (by: string) => ({
        pk,
        sk: 'alert',
        data: { by },
        expires_at: NOW_SECONDS + 60,
      });
      expect(await store.replace(item('first'), null, NOW)).toBe(true);
      const created = await store.get(pk, 'alert', NOW);
      expect(created).toEqual({ ...item('first'), version: 1 });
      expect(await store.list(pk, NOW)).toEqual([created]);

      const results = await Promise.all(
        ['w1', 'w2', 'w3'].map((by) => store.replace(item(by), 1, NOW)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = ['w1', 'w2', 'w3'][results.indexOf(true)];
      expect(await store.get(pk, 'alert', NOW)).toEqual({ ...item(winner ?? ''), version: 2 });

      expect(await store.replace(item('stale'), 1, NOW)).toBe(false);
      expect(await store.replace(item('ahead'), 3, NOW)).toBe(false);
      // `item.version` is ignored: the stored version is always expected + 1.
      expect(await store.replace({ ...item('next'), version: 9 }, 2, NOW)).toBe(true);
      expect((await store.get(pk, 'alert', NOW))?.version).toBe(3);
    });

    it('replaces with null expected only when no live item exists', async () => {
      const store = setup();
      const pk = newPk();
      const item = { pk, sk: 'x', data: { n: 1 }, expires_at: NOW_SECONDS + 10 };
      await store.put(item);
      expect(await store.replace(item, null, NOW)).toBe(false);
      // Expired counts as absent both ways: null wins, a matching version does not.
      expect(await store.replace({ ...item, expires_at: NOW_SECONDS + 60 }, null, after(11))).toBe(
        true,
      );
      const expiring = { pk, sk: 'y', data: {}, expires_at: NOW_SECONDS + 10 };
      expect(await store.replace(expiring, null, NOW)).toBe(true);
      expect(await store.replace(expiring, 1, after(11))).toBe(false);
      const results = await Promise.all([
        store.replace({ ...item, sk: 'z' }, null, NOW),
        store.replace({ ...item, sk: 'z' }, null, NOW),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('treats an item written without a version as version 0', async () => {
      const store = setup();
      const pk = newPk();
      const item = { pk, sk: 'x', data: { n: 1 }, expires_at: NOW_SECONDS + 60 };
      await store.put(item);
      expect((await store.get(pk, 'x', NOW))?.version).toBeUndefined();
      expect(await store.replace({ ...item, data: { n: 2 } }, 1, NOW)).toBe(false);
      expect(await store.replace({ ...item, data: { n: 2 } }, 0, NOW)).toBe(true);
      expect(await store.get(pk, 'x', NOW)).toEqual({ ...item, data: { n: 2 }, version: 1 });
      expect(await store.replace({ ...item, data: { n: 3 } }, 0, NOW)).toBe(false);
      // putIfAbsent keeps the version it is given.
      expect(await store.putIfAbsent({ ...item, sk: 'v', version: 1 }, NOW)).toBe(true);
      expect(await store.replace({ ...item, sk: 'v' }, 1, NOW)).toBe(true);
      expect(await store.get(pk, 'x', after(61))).toBeUndefined();
      expect(await store.replace(item, 1, after(61))).toBe(false);
    });

    it('gives a lease to one owner until it expires or is released', async () => {
      const store = setup();
      const lease = `cron-${randomUUID()}`;
      const until = (seconds: number) => NOW_SECONDS + seconds;
      const contenders = await Promise.all(
        ['a', 'b', 'c'].map((owner) => store.acquireLease(lease, owner, until(30), NOW)),
      );
      expect(contenders.filter(Boolean)).toHaveLength(1);
      const winner = ['a', 'b', 'c'][contenders.indexOf(true)] ?? '';
      const loser = winner === 'a' ? 'b' : 'a';
      expect(await store.acquireLease(lease, winner, until(60), after(20))).toBe(true);
      expect(await store.acquireLease(lease, loser, until(90), after(59))).toBe(false);
      expect(await store.acquireLease(lease, loser, until(90), after(61))).toBe(true);
      await store.releaseLease(lease, winner);
      expect(await store.acquireLease(lease, winner, until(120), after(62))).toBe(false);
      await store.releaseLease(lease, loser);
      expect(await store.acquireLease(lease, winner, until(120), after(62))).toBe(true);
    });
  });
}
