import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchWriteCommand, paginateScan, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { HistoryQuery, HistoryRow, HistoryStore } from '@schedmon/domain';
import { EngineUnavailableError, exponentialBackoffMs } from '@schedmon/domain';
import { dynamo, withoutNulls } from './errors.ts';

const BATCH_SIZE = 25;
const MAX_BATCH_ATTEMPTS = 8;

type Key = { scheduler_id: string; sk: string };
type WriteRequest =
  | { PutRequest: { Item: Record<string, unknown> } }
  | { DeleteRequest: { Key: Key } };

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function toRow(item: Record<string, unknown>): HistoryRow {
  const row = item as Partial<HistoryRow> & Key;
  return {
    scheduler_id: row.scheduler_id,
    sk: row.sk,
    id: row.id ?? row.sk.slice(row.sk.indexOf('#') + 1),
    type: row.type ?? 'status',
    status: row.status ?? null,
    timestamp: row.timestamp ?? row.sk.slice(0, row.sk.indexOf('#')),
    execution_time_ms: row.execution_time_ms ?? null,
    error_message: row.error_message ?? null,
    metadata: row.metadata ?? null,
    run_id: row.run_id ?? null,
    expires_at: row.expires_at ?? 0,
  };
}

/**
 * Sends write requests in `BatchWriteItem` calls of 25, retrying what DynamoDB leaves in
 * `UnprocessedItems` with backoff. Failure: `EngineUnavailableError` when items are still
 * unprocessed after the last attempt (the writes are idempotent, so the caller retries all).
 */
async function batchWrite(
  client: DynamoDBDocumentClient,
  tableName: string,
  requests: WriteRequest[],
) {
  for (let start = 0; start < requests.length; start += BATCH_SIZE) {
    let pending = requests.slice(start, start + BATCH_SIZE);
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      if (attempt > MAX_BATCH_ATTEMPTS) {
        throw new EngineUnavailableError(
          'dynamodb',
          `BatchWriteItem left ${pending.length} items unprocessed after ${MAX_BATCH_ATTEMPTS} attempts`,
        );
      }
      // The first retry waits 50–100 ms, doubling up to 0.5–1 s.
      if (attempt > 1)
        await sleep(exponentialBackoffMs(attempt - 1, { baseMs: 100, maxMs: 1_000, jitter: true }));
      const result = await dynamo('BatchWriteItem', () =>
        client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } })),
      );
      pending = (result.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
    }
  }
}

/**
 * Status history on DynamoDB: one row per event keyed `scheduler_id` + `<timestamp>#<event_id>`.
 * Rows are written with `BatchWriteItem`; a row written twice is the same row (it is built
 * from the event alone), so redelivery cannot duplicate history.
 */
export function createDynamoHistoryStore(
  client: DynamoDBDocumentClient,
  tableName: string,
): HistoryStore {
  return {
    async putAll(rows) {
      // One batch may not name a key twice: keep the first row of each key.
      const unique = new Map<string, HistoryRow>();
      for (const row of rows) {
        const key = `${row.scheduler_id}\u0000${row.sk}`;
        if (!unique.has(key)) unique.set(key, row);
      }
      const requests = [...unique.values()].map((row) => ({
        PutRequest: { Item: withoutNulls(row) },
      }));
      await batchWrite(client, tableName, requests);
    },

    async query(schedulerId: string, query: HistoryQuery) {
      const values: Record<string, unknown> = {
        ':id': schedulerId,
        ':now': epochSeconds(query.now),
      };
      let keyCondition = 'scheduler_id = :id';
      // sk starts with the UTC timestamp, so timestamp bounds are sort-key bounds.
      if (query.from && query.to) {
        keyCondition += ' AND sk BETWEEN :from AND :to';
        values[':from'] = query.from;
        values[':to'] = `${query.to}#\uffff`;
      } else if (query.from) {
        keyCondition += ' AND sk >= :from';
        values[':from'] = query.from;
      } else if (query.to) {
        keyCondition += ' AND sk <= :to';
        values[':to'] = `${query.to}#\uffff`;
      }
      const rows: HistoryRow[] = [];
      // Newest first, so the walk goes on below the previous page's last row. DynamoDB
      // refuses a start key outside the key condition: above it means from the top,
      // below it means nothing is left.
      const upper = values[':to'] as string | undefined;
      const lower = values[':from'] as string | undefined;
      // `before` (without `after`) walks up from above that row, oldest first, and the
      // page is turned newest first at the end.
      const before = query.after === undefined ? query.before : undefined;
      if (query.after !== undefined && lower !== undefined && query.after <= lower) return [];
      if (before !== undefined && upper !== undefined && before >= upper) return [];
      const start = before ?? query.after;
      const inside =
        start !== undefined &&
        (before !== undefined
          ? lower === undefined || before >= lower
          : upper === undefined || start <= upper);
      let startKey: Record<string, unknown> | undefined = inside
        ? { scheduler_id: schedulerId, sk: start }
        : undefined;
      // Limit counts items before the expiry filter, so page until enough rows survive it.
      do {
        const page = await dynamo('Query', () =>
          client.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: keyCondition,
              FilterExpression: 'expires_at >= :now',
              ExpressionAttributeValues: values,
              ScanIndexForward: before !== undefined,
              Limit: query.limit,
              ExclusiveStartKey: startKey,
            }),
          ),
        );
        for (const item of page.Items ?? []) rows.push(toRow(item));
        startKey = page.LastEvaluatedKey;
      } while (startKey && rows.length < query.limit);
      const page = rows.slice(0, query.limit);
      return before === undefined ? page : page.reverse();
    },

    async deleteExpired(now: string) {
      const keys: Key[] = [];
      const pages = paginateScan(
        { client, pageSize: 1000 },
        {
          TableName: tableName,
          FilterExpression: 'expires_at < :now',
          ExpressionAttributeValues: { ':now': epochSeconds(now) },
          ProjectionExpression: 'scheduler_id, sk',
        },
      );
      await dynamo('Scan', async () => {
        for await (const page of pages) {
          for (const item of page.Items ?? []) keys.push(item as Key);
        }
      });
      await batchWrite(
        client,
        tableName,
        keys.map((key) => ({ DeleteRequest: { Key: key } })),
      );
      return keys.length;
    },
  };
}
