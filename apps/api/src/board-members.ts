/**
 * `?board=` of the list routes (docs/boards.md): the members of a board, stored or the
 * default one from the environment, among some scheduler records.
 */
import type { BoardSettings, BoardStore, SchedulerRecord } from '@schedmon/domain';
import { allBoards, membersOf } from '@schedmon/domain';
import { HttpError } from './errors.ts';

export type BoardLookup = {
  /** The stored boards. */
  boards: BoardStore;
  /** The default board of the environment. */
  defaultBoard: BoardSettings;
};

/** The members of board `boardId` among `records`. Failure: 404 when there is no such board. */
export async function boardMembers(
  deps: BoardLookup,
  boardId: string,
  records: readonly SchedulerRecord[],
  now: string,
): Promise<SchedulerRecord[]> {
  const boards = allBoards(await deps.boards.list(now), deps.defaultBoard);
  const chosen = boards.find((candidate) => candidate.board_id === boardId);
  if (chosen === undefined) throw new HttpError(404, `Board ${boardId} not found`);
  return membersOf(chosen, records, boards);
}
