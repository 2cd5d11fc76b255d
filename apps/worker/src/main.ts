// The worker's composition root: config → logger → SDK clients → ops server.
// The queue consumer (queue.md → Worker guarantees) is built on this skeleton.

import { createEngineReadiness } from '@schedmon/adapters/health';
import { createAwsClients } from '@schedmon/resources';
import { createAppLogger, handleShutdown, startOpsServer } from '@schedmon/runtime';
import { loadWorkerConfig } from './config.ts';

const config = loadWorkerConfig();
const logger = createAppLogger('worker', config);
const clients = createAwsClients({
  region: config.AWS_REGION,
  dynamodbEndpoint: config.DYNAMODB_ENDPOINT,
  sqsEndpoint: config.SQS_ENDPOINT,
});
const ops = await startOpsServer({
  port: config.METRICS_PORT,
  version: config.APP_VERSION,
  readiness: createEngineReadiness({
    dynamodb: { client: clients.dynamodb, tableName: config.DYNAMODB_TABLE_SCHEDULERS },
    sqs: { client: clients.sqs, queueUrl: config.SQS_QUEUE_URL },
  }),
});
handleShutdown(
  logger,
  [
    { name: 'aws-clients', stop: () => clients.destroy() },
    { name: 'ops-server', stop: () => ops.close() },
  ],
  config.SHUTDOWN_TIMEOUT_MS,
);
logger.info({ port: ops.port, queueUrl: config.SQS_QUEUE_URL }, 'worker started');
