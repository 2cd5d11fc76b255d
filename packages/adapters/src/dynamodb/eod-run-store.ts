/**
 * The `EodRunStore` on the state table. This file alone builds its keys, the default
 * board's as before boards existed:
 *   eod#<business date> / table                              (data: EodTableRefs)
 *   eod#<business date> / update#<slot>, final, summary, sweep (data: { done_at })
 *   eod#<Monday> / weekly-report                             (data: { done_at })
 * and every other board's in a partition of its own:
 *   eod#<business date>#board#<board id> / the same sort keys
 * (the weekly report's date is the Monday its week began on, so it never meets a night's
 * steps, whose sort keys differ).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  EodMarker,
  EodMarkerRecord,
  EodRunStore,
  EodTableRefs,
  Night,
} from '@schedmon/domain';
import { DEFAULT_BOARD_ID, EodTableRefsSchema } from '@schedmon/domain';
import { dataReader, stateTable } from './state-table.ts';

const partitionOf = ({ board, businessDate }: Night) =>
  board === DEFAULT_BOARD_ID ? `eod#${businessDate}` : `eod#${businessDate}#board#${board}`;
const TABLE_KEY = 'table';

function markerKey(marker: EodMarker): string {
  switch (marker.kind) {
    case 'update':
      return `update#${marker.slot}`;
    case 'weekly-report':
      return 'weekly-report';
    default:
      return marker.kind;
  }
}

const readRefs = dataReader('EOD table refs', EodTableRefsSchema);

/** Per-night EOD records on DynamoDB. */
export function createDynamoEodRunStore(
  client: DynamoDBDocumentClient,
  tableName: string,
): EodRunStore {
  const table = stateTable(client, tableName);
  return {
    async tableRefs(night, now) {
      const item = await table.get(partitionOf(night), TABLE_KEY, now);
      return item && readRefs(item).refs;
    },
    async saveTableRefs(night, refs, savedAt, expiresAt) {
      const data: EodTableRefs = { refs: [...refs], saved_at: savedAt };
      await table.put({
        pk: partitionOf(night),
        sk: TABLE_KEY,
        data,
        expires_at: expiresAt,
      });
    },
    async isDone(night, marker, now) {
      return (await table.get(partitionOf(night), markerKey(marker), now)) !== undefined;
    },
    async markDone(night, marker, doneAt, expiresAt) {
      const data: EodMarkerRecord = { done_at: doneAt };
      await table.put({
        pk: partitionOf(night),
        sk: markerKey(marker),
        data,
        expires_at: expiresAt,
      });
    },
  };
}
