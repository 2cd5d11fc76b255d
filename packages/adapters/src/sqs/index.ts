/**
 * The SQS adapter: the `EventProducer` port on the event queue, and the `EventConsumer`
 * port on the event queue and its dead-letter queue. Each process makes the role it needs.
 */
export {
  createSqsEventConsumer,
  type QueueDepth,
  type SqsEventConsumer,
  type SqsEventConsumerOptions,
} from './sqs-event-consumer.ts';
export {
  createSqsEventProducer,
  type SqsEventProducer,
  type SqsEventProducerOptions,
} from './sqs-event-producer.ts';
