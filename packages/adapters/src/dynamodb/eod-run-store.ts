/**
 * The `EodRunStore` on the state table. This file alone builds its keys:
 *   eod#<business date> / table                              (data: EodTableRefs)
 *   eod#<business date> / update#<slot>, final, summary, sweep,
 *                         stale#<scheduler id>#<last activity>  (data: { done_at })
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EodMarker, EodMarkerRecord, EodRunStore, EodTableRefs } from '@schedmon/domain';
import { EodTableRefsSchema } from '@schedmon/domain';
import { dataReader, stateTable } from './state-table.ts';

const partitionOf = (businessDate: string) => `eod#${businessDate}`;
const TABLE_KEY = 'table';

function markerKey(marker: EodMarker): string {
  switch (marker.kind) {
    case 'update':
      return `update#${marker.slot}`;
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
    async tableRefs(businessDate, now) {
      const item = await table.get(partitionOf(businessDate), TABLE_KEY, now);
      return item && readRefs(item).refs;
    },
    async saveTableRefs(businessDate, refs, savedAt, expiresAt) {
      const data: EodTableRefs = { refs: [...refs], saved_at: savedAt };
      await table.put({
        pk: partitionOf(businessDate),
        sk: TABLE_KEY,
        data,
        expires_at: expiresAt,
      });
    },
    async isDone(businessDate, marker, now) {
      return (await table.get(partitionOf(businessDate), markerKey(marker), now)) !== undefined;
    },
    async markDone(businessDate, marker, doneAt, expiresAt) {
      const data: EodMarkerRecord = { done_at: doneAt };
      await table.put({
        pk: partitionOf(businessDate),
        sk: markerKey(marker),
        data,
        expires_at: expiresAt,
      });
    },
  };
}
