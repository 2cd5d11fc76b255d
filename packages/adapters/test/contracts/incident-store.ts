// The IncidentStore contract for reading boxes (one and many): run against the in-memory
// fake and the DynamoDB adapter.
import { randomUUID } from 'node:crypto';
import type { IncidentBox, IncidentStore } from '@schedmon/domain';
import { EMPTY_BOX, ValidationError } from '@schedmon/domain';
import { describe, expect, it } from 'vitest';

const NOW = '2026-01-15T00:00:00.000Z';

const boxWith = (failures: number): IncidentBox => ({
  ...EMPTY_BOX,
  tracker: { ...EMPTY_BOX.tracker, consecutive_failures: failures },
});

/**
 * `storeUnreadable`, where the store can hold one, writes a box its schema refuses for a
 * scheduler, as a bug or a hand edit could leave it.
 */
export function incidentStoreContract(
  name: string,
  setup: () => IncidentStore,
  storeUnreadable?: (schedulerId: string) => Promise<void>,
) {
  describe(`IncidentStore boxes contract: ${name}`, () => {
    it('reads many boxes at once as one by one would: every id asked, undefined for none', async () => {
      const store = setup();
      const run = randomUUID();
      // More than one BatchGetItem call holds (100 keys), with ids asked twice.
      const ids = Array.from({ length: 130 }, (_, i) => `${run}-${i}`);
      for (const [i, id] of ids.entries()) {
        if (i % 3 !== 0) continue;
        expect(await store.saveBox(id, boxWith(1), 0, NOW)).toBe(true);
        if (i % 2 === 0) expect(await store.saveBox(id, boxWith(2), 1, NOW)).toBe(true);
      }
      const asked = [...ids, ids[0] ?? '', ids[1] ?? ''];
      const many = await store.boxes(asked, NOW);
      expect([...many.keys()].sort()).toEqual([...ids].sort());
      for (const id of ids) expect(many.get(id)).toEqual(await store.box(id, NOW));
      expect(many.get(ids[0] ?? '')).toEqual({ box: boxWith(2), version: 2 });
      expect(many.get(ids[3] ?? '')).toEqual({ box: boxWith(1), version: 1 });
      expect(many.get(ids[1] ?? '')).toBeUndefined();
      expect(await store.boxes([], NOW)).toEqual(new Map());
    });

    it('gives the version a compare-and-set must name: a stale one loses', async () => {
      const store = setup();
      const id = randomUUID();
      await store.saveBox(id, boxWith(1), 0, NOW);
      const read = (await store.boxes([id], NOW)).get(id);
      expect(read?.version).toBe(1);
      expect(await store.saveBox(id, boxWith(2), read?.version ?? 0, NOW)).toBe(true);
      expect(await store.saveBox(id, boxWith(3), read?.version ?? 0, NOW)).toBe(false);
      expect((await store.boxes([id], NOW)).get(id)).toEqual({ box: boxWith(2), version: 2 });
    });

    it.runIf(storeUnreadable)(
      'leaves out an unreadable box, which fails its own read alone',
      async () => {
        const store = setup();
        const [bad, good] = [randomUUID(), randomUUID()];
        await storeUnreadable?.(bad);
        await store.saveBox(good, boxWith(1), 0, NOW);
        const many = await store.boxes([bad, good], NOW);
        expect([...many.keys()]).toEqual([good]);
        await expect(store.box(bad, NOW)).rejects.toThrow(ValidationError);
      },
    );
  });
}
