/**
 * The `LeaseStore` on the state table. This file alone builds its keys:
 *   lease / <lease name>   (data: { owner })
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LeaseRecord, LeaseStore } from '@schedmon/domain';
import { epochSeconds, stateTable } from './state-table.ts';

const LEASE_PARTITION = 'lease';

/** Leases on DynamoDB: one conditional write decides who holds one. */
export function createDynamoLeaseStore(
  client: DynamoDBDocumentClient,
  tableName: string,
): LeaseStore {
  const table = stateTable(client, tableName);
  const ownerIs = { '#data': 'data', '#owner': 'owner' };
  return {
    acquire(name, owner, expiresAt, now) {
      const data: LeaseRecord = { owner };
      return table.conditionalPut(
        { pk: LEASE_PARTITION, sk: name, data, expires_at: expiresAt },
        'attribute_not_exists(pk) OR expires_at < :now OR #data.#owner = :owner',
        { ':now': epochSeconds(now), ':owner': owner },
        ownerIs,
      );
    },
    async release(name, owner) {
      // Someone else holds it (or nobody): there is nothing of ours to release.
      await table.delete(LEASE_PARTITION, name, {
        expression: '#data.#owner = :owner',
        names: ownerIs,
        values: { ':owner': owner },
      });
    },
  };
}
