/**
 * The web dashboard's addresses (docs/web.md), built in one place so the Slack messages,
 * the weekly report and the pages themselves link alike. Every id is percent-encoded, so a
 * producer's id can never change a link's path, add a query or end a Slack link early.
 */

/** The dashboard's pages under a public base URL (`UI_PUBLIC_URL`). */
export type UiLinks = {
  /** The Boards page, scrolled to one board when `boardId` is given. */
  boards(boardId?: string): string;
  /** A scheduler's page: record, chart of the last runs, history, incidents. */
  scheduler(schedulerId: string): string;
  /** An incident's page (with Acknowledge). */
  incident(incidentId: string): string;
  /** A board's report over `days` (7 or 30, default 7). */
  report(boardId: string, days?: number): string;
};

/** The paths of the pages, relative to the api's root: the pages link with these. */
export const UI_PATHS: UiLinks = {
  boards: (boardId) =>
    boardId === undefined ? '/ui/boards' : `/ui/boards#board-${encodeURIComponent(boardId)}`,
  scheduler: (schedulerId) => `/ui/schedulers/${encodeURIComponent(schedulerId)}`,
  incident: (incidentId) => `/ui/incidents/${encodeURIComponent(incidentId)}`,
  report: (boardId, days = 7) => `/ui/reports?board=${encodeURIComponent(boardId)}&days=${days}`,
};

/**
 * Absolute links under `publicUrl` (`https://schedmon.example.com` or with a path prefix,
 * a trailing slash or not), or `undefined` when it is unset or empty: messages then carry
 * no links, as before the dashboard.
 */
export function uiLinksOf(publicUrl: string | undefined): UiLinks | undefined {
  const trimmed = publicUrl?.trim() ?? '';
  if (trimmed === '') return undefined;
  const base = trimmed.replace(/\/+$/, '');
  return {
    boards: (boardId) => base + UI_PATHS.boards(boardId),
    scheduler: (schedulerId) => base + UI_PATHS.scheduler(schedulerId),
    incident: (incidentId) => base + UI_PATHS.incident(incidentId),
    report: (boardId, days) => base + UI_PATHS.report(boardId, days),
  };
}
