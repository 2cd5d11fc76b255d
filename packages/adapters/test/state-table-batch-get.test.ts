// `getMany` when DynamoDB leaves keys unprocessed, as its BatchGetItem may under load
// (documented: `UnprocessedKeys`). The local engine never does, so the calls go through a
// proxy to it that moves chosen keys of the real answer into `UnprocessedKeys`.

import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createAwsClients } from '@schedmon/resources';
import type { DynamoProxy } from '@schedmon/testing';
import { startDynamoProxy, TEST_REGION, useTestEnvironment } from '@schedmon/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createDocumentClient } from '../src/dynamodb/index.ts';
import { stateTable } from '../src/dynamodb/state-table.ts';

const environment = useTestEnvironment();
const NOW = new Date().toISOString();
const LIVE = Math.floor(Date.now() / 1000) + 3_600;

type Key = { pk: { S: string }; sk: { S: string } };
type Answer = { Responses?: Record<string, Key[]>; UnprocessedKeys?: Record<string, unknown> };
type Asked = { RequestItems: Record<string, { Keys: Key[]; ConsistentRead?: boolean }> };

/** Keys (by sk) the next `rounds` BatchGetItem answers leave unprocessed. */
let withhold = new Set<string>();
let rounds = 0;
/** The keys each BatchGetItem asked for, and whether consistently, in order. */
let asked: { sks: string[]; consistent: boolean }[] = [];

/** Moves the withheld keys of a real BatchGetItem answer into `UnprocessedKeys`. */
function leaveUnprocessed(operation: string, requested: string, answer: string): string {
  if (operation !== 'BatchGetItem') return answer;
  const items = (JSON.parse(requested) as Asked).RequestItems;
  for (const { Keys, ConsistentRead } of Object.values(items)) {
    asked.push({ sks: Keys.map((key) => key.sk.S), consistent: ConsistentRead === true });
  }
  if (rounds === 0) return answer;
  rounds -= 1;
  const parsed = JSON.parse(answer) as Answer;
  for (const [table, { Keys }] of Object.entries(items)) {
    const withheld = Keys.filter((key) => withhold.has(key.sk.S));
    if (withheld.length === 0) continue;
    parsed.Responses = {
      ...parsed.Responses,
      [table]: (parsed.Responses?.[table] ?? []).filter((item) => !withhold.has(item.sk.S)),
    };
    parsed.UnprocessedKeys = {
      ...parsed.UnprocessedKeys,
      [table]: { Keys: withheld, ConsistentRead: true },
    };
  }
  return JSON.stringify(parsed);
}

let proxy: DynamoProxy;

beforeAll(async () => {
  proxy = await startDynamoProxy(environment().env.DYNAMODB_ENDPOINT ?? '', {
    rewrite: leaveUnprocessed,
  });
});

afterAll(async () => {
  await proxy?.close();
});

/** A table holding these items of `pk`, read through the proxy; the counts start at 0. */
async function tableWith(pk: string, sks: readonly string[], unprocessed: string[], times: number) {
  const direct = createDocumentClient(environment().clients.dynamodb);
  const tableName = environment().names.stateTable;
  for (const sk of sks) {
    await direct.send(
      new PutCommand({ TableName: tableName, Item: { pk, sk, data: { sk }, expires_at: LIVE } }),
    );
  }
  const clients = createAwsClients({
    region: TEST_REGION,
    dynamodbEndpoint: proxy.url,
    maxAttempts: 1,
  });
  onTestFinished(() => clients.destroy());
  withhold = new Set(unprocessed);
  rounds = times;
  asked = [];
  proxy.operations.clear();
  return stateTable(createDocumentClient(clients.dynamodb), tableName);
}

describe('getMany when BatchGetItem leaves keys unprocessed', () => {
  it('asks again for the unprocessed keys only and answers every key from the engine', async () => {
    const table = await tableWith('p1', ['a', 'b', 'c'], ['b', 'c', 'missing'], 1);
    const found = await table.getMany('p1', ['a', 'b', 'c', 'missing'], NOW);
    expect(found.get('a')?.data).toEqual({ sk: 'a' });
    expect(found.get('b')?.data).toEqual({ sk: 'b' });
    expect(found.get('c')?.data).toEqual({ sk: 'c' });
    expect(found.has('missing')).toBe(true);
    expect(found.get('missing')).toBeUndefined();
    expect(asked).toEqual([
      { sks: ['a', 'b', 'c', 'missing'], consistent: true },
      { sks: ['b', 'c', 'missing'], consistent: true },
    ]);
    expect(proxy.operations.get('GetItem')).toBeUndefined();
  });

  it('reads keys still unprocessed after three calls one by one, never taking them as absent', async () => {
    const table = await tableWith('p2', ['a', 'b'], ['b', 'missing'], 3);
    const found = await table.getMany('p2', ['a', 'b', 'missing'], NOW);
    expect(found.get('a')?.data).toEqual({ sk: 'a' });
    expect(found.get('b')?.data).toEqual({ sk: 'b' });
    expect(found.has('missing')).toBe(true);
    expect(found.get('missing')).toBeUndefined();
    expect(asked.map((call) => call.sks)).toEqual([
      ['a', 'b', 'missing'],
      ['b', 'missing'],
      ['b', 'missing'],
    ]);
    expect(proxy.operations.get('GetItem')).toBe(2);
  });
});
