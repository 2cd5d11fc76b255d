/**
 * What the Boards page shows, read once per refresh interval per api process however many
 * people watch (docs/web.md → Live): every scheduler, the boards and the unresolved
 * incidents. Pages read the last snapshot; while anyone listens for live updates, a timer
 * reads the next one on time and tells the listeners.
 */
import type {
  BoardSettings,
  BoardStore,
  Clock,
  IncidentRecord,
  IncidentStore,
  SchedulerRecord,
  SchedulerStore,
} from '@schedmon/domain';
import { allBoards, formatTimestamp } from '@schedmon/domain';
import type { Logger } from '@schedmon/runtime';
import { findIncidents } from '../incident-pages.ts';

export type LiveSnapshot = {
  /** When it was read (epoch ms), and its number: one more at every read. */
  readAt: number;
  version: number;
  records: readonly SchedulerRecord[];
  boards: readonly BoardSettings[];
  /** Open and acknowledged incidents, newest first. */
  incidents: readonly IncidentRecord[];
  /** Set when the last read failed: this is the one before, from `readAt`. */
  stale?: string;
  /** More unresolved incidents exist than a read lists: the marks may miss some. */
  incomplete?: boolean;
};

export type LiveStateDeps = {
  schedulers: SchedulerStore;
  boards: BoardStore;
  defaultBoard: BoardSettings;
  incidents: IncidentStore;
  clock: Clock;
  logger: Logger;
  refreshMs: number;
  /** Called at every read of the stores (metrics, and tests that count reads). */
  onRead?: () => void;
};

const MAX_LISTED_INCIDENTS = 500;
/** A read of the stores that takes longer fails (the stale snapshot stays): pages never hang on it. */
const READ_DEADLINE_MS = 15_000;

/** `work`, or a rejection once `ms` have passed (the timer does not keep the process up). */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the stores did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** The shared snapshot: a class, as it owns a timer from `start` to `stop`. */
export class LiveState {
  private readonly deps: LiveStateDeps;
  private snapshot: LiveSnapshot | undefined;
  /** The invalidation the snapshot was read after (`invalidate` counts them). */
  private snapshotGeneration = 0;
  private generation = 0;
  private reading: { promise: Promise<LiveSnapshot>; generation: number } | undefined;
  /** When the last read began, and its error while there was never a good one. */
  private lastAttemptAt: number | undefined;
  private firstError: unknown;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly listeners = new Set<(snapshot: LiveSnapshot) => void>();

  constructor(deps: LiveStateDeps) {
    this.deps = deps;
  }

  /**
   * The snapshot, read now when the last one is older than the interval, or was read
   * before an invalidation. A failing store is asked at most once per interval too: until
   * a first read succeeds, callers meanwhile get its error.
   */
  async current(): Promise<LiveSnapshot> {
    const nowMs = this.deps.clock.now().getTime();
    const fresh = (atMs: number | undefined) =>
      atMs !== undefined && nowMs - atMs < this.deps.refreshMs;
    if (this.snapshot !== undefined) {
      // By the last attempt, not the snapshot's time: a failing store is not asked again
      // before the interval, and a stale snapshot keeps the time of what it shows.
      if (this.snapshotGeneration === this.generation && fresh(this.lastAttemptAt)) {
        return this.snapshot;
      }
    } else if (this.reading === undefined && fresh(this.lastAttemptAt)) {
      throw this.firstError;
    }
    return this.read();
  }

  /**
   * This process changed what the snapshot shows (an Acknowledge from the page): the next
   * `current` reads again, after any read already under way, so the page that comes back
   * shows the change. One read per such change, on top of the interval's.
   */
  invalidate(): void {
    this.generation += 1;
  }

  /** Listens for every new snapshot until the returned function is called. */
  subscribe(listener: (snapshot: LiveSnapshot) => void): () => void {
    this.listeners.add(listener);
    this.schedule();
    return () => {
      this.listeners.delete(listener);
    };
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  /** The next timed read: an interval after the last attempt, good or not. */
  private schedule(): void {
    if (this.timer !== undefined || this.stopped || this.listeners.size === 0) return;
    const nowMs = this.deps.clock.now().getTime();
    const due = this.lastAttemptAt === undefined ? nowMs : this.lastAttemptAt + this.deps.refreshMs;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        if (this.listeners.size === 0) return;
        void this.current()
          .catch(() => undefined)
          .finally(() => this.schedule());
      },
      Math.max(0, due - nowMs),
    );
    this.timer.unref();
  }

  /** One read at a time: callers meanwhile share it, unless it began before an invalidation. */
  private read(): Promise<LiveSnapshot> {
    const under = this.reading;
    if (under !== undefined && under.generation === this.generation) return under.promise;
    const promise = (under?.promise.catch(() => undefined) ?? Promise.resolve())
      // The generation when it starts: invalidations while it waited are all covered.
      .then(() => this.readStores(this.generation))
      .finally(() => {
        if (this.reading?.promise === promise) this.reading = undefined;
      });
    this.reading = { promise, generation: this.generation };
    return promise;
  }

  private async readStores(generation: number): Promise<LiveSnapshot> {
    const readAt = this.deps.clock.now().getTime();
    const now = formatTimestamp(readAt);
    this.lastAttemptAt = readAt;
    this.deps.onRead?.();
    let snapshot: LiveSnapshot;
    try {
      // The records are read after the incidents: the worker writes a record before the
      // incident it opens, so a listed incident never sits beside its scheduler's older
      // record (a failure's mark beside "Pending" until the next refresh).
      const deadlineMs = Math.max(READ_DEADLINE_MS, this.deps.refreshMs);
      const startedAt = performance.now();
      const [[stored, open], records] = await withDeadline(
        Promise.all([
          this.deps.boards.list(now),
          findIncidents(
            this.deps.incidents,
            {
              limit: MAX_LISTED_INCIDENTS,
              matches: (incident) => incident.state !== 'resolved',
              selective: true,
            },
            now,
          ),
        ]).then(async (first) => {
          // Past the deadline the read has already failed: no Scan for nobody.
          if (performance.now() - startedAt >= deadlineMs) throw new Error('read abandoned');
          return [first, await this.deps.schedulers.list()] as const;
        }),
        deadlineMs,
      );
      const incomplete = open.next !== undefined;
      if (incomplete !== (this.snapshot?.incomplete === true)) {
        this.deps.logger.warn(
          { listed: open.incidents.length, incomplete },
          incomplete
            ? 'dashboard: the newest incidents read hold not every unresolved one; older open ones show no mark'
            : 'dashboard: every unresolved incident is listed again',
        );
      }
      snapshot = {
        readAt,
        version: (this.snapshot?.version ?? 0) + 1,
        records,
        boards: allBoards(stored, this.deps.defaultBoard),
        incidents: open.incidents,
        ...(incomplete ? { incomplete: true } : {}),
      };
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'dashboard: reading the stores failed');
      if (this.snapshot === undefined) {
        this.firstError = error;
        throw error;
      }
      // The last good one, kept with its own time and marked, so pages say how old it is.
      snapshot = {
        ...this.snapshot,
        version: this.snapshot.version + 1,
        stale: this.snapshot.stale ?? formatTimestamp(this.snapshot.readAt),
      };
    }
    this.publish(snapshot, generation);
    return snapshot;
  }

  /** Keeps the snapshot and tells each listener; one that throws is logged, the rest told. */
  private publish(snapshot: LiveSnapshot, generation: number): void {
    this.snapshot = snapshot;
    this.snapshotGeneration = generation;
    for (const listener of this.listeners) {
      try {
        listener(snapshot);
      } catch (error) {
        this.deps.logger.error({ err: error }, 'dashboard: a live page could not be updated');
      }
    }
  }
}
