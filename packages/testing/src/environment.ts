/**
 * Each test file gets its own engines and its own table and queue names, provisioned
 * from the same definitions as production, and everything is stopped afterwards.
 */
import { randomBytes } from 'node:crypto';
import type { LocalEngines } from '@schedmon/local';
import { startLocalEngines } from '@schedmon/local';
import type { AwsClients, ResourceNames } from '@schedmon/resources';
import { createAwsClients, provisionResources } from '@schedmon/resources';
import { afterAll, beforeAll } from 'vitest';
import { startContainerEngines } from './containers.ts';

export const TEST_REGION = 'ap-southeast-1';

export type TestEnvironment = {
  engines: LocalEngines;
  names: ResourceNames;
  queueUrl: string;
  deadLetterQueueUrl: string;
  clients: AwsClients;
  /** Variables that point an app process at these engines and names. */
  env: Record<string, string>;
  stop(): Promise<void>;
};

/** Table and queue names no other test file uses. */
export function uniqueResourceNames(prefix = 't'): ResourceNames {
  const id = `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`;
  return {
    schedulersTable: `${id}-schedulers`,
    historyTable: `${id}-history`,
    stateTable: `${id}-state`,
    queueName: `${id}-events`,
  };
}

let containerNoticeShown = false;

async function startEngines(): Promise<LocalEngines> {
  if (process.env.TEST_ENGINES === 'containers') {
    const containers = await startContainerEngines();
    if (!('unavailable' in containers)) return containers;
    if (!containerNoticeShown) {
      containerNoticeShown = true;
      console.warn(
        `TEST_ENGINES=containers skipped: no Docker engine (${containers.unavailable}). ` +
          'Running on the embedded engines (dynalite, fauxqs) instead.',
      );
    }
  }
  return startLocalEngines();
}

/**
 * Starts engines, provisions unique resources on them and creates SDK clients.
 * Failure: rejects (after stopping what started) if an engine cannot start or provision.
 */
export async function startTestEnvironment(options: { queueName?: string } = {}) {
  const engines = await startEngines();
  const names = uniqueResourceNames();
  if (options.queueName) names.queueName = options.queueName;
  const clients = createAwsClients({
    region: TEST_REGION,
    dynamodbEndpoint: engines.dynamodb.endpoint,
    sqsEndpoint: engines.sqs.endpoint,
  });
  const stop = async () => {
    clients.destroy();
    await engines.stop();
  };
  try {
    const { queueUrl, deadLetterQueueUrl } = await provisionResources(clients, names);
    const env: Record<string, string> = {
      AWS_REGION: TEST_REGION,
      DYNAMODB_ENDPOINT: engines.dynamodb.endpoint,
      SQS_ENDPOINT: engines.sqs.endpoint,
      DYNAMODB_TABLE_SCHEDULERS: names.schedulersTable,
      DYNAMODB_TABLE_STATUS_HISTORY: names.historyTable,
      DYNAMODB_TABLE_STATE: names.stateTable,
      SQS_QUEUE_URL: queueUrl,
      SQS_DLQ_URL: deadLetterQueueUrl,
    };
    return {
      engines,
      names,
      queueUrl,
      deadLetterQueueUrl,
      clients,
      env,
      stop,
    } satisfies TestEnvironment;
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Registers `beforeAll`/`afterAll` hooks giving the calling test file one environment,
 * and returns its getter (valid inside tests and hooks).
 */
export function useTestEnvironment(options: { queueName?: string } = {}): () => TestEnvironment {
  let environment: TestEnvironment | undefined;
  beforeAll(async () => {
    environment = await startTestEnvironment(options);
  });
  afterAll(async () => {
    await environment?.stop();
    environment = undefined;
  });
  return () => {
    if (!environment) throw new Error('The test environment is only available inside tests');
    return environment;
  };
}
