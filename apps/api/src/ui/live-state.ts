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
      if (this.snapshotGeneration === this.generation && fresh(this.snapshot.readAt)) {
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
    const generation = this.generation;
    const promise = (under?.promise.catch(() => undefined) ?? Promise.resolve())
      .then(() => this.readStores(generation))
      .finally(() => {
        if (this.reading?.promise === promise) this.reading = undefined;
      });
    this.reading = { promise, generation };
    return promise;
  }

  private async readStores(generation: number): Promise<LiveSnapshot> {
    const readAt = this.deps.clock.now().getTime();
    const now = formatTimestamp(readAt);
    this.lastAttemptAt = readAt;
    this.deps.onRead?.();
    try {
      const [records, stored, open] = await Promise.all([
        this.deps.schedulers.list(),
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
      ]);
      if (open.next !== undefined) {
        this.deps.logger.warn(
          { listed: open.incidents.length },
          'dashboard: more unresolved incidents than a read lists; the boards may miss some marks',
        );
      }
      const snapshot: LiveSnapshot = {
        readAt,
        version: (this.snapshot?.version ?? 0) + 1,
        records,
        boards: allBoards(stored, this.deps.defaultBoard),
        incidents: open.incidents,
        ...(open.next === undefined ? {} : { incomplete: true }),
      };
      this.publish(snapshot, generation);
      return snapshot;
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'dashboard: reading the stores failed');
      if (this.snapshot === undefined) {
        this.firstError = error;
        throw error;
      }
      // The last good one, kept and marked, so pages say how old what they show is.
      const stale: LiveSnapshot = {
        ...this.snapshot,
        version: this.snapshot.version + 1,
        readAt,
        stale: this.snapshot.stale ?? formatTimestamp(this.snapshot.readAt),
      };
      this.publish(stale, generation);
      return stale;
    }
  }

  private publish(snapshot: LiveSnapshot, generation: number): void {
    this.snapshot = snapshot;
    this.snapshotGeneration = generation;
    for (const listener of this.listeners) listener(snapshot);
  }
}
