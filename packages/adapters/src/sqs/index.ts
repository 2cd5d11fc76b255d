/**
 * The SQS adapter: the `EventQueue` port on an SQS queue and its dead-letter queue.
 */
export {
  createSqsEventQueue,
  type QueueDepth,
  type SqsEventQueue,
  type SqsEventQueueOptions,
} from './sqs-event-queue.ts';
