/**
 * The `DeliveryLogStore` on the state table. This file alone builds its keys:
 *   delivery#<incident id> / <seq, 10 digits>#<attempt, 6 digits>   (data: DeliveryAttempt)
 * One partition per incident, read by transition (a box's sequence grows with every
 * transition) and, within one, by attempt.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeliveryLogStore } from '@schedmon/domain';
import { DeliveryAttemptSchema } from '@schedmon/domain';
import { dataReader, stateTable } from './state-table.ts';

const readAttempt = dataReader('delivery attempt', DeliveryAttemptSchema);

/** The delivery log on DynamoDB. */
export function createDynamoDeliveryLogStore(
  client: DynamoDBDocumentClient,
  tableName: string,
): DeliveryLogStore {
  const table = stateTable(client, tableName);
  return {
    async append(attempt, seq, expiresAt) {
      await table.put({
        pk: `delivery#${attempt.incident_id}`,
        sk: `${String(seq).padStart(10, '0')}#${String(attempt.attempt).padStart(6, '0')}`,
        data: attempt,
        expires_at: expiresAt,
      });
    },
    async list(incidentId, now, limit = 1_000) {
      // The log is for reading: a line this version cannot read is left out, not an error.
      const lines = [];
      for (const item of await table.list(`delivery#${incidentId}`, now, limit)) {
        try {
          lines.push(readAttempt(item));
        } catch {
          // Left out.
        }
        if (lines.length === limit) break;
      }
      return lines;
    },
  };
}
