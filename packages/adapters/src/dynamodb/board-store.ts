/**
 * The `BoardStore` on the state table. This file alone builds its keys:
 *   board / <board id>   (data: Board)
 * One partition holds every board: an installation has tens of boards, read whole by the
 * cron leader every minute and by the worker when a member's incident opens.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Board, BoardStore } from '@schedmon/domain';
import { BoardSchema } from '@schedmon/domain';
import { dataReader, wholeItemPartition } from './state-table.ts';

const readBoard = dataReader('board', BoardSchema);

/**
 * Boards on DynamoDB. One unreadable board (written by hand, or by a newer version) must
 * not stop every other board's night and routing: it is left out of `list`, and said.
 */
export function createDynamoBoardStore(
  client: DynamoDBDocumentClient,
  tableName: string,
  options: { onUnreadable?: (boardId: string, error: unknown) => void } = {},
): BoardStore {
  return wholeItemPartition<Board>(client, tableName, {
    partition: 'board',
    keyOf: (board) => board.board_id,
    read: readBoard,
    onUnreadable: options.onUnreadable,
  });
}
