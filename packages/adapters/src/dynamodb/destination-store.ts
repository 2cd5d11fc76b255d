/**
 * The `DestinationStore` on the state table. This file alone builds its keys:
 *   destinations / <scheduler id>   (data: DestinationOverride)
 * One partition holds every scheduler's own destinations: few schedulers have one, and
 * the worker reads them whole every half minute (`board-routes.ts`).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DestinationOverride, DestinationStore } from '@schedmon/domain';
import { DestinationOverrideSchema } from '@schedmon/domain';
import { dataReader, stateTable } from './state-table.ts';

const PARTITION = 'destinations';
// Overrides never expire: the year 3000, past any TTL sweep.
const NEVER = 32_503_680_000;

const readOverride = dataReader('destinations', DestinationOverrideSchema);

/** Schedulers' own destinations on DynamoDB. */
export function createDynamoDestinationStore(
  client: DynamoDBDocumentClient,
  tableName: string,
  options: { onUnreadable?: (schedulerId: string, error: unknown) => void } = {},
): DestinationStore {
  const table = stateTable(client, tableName);
  const itemOf = (override: DestinationOverride) => ({
    pk: PARTITION,
    sk: override.scheduler_id,
    data: override,
    expires_at: NEVER,
  });
  return {
    async list(now) {
      // One unreadable item must not stop every other scheduler's destinations.
      const overrides: DestinationOverride[] = [];
      for (const item of await table.list(PARTITION, now)) {
        try {
          overrides.push(readOverride(item));
        } catch (error) {
          options.onUnreadable?.(item.sk, error);
        }
      }
      return overrides;
    },
    async get(schedulerId, now) {
      const item = await table.get(PARTITION, schedulerId, now);
      return item && readOverride(item);
    },
    async put(override, now) {
      if (await table.putIfAbsent(itemOf(override), now)) return 'created';
      await table.put(itemOf(override));
      return 'updated';
    },
    async delete(schedulerId) {
      return table.delete(PARTITION, schedulerId, {
        expression: 'attribute_exists(#pk)',
        names: { '#pk': 'pk' },
        values: {},
      });
    },
  };
}
