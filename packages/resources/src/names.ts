/**
 * The names of schedmon's tables and queue, on their own so that the configuration
 * defaults (`@schedmon/runtime`) can use them without loading the AWS SDK.
 */

/** Names of the three tables and the queue pair. */
export type ResourceNames = {
  schedulersTable: string;
  historyTable: string;
  stateTable: string;
  queueName: string;
};

/**
 * The names `pnpm start` and a default deployment use (docs/configuration.md, docs/queue.md); the
 * `DYNAMODB_TABLE_*` and `SQS_QUEUE_NAME` defaults.
 */
export const DEFAULT_RESOURCE_NAMES: ResourceNames = Object.freeze({
  schedulersTable: 'schedulers',
  historyTable: 'scheduler_status_history',
  stateTable: 'scheduler_monitor_state',
  queueName: 'schedmon-events',
});
