export { type AwsClientOptions, type AwsClients, createAwsClients } from './aws.ts';
export {
  createTableInput,
  DEFAULT_RESOURCE_NAMES,
  deadLetterQueueUrlOf,
  type KeyAttribute,
  MAX_RECEIVE_COUNT,
  type ProvisionedQueues,
  type ProvisionResult,
  provisionResources,
  type QueueDefinition,
  type QueuePairDefinition,
  queueDefinitions,
  type ResourceNames,
  type TableDefinition,
  TTL_ATTRIBUTE,
  tableDefinitions,
} from './resources.ts';
export { PRODUCTION_RUNTIME_ENV } from './runtime-env.ts';
