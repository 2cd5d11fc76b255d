// The BoardStore contract: run against the in-memory fake and the DynamoDB adapter.
import { randomUUID } from 'node:crypto';
import type { Board, BoardStore } from '@schedmon/domain';
import { boardOf } from '@schedmon/domain';
import { describe, expect, it } from 'vitest';

const NOW = '2026-01-15T00:00:00.000Z';
const LATER = '2026-01-16T00:00:00.000Z';

const boardNamed = (id: string, title = 'Payments EOD', now = NOW): Board =>
  boardOf(
    id,
    {
      title,
      slack_channel_id: 'C0PAY',
      timezone: 'Asia/Jakarta',
      window_start: '00:00',
      window_end: '06:00',
      members: { scheduler_ids: ['payments-*'], tags: ['payments'] },
      quiet_dates: ['2026-12-25'],
    },
    now,
  );

export function boardStoreContract(name: string, setup: () => BoardStore) {
  describe(`BoardStore contract: ${name}`, () => {
    it('stores a board whole, says whether it was new, and reads it back', async () => {
      const store = setup();
      const id = `payments-${randomUUID()}`;
      expect(await store.get(id, NOW)).toBeUndefined();
      const board = boardNamed(id);
      expect(await store.put(board, NOW)).toBe('created');
      expect(await store.get(id, NOW)).toEqual(board);
      const renamed = { ...boardNamed(id, 'Payments nightly', LATER), created_at: NOW };
      expect(await store.put(renamed, LATER)).toBe('updated');
      expect(await store.get(id, LATER)).toEqual(renamed);
    });

    it('lists every board by id and deletes one, saying whether it existed', async () => {
      const store = setup();
      const prefix = randomUUID();
      const ids = [`${prefix}-c`, `${prefix}-a`, `${prefix}-b`];
      for (const id of ids) await store.put(boardNamed(id), NOW);
      const mine = (await store.list(NOW)).filter((board) => board.board_id.startsWith(prefix));
      expect(mine.map((board) => board.board_id)).toEqual([...ids].sort());
      expect(await store.delete(`${prefix}-a`, NOW)).toBe(true);
      expect(await store.delete(`${prefix}-a`, NOW)).toBe(false);
      expect(await store.get(`${prefix}-a`, NOW)).toBeUndefined();
      const left = (await store.list(NOW)).filter((board) => board.board_id.startsWith(prefix));
      expect(left.map((board) => board.board_id)).toEqual([`${prefix}-b`, `${prefix}-c`]);
    });
  });
}
