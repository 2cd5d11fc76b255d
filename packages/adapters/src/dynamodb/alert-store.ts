/**
 * The `AlertStore` on the state table (the failure alerts of the versions before
 * incidents). This file alone builds its keys:
 *   alert        / alertKey(scheduler id, event id)   the alert (data: AlertRecord, version)
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AlertRecord, AlertStore } from '@schedmon/domain';
import { AlertRecordSchema, alertKey } from '@schedmon/domain';
import { dataReader, stateTable } from './state-table.ts';

const ALERT_PARTITION = 'alert';

const readAlert = dataReader('alert', AlertRecordSchema);

/** Alerts on DynamoDB, created once each. */
export function createDynamoAlertStore(
  client: DynamoDBDocumentClient,
  tableName: string,
): AlertStore {
  const table = stateTable(client, tableName);
  const keyOf = (alert: AlertRecord) => alertKey(alert.scheduler_id, alert.event_id);
  return {
    async get(key, now) {
      const item = await table.get(ALERT_PARTITION, key, now);
      return item && { alert: readAlert(item), version: item.version ?? 0 };
    },
    create(alert, expiresAt, now) {
      return table.putIfAbsent(
        { pk: ALERT_PARTITION, sk: keyOf(alert), data: alert, expires_at: expiresAt, version: 1 },
        now,
      );
    },
  };
}
