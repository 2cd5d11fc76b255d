// The cron app's composition root: config → logger → SDK clients → ops server.
// The EOD schedule (eod-slack.md → Schedule) is built on this skeleton.

import { createEngineReadiness } from '@schedmon/adapters/health';
import { createAwsClients } from '@schedmon/resources';
import { createAppLogger, handleShutdown, startOpsServer } from '@schedmon/runtime';
import { loadCronConfig } from './config.ts';

const config = loadCronConfig();
const logger = createAppLogger('cron', config);
const clients = createAwsClients({
  region: config.AWS_REGION,
  dynamodbEndpoint: config.DYNAMODB_ENDPOINT,
});
const ops = await startOpsServer({
  port: config.METRICS_PORT,
  version: config.APP_VERSION,
  readiness: createEngineReadiness({
    dynamodb: { client: clients.dynamodb, tableName: config.DYNAMODB_TABLE_STATE },
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
logger.info({ port: ops.port }, 'cron started');
