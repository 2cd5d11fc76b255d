// The EodRunStore contract: run against the in-memory fake and the DynamoDB adapter.
import { randomUUID } from 'node:crypto';
import type { EodMarker, EodRunStore } from '@schedmon/domain';
import { describe, expect, it } from 'vitest';

const NOW = '2026-01-15T00:00:00.000Z';
const NOW_SECONDS = Date.parse(NOW) / 1000;
const after = (seconds: number) => new Date((NOW_SECONDS + seconds) * 1000).toISOString();

export function eodRunStoreContract(name: string, setup: () => EodRunStore) {
  describe(`EodRunStore contract: ${name}`, () => {
    const newNight = (board = 'default') => ({
      board,
      businessDate: `2026-01-15-${randomUUID()}`,
    });

    it("keeps tonight's table messages in order, replaced on each save, until they expire", async () => {
      const store = setup();
      const night = newNight();
      expect(await store.tableRefs(night, NOW)).toBeUndefined();
      const first = { channel: 'C1', ts: '1.0' };
      const second = { channel: 'C1', ts: '2.0' };
      await store.saveTableRefs(night, [first], NOW, NOW_SECONDS + 60);
      await store.saveTableRefs(night, [first, second], NOW, NOW_SECONDS + 10);
      expect(await store.tableRefs(night, NOW)).toEqual([first, second]);
      expect(await store.tableRefs(newNight(), NOW)).toBeUndefined();
      expect(await store.tableRefs(night, after(11))).toBeUndefined();
    });

    it('marks each step done per night, apart from every other step', async () => {
      const store = setup();
      const night = newNight();
      const steps: EodMarker[] = [
        { kind: 'update', slot: '1' },
        { kind: 'update', slot: '2' },
        { kind: 'final' },
        { kind: 'summary' },
        { kind: 'sweep' },
      ];
      for (const step of steps) expect(await store.isDone(night, step, NOW)).toBe(false);
      await store.markDone(night, { kind: 'update', slot: '1' }, NOW, NOW_SECONDS + 60);
      await store.markDone(night, { kind: 'sweep' }, NOW, NOW_SECONDS + 10);
      const done = await Promise.all(steps.map((step) => store.isDone(night, step, NOW)));
      expect(done).toEqual([true, false, false, false, true]);
      expect(await store.isDone(newNight(), { kind: 'update', slot: '1' }, NOW)).toBe(false);
      // A step counts as done until its item expires.
      expect(await store.isDone(night, { kind: 'sweep' }, after(11))).toBe(false);
      // The table's messages are not a step.
      await store.saveTableRefs(night, [], NOW, NOW_SECONDS + 60);
      expect(await store.isDone(night, { kind: 'final' }, NOW)).toBe(false);
    });

    it("keeps a board's weekly report marker apart from its nights' steps", async () => {
      const store = setup();
      const week = newNight('payments');
      await store.markDone(week, { kind: 'weekly-report' }, NOW, NOW_SECONDS + 60);
      expect(await store.isDone(week, { kind: 'weekly-report' }, NOW)).toBe(true);
      expect(await store.isDone(week, { kind: 'summary' }, NOW)).toBe(false);
      expect(await store.tableRefs(week, NOW)).toBeUndefined();
      const other = { board: 'ledger', businessDate: week.businessDate };
      expect(await store.isDone(other, { kind: 'weekly-report' }, NOW)).toBe(false);
      expect(await store.isDone(week, { kind: 'weekly-report' }, after(61))).toBe(false);
    });

    it("keeps each board's night apart, on the same business date", async () => {
      const store = setup();
      const night = newNight();
      const payments = { board: 'payments', businessDate: night.businessDate };
      const ledger = { board: 'ledger:eu', businessDate: night.businessDate };
      await store.saveTableRefs(payments, [{ channel: 'C2', ts: '1.0' }], NOW, NOW_SECONDS + 60);
      await store.markDone(ledger, { kind: 'final' }, NOW, NOW_SECONDS + 60);
      expect(await store.tableRefs(night, NOW)).toBeUndefined();
      expect(await store.tableRefs(ledger, NOW)).toBeUndefined();
      expect(await store.tableRefs(payments, NOW)).toEqual([{ channel: 'C2', ts: '1.0' }]);
      expect(await store.isDone(night, { kind: 'final' }, NOW)).toBe(false);
      expect(await store.isDone(payments, { kind: 'final' }, NOW)).toBe(false);
      expect(await store.isDone(ledger, { kind: 'final' }, NOW)).toBe(true);
    });
  });
}
