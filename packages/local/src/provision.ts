// `pnpm provision`: creates the tables and the queue pair on the engines at
// DYNAMODB_ENDPOINT / SQS_ENDPOINT (or AWS when unset), idempotently, and prints the
// queue URLs. docker-compose runs it once before the apps start.
import { createAwsClients, provisionResources } from '@schedmon/resources';
import { loadConfigOrExit } from '@schedmon/runtime';
import { launcherConfigSchema } from './launcher-config.ts';

const config = loadConfigOrExit('provision', launcherConfigSchema);
const clients = createAwsClients({
  region: config.AWS_REGION,
  dynamodbEndpoint: config.DYNAMODB_ENDPOINT,
  sqsEndpoint: config.SQS_ENDPOINT,
});
try {
  const result = await provisionResources(clients, {
    schedulersTable: config.DYNAMODB_TABLE_SCHEDULERS,
    historyTable: config.DYNAMODB_TABLE_STATUS_HISTORY,
    stateTable: config.DYNAMODB_TABLE_STATE,
    queueName: config.SQS_QUEUE_NAME,
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  clients.destroy();
}
