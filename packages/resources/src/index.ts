export { type AwsClientOptions, type AwsClients, createAwsClients } from './aws.ts';
export { DEFAULT_RESOURCE_NAMES, type ResourceNames } from './names.ts';
export {
  createTableInput,
  DUE_INDEX,
  deadLetterQueueUrlOf,
  type IndexDefinition,
  type KeyAttribute,
  MAX_RECEIVE_COUNT,
  type ProvisionedQueues,
  type ProvisionResult,
  provisionResources,
  type QueueDefinition,
  type QueuePairDefinition,
  queueDefinitions,
  type TableDefinition,
  TTL_ATTRIBUTE,
  tableDefinitions,
} from './resources.ts';
export { PRODUCTION_RUNTIME_ENV, productionRuntimeEnv } from './runtime-env.ts';
