// `getMany` when DynamoDB leaves keys unprocessed, as its BatchGetItem may under load
// (documented: `UnprocessedKeys`). The local engine never does, so the calls go through a
// proxy to it that moves chosen keys of the real answer into `UnprocessedKeys`.

import { once } from 'node:events';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createAwsClients } from '@schedmon/resources';
import { TEST_REGION, useTestEnvironment } from '@schedmon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../src/dynamodb/index.ts';
import { stateTable } from '../src/dynamodb/state-table.ts';

const environment = useTestEnvironment();
const NOW = new Date().toISOString();
const LIVE = Math.floor(Date.now() / 1000) + 3_600;

type Key = { pk: { S: string }; sk: { S: string } };
type Answer = { Responses?: Record<string, Key[]>; UnprocessedKeys?: Record<string, unknown> };

/** What the proxy does to BatchGetItem answers, and the calls it saw by target. */
const proxy = {
  /** Keys (by sk) left unprocessed, for this many BatchGetItem calls. */
  withhold: new Set<string>(),
  rounds: 0,
  calls: new Map<string, number>(),
};
let server: Server;
let url: string;

beforeAll(async () => {
  const engine = environment().env.DYNAMODB_ENDPOINT ?? '';
  server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    proxy.calls.set(target, (proxy.calls.get(target) ?? 0) + 1);
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(
        ([name]) => name !== 'host' && name !== 'content-length' && name !== 'connection',
      ),
    ) as Record<string, string>;
    const answer = await fetch(engine, {
      method: request.method ?? 'POST',
      headers,
      body: Buffer.concat(chunks),
    });
    let body = await answer.text();
    if (target === 'BatchGetItem' && answer.ok && proxy.rounds > 0) {
      proxy.rounds -= 1;
      const parsed = JSON.parse(body) as Answer;
      const asked = (
        JSON.parse(Buffer.concat(chunks).toString()) as {
          RequestItems: Record<string, { Keys: Key[] }>;
        }
      ).RequestItems;
      for (const [table, { Keys }] of Object.entries(asked)) {
        const withheld = Keys.filter((key) => proxy.withhold.has(key.sk.S));
        if (withheld.length === 0) continue;
        parsed.Responses = {
          ...parsed.Responses,
          [table]: (parsed.Responses?.[table] ?? []).filter(
            (item) => !proxy.withhold.has(item.sk.S),
          ),
        };
        parsed.UnprocessedKeys = {
          ...parsed.UnprocessedKeys,
          [table]: { Keys: withheld, ConsistentRead: true },
        };
      }
      body = JSON.stringify(parsed);
    }
    response.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/x-amz-json-1.0',
      'x-amzn-requestid': answer.headers.get('x-amzn-requestid') ?? 'proxy',
    });
    response.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  server.close();
  await once(server, 'close');
});

async function tableWith(pk: string, sks: readonly string[]) {
  const direct = createDocumentClient(environment().clients.dynamodb);
  const tableName = environment().names.stateTable;
  for (const sk of sks) {
    await direct.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk, sk, data: { sk }, expires_at: LIVE },
      }),
    );
  }
  const clients = createAwsClients({ region: TEST_REGION, dynamodbEndpoint: url, maxAttempts: 1 });
  return { table: stateTable(createDocumentClient(clients.dynamodb), tableName), clients };
}

function reset(withhold: readonly string[], rounds: number) {
  proxy.withhold = new Set(withhold);
  proxy.rounds = rounds;
  proxy.calls.clear();
}

describe('getMany when BatchGetItem leaves keys unprocessed', () => {
  it('asks again for the unprocessed keys and answers every key from the engine', async () => {
    const { table, clients } = await tableWith('p1', ['a', 'b', 'c']);
    reset(['b', 'c', 'missing'], 1);
    const found = await table.getMany('p1', ['a', 'b', 'c', 'missing'], NOW);
    clients.destroy();
    expect(found.get('a')?.data).toEqual({ sk: 'a' });
    expect(found.get('b')?.data).toEqual({ sk: 'b' });
    expect(found.get('c')?.data).toEqual({ sk: 'c' });
    expect(found.has('missing')).toBe(true);
    expect(found.get('missing')).toBeUndefined();
    expect(proxy.calls.get('BatchGetItem')).toBe(2);
    expect(proxy.calls.get('GetItem')).toBeUndefined();
  });

  it('reads keys still unprocessed after three calls one by one, never taking them as absent', async () => {
    const { table, clients } = await tableWith('p2', ['a', 'b']);
    reset(['b', 'missing'], 3);
    const found = await table.getMany('p2', ['a', 'b', 'missing'], NOW);
    clients.destroy();
    expect(found.get('a')?.data).toEqual({ sk: 'a' });
    expect(found.get('b')?.data).toEqual({ sk: 'b' });
    expect(found.has('missing')).toBe(true);
    expect(found.get('missing')).toBeUndefined();
    expect(proxy.calls.get('BatchGetItem')).toBe(3);
    expect(proxy.calls.get('GetItem')).toBe(2);
  });
});
