/**
 * The `IdempotencyStore` on the state table. This file alone builds its keys:
 *   idem#<scheduler id> / <key digest>   (data: IdempotencyRecord)
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IdempotencyRecord, IdempotencyStore } from '@schedmon/domain';
import { EngineUnavailableError, IdempotencyRecordSchema } from '@schedmon/domain';
import { dataReader, stateTable } from './state-table.ts';

const partitionOf = (schedulerId: string) => `idem#${schedulerId}`;

const readRecord = dataReader('idempotency record', IdempotencyRecordSchema);

/**
 * A stored record, or a plain Error (a 500 that names nothing) when it cannot be read:
 * that is the store's fault, not the request's, so it must not answer as a 400.
 */
function readable(item: Parameters<typeof readRecord>[0]): IdempotencyRecord {
  try {
    return readRecord(item);
  } catch (error) {
    throw new Error('an idempotency record cannot be read', { cause: error });
  }
}

// A lost put whose winner is gone by the read (it expired, or TTL deleted it, in between)
// is tried again, once more: twice in a row means something else is wrong.
const PUT_ATTEMPTS = 2;

/** Idempotency keys on DynamoDB: a conditional put decides who claims one. */
export function createDynamoIdempotencyStore(
  client: DynamoDBDocumentClient,
  tableName: string,
): IdempotencyStore {
  const table = stateTable(client, tableName);
  return {
    async claim(record: IdempotencyRecord, now, expiresAt) {
      const pk = partitionOf(record.scheduler_id);
      const sk = record.key_digest;
      for (let attempt = 1; attempt <= PUT_ATTEMPTS; attempt += 1) {
        if (await table.putIfAbsent({ pk, sk, data: record, expires_at: expiresAt }, now)) {
          return { claimed: true };
        }
        const existing = await table.get(pk, sk, now);
        if (existing) return { claimed: false, existing: readable(existing) };
      }
      throw new EngineUnavailableError(
        'dynamodb',
        `DynamoDB kept refusing idempotency record ${sk} of ${record.scheduler_id} without a live one`,
      );
    },
  };
}
