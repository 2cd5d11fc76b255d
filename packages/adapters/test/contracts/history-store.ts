// The HistoryStore contract: run against the in-memory fake and the DynamoDB adapter.
import { randomUUID } from 'node:crypto';
import type { HistoryRow, HistoryStore } from '@schedmon/domain';
import { describe, expect, it } from 'vitest';

const NOW = '2026-01-15T12:00:00.000Z';
const NOW_SECONDS = Date.parse(NOW) / 1000;

export function historyRow(
  schedulerId: string,
  minute: number,
  extra: Partial<HistoryRow> = {},
): HistoryRow {
  const timestamp = `2026-01-15T00:${String(minute).padStart(2, '0')}:00.000Z`;
  const id = extra.id ?? `e${minute}`;
  return {
    scheduler_id: schedulerId,
    sk: `${timestamp}#${id}`,
    id,
    type: 'status',
    status: 'running',
    timestamp,
    execution_time_ms: null,
    error_message: null,
    metadata: null,
    run_id: null,
    expires_at: NOW_SECONDS + 86_400,
    ...extra,
  };
}

export function historyStoreContract(name: string, setup: () => HistoryStore) {
  describe(`HistoryStore contract: ${name}`, () => {
    const newId = () => `job-${randomUUID()}`;

    it('keeps one row per event however often it is written, across batches', async () => {
      const store = setup();
      const id = newId();
      const rows = Array.from({ length: 60 }, (_, minute) => historyRow(id, minute));
      await store.putAll([...rows, ...rows.slice(0, 10)]);
      await store.putAll(rows.slice(20, 40));
      const stored = await store.query(id, { limit: 1000, now: NOW });
      expect(stored).toHaveLength(60);
      expect(new Set(stored.map((row) => row.sk)).size).toBe(60);
    });

    it('returns rows newest first, limited, with every field as written', async () => {
      const store = setup();
      const id = newId();
      const failed = historyRow(id, 30, {
        status: 'failed',
        error_message: 'disk full',
        execution_time_ms: 15_000,
        metadata: { records: 1000 },
        run_id: 'r-42',
      });
      await store.putAll([
        historyRow(id, 10),
        failed,
        historyRow(id, 20),
        historyRow(id, 5, { type: 'heartbeat', status: null }),
      ]);
      const newest = await store.query(id, { limit: 2, now: NOW });
      expect(newest).toEqual([failed, historyRow(id, 20)]);
      const all = await store.query(id, { limit: 10, now: NOW });
      expect(all.map((row) => row.id)).toEqual(['e30', 'e20', 'e10', 'e5']);
      expect(all[3]).toMatchObject({ type: 'heartbeat', status: null });
    });

    it('bounds by from and to, both inclusive', async () => {
      const store = setup();
      const id = newId();
      await store.putAll([10, 20, 30, 40].map((minute) => historyRow(id, minute)));
      const rows = await store.query(id, {
        limit: 10,
        from: '2026-01-15T00:20:00.000Z',
        to: '2026-01-15T00:30:00.000Z',
        now: NOW,
      });
      expect(rows.map((row) => row.id)).toEqual(['e30', 'e20']);
      const fromOnly = await store.query(id, {
        limit: 10,
        from: '2026-01-15T00:30:00.000Z',
        now: NOW,
      });
      expect(fromOnly.map((row) => row.id)).toEqual(['e40', 'e30']);
      const toOnly = await store.query(id, { limit: 10, to: '2026-01-15T00:10:00.000Z', now: NOW });
      expect(toOnly.map((row) => row.id)).toEqual(['e10']);
    });

    it('continues after a row: pages walk every row once, within bounds, and out-of-range starts are safe', async () => {
      const store = setup();
      const id = newId();
      await store.putAll([10, 20, 30, 40, 50].map((minute) => historyRow(id, minute)));
      const ids: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.query(id, { limit: 2, now: NOW, ...(after ? { after } : {}) });
        ids.push(...page.map((row) => row.id));
        if (page.length < 2) break;
        after = page.at(-1)?.sk;
      }
      expect(ids).toEqual(['e50', 'e40', 'e30', 'e20', 'e10']);
      const bounded = { from: '2026-01-15T00:20:00.000Z', to: '2026-01-15T00:40:00.000Z' };
      const first = await store.query(id, { limit: 1, now: NOW, ...bounded });
      expect(first.map((row) => row.id)).toEqual(['e40']);
      const rest = await store.query(id, { limit: 5, now: NOW, ...bounded, after: first[0]?.sk });
      expect(rest.map((row) => row.id)).toEqual(['e30', 'e20']);
      // A start above the bounds reads from the top; one below them finds nothing.
      const above = await store.query(id, { limit: 5, now: NOW, ...bounded, after: '2027' });
      expect(above.map((row) => row.id)).toEqual(['e40', 'e30', 'e20']);
      expect(await store.query(id, { limit: 5, now: NOW, ...bounded, after: '2025' })).toEqual([]);
    });

    it('goes back before a row: the page just newer than it, newest first, within bounds', async () => {
      const store = setup();
      const id = newId();
      await store.putAll([10, 20, 30, 40, 50].map((minute) => historyRow(id, minute)));
      const older = await store.query(id, { limit: 2, now: NOW });
      const second = await store.query(id, { limit: 2, now: NOW, after: older.at(-1)?.sk });
      expect(second.map((row) => row.id)).toEqual(['e30', 'e20']);
      const back = await store.query(id, { limit: 2, now: NOW, before: second[0]?.sk });
      expect(back.map((row) => row.id)).toEqual(['e50', 'e40']);
      const fromBottom = await store.query(id, { limit: 2, now: NOW, before: '2025' });
      expect(fromBottom.map((row) => row.id)).toEqual(['e20', 'e10']);
      expect(await store.query(id, { limit: 2, now: NOW, before: '2027' })).toEqual([]);
      const bounded = { from: '2026-01-15T00:20:00.000Z', to: '2026-01-15T00:40:00.000Z' };
      const inBounds = await store.query(id, { limit: 5, now: NOW, ...bounded, before: '2025' });
      expect(inBounds.map((row) => row.id)).toEqual(['e40', 'e30', 'e20']);
      const above = await store.query(id, { limit: 5, now: NOW, ...bounded, before: '2027' });
      expect(above).toEqual([]);
    });

    it('never returns expired rows, even when the limit spans them', async () => {
      const store = setup();
      const id = newId();
      const expired = (minute: number) => historyRow(id, minute, { expires_at: NOW_SECONDS - 1 });
      await store.putAll([
        historyRow(id, 1),
        historyRow(id, 2),
        expired(3),
        expired(4),
        expired(5),
      ]);
      const rows = await store.query(id, { limit: 2, now: NOW });
      expect(rows.map((row) => row.id)).toEqual(['e2', 'e1']);
    });

    it('deletes expired rows and only those', async () => {
      const store = setup();
      const id = newId();
      await store.putAll([
        historyRow(id, 1, { expires_at: NOW_SECONDS - 10 }),
        historyRow(id, 2, { expires_at: NOW_SECONDS - 1 }),
        historyRow(id, 3),
      ]);
      expect(await store.deleteExpired(NOW)).toBeGreaterThanOrEqual(2);
      expect(await store.deleteExpired(NOW)).toBe(0);
      const later = new Date((NOW_SECONDS + 86_401) * 1000).toISOString();
      const rows = await store.query(id, { limit: 10, now: NOW });
      expect(rows.map((row) => row.id)).toEqual(['e3']);
      expect(await store.query(id, { limit: 10, now: later })).toEqual([]);
    });
  });
}
