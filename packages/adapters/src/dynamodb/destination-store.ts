/**
 * The `DestinationStore` on the state table. This file alone builds its keys:
 *   destinations / <scheduler id>   (data: DestinationOverride)
 * One partition holds every scheduler's own destinations: few schedulers have one, and
 * the worker reads them whole every 10 s (`board-routes.ts`).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DestinationOverride, DestinationStore } from '@schedmon/domain';
import { DestinationOverrideSchema } from '@schedmon/domain';
import { dataReader, wholeItemPartition } from './state-table.ts';

const readOverride = dataReader('destinations', DestinationOverrideSchema);

/** Schedulers' own destinations on DynamoDB; an unreadable one is left out of `list`, and said. */
export function createDynamoDestinationStore(
  client: DynamoDBDocumentClient,
  tableName: string,
  options: { onUnreadable?: (schedulerId: string, error: unknown) => void } = {},
): DestinationStore {
  return wholeItemPartition<DestinationOverride>(client, tableName, {
    partition: 'destinations',
    keyOf: (override) => override.scheduler_id,
    read: readOverride,
    onUnreadable: options.onUnreadable,
  });
}
