/**
 * Where a scheduler's incidents go (docs/boards.md): its boards' channels, read from the
 * `BoardStore` at most every `ttlMs`, so a busy worker reads the boards a few times a
 * minute, not per event. A board changed meanwhile routes the incidents opened after the
 * next read; an open incident keeps the routes it opened with.
 */
import type {
  BoardSettings,
  BoardStore,
  Clock,
  EodConfig,
  SchedulerRecord,
} from '@schedmon/domain';
import { allBoards, defaultBoardOf, incidentRoutesOf } from '@schedmon/domain';

export type BoardRoutesDeps = {
  boards: BoardStore;
  clock: Clock;
  /** The default board's settings (its zone: the worker's `EOD_TIMEZONE`). */
  eod: EodConfig;
  /** How long a read of the boards is used; default 30 s. */
  ttlMs?: number;
};

export type BoardRoutes = (
  record: SchedulerRecord,
  atMs: number,
) => Promise<ReturnType<typeof incidentRoutesOf>>;

/**
 * The routes of a scheduler's incident opened at `atMs`. Failure: the store's error when
 * the boards were never read (the message is retried); a failed re-read keeps using the
 * boards read last, so a store hiccup never silences an incident.
 */
export function createBoardRoutes(deps: BoardRoutesDeps): BoardRoutes {
  const ttlMs = deps.ttlMs ?? 30_000;
  let cached: { at: number; boards: BoardSettings[]; stored: number } | undefined;
  let reading: Promise<void> | undefined;

  async function read(nowMs: number) {
    const stored = await deps.boards.list(new Date(nowMs).toISOString());
    cached = {
      at: nowMs,
      boards: allBoards(stored, defaultBoardOf(deps.eod, undefined)),
      stored: stored.length,
    };
  }

  async function current() {
    const nowMs = deps.clock.now().getTime();
    if (cached === undefined || nowMs - cached.at >= ttlMs) {
      reading ??= read(nowMs).finally(() => {
        reading = undefined;
      });
      try {
        await reading;
      } catch (error) {
        if (cached === undefined) throw error;
        // The boards read last stay in use, and the store is asked again a ttl later,
        // not by every event meanwhile.
        cached = { ...cached, at: nowMs };
      }
    }
    if (cached === undefined) throw new Error('the boards could not be read');
    return cached;
  }

  return async (record, atMs) => {
    const { boards, stored } = await current();
    return incidentRoutesOf(record, boards, atMs, deps.eod, stored > 0);
  };
}
