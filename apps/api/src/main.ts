// The api's composition root: config → logger → SDK clients → adapters → app → listen.

import { createEngineReadiness } from '@schedmon/adapters/health';
import { createAwsClients } from '@schedmon/resources';
import { createAppLogger, handleShutdown } from '@schedmon/runtime';
import { buildApp } from './app.ts';
import { loadApiConfig } from './config.ts';

const config = loadApiConfig();
const logger = createAppLogger('api', config);
const clients = createAwsClients({
  region: config.AWS_REGION,
  dynamodbEndpoint: config.DYNAMODB_ENDPOINT,
  sqsEndpoint: config.SQS_ENDPOINT,
});
const app = buildApp({
  logger,
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
    { name: 'http', stop: () => app.close() },
  ],
  config.SHUTDOWN_TIMEOUT_MS,
);

await app.listen({ port: config.PORT, host: config.HOST });
