/**
 * Each test file gets its own engines and its own table and queue names, provisioned
 * from the same definitions as production, and everything is stopped afterwards.
 */
import { randomBytes } from 'node:crypto';
import type { LocalEngines, TcpProxy } from '@schedmon/local';
import { startLocalEngines, startTcpProxy } from '@schedmon/local';
import type { AwsClients, ResourceNames } from '@schedmon/resources';
import { createAwsClients, provisionResources } from '@schedmon/resources';
import { afterAll, beforeAll } from 'vitest';
import { startContainerEngines } from './containers.ts';

export const TEST_REGION = 'ap-southeast-1';

export type EngineName = 'dynamodb' | 'sqs';

export type TestEnvironment = {
  /** The engines themselves; `stop()`/`start()` of one is a real restart (memory is lost). */
  engines: LocalEngines;
  /**
   * Cuts the connections to an engine as if it had stopped, keeping its data, until the
   * returned function restores it. Everything in `env` and `clients` goes through it.
   */
  interrupt(engine: EngineName): Promise<() => Promise<void>>;
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
 * Starts engines behind outage proxies, provisions unique resources on them and creates
 * SDK clients. Failure: rejects (after stopping what started) if an engine cannot start
 * or provision.
 */
export async function startTestEnvironment(
  options: { queueName?: string } = {},
): Promise<TestEnvironment> {
  const engines = await startEngines();
  const proxies: TcpProxy[] = [];
  let clients: AwsClients | undefined;
  const stop = async () => {
    clients?.destroy();
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await engines.stop();
  };
  try {
    const dynamodb = await startTcpProxy(engines.dynamodb.endpoint);
    proxies.push(dynamodb);
    const sqs = await startTcpProxy(engines.sqs.endpoint);
    proxies.push(sqs);
    const names = uniqueResourceNames();
    if (options.queueName) names.queueName = options.queueName;
    clients = createAwsClients({
      region: TEST_REGION,
      dynamodbEndpoint: dynamodb.endpoint,
      sqsEndpoint: sqs.endpoint,
    });
    const { queueUrl, deadLetterQueueUrl } = await provisionResources(clients, names);
    const interrupt = async (engine: EngineName) => {
      const proxy = engine === 'dynamodb' ? dynamodb : sqs;
      await proxy.interrupt();
      return () => proxy.restore();
    };
    const env: Record<string, string> = {
      AWS_REGION: TEST_REGION,
      DYNAMODB_ENDPOINT: dynamodb.endpoint,
      SQS_ENDPOINT: sqs.endpoint,
      DYNAMODB_TABLE_SCHEDULERS: names.schedulersTable,
      DYNAMODB_TABLE_STATUS_HISTORY: names.historyTable,
      DYNAMODB_TABLE_STATE: names.stateTable,
      SQS_QUEUE_URL: queueUrl,
      SQS_DLQ_URL: deadLetterQueueUrl,
    };
    return { engines, interrupt, names, queueUrl, deadLetterQueueUrl, clients, env, stop };
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
