// `pnpm --filter @schedmon/infra synth > template.json`: the CloudFormation template with
// the default resource names (or those of the environment, as the apps read them).
import { DEFAULT_RESOURCE_NAMES } from '@schedmon/resources';
import { buildTemplate } from './cloudformation.ts';

const template = buildTemplate({
  schedulersTable: process.env.DYNAMODB_TABLE_SCHEDULERS || DEFAULT_RESOURCE_NAMES.schedulersTable,
  historyTable: process.env.DYNAMODB_TABLE_STATUS_HISTORY || DEFAULT_RESOURCE_NAMES.historyTable,
  stateTable: process.env.DYNAMODB_TABLE_STATE || DEFAULT_RESOURCE_NAMES.stateTable,
  queueName: process.env.SQS_QUEUE_NAME || DEFAULT_RESOURCE_NAMES.queueName,
});
process.stdout.write(`${JSON.stringify(template, null, 2)}\n`);
