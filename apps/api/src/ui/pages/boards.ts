/**
 * The Boards page (docs/web.md): each board's table for tonight, by the same rules as the
 * Slack table (`boardTableOf`: the same statuses, order, problem-first grouping and
 * counts), in the board's zone, with only the schedulers the key may read.
 */
import type { BoardSettings, EodConfig, SchedulerRecord } from '@schedmon/domain';
import {
  boardTableOf,
  eodConfigOfBoard,
  headerLabelsOf,
  membersOf,
  slotOf,
  tonightRows,
  UI_PATHS,
} from '@schedmon/domain';
import type { Html } from '../html.ts';
import { html } from '../html.ts';
import type { LiveSnapshot } from '../live-state.ts';
import { zoneLine } from './format.ts';

export type BoardsView = {
  snapshot: LiveSnapshot;
  eod: EodConfig;
  nowMs: number;
  /** Whether the key may read this scheduler. */
  mayRead: (schedulerId: string) => boolean;
  /** The key reads every scheduler: it sees every board. */
  readsEverything: boolean;
};

const COLUMNS = ['Service', 'Job', 'Status', 'Time', 'Detail'] as const;

function boardSection(view: BoardsView, board: BoardSettings, records: readonly SchedulerRecord[]) {
  const eod = eodConfigOfBoard(board, view.eod);
  const slot = slotOf(view.nowMs, eod);
  const labels = headerLabelsOf(slot.businessDate, view.nowMs, eod.timeZone);
  const members = membersOf(board, records, view.snapshot.boards);
  const table = boardTableOf({
    rows: tonightRows(members, view.nowMs, eod),
    timeZone: eod.timeZone,
    incidents: view.snapshot.incidents,
  });
  const anchor = `board-${board.board_id}`;
  const rows =
    table.rows.length === 0
      ? html`<p>No schedulers on this board${records.length === 0 ? '' : ' that you may read'}.</p>`
      : html`<table class="cards"><caption class="visually-hidden">${board.title}: tonight's schedulers, problems first</caption>
<thead><tr>${COLUMNS.map((column) => html`<th scope="col">${column}</th>`)}</tr></thead>
<tbody>${table.rows.map(
          (row) =>
            html`<tr${row.problem ? html` class="problem"` : ''} data-scheduler="${row.schedulerId}">${row.cells.map(
              (cell, index) =>
                index === 1
                  ? html`<td data-label="${COLUMNS[index] ?? ''}"><a href="${UI_PATHS.scheduler(row.schedulerId)}">${cell}</a></td>`
                  : html`<td data-label="${COLUMNS[index] ?? ''}">${cell}</td>`,
            )}</tr>`,
        )}</tbody></table>`;
  return html`<section class="board" id="${anchor}" aria-labelledby="${anchor}-title">
<h2 id="${anchor}-title">${board.title}</h2>
<p class="when">Night of ${labels.businessDateLabel} &middot; as of ${labels.dayLabel} ${labels.timeLabel} ${zoneLine(eod.timeZone, view.nowMs)}</p>
<p class="counts">${table.counts}</p>
${rows}
<p><a href="${UI_PATHS.report(board.board_id)}">Report of the last 7 days<span class="visually-hidden"> for ${board.title}</span></a></p>
</section>`;
}

/**
 * The boards a key may know of: all of them for a key that reads every scheduler (as the
 * api's lists show them), else those with a member it may read. Board titles and ids are
 * the installation's (the api lists them to `admin` only), so a key limited to some
 * schedulers sees only its own boards.
 */
export function visibleBoards(
  snapshot: Pick<LiveSnapshot, 'boards' | 'records'>,
  mayRead: (schedulerId: string) => boolean,
  readsEverything: boolean,
): BoardSettings[] {
  if (readsEverything) return [...snapshot.boards];
  const readable = snapshot.records.filter((record) => mayRead(record.scheduler_id));
  return snapshot.boards.filter((board) => membersOf(board, readable, snapshot.boards).length > 0);
}

/** The live part of the Boards page: what the page shows and each update replaces. */
export function boardsFragment(view: BoardsView): Html {
  const records = view.snapshot.records.filter((record) => view.mayRead(record.scheduler_id));
  const stale =
    view.snapshot.stale === undefined
      ? ''
      : html`<p class="notice" role="alert">The store cannot be read right now: this is what it held at ${view.snapshot.stale}.</p>`;
  const incomplete = view.snapshot.incomplete
    ? html`<p class="notice">There are more unresolved incidents than a refresh lists: some marks may be missing (the Incidents page lists them).</p>`
    : '';
  const boards = visibleBoards(view.snapshot, view.mayRead, view.readsEverything);
  return html`${stale}${incomplete}${
    boards.length === 0 ? html`<p>No board has a scheduler you may read.</p>` : ''
  }${boards.map((board) => boardSection(view, board, records))}`;
}

/** The Boards page's content. */
export function boardsBody(view: BoardsView): Html {
  return html`<h1>Boards</h1>
<p id="live-status" class="live" role="status" aria-live="polite">Updates when the page is reloaded.</p>
<div id="boards" data-live="boards">${boardsFragment(view)}</div>`;
}
