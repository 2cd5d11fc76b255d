// How the DynamoDB adapter reports what the engine cannot store, on the local engine: as
// a domain UnstorableValueError (nothing to retry) with the SDK's error as `cause`, never as
// engine trouble.

import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { StatusEvent } from '@schedmon/domain';
import { EngineUnavailableError, UnstorableValueError } from '@schedmon/domain';
import { useTestEnvironment } from '@schedmon/testing';
import { describe, expect, it } from 'vitest';
import { dynamo } from '../src/dynamodb/errors.ts';
import {
  createDocumentClient,
  createDynamoHistoryStore,
  createDynamoSchedulerStore,
} from '../src/dynamodb/index.ts';

const environment = useTestEnvironment();
const stores = () => {
  const documents = createDocumentClient(environment().clients.dynamodb);
  const { names } = environment();
  return {
    schedulers: createDynamoSchedulerStore(documents, names.schedulersTable),
    history: createDynamoHistoryStore(documents, names.historyTable),
  };
};

const event = (id: string, metadata: Record<string, unknown>): StatusEvent => ({
  type: 'status',
  event_id: id,
  scheduler_id: 'unstorable',
  service_name: 'S',
  job_name: 'J',
  status: 'running',
  timestamp: new Date(Date.now() - 60_000).toISOString(),
  execution_time_ms: null,
  error_message: null,
  metadata,
  run_id: null,
  accepted_at: null,
});

async function refusal(write: Promise<unknown>) {
  const error = await write.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(UnstorableValueError);
  expect(error).not.toBeInstanceOf(EngineUnavailableError);
  return error as UnstorableValueError;
}

describe('DynamoDB stores given a value the engine cannot store', () => {
  it.each([
    ['an integer beyond ±2^53 (refused by the marshaller)', 2 ** 60, /MAX_SAFE_INTEGER/],
    ['NaN (refused by the marshaller)', Number.NaN, /Special numeric value NaN/],
    ['1e-200 (refused by the engine)', 1e-200, /underflow/i],
  ])(
    'reject %s with an UnstorableValueError keeping the SDK error as cause',
    async (_name, value, text) => {
      const { schedulers, history } = stores();
      await schedulers.register(
        { scheduler_id: 'unstorable', service_name: 'S', job_name: 'J' },
        new Date(Date.now() - 3_600_000).toISOString(),
      );
      const applied = await refusal(
        schedulers.applyStatus(event('e1', { value }), new Date().toISOString()),
      );
      expect(applied.message).toMatch(text);
      expect(applied.cause).toBeInstanceOf(Error);
      expect((applied.cause as Error).message).toMatch(text);

      const written = await refusal(
        history.putAll([
          {
            scheduler_id: 'unstorable',
            sk: 'x#e1',
            id: 'e1',
            type: 'status',
            status: 'running',
            timestamp: 'x',
            execution_time_ms: null,
            error_message: null,
            metadata: { value },
            run_id: null,
            expires_at: 1_900_000_000,
          },
        ]),
      );
      expect(written.message).toMatch(text);
    },
  );
});

describe('DynamoDB refusing a request of ours', () => {
  it('is neither an unstorable value nor engine trouble, so nothing is parked as bad input', async () => {
    const { clients, names } = environment();
    const wrongKey = dynamo('UpdateItem', () =>
      clients.dynamodb.send(
        new UpdateItemCommand({
          TableName: names.schedulersTable,
          Key: { not_the_key: { S: 'x' } },
          UpdateExpression: 'SET #n = :v',
          ExpressionAttributeNames: { '#n': 'service_name' },
          ExpressionAttributeValues: { ':v': { S: 'y' } },
        }),
      ),
    );
    const error = await wrongKey.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect((error as Error).name).toBe('ValidationException');
    expect(error).not.toBeInstanceOf(UnstorableValueError);
    expect(error).not.toBeInstanceOf(EngineUnavailableError);
  });
});
