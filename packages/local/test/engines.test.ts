import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { AwsClients, ResourceNames } from '@schedmon/resources';
import {
  createAwsClients,
  DEFAULT_RESOURCE_NAMES,
  DUE_INDEX,
  MAX_RECEIVE_COUNT,
  provisionResources,
} from '@schedmon/resources';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalEngines } from '../src/index.ts';
import { acceptsConnections, externalAddresses, startLocalEngines } from '../src/index.ts';

const names: ResourceNames = { ...DEFAULT_RESOURCE_NAMES };

function clientsFor(engines: LocalEngines): AwsClients {
  return createAwsClients({
    region: 'ap-southeast-1',
    dynamodbEndpoint: engines.dynamodb.endpoint,
    sqsEndpoint: engines.sqs.endpoint,
  });
}

describe('embedded engines in memory', () => {
  let engines: LocalEngines;
  let clients: AwsClients;
  let queueUrl: string;
  let deadLetterQueueUrl: string;
  let startMs: number;

  beforeAll(async () => {
    const started = performance.now();
    engines = await startLocalEngines();
    startMs = performance.now() - started;
    clients = clientsFor(engines);
    ({ queueUrl, deadLetterQueueUrl } = await provisionResources(clients, names));
  });

  afterAll(async () => {
    clients.destroy();
    await engines.stop();
  });

  it('starts both engines on loopback in under 2 s', () => {
    expect(startMs).toBeLessThan(2_000);
    expect(engines.dynamodb.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(engines.sqs.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  // They have no authentication: nothing but this machine may reach them.
  it.skipIf(externalAddresses().length === 0)('listen on loopback only', async () => {
    for (const engine of [engines.dynamodb, engines.sqs]) {
      const port = Number(new URL(engine.endpoint).port);
      expect(await acceptsConnections('127.0.0.1', port), engine.name).toBe(true);
      for (const address of externalAddresses()) {
        expect(await acceptsConnections(address, port), `${engine.name} on ${address}`).toBe(false);
      }
    }
  });

  it('provisions the history table with its sort key, idempotently', async () => {
    const again = await provisionResources(clients, names);
    expect(again.queueUrl).toBe(queueUrl);
    const table = await clients.dynamodb.send(
      new DescribeTableCommand({ TableName: names.historyTable }),
    );
    expect(table.Table?.KeySchema).toEqual([
      { AttributeName: 'scheduler_id', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(table.Table?.TableStatus).toBe('ACTIVE');
  });

  it('refuses a conditional write with ConditionalCheckFailedException', async () => {
    const item = { scheduler_id: { S: 'job-a' }, timestamp: { S: '2026-01-15T00:00:00.000Z' } };
    const newerOnly = {
      TableName: names.schedulersTable,
      ConditionExpression: 'attribute_not_exists(scheduler_id) OR #ts < :ts',
      ExpressionAttributeNames: { '#ts': 'timestamp' },
    };
    await clients.dynamodb.send(
      new PutItemCommand({
        ...newerOnly,
        Item: item,
        ExpressionAttributeValues: { ':ts': item.timestamp },
      }),
    );
    const older = { ...item, timestamp: { S: '2026-01-14T23:00:00.000Z' } };
    const refused = clients.dynamodb.send(
      new PutItemCommand({
        ...newerOnly,
        Item: older,
        ExpressionAttributeValues: { ':ts': older.timestamp },
      }),
    );
    await expect(refused).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const stored = await clients.dynamodb.send(
      new GetItemCommand({
        TableName: names.schedulersTable,
        Key: { scheduler_id: { S: 'job-a' } },
      }),
    );
    expect(stored.Item?.timestamp?.S).toBe('2026-01-15T00:00:00.000Z');
  });

  it('queries history newest first with a limit', async () => {
    const timestamps = ['00:10', '00:30', '00:20', '00:40'].map((t) => `2026-01-15T${t}:00.000Z`);
    for (const [index, timestamp] of timestamps.entries()) {
      await clients.dynamodb.send(
        new PutItemCommand({
          TableName: names.historyTable,
          Item: {
            scheduler_id: { S: 'job-h' },
            sk: { S: `${timestamp}#e${index}` },
            expires_at: { N: '1800000000' },
          },
        }),
      );
    }
    const page = await clients.dynamodb.send(
      new QueryCommand({
        TableName: names.historyTable,
        KeyConditionExpression: 'scheduler_id = :id',
        ExpressionAttributeValues: { ':id': { S: 'job-h' } },
        ScanIndexForward: false,
        Limit: 2,
      }),
    );
    expect(page.Items?.map((row) => row.sk?.S)).toEqual([
      '2026-01-15T00:40:00.000Z#e3',
      '2026-01-15T00:30:00.000Z#e1',
    ]);
    expect(page.LastEvaluatedKey).toBeDefined();
  });

  it('finds due deadlines through the sparse, sharded deadlines index', async () => {
    const put = (id: string, due?: { shard: number; at: string }) =>
      clients.dynamodb.send(
        new PutItemCommand({
          TableName: names.schedulersTable,
          Item: {
            scheduler_id: { S: id },
            ...(due ? { due_shard: { N: String(due.shard) }, due_at: { S: due.at } } : {}),
          },
        }),
      );
    await put('due-a', { shard: 3, at: '2026-01-15T01:00:00.000Z' });
    await put('due-b', { shard: 3, at: '2026-01-15T03:00:00.000Z' });
    await put('due-c', { shard: 4, at: '2026-01-15T00:00:00.000Z' });
    await put('due-none');
    const due = await clients.dynamodb.send(
      new QueryCommand({
        TableName: names.schedulersTable,
        IndexName: DUE_INDEX.name,
        KeyConditionExpression: 'due_shard = :shard AND due_at <= :now',
        ExpressionAttributeValues: {
          ':shard': { N: '3' },
          ':now': { S: '2026-01-15T02:00:00.000Z' },
        },
      }),
    );
    expect(due.Items?.map((item) => item.scheduler_id?.S)).toEqual(['due-a']);
  });

  it('sends, long-poll receives and deletes a message', async () => {
    const receiving = clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        WaitTimeSeconds: 5,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
      }),
    );
    // Sent after the receive is waiting: the long poll must return it without a new call.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: '{"v":1}',
        MessageAttributes: { source: { DataType: 'String', StringValue: 'test' } },
      }),
    );
    const received = await receiving;
    expect(received.Messages).toHaveLength(1);
    const message = received.Messages?.[0];
    expect(message?.Body).toBe('{"v":1}');
    expect(message?.MessageAttributes?.source?.StringValue).toBe('test');
    await clients.sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle }),
    );
    const after = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0, VisibilityTimeout: 0 }),
    );
    expect(after.Messages ?? []).toHaveLength(0);
  });

  it(`parks a message in the DLQ after ${MAX_RECEIVE_COUNT} receives`, async () => {
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'poison' }));
    const counts: string[] = [];
    for (let attempt = 0; attempt < MAX_RECEIVE_COUNT + 1; attempt += 1) {
      const received = await clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 0,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      const count = received.Messages?.[0]?.Attributes?.ApproximateReceiveCount;
      if (count) counts.push(count);
    }
    expect(counts).toEqual(['1', '2', '3', '4', '5']);
    const parked = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: deadLetterQueueUrl, WaitTimeSeconds: 1 }),
    );
    expect(parked.Messages?.map((m) => m.Body)).toEqual(['poison']);
  });
});

describe('embedded engines on a data directory', () => {
  let dataDir: string;
  let clients: AwsClients | undefined;
  let engines: LocalEngines | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'schedmon-engines-'));
  });

  afterEach(async () => {
    clients?.destroy();
    await engines?.stop();
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps tables, items and queued messages across a restart', async () => {
    engines = await startLocalEngines({ dataDir });
    clients = clientsFor(engines);
    const { queueUrl } = await provisionResources(clients, names);
    await clients.dynamodb.send(
      new PutItemCommand({
        TableName: names.schedulersTable,
        Item: { scheduler_id: { S: 'kept' }, status: { S: 'running' } },
      }),
    );
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'kept' }));
    clients.destroy();
    await engines.stop();

    engines = await startLocalEngines({ dataDir });
    clients = clientsFor(engines);
    const item = await clients.dynamodb.send(
      new GetItemCommand({
        TableName: names.schedulersTable,
        Key: { scheduler_id: { S: 'kept' } },
      }),
    );
    expect(item.Item?.status?.S).toBe('running');
    const depth = await clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    expect(depth.Attributes?.ApproximateNumberOfMessages).toBe('1');
  });

  it('restarts a stopped engine on the same port', async () => {
    engines = await startLocalEngines();
    clients = clientsFor(engines);
    await provisionResources(clients, names);
    const endpoint = engines.dynamodb.endpoint;
    await engines.dynamodb.stop();
    expect(engines.dynamodb.running).toBe(false);
    await expect(
      clients.dynamodb.send(new DescribeTableCommand({ TableName: names.schedulersTable })),
    ).rejects.toThrow();
    await engines.dynamodb.start();
    expect(engines.dynamodb.endpoint).toBe(endpoint);
  });
});

describe('a table from an older version', () => {
  it('stops with what to do on a schedulers table from before the deadlines index, deleting nothing', async () => {
    const engines = await startLocalEngines();
    const clients = clientsFor(engines);
    try {
      await clients.dynamodb.send(
        new CreateTableCommand({
          TableName: names.schedulersTable,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'scheduler_id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'scheduler_id', KeyType: 'HASH' }],
        }),
      );
      await clients.dynamodb.send(
        new PutItemCommand({
          TableName: names.schedulersTable,
          Item: { scheduler_id: { S: 'old-job' }, service_name: { S: 'Old' } },
        }),
      );
      await expect(provisionResources(clients, names)).rejects.toThrow(
        /lacks the index due-index.*move the data directory \(\.data\/\) away/,
      );
      const kept = await clients.dynamodb.send(
        new GetItemCommand({
          TableName: names.schedulersTable,
          Key: { scheduler_id: { S: 'old-job' } },
        }),
      );
      expect(kept.Item?.service_name?.S).toBe('Old');
    } finally {
      clients.destroy();
      await engines.stop();
    }
  });
});
