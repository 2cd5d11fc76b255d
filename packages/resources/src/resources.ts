/**
 * The AWS resources schedmon needs, described once. The local engines provision them from
 * these definitions, and `infra/` generates the AWS template from the same ones, so a
 * table key or a redrive policy cannot differ between a laptop and production.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import type { ResourceNames } from './names.ts';

/** Attribute DynamoDB's TTL reads (epoch seconds) on the tables whose rows expire. */
export const TTL_ATTRIBUTE = 'expires_at';

/** How many receives a message gets before the redrive policy parks it in the DLQ. */
export const MAX_RECEIVE_COUNT = 5;

export type KeyAttribute = { name: string; type: 'S' | 'N' };

/** A global secondary index: its keys and the attributes it carries besides them. */
export type IndexDefinition = {
  name: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  /** Non-key attributes projected into the index (`INCLUDE`). */
  attributes: string[];
};

export type TableDefinition = {
  /** Which of the three tables this is. */
  role: 'schedulers' | 'history' | 'state';
  name: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  /** Attribute with DynamoDB TTL enabled, if rows of this table expire. */
  ttlAttribute?: string;
  indexes?: IndexDefinition[];
};

/**
 * The deadlines index of the schedulers table (docs/schedules.md → Deadlines): sparse
 * (only records with a deadline carry `due_shard` and `due_at`) and sharded, so the
 * watchdog finds what is due with one query per shard, never a scan.
 */
export const DUE_INDEX: IndexDefinition = {
  name: 'due-index',
  partitionKey: { name: 'due_shard', type: 'N' },
  sortKey: { name: 'due_at', type: 'S' },
  attributes: ['due_kind', 'next_expected_at'],
};

export type QueueDefinition = {
  name: string;
  fifo: boolean;
  /** SQS attributes, as strings, as the SQS API takes them (without the redrive policy). */
  attributes: Record<string, string>;
};

export type QueuePairDefinition = {
  main: QueueDefinition;
  deadLetter: QueueDefinition;
  maxReceiveCount: number;
};

const FOURTEEN_DAYS_SECONDS = 14 * 24 * 60 * 60;
const FOUR_DAYS_SECONDS = 4 * 24 * 60 * 60;

/** The three tables: current records, status history (sort key `<timestamp>#<event_id>`), state. */
export function tableDefinitions(names: ResourceNames): TableDefinition[] {
  return [
    {
      role: 'schedulers',
      name: names.schedulersTable,
      partitionKey: { name: 'scheduler_id', type: 'S' },
      indexes: [DUE_INDEX],
    },
    {
      role: 'history',
      name: names.historyTable,
      partitionKey: { name: 'scheduler_id', type: 'S' },
      sortKey: { name: 'sk', type: 'S' },
      ttlAttribute: TTL_ATTRIBUTE,
    },
    {
      role: 'state',
      name: names.stateTable,
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'sk', type: 'S' },
      // Leases, markers and message references expire too, so old nights clean themselves up.
      ttlAttribute: TTL_ATTRIBUTE,
    },
  ];
}

/**
 * The event queue and its dead-letter queue. A name ending in `.fifo` makes both FIFO
 * queues (SQS requires a FIFO queue's DLQ to be FIFO as well).
 */
export function queueDefinitions(queueName: string): QueuePairDefinition {
  const fifo = queueName.endsWith('.fifo');
  const base = fifo ? queueName.slice(0, -'.fifo'.length) : queueName;
  const fifoAttributes: Record<string, string> = fifo ? { FifoQueue: 'true' } : {};
  return {
    main: {
      name: queueName,
      fifo,
      attributes: {
        ...fifoAttributes,
        VisibilityTimeout: '30',
        ReceiveMessageWaitTimeSeconds: '20',
        MessageRetentionPeriod: String(FOUR_DAYS_SECONDS),
        MaximumMessageSize: String(256 * 1024),
      },
    },
    deadLetter: {
      name: fifo ? `${base}-dlq.fifo` : `${base}-dlq`,
      fifo,
      attributes: {
        ...fifoAttributes,
        MessageRetentionPeriod: String(FOURTEEN_DAYS_SECONDS),
        MaximumMessageSize: String(256 * 1024),
      },
    },
    maxReceiveCount: MAX_RECEIVE_COUNT,
  };
}

const keySchema = (keys: readonly KeyAttribute[]) =>
  keys.map((key, index) => ({
    AttributeName: key.name,
    KeyType: index === 0 ? ('HASH' as const) : ('RANGE' as const),
  }));

/** An index as `CreateTable` and `UpdateTable` take it. */
function indexInput(index: IndexDefinition) {
  return {
    IndexName: index.name,
    KeySchema: keySchema([index.partitionKey, index.sortKey]),
    Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: index.attributes },
  };
}

/** Every attribute a definition keys on, its indexes' included, once each. */
function keyAttributes(table: TableDefinition): KeyAttribute[] {
  const all = [
    table.partitionKey,
    ...(table.sortKey ? [table.sortKey] : []),
    ...(table.indexes ?? []).flatMap((index) => [index.partitionKey, index.sortKey]),
  ];
  return all.filter((key, at) => all.findIndex((other) => other.name === key.name) === at);
}

/** The DynamoDB `CreateTable` input of a definition: on-demand billing. */
export function createTableInput(table: TableDefinition) {
  const keys = table.sortKey ? [table.partitionKey, table.sortKey] : [table.partitionKey];
  return {
    TableName: table.name,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: keyAttributes(table).map((key) => ({
      AttributeName: key.name,
      AttributeType: key.type,
    })),
    KeySchema: keySchema(keys),
    ...(table.indexes?.length ? { GlobalSecondaryIndexes: table.indexes.map(indexInput) } : {}),
  };
}

export type ProvisionedQueues = { queueUrl: string; deadLetterQueueUrl: string };

export type ProvisionResult = ProvisionedQueues & {
  /** Tables whose TTL the engine could not enable (the local engine has no TTL). */
  ttlUnsupported: string[];
};

/**
 * Creates the tables and the queue pair if they are missing, and brings the queue's redrive
 * policy and the tables' TTL to the definitions. Safe to run any number of times, also
 * concurrently with another provisioner.
 *
 * Failure: an engine that cannot be reached or refuses a call rejects with the SDK error.
 * A DynamoDB engine without the TTL API (dynalite) is not a failure: the tables are listed
 * in `ttlUnsupported`, and the cron sweep deletes expired rows instead.
 */
export async function provisionResources(
  clients: { dynamodb: DynamoDBClient; sqs: SQSClient },
  names: ResourceNames,
): Promise<ProvisionResult> {
  const [ttlUnsupported, queues] = await Promise.all([
    provisionTables(clients.dynamodb, tableDefinitions(names)),
    provisionQueues(clients.sqs, queueDefinitions(names.queueName)),
  ]);
  return { ...queues, ttlUnsupported };
}

async function provisionTables(client: DynamoDBClient, tables: TableDefinition[]) {
  const ttlUnsupported: string[] = [];
  await Promise.all(
    tables.map(async (table) => {
      try {
        await client.send(new CreateTableCommand(createTableInput(table)));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
      await waitUntilTableExists(
        { client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 },
        { TableName: table.name },
      );
      await addMissingIndexes(client, table);
      if (table.ttlAttribute && !(await enableTtl(client, table.name, table.ttlAttribute))) {
        ttlUnsupported.push(table.name);
      }
    }),
  );
  return ttlUnsupported.sort();
}

/**
 * Creates the definition's indexes a table made before them lacks (a table from an older
 * version). DynamoDB builds an added index in the background while the table answers on;
 * this waits until the index is listed. The local engine (dynalite) cannot add an index
 * to a table: then provisioning stops with what to do, and nothing is deleted or copied.
 */
async function addMissingIndexes(client: DynamoDBClient, table: TableDefinition) {
  if (!table.indexes?.length) return;
  const listed = async () => {
    const described = await client.send(new DescribeTableCommand({ TableName: table.name }));
    return new Set((described.Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  };
  const present = await listed();
  for (const index of table.indexes.filter((candidate) => !present.has(candidate.name))) {
    try {
      await client.send(
        new UpdateTableCommand({
          TableName: table.name,
          AttributeDefinitions: [index.partitionKey, index.sortKey].map((key) => ({
            AttributeName: key.name,
            AttributeType: key.type,
          })),
          GlobalSecondaryIndexUpdates: [{ Create: indexInput(index) }],
        }),
      );
    } catch (error) {
      // Another provisioner's update: wait for the index below like for our own.
      if (!(error instanceof ResourceInUseException)) throw indexProblem(table, index, error);
    }
    const deadline = Date.now() + INDEX_WAIT_MS;
    while (!(await listed()).has(index.name)) {
      if (Date.now() > deadline) throw indexProblem(table, index, undefined);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

// DescribeTable is eventually consistent: a just-added index may take a moment to show.
const INDEX_WAIT_MS = 30_000;

function indexProblem(table: TableDefinition, index: IndexDefinition, cause: unknown) {
  return new Error(
    `The table ${table.name} was made by an older schedmon and lacks the index ${index.name}, which could not be added here${
      cause instanceof Error ? ` (${cause.message})` : ''
    }. On AWS, deploy the template in infra/ (CloudFormation adds it); with the local engines, move the data directory (.data/) away and start again.`,
    { cause },
  );
}

async function enableTtl(client: DynamoDBClient, tableName: string, attribute: string) {
  try {
    const current = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const ttl = current.TimeToLiveDescription;
    if (ttl?.AttributeName === attribute && ttl.TimeToLiveStatus !== 'DISABLED') return true;
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: attribute, Enabled: true },
      }),
    );
    return true;
  } catch (error) {
    if (isUnknownOperation(error)) return false;
    throw error;
  }
}

function isUnknownOperation(error: unknown) {
  const name = (error as { name?: string } | null)?.name ?? '';
  return name === 'UnknownOperationException' || name === 'UnknownOperation';
}

async function provisionQueues(client: SQSClient, pair: QueuePairDefinition) {
  const deadLetterQueueUrl = await ensureQueue(client, pair.deadLetter);
  const dlqAttributes = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const deadLetterTargetArn = dlqAttributes.Attributes?.QueueArn;
  if (!deadLetterTargetArn) throw new Error(`Queue ${pair.deadLetter.name} has no QueueArn`);
  const redrivePolicy = JSON.stringify({
    deadLetterTargetArn,
    maxReceiveCount: pair.maxReceiveCount,
  });
  const queueUrl = await ensureQueue(client, pair.main);
  // Set on every run, so a queue created before the DLQ existed (or by hand) gets it too.
  await client.send(
    new SetQueueAttributesCommand({
      QueueUrl: queueUrl,
      Attributes: { RedrivePolicy: redrivePolicy },
    }),
  );
  return { queueUrl, deadLetterQueueUrl };
}

async function ensureQueue(client: SQSClient, queue: QueueDefinition): Promise<string> {
  try {
    const existing = await client.send(new GetQueueUrlCommand({ QueueName: queue.name }));
    if (existing.QueueUrl) return existing.QueueUrl;
  } catch (error) {
    if (!(error instanceof QueueDoesNotExist)) throw error;
  }
  const created = await client.send(
    new CreateQueueCommand({ QueueName: queue.name, Attributes: queue.attributes }),
  );
  if (!created.QueueUrl) throw new Error(`CreateQueue for ${queue.name} returned no QueueUrl`);
  return created.QueueUrl;
}

/**
 * The DLQ URL that goes with a queue URL provisioned from these definitions
 * (`…/schedmon-events` → `…/schedmon-events-dlq`, `.fifo` kept last).
 */
export function deadLetterQueueUrlOf(queueUrl: string): string {
  return queueUrl.endsWith('.fifo') ? `${queueUrl.slice(0, -5)}-dlq.fifo` : `${queueUrl}-dlq`;
}
