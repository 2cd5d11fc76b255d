import type { SchedulerRecord } from '@schedmon/domain';
import { describe, expect, it } from 'vitest';
import { createKnownSchedulers } from './known-schedulers.ts';

/** A store whose reads wait until released, so a test decides the interleaving. */
function gatedStore(records: Map<string, Partial<SchedulerRecord>>) {
  const waiting: (() => void)[] = [];
  let reads = 0;
  return {
    store: {
      get: async (id: string) => {
        reads += 1;
        // What the engine had when the read reached it; the answer comes when released.
        const record = records.get(id);
        await new Promise<void>((resolve) => waiting.push(resolve));
        return record ? ({ archived_at: null, ...record } as SchedulerRecord) : undefined;
      },
    },
    release: () => {
      for (const resolve of waiting.splice(0)) resolve();
    },
    reads: () => reads,
  };
}

describe('createKnownSchedulers', () => {
  it('shares one read among concurrent lookups of one id', async () => {
    const gate = gatedStore(new Map([['a', { scheduler_id: 'a' }]]));
    const known = createKnownSchedulers(gate.store, { ttlMs: 60_000 });
    const lookups = Array.from({ length: 100 }, () => known.lookup('a'));
    gate.release();
    expect(new Set(await Promise.all(lookups))).toEqual(new Set(['active']));
    expect(gate.reads()).toBe(1);
    expect(await known.lookup('a')).toBe('active');
    expect(gate.reads()).toBe(1);
  });

  it('does not remember an id a lookup read before it was archived here', async () => {
    const records = new Map<string, Partial<SchedulerRecord>>([['a', { scheduler_id: 'a' }]]);
    const gate = gatedStore(records);
    let clock = 0;
    const known = createKnownSchedulers(gate.store, { ttlMs: 60_000, now: () => clock });
    const before = known.lookup('a');
    clock += 1;
    // Archived while the read was on its way: its answer is the old one.
    records.set('a', { scheduler_id: 'a', archived_at: '2026-01-15T00:00:00.000Z' });
    known.forget('a');
    gate.release();
    expect(await before).toBe('active');
    const after = known.lookup('a');
    gate.release();
    expect(await after).toBe('archived');
    expect(gate.reads()).toBe(2);
  });

  it('tells an archived id from an unknown one, and re-reads both every time', async () => {
    const gate = gatedStore(
      new Map([['gone', { scheduler_id: 'gone', archived_at: '2026-01-15T00:00:00.000Z' }]]),
    );
    const known = createKnownSchedulers(gate.store, { ttlMs: 60_000 });
    const answers = [known.lookup('gone'), known.lookup('ghost')];
    gate.release();
    expect(await Promise.all(answers)).toEqual(['archived', 'absent']);
    const again = known.lookup('gone');
    gate.release();
    await again;
    expect(gate.reads()).toBe(3);
  });
});
