import { DEFAULT_EOD_CONFIG, defaultBoardOf } from '@schedmon/domain';
import {
  createFakeClock,
  createMemoryBoardStore,
  createMemoryIncidentStore,
  createMemorySchedulerStore,
} from '@schedmon/domain/fakes';
import { createLogger } from '@schedmon/runtime';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveState } from './live-state.ts';

const logger = createLogger({ name: 'test', level: 'silent', pretty: false });
let state: LiveState | undefined;
afterEach(() => state?.stop());

function setup(refreshMs = 5_000) {
  const clock = createFakeClock('2026-01-15T01:00:00.000Z');
  const schedulers = createMemorySchedulerStore();
  let reads = 0;
  let failing = false;
  const counted = {
    ...schedulers,
    list: async (...args: Parameters<typeof schedulers.list>) => {
      reads += 1;
      if (failing) throw new Error('engine down');
      return schedulers.list(...args);
    },
  };
  state = new LiveState({
    schedulers: counted,
    boards: createMemoryBoardStore(),
    defaultBoard: defaultBoardOf(DEFAULT_EOD_CONFIG, 'C0'),
    incidents: createMemoryIncidentStore(),
    clock,
    logger,
    refreshMs,
  });
  return {
    state,
    clock,
    schedulers,
    reads: () => reads,
    fail: (value: boolean) => {
      failing = value;
    },
  };
}

/**
 * A state whose scheduler reads each wait at a gate the test opens (`gates`), answering
 * `answer(read number, the store's own list)`.
 */
function gatedState(
  answer: (
    read: number,
    list: () => ReturnType<ReturnType<typeof createMemorySchedulerStore>['list']>,
  ) => unknown,
) {
  const schedulers = createMemorySchedulerStore();
  const gates: (() => void)[] = [];
  let reads = 0;
  state = new LiveState({
    schedulers: {
      ...schedulers,
      list: async () => {
        reads += 1;
        const read = reads;
        await new Promise<void>((resolve) => gates.push(resolve));
        return answer(read, () => schedulers.list()) as Awaited<ReturnType<typeof schedulers.list>>;
      },
    },
    boards: createMemoryBoardStore(),
    defaultBoard: defaultBoardOf(DEFAULT_EOD_CONFIG, 'C0'),
    incidents: createMemoryIncidentStore(),
    clock: createFakeClock('2026-01-15T01:00:00.000Z'),
    logger,
    refreshMs: 5_000,
  });
  return { schedulers, gates, reads: () => reads };
}

/** The state the test made. */
const live = () => {
  if (state === undefined) throw new Error('no state');
  return state;
};

/** Resolves once the next read is waiting at its gate. */
async function waitForGate(gates: readonly unknown[]) {
  while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
}

describe('LiveState', () => {
  it('reads once per interval however many ask, and callers at once share one read', async () => {
    const { state, clock, reads } = setup();
    const first = await Promise.all(Array.from({ length: 200 }, () => state.current()));
    expect(reads()).toBe(1);
    expect(new Set(first).size).toBe(1);
    clock.advance(4_999);
    await state.current();
    expect(reads()).toBe(1);
    clock.advance(1);
    const next = await state.current();
    expect(reads()).toBe(2);
    expect(next.version).toBe(2);
  });

  it('reads again at once after an invalidation, then waits the interval again', async () => {
    const { state, clock, reads } = setup();
    await state.current();
    state.invalidate();
    await state.current();
    expect(reads()).toBe(2);
    clock.advance(1_000);
    await state.current();
    expect(reads()).toBe(2);
  });

  it('keeps the last good snapshot when a read fails, marked with its time, and rereads after the interval', async () => {
    const { state, clock, reads, fail, schedulers } = setup();
    await schedulers.register(
      { scheduler_id: 'a', service_name: 'A', job_name: 'J' },
      '2026-01-15T00:00:00.000Z',
    );
    const good = await state.current();
    fail(true);
    clock.advance(5_000);
    const stale = await state.current();
    expect(stale.records).toEqual(good.records);
    expect(stale.stale).toBe('2026-01-15T01:00:00.000Z');
    expect(reads()).toBe(2);
    await state.current();
    expect(reads()).toBe(2);
    fail(false);
    clock.advance(5_000);
    const back = await state.current();
    expect(back.stale).toBeUndefined();
  });

  it('fails a first read that fails: there is nothing to show', async () => {
    const { state, fail } = setup();
    fail(true);
    await expect(state.current()).rejects.toThrow('engine down');
  });

  it('tells listeners of each snapshot while they listen, on a timer of the interval', async () => {
    const real = { now: () => new Date() };
    const schedulers = createMemorySchedulerStore();
    state = new LiveState({
      schedulers,
      boards: createMemoryBoardStore(),
      defaultBoard: defaultBoardOf(DEFAULT_EOD_CONFIG, 'C0'),
      incidents: createMemoryIncidentStore(),
      clock: real,
      logger,
      refreshMs: 20,
    });
    const seen: number[] = [];
    const done = new Promise<void>((resolve) => {
      const unsubscribe = state?.subscribe((snapshot) => {
        seen.push(snapshot.version);
        if (seen.length === 3) {
          unsubscribe?.();
          resolve();
        }
      });
    });
    await done;
    expect(seen).toEqual([1, 2, 3]);
  });

  it('asks a store that keeps failing at most once per interval, before any good read too', async () => {
    const { state, clock, reads, fail } = setup();
    fail(true);
    for (let i = 0; i < 50; i += 1) await expect(state.current()).rejects.toThrow('engine down');
    expect(reads()).toBe(1);
    clock.advance(5_000);
    await expect(state.current()).rejects.toThrow('engine down');
    expect(reads()).toBe(2);
    fail(false);
    clock.advance(5_000);
    await expect(state.current()).resolves.toMatchObject({ version: 1 });
  });

  it('after an invalidation, never answers with a read that began before it', async () => {
    const { schedulers, gates, reads } = gatedState((read, list) => (read === 1 ? [] : list()));
    const before = live().current();
    await schedulers.register(
      { scheduler_id: 'acked', service_name: 'S', job_name: 'J' },
      '2026-01-15T00:00:00.000Z',
    );
    live().invalidate();
    const after = live().current();
    await waitForGate(gates);
    gates.shift()?.();
    expect((await before).records).toEqual([]);
    await waitForGate(gates);
    gates.shift()?.();
    expect((await after).records.map((record) => record.scheduler_id)).toEqual(['acked']);
    expect(reads()).toBe(2);
  });

  it('reads the records after the incidents, so an incident is never beside an older record', async () => {
    const order: string[] = [];
    const incidents = createMemoryIncidentStore();
    const schedulers = createMemorySchedulerStore();
    state = new LiveState({
      schedulers: {
        ...schedulers,
        list: async () => {
          order.push('records begin');
          return schedulers.list();
        },
      },
      boards: createMemoryBoardStore(),
      defaultBoard: defaultBoardOf(DEFAULT_EOD_CONFIG, 'C0'),
      incidents: {
        ...incidents,
        incidents: async (...args: Parameters<typeof incidents.incidents>) => {
          order.push('incidents begin');
          const page = await incidents.incidents(...args);
          order.push('incidents end');
          return page;
        },
      },
      clock: createFakeClock('2026-01-15T01:00:00.000Z'),
      logger,
      refreshMs: 5_000,
    });
    await state.current();
    expect(order.indexOf('records begin')).toBeGreaterThan(order.lastIndexOf('incidents end'));
    expect(order).toContain('incidents begin');
  });

  it('fails a read the stores do not answer within 15 s, and starts no Scan after it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const incidents = createMemoryIncidentStore();
      let answer: () => void = () => {};
      let scans = 0;
      state = new LiveState({
        schedulers: {
          ...createMemorySchedulerStore(),
          list: async () => {
            scans += 1;
            return [];
          },
        },
        boards: createMemoryBoardStore(),
        defaultBoard: defaultBoardOf(DEFAULT_EOD_CONFIG, 'C0'),
        incidents: {
          ...incidents,
          incidents: async (...args: Parameters<typeof incidents.incidents>) => {
            await new Promise<void>((resolve) => {
              answer = resolve;
            });
            return incidents.incidents(...args);
          },
        },
        clock: createFakeClock('2026-01-15T01:00:00.000Z'),
        logger,
        refreshMs: 5_000,
      });
      const read = state.current();
      const failed = expect(read).rejects.toThrow('did not answer within 15000 ms');
      await vi.advanceTimersByTimeAsync(15_000);
      await failed;
      answer();
      await vi.advanceTimersByTimeAsync(0);
      expect(scans).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reads again after an invalidation that came while a read was under way, once it ends', async () => {
    const { schedulers, gates, reads } = gatedState((_read, list) => list());
    const first = live().current();
    await waitForGate(gates);
    live().invalidate();
    await schedulers.register(
      { scheduler_id: 'late', service_name: 'S', job_name: 'J' },
      '2026-01-15T00:00:00.000Z',
    );
    gates.shift()?.();
    await first;
    const next = live().current();
    await waitForGate(gates);
    gates.shift()?.();
    expect((await next).records.map((record) => record.scheduler_id)).toEqual(['late']);
    expect(reads()).toBe(2);
  });

  it('tells the other listeners when one of them throws, and the snapshot stays good', async () => {
    const real = { now: () => new Date() };
    state = new LiveState({
      schedulers: createMemorySchedulerStore(),
      boards: createMemoryBoardStore(),
      defaultBoard: defaultBoardOf(DEFAULT_EOD_CONFIG, 'C0'),
      incidents: createMemoryIncidentStore(),
      clock: real,
      logger,
      refreshMs: 60_000,
    });
    const told: number[] = [];
    const unsubscribeBad = state.subscribe(() => {
      throw new Error('render bug');
    });
    const unsubscribeGood = state.subscribe((snapshot) => told.push(snapshot.version));
    const snapshot = await state.current();
    expect(snapshot.stale).toBeUndefined();
    expect(told).toContain(snapshot.version);
    unsubscribeBad();
    unsubscribeGood();
  });
});
