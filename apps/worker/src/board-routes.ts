/**
 * Where a scheduler's incidents go (docs/boards.md, docs/destinations.md): its boards'
 * channels and destinations, or its own destinations, read from the `BoardStore` and
 * the `DestinationStore` at most every `ttlMs`, so a busy worker reads them a few times
 * a minute, not per event. A change meanwhile routes the incidents opened after the next
 * read; an open incident keeps the routes and destinations it opened with.
 */
import type {
  BoardSettings,
  BoardStore,
  Clock,
  Destination,
  DestinationStore,
  EodConfig,
  IncidentRoute,
  SchedulerRecord,
} from '@schedmon/domain';
import { allBoards, defaultBoardOf, incidentRoutesOf } from '@schedmon/domain';

export type BoardRoutesDeps = {
  boards: BoardStore;
  /** Schedulers' own destinations; without it, their boards' only. */
  destinations?: DestinationStore;
  clock: Clock;
  /** The default board's settings (its zone: the worker's `EOD_TIMEZONE`). */
  eod: EodConfig;
  /** How long a read of the boards is used; default 10 s. */
  ttlMs?: number;
};

export type BoardRoutes = (
  record: SchedulerRecord,
  atMs: number,
) => Promise<{ routes: IncidentRoute[] | undefined; quiet: boolean; destinations: Destination[] }>;

/**
 * The routes of a scheduler's incident opened at `atMs`. Failure: the store's error when
 * the boards were never read (the message is retried); a failed re-read keeps using the
 * boards read last, so a store hiccup never silences an incident.
 */
export function createBoardRoutes(deps: BoardRoutesDeps): BoardRoutes {
  const ttlMs = deps.ttlMs ?? 10_000;
  let cached:
    | {
        at: number;
        boards: BoardSettings[];
        stored: number;
        overrides: Map<string, Destination[]>;
      }
    | undefined;
  let reading: Promise<void> | undefined;

  async function read(nowMs: number) {
    const now = new Date(nowMs).toISOString();
    const [stored, overrides] = await Promise.all([
      deps.boards.list(now),
      deps.destinations?.list(now) ?? [],
    ]);
    cached = {
      at: nowMs,
      boards: allBoards(stored, defaultBoardOf(deps.eod, undefined)),
      stored: stored.length,
      overrides: new Map(
        overrides.map((override) => [override.scheduler_id, override.destinations]),
      ),
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
    const { boards, stored, overrides } = await current();
    return incidentRoutesOf(
      record,
      boards,
      atMs,
      deps.eod,
      stored > 0,
      overrides.get(record.scheduler_id),
    );
  };
}
