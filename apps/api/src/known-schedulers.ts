/**
 * Remembers which scheduler ids exist and are active, briefly, so status writes at high
 * rates do not cost a DynamoDB read each. Registration adds an id at once and archiving
 * drops it; an unknown or archived id is checked against the store every time (a
 * scheduler registered on another api replica is seen at once), and a known id is
 * re-checked after `ttlMs` (so an id archived on another replica is refused here within
 * `ttlMs`; the worker parks what arrives meanwhile).
 */
import type { SchedulerStore } from '@schedmon/domain';
import { isArchived } from '@schedmon/domain';

export type KnownSchedulers = {
  lookup(schedulerId: string): Promise<'active' | 'archived' | 'absent'>;
  remember(schedulerId: string): void;
  forget(schedulerId: string): void;
};

export function createKnownSchedulers(
  store: Pick<SchedulerStore, 'get'>,
  options: { ttlMs: number; maxEntries?: number; now?: () => number },
): KnownSchedulers {
  const now = options.now ?? (() => performance.now());
  const maxEntries = options.maxEntries ?? 100_000;
  const known = new Map<string, number>();
  const remember = (schedulerId: string) => {
    // A Map keeps insertion order: re-inserting moves the id to the end, so the first
    // entry is the oldest and is the one dropped when full.
    known.delete(schedulerId);
    known.set(schedulerId, now() + options.ttlMs);
    if (known.size > maxEntries) {
      const oldest = known.keys().next().value;
      if (oldest !== undefined) known.delete(oldest);
    }
  };
  return {
    async lookup(schedulerId) {
      const until = known.get(schedulerId);
      if (until !== undefined && until > now()) return 'active';
      const record = await store.get(schedulerId);
      const state = record === undefined ? 'absent' : isArchived(record) ? 'archived' : 'active';
      if (state === 'active') remember(schedulerId);
      else known.delete(schedulerId);
      return state;
    },
    remember,
    forget: (schedulerId) => {
      known.delete(schedulerId);
    },
  };
}
