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

type State = 'active' | 'archived' | 'absent';

export type KnownSchedulers = {
  lookup(schedulerId: string): Promise<State>;
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
  // Lookups in flight, shared by concurrent callers (a batch of 100 events for one id
  // reads it once), and when each id was last forgotten: a lookup that began before an
  // archive must not remember the id after it.
  const inFlight = new Map<string, Promise<State>>();
  const forgotten = new Map<string, number>();
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
    lookup(schedulerId) {
      const until = known.get(schedulerId);
      if (until !== undefined && until > now()) return Promise.resolve('active');
      const pending = inFlight.get(schedulerId);
      if (pending) return pending;
      const started = now();
      const read: Promise<State> = store
        .get(schedulerId)
        .then((record) => {
          const state: State =
            record === undefined ? 'absent' : isArchived(record) ? 'archived' : 'active';
          const forgottenAt = forgotten.get(schedulerId);
          if (state === 'active' && (forgottenAt === undefined || forgottenAt < started)) {
            remember(schedulerId);
          } else known.delete(schedulerId);
          return state;
        })
        .finally(() => {
          if (inFlight.get(schedulerId) === read) inFlight.delete(schedulerId);
        });
      inFlight.set(schedulerId, read);
      return read;
    },
    remember: (schedulerId) => {
      forgotten.delete(schedulerId);
      remember(schedulerId);
    },
    forget: (schedulerId) => {
      known.delete(schedulerId);
      inFlight.delete(schedulerId);
      // Re-inserted, so the Map's order stays oldest first and the bound drops the oldest.
      forgotten.delete(schedulerId);
      forgotten.set(schedulerId, now());
      // Bounded like `known`: the oldest marks go first.
      if (forgotten.size > maxEntries) {
        const oldest = forgotten.keys().next().value;
        if (oldest !== undefined) forgotten.delete(oldest);
      }
    },
  };
}
