/**
 * The `AlertStore` on the state table. This file alone builds its keys:
 *   alert        / alertKey(scheduler id, event id)   the alert (data: AlertRecord, version)
 *   alert-outbox / alertKey(scheduler id, event id)   its outbox pointer (data: next_attempt_at)
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AlertRecord, AlertStore } from '@schedmon/domain';
import {
  AlertPointerSchema,
  AlertRecordSchema,
  alertKey,
  compileValidator,
} from '@schedmon/domain';
import { dataReader, stateTable } from './state-table.ts';

const ALERT_PARTITION = 'alert';
const OUTBOX_PARTITION = 'alert-outbox';

const readAlert = dataReader('alert', AlertRecordSchema);
const pointer = compileValidator(AlertPointerSchema);

/**
 * Alerts and their outbox pointers on DynamoDB. Conditional writes (create once, replace
 * on the version read) settle races between workers.
 */
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
    replace(alert, expectedVersion, now) {
      return table.replaceData(ALERT_PARTITION, keyOf(alert), alert, expectedVersion, now);
    },
    async schedule(key, nextAttemptAt, expiresAt) {
      await table.put({
        pk: OUTBOX_PARTITION,
        sk: key,
        data: { next_attempt_at: nextAttemptAt },
        expires_at: expiresAt,
      });
    },
    async unschedule(key) {
      await table.delete(OUTBOX_PARTITION, key);
    },
    async scheduled(now) {
      // A pointer is only a hint (the alert is re-read before acting): an unreadable one
      // counts as due, so its alert is looked at, not lost.
      return (await table.list(OUTBOX_PARTITION, now)).map((item) => ({
        key: item.sk,
        nextAttemptAt: pointer.check(item.data) ? item.data.next_attempt_at : '',
      }));
    },
  };
}
