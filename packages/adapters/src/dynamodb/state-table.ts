/**
 * What every store on the state table shares: live-item reads (an item past `expires_at`
 * counts as absent, since TTL deletes late, or never on the local engine), partition
 * queries and conditional writes. It builds no keys: each store's file owns its own.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { compileValidator, exponentialBackoffMs, ValidationError } from '@schedmon/domain';
import { dynamo, isConditionFailed } from './errors.ts';

/** An item of the state table as stored. */
export type StateTableItem = {
  pk: string;
  sk: string;
  data: Record<string, unknown>;
  /** Epoch seconds after which the item no longer exists. */
  expires_at: number;
  /** Optimistic-concurrency version; an item without one counts as version 0. */
  version?: number;
};

/** DynamoDB's limit of keys in one `BatchGetItem`. */
const BATCH_GET_SIZE = 100;
/** `BatchGetItem` calls for the keys it left unprocessed, before reading them one by one. */
const BATCH_GET_ATTEMPTS = 3;

export const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

const toItem = (item: Record<string, unknown>): StateTableItem => ({
  pk: String(item.pk),
  sk: String(item.sk),
  data: (item.data as Record<string, unknown> | undefined) ?? {},
  expires_at: Number(item.expires_at ?? 0),
  ...(typeof item.version === 'number' && { version: item.version }),
});

/** Checks an item's `data` against its schema on read: what is stored is what was written. */
export function dataReader<T extends Parameters<typeof compileValidator>[0]>(
  what: string,
  schema: T,
) {
  const validator = compileValidator(schema);
  return (item: StateTableItem) => {
    const data: unknown = item.data;
    if (!validator.check(data)) {
      throw new ValidationError(
        validator.problems(data).map((problem) => `stored ${what} ${item.sk}: ${problem}`),
      );
    }
    return data;
  };
}

/** The state table's calls, for the stores built on it. */
export function stateTable(client: DynamoDBDocumentClient, tableName: string) {
  /** A conditional put: true if written, false if the condition did not hold. */
  const conditionalPut = async (
    item: StateTableItem,
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

  /** One live item, or undefined. */
  const get = async (pk: string, sk: string, now: string): Promise<StateTableItem | undefined> => {
    const result = await dynamo('GetItem', () =>
      client.send(new GetCommand({ TableName: tableName, Key: { pk, sk }, ConsistentRead: true })),
    );
    const item = result.Item ? toItem(result.Item) : undefined;
    return item && item.expires_at >= epochSeconds(now) ? item : undefined;
  };

  return {
    conditionalPut,
    get,

    /**
     * The live items of `pk` with these sort keys, read consistently in `BatchGetItem`
     * calls of 100: by `sk`, undefined for one that does not exist. Keys DynamoDB leaves
     * unprocessed are asked again up to twice, then read one by one, so every key asked
     * has an answer.
     */
    async getMany(
      pk: string,
      sks: readonly string[],
      now: string,
    ): Promise<Map<string, StateTableItem | undefined>> {
      const found = new Map<string, StateTableItem | undefined>();
      const nowSeconds = epochSeconds(now);
      const unique = [...new Set(sks)];
      const keep = (item: Record<string, unknown>) => {
        const read = toItem(item);
        found.set(read.sk, read.expires_at >= nowSeconds ? read : undefined);
      };
      for (let start = 0; start < unique.length; start += BATCH_GET_SIZE) {
        let keys = unique.slice(start, start + BATCH_GET_SIZE).map((sk) => ({ pk, sk }));
        for (let attempt = 1; keys.length > 0 && attempt <= BATCH_GET_ATTEMPTS; attempt += 1) {
          if (attempt > 1) {
            const waitMs = exponentialBackoffMs(attempt - 1, {
              baseMs: 50,
              maxMs: 200,
              jitter: true,
            });
            await new Promise((resolve) => setTimeout(resolve, waitMs));
          }
          const asked = keys;
          const result = await dynamo('BatchGetItem', () =>
            client.send(
              new BatchGetCommand({
                RequestItems: { [tableName]: { Keys: asked, ConsistentRead: true } },
              }),
            ),
          );
          for (const item of result.Responses?.[tableName] ?? []) keep(item);
          const unprocessed = new Set(
            (result.UnprocessedKeys?.[tableName]?.Keys ?? []).map((key) => String(key.sk)),
          );
          // Asked, answered and absent: it does not exist.
          for (const key of asked) {
            if (!found.has(key.sk) && !unprocessed.has(key.sk)) found.set(key.sk, undefined);
          }
          keys = asked.filter((key) => unprocessed.has(key.sk));
        }
        for (const key of keys) found.set(key.sk, await get(pk, key.sk, now));
      }
      return found;
    },

    /** Every live item of a partition, by `sk` (the first `limit` of them, when given). */
    async list(
      pk: string,
      now: string,
      limit = Number.POSITIVE_INFINITY,
    ): Promise<StateTableItem[]> {
      const items: StateTableItem[] = [];
      const nowSeconds = epochSeconds(now);
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
          for (const item of page.Items ?? []) {
            const read = toItem(item);
            if (read.expires_at >= nowSeconds) items.push(read);
          }
          if (items.length >= limit) break;
        }
      });
      return items.slice(0, limit);
    },

    /** Live items of a partition newest first (by `sk`), up to `limit`, below `before`. */
    async page(
      pk: string,
      options: { limit: number; before?: string },
      now: string,
    ): Promise<StateTableItem[]> {
      const items: StateTableItem[] = [];
      const nowSeconds = epochSeconds(now);
      let start: Record<string, unknown> | undefined;
      await dynamo('Query', async () => {
        do {
          const page = await client.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression:
                options.before === undefined ? 'pk = :pk' : 'pk = :pk AND sk < :before',
              ExpressionAttributeValues: {
                ':pk': pk,
                ...(options.before === undefined ? {} : { ':before': options.before }),
              },
              ScanIndexForward: false,
              ConsistentRead: true,
              Limit: options.limit,
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          );
          for (const item of page.Items ?? []) {
            const read = toItem(item);
            if (read.expires_at >= nowSeconds && items.length < options.limit) items.push(read);
          }
          start = page.LastEvaluatedKey;
        } while (start && items.length < options.limit);
      });
      return items;
    },

    async put(item: StateTableItem): Promise<void> {
      await dynamo('PutItem', () =>
        client.send(new PutCommand({ TableName: tableName, Item: item })),
      );
    },

    /** Creates the item only if none is live: true if it did. */
    putIfAbsent(item: StateTableItem, now: string): Promise<boolean> {
      return conditionalPut(item, 'attribute_not_exists(pk) OR expires_at < :now', {
        ':now': epochSeconds(now),
      });
    },

    /**
     * Compare-and-set of `data` on a live item at `expectedVersion` (absent = 0), keeping
     * its expiry: the version becomes `expectedVersion + 1`. False if the condition failed.
     */
    async replaceData(
      pk: string,
      sk: string,
      data: Record<string, unknown>,
      expectedVersion: number,
      now: string,
    ): Promise<boolean> {
      // Version 0 is also an item that never had a version.
      const versionMatches =
        expectedVersion === 0 ? '(attribute_not_exists(#v) OR #v = :expected)' : '#v = :expected';
      try {
        await dynamo('UpdateItem', () =>
          client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk, sk },
              UpdateExpression: 'SET #data = :data, #v = :next',
              ConditionExpression: `attribute_exists(pk) AND expires_at >= :now AND ${versionMatches}`,
              ExpressionAttributeNames: { '#data': 'data', '#v': 'version' },
              ExpressionAttributeValues: {
                ':data': data,
                ':next': expectedVersion + 1,
                ':expected': expectedVersion,
                ':now': epochSeconds(now),
              },
            }),
          ),
        );
        return true;
      } catch (error) {
        if (isConditionFailed(error)) return false;
        throw error;
      }
    },

    /** Deletes the item; with a condition, false when it did not hold (nothing deleted). */
    async delete(
      pk: string,
      sk: string,
      condition?: {
        expression: string;
        names: Record<string, string>;
        values: Record<string, unknown>;
      },
    ): Promise<boolean> {
      try {
        await dynamo('DeleteItem', () =>
          client.send(
            new DeleteCommand({
              TableName: tableName,
              Key: { pk, sk },
              ...(condition && {
                ConditionExpression: condition.expression,
                ExpressionAttributeNames: condition.names,
                // DynamoDB refuses an empty map: a condition without values sends none.
                ...(Object.keys(condition.values).length > 0 && {
                  ExpressionAttributeValues: condition.values,
                }),
              }),
            }),
          ),
        );
        return true;
      } catch (error) {
        if (condition && isConditionFailed(error)) return false;
        throw error;
      }
    },
  };
}

/**
 * A partition of whole items that never expire, one per key (boards, schedulers' own
 * destinations): list (an unreadable item left out and reported, so it cannot stop the
 * others), get, put (created or replaced) and delete. The caller's file names the
 * partition and says how an item's key is built, so it still owns its keys.
 */
export function wholeItemPartition<T extends Record<string, unknown>>(
  client: DynamoDBDocumentClient,
  tableName: string,
  options: {
    partition: string;
    keyOf: (item: T) => string;
    read: (item: StateTableItem) => T;
    onUnreadable?: ((key: string, error: unknown) => void) | undefined;
  },
) {
  const table = stateTable(client, tableName);
  const { partition } = options;
  // Never expires: the year 3000, past any TTL sweep.
  const itemOf = (item: T) => ({
    pk: partition,
    sk: options.keyOf(item),
    data: item,
    expires_at: 32_503_680_000,
  });
  return {
    async list(now: string): Promise<T[]> {
      const items: T[] = [];
      for (const item of await table.list(partition, now)) {
        try {
          items.push(options.read(item));
        } catch (error) {
          options.onUnreadable?.(item.sk, error);
        }
      }
      return items;
    },
    async get(key: string, now: string): Promise<T | undefined> {
      const item = await table.get(partition, key, now);
      return item && options.read(item);
    },
    async put(item: T, now: string): Promise<'created' | 'updated'> {
      if (await table.putIfAbsent(itemOf(item), now)) return 'created';
      await table.put(itemOf(item));
      return 'updated';
    },
    async delete(key: string): Promise<boolean> {
      return table.delete(partition, key, {
        expression: 'attribute_exists(#pk)',
        names: { '#pk': 'pk' },
        values: {},
      });
    },
  };
}
