/**
 * Reading incidents a page at a time with a filter the store cannot apply (state, kind,
 * scheduler, the key's scopes): the store's pages are walked newest first and filtered
 * here. The walk is bounded, so a filter that matches little answers with fewer items
 * (or none) and a cursor to go on from, rather than reading every incident.
 */
import type { IncidentRecord, IncidentStore } from '@schedmon/domain';

/** Store pages read per request at most: 10 pages of 100 incidents. */
export const MAX_STORE_PAGES = 10;
const STORE_PAGE_SIZE = 100;
/** Re-reads that cut a page short: one, unless incidents are written under it meanwhile. */
const MAX_CUTS = 3;

export type IncidentPage = {
  incidents: IncidentRecord[];
  /** The store's cursor of what follows, when there may be more. */
  next?: string;
};

/** Where in `incidents` the `count`-th match is, plus one: the length of a page that ends there. */
function lengthUpTo(
  incidents: readonly IncidentRecord[],
  matches: (incident: IncidentRecord) => boolean,
  count: number,
): number {
  let seen = 0;
  for (const [index, incident] of incidents.entries()) {
    if (matches(incident)) seen += 1;
    if (seen === count) return index + 1;
  }
  return incidents.length;
}

/**
 * Up to `limit` incidents that `matches` accepts, newest first, after the store cursor
 * `before`; `next` when the walk stopped before the end. `selective`: whether `matches`
 * may refuse any incident (without it each store page is read at the size still wanted).
 *
 * The cursor handed out is always the store's own: when a page holds more matches than
 * are still wanted, it is read again, only up to the last match taken, so the next page
 * starts right after it and a walk sees each incident once.
 *
 * Failure: what the store throws (`EngineUnavailableError`).
 */
export async function findIncidents(
  store: IncidentStore,
  query: {
    limit: number;
    before?: string | undefined;
    matches: (incident: IncidentRecord) => boolean;
    selective: boolean;
  },
  now: string,
): Promise<IncidentPage> {
  const found: IncidentRecord[] = [];
  let before = query.before;
  let cuts = 0;
  const read = (limit: number) =>
    store.incidents({ limit, ...(before === undefined ? {} : { before }) }, now);
  for (let pages = 0; pages < MAX_STORE_PAGES; pages += 1) {
    const wanted = query.limit - found.length;
    let page = await read(query.selective ? STORE_PAGE_SIZE : wanted);
    let hits = page.incidents.filter(query.matches);
    // Out of cuts only while the incidents keep changing under the reads: then the page
    // is taken whole, a few over the limit rather than one skipped.
    while (hits.length > wanted && cuts < MAX_CUTS) {
      cuts += 1;
      page = await read(lengthUpTo(page.incidents, query.matches, wanted));
      hits = page.incidents.filter(query.matches);
    }
    found.push(...hits);
    if (page.next === undefined) return { incidents: found };
    before = page.next;
    if (found.length === query.limit) break;
  }
  return { incidents: found, next: before };
}
