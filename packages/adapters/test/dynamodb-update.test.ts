// The stores' UpdateItem with the SDK's middleware chain built once (documentUpdates), on
// the local engine: the same values stored and returned as through the DocumentClient,
// each call its own input and result however many run at once, and nothing carried from
// one call to the next.

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { useTestEnvironment } from '@schedmon/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isConditionFailed } from '../src/dynamodb/errors.ts';
import { createDocumentClient } from '../src/dynamodb/index.ts';
import { documentUpdates } from '../src/dynamodb/update.ts';

const environment = useTestEnvironment();
const documents = () => createDocumentClient(environment().clients.dynamodb);
const table = () => environment().names.schedulersTable;

afterEach(() => {
  vi.restoreAllMocks();
});

/** Values a careless or hostile producer's event may carry into a record. */
const VALUES: Record<string, unknown> = {
  ':empty': '',
  ':control': 'a\u0000b\u0007c\u001bd\u2028e\u0085',
  ':unicode': 'zoë 🚀 \u202eevil',
  ':long': 'x'.repeat(10_000),
  ':zero': 0,
  ':negative': -1.5,
  ':tiny': 1e-130,
  ':largest_safe': Number.MAX_SAFE_INTEGER,
  ':true': true,
  ':null': null,
  ':list': [1, 'two', null, [[]], { deep: { deeper: { deepest: [false] } } }],
  ':map': { '': 'empty key', ' ': { nested: [{}] }, 'dotted.key': 1, '#hash': '#' },
  ':empty_map': {},
  ':empty_list': [],
  ':binary': new Uint8Array([0, 255, 1]),
  ':set': new Set(['b', 'a']),
  ':dropped_member': { kept: 1, dropped: undefined },
};

const SET = Object.keys(VALUES)
  .map((name, index) => `field_${index} = ${name}`)
  .join(', ');

describe('documentUpdates', () => {
  it('stores and returns what the DocumentClient stores and returns, for every kind of value', async () => {
    const client = documents();
    const update = documentUpdates(client);
    const input = (id: string) => ({
      TableName: table(),
      Key: { scheduler_id: id },
      UpdateExpression: `SET ${SET}`,
      ExpressionAttributeValues: VALUES,
      ReturnValues: 'ALL_NEW' as const,
    });
    const viaDocumentClient = await client.send(new UpdateCommand(input('update-doc')));
    const viaUpdates = await update(input('update-cached'));

    const withoutKey = (item: Record<string, unknown> | undefined) => {
      const { scheduler_id: _id, ...rest } = item ?? {};
      return rest;
    };
    expect(Object.keys(withoutKey(viaUpdates.Attributes))).toHaveLength(Object.keys(VALUES).length);
    expect(withoutKey(viaUpdates.Attributes)).toEqual(withoutKey(viaDocumentClient.Attributes));
    const stored = async (id: string) =>
      (await client.send(new GetCommand({ TableName: table(), Key: { scheduler_id: id } }))).Item;
    expect(withoutKey(await stored('update-cached'))).toEqual(
      withoutKey(await stored('update-doc')),
    );
    expect((await stored('update-cached'))?.field_16).toEqual({ kept: 1 });
  });

  it('gives each of many concurrent calls its own input and result, through one chain built once', async () => {
    const resolve = vi.spyOn(UpdateItemCommand.prototype, 'resolveMiddleware');
    const update = documentUpdates(documents());
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        update({
          TableName: table(),
          Key: { scheduler_id: `update-many-${index % 20}` },
          UpdateExpression: 'SET #n = :n, calls = list_append(if_not_exists(calls, :none), :call)',
          ExpressionAttributeNames: { '#n': 'n' },
          ExpressionAttributeValues: { ':n': index, ':call': [index], ':none': [] },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    expect(resolve).toHaveBeenCalledTimes(1);
    results.forEach((result, index) => {
      expect(result.Attributes?.scheduler_id).toBe(`update-many-${index % 20}`);
      expect(result.Attributes?.n).toBe(index);
      expect(result.Attributes?.calls).toContain(index);
    });
    // Every call stored: each record holds the ten calls made on it, each once.
    const client = documents();
    for (let id = 0; id < 20; id += 1) {
      const { Item } = await client.send(
        new GetCommand({ TableName: table(), Key: { scheduler_id: `update-many-${id}` } }),
      );
      expect([...((Item?.calls ?? []) as number[])].sort((a, b) => a - b)).toEqual(
        Array.from({ length: 10 }, (_, k) => id + 20 * k),
      );
    }
  });

  it('sends the hundredth call with the user agent of the first: it does not grow in the shared context', async () => {
    const update = documentUpdates(documents());
    const agents: string[] = [];
    const listener = (message: unknown) => {
      const { request } = message as { request: { headers: unknown } };
      const headers = request.headers as string | string[] | Record<string, string>;
      const pairs = typeof headers === 'string' ? headers.split('\r\n') : headers;
      const list = Array.isArray(pairs)
        ? pairs
        : Object.entries(pairs).map(([name, value]) => `${name}: ${value}`);
      const text = list.join('\n');
      const agent = /(?:^|\n)user-agent(?::\s*|\n)([^\n]*)/i.exec(text)?.[1];
      if (agent !== undefined) agents.push(agent);
    };
    subscribe('undici:request:create', listener);
    try {
      for (let call = 0; call < 100; call += 1) {
        await update({
          TableName: table(),
          Key: { scheduler_id: 'update-headers' },
          UpdateExpression: 'SET n = :n',
          ExpressionAttributeValues: { ':n': call },
        });
      }
    } finally {
      unsubscribe('undici:request:create', listener);
    }
    expect(agents).toHaveLength(100);
    expect(agents[0]).toMatch(/aws-sdk-js/);
    expect(new Set(agents)).toEqual(new Set([agents[0]]));
  });

  it('refuses a DocumentClient that keeps undefined values, whose conversion it would not match', () => {
    // A client of its own: a DocumentClient writes its options onto its client's config.
    const keeping = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }), {
      marshallOptions: { removeUndefinedValues: false },
    });
    expect(() => documentUpdates(keeping)).toThrow(/removes undefined values/);
  });

  it('rejects a refused condition as the DocumentClient does, and the next call goes through', async () => {
    const update = documentUpdates(documents());
    const refused = await update({
      TableName: table(),
      Key: { scheduler_id: 'update-refused' },
      UpdateExpression: 'SET n = :n',
      ConditionExpression: 'attribute_exists(scheduler_id)',
      ExpressionAttributeValues: { ':n': 1 },
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isConditionFailed(refused)).toBe(true);
    const next = await update({
      TableName: table(),
      Key: { scheduler_id: 'update-refused' },
      UpdateExpression: 'SET n = :n',
      ExpressionAttributeValues: { ':n': 2 },
      ReturnValues: 'ALL_NEW',
    });
    expect(next.Attributes).toEqual({ scheduler_id: 'update-refused', n: 2 });
  });
});
