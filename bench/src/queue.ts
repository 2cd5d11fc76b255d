import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { AwsClients } from '@schedmon/resources';

/** Messages in the queue, visible or in flight. */
export async function queueDepth(clients: Pick<AwsClients, 'sqs'>, queueUrl: string) {
  const result = await clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(result.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/**
 * Waits until the queue is empty, polling every 100 ms; resolves with the seconds it took
 * (Infinity once past `limitS`).
 */
export async function drained(depth: () => Promise<number>, limitS = Number.POSITIVE_INFINITY) {
  const started = performance.now();
  while ((await depth()) > 0) {
    if (performance.now() - started > limitS * 1000) return Number.POSITIVE_INFINITY;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return (performance.now() - started) / 1000;
}
