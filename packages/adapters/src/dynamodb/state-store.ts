import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { StateItem, StateStore } from '@schedmon/domain';
import { dynamo, isConditionFailed } from './errors.ts';

const LEASE_PARTITION = 'lease';
const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

function toItem(item: Record<string, unknown>): StateItem {
  return {
    pk: String(item.pk),
    sk: String(item.sk),
    data: (item.data as Record<string, unknown> | undefined) ?? {},
    expires_at: Number(item.expires_at ?? 0),
    // Items written without a version read back without one (the port counts it as 0).
    ...(typeof item.version === 'number' && { version: item.version }),
  };
}

/**
 * The state table on DynamoDB: leases, EOD message references, alert and stale-warning
 * markers. Items past `expires_at` count as absent (TTL deletes them late, or never on
 * the local engine). Conditional writes settle races between replicas.
 */
export function createDynamoStateStore(
  client: DynamoDBDocumentClient,
  tableName: string,
): StateStore {
  /** A conditional put: true if written, false if the condition did not hold. */
  const conditionalPut = async (
    item: StateItem,
    condition: string,
    values: Record<string, unknown>,
    names?: Record<string, string>,
  ) => {
    try {
      await dynamo('PutItem', () =>
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: item,
            ConditionExpression: condition,
            ExpressionAttributeValues: values,
            ...(names ? { ExpressionAttributeNames: names } : {}),
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  };

  return {
    async get(pk, sk, now) {
      const result = await dynamo('GetItem', () =>
        client.send(
          new GetCommand({ TableName: tableName, Key: { pk, sk }, ConsistentRead: true }),
        ),
      );
      const item = result.Item ? toItem(result.Item) : undefined;
      return item && item.expires_at >= epochSeconds(now) ? item : undefined;
    },

    async list(pk, now) {
      const items: StateItem[] = [];
      const pages = paginateQuery(
        { client },
        {
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead: true,
        },
      );
      await dynamo('Query', async () => {
        for await (const page of pages) {
          for (const item of page.Items ?? []) items.push(toItem(item));
        }
      });
      const nowSeconds = epochSeconds(now);
      return items.filter((item) => item.expires_at >= nowSeconds);
    },

    async put(item) {
      await dynamo('PutItem', () =>
        client.send(new PutCommand({ TableName: tableName, Item: item })),
      );
    },

    putIfAbsent(item, now) {
      return conditionalPut(item, 'attribute_not_exists(pk) OR expires_at < :now', {
        ':now': epochSeconds(now),
      });
    },

    replace(item, expectedVersion, now) {
      const values: Record<string, unknown> = { ':now': epochSeconds(now) };
      let condition: string;
      if (expectedVersion === null) condition = 'attribute_not_exists(pk) OR expires_at < :now';
      else {
        values[':expected'] = expectedVersion;
        // Version 0 is also an item that never had a version (written by put/putIfAbsent).
        const versionMatches =
          expectedVersion === 0 ? '(attribute_not_exists(#v) OR #v = :expected)' : '#v = :expected';
        condition = `attribute_exists(pk) AND expires_at >= :now AND ${versionMatches}`;
      }
      return conditionalPut(
        { ...item, version: (expectedVersion ?? 0) + 1 },
        condition,
        values,
        expectedVersion === null ? undefined : { '#v': 'version' },
      );
    },

    async delete(pk, sk) {
      await dynamo('DeleteItem', () =>
        client.send(new DeleteCommand({ TableName: tableName, Key: { pk, sk } })),
      );
    },

    acquireLease(name, owner, expiresAt, now) {
      return conditionalPut(
        { pk: LEASE_PARTITION, sk: name, data: { owner }, expires_at: expiresAt },
        'attribute_not_exists(pk) OR expires_at < :now OR #data.#owner = :owner',
        { ':now': epochSeconds(now), ':owner': owner },
        { '#data': 'data', '#owner': 'owner' },
      );
    },

    async releaseLease(name, owner) {
      try {
        await dynamo('DeleteItem', () =>
          client.send(
            new DeleteCommand({
              TableName: tableName,
              Key: { pk: LEASE_PARTITION, sk: name },
              ConditionExpression: '#data.#owner = :owner',
              ExpressionAttributeNames: { '#data': 'data', '#owner': 'owner' },
              ExpressionAttributeValues: { ':owner': owner },
            }),
          ),
        );
      } catch (error) {
        // Someone else holds it (or nobody): there is nothing of ours to release.
        if (!isConditionFailed(error)) throw error;
      }
    },
  };
}
