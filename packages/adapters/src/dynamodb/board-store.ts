/**
 * The `BoardStore` on the state table. This file alone builds its keys:
 *   board / <board id>   (data: Board)
 * One partition holds every board: an installation has tens of boards, read whole by the
 * cron leader every minute and by the worker when a member's incident opens.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Board, BoardStore } from '@schedmon/domain';
import { BoardSchema } from '@schedmon/domain';
import { dataReader, stateTable } from './state-table.ts';

const PARTITION = 'board';
// Boards never expire: the year 3000, past any TTL sweep.
const NEVER = 32_503_680_000;

const readBoard = dataReader('board', BoardSchema);

/** Boards on DynamoDB. */
export function createDynamoBoardStore(
  client: DynamoDBDocumentClient,
  tableName: string,
  options: { onUnreadable?: (boardId: string, error: unknown) => void } = {},
): BoardStore {
  const table = stateTable(client, tableName);
  const itemOf = (board: Board) => ({
    pk: PARTITION,
    sk: board.board_id,
    data: board,
    expires_at: NEVER,
  });
  return {
    async list(now) {
      // One unreadable board (written by hand, or by a newer version) must not stop every
      // other board's night and routing: it is left out, and said once per read.
      const boards: Board[] = [];
      for (const item of await table.list(PARTITION, now)) {
        try {
          boards.push(readBoard(item));
        } catch (error) {
          options.onUnreadable?.(item.sk, error);
        }
      }
      return boards;
    },
    async get(boardId, now) {
      const item = await table.get(PARTITION, boardId, now);
      return item && readBoard(item);
    },
    async put(board, now) {
      if (await table.putIfAbsent(itemOf(board), now)) return 'created';
      await table.put(itemOf(board));
      return 'updated';
    },
    async delete(boardId) {
      return table.delete(PARTITION, boardId, {
        expression: 'attribute_exists(#pk)',
        names: { '#pk': 'pk' },
        values: {},
      });
    },
  };
}
