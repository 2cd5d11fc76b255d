// `pnpm dlq-replay [--max n] [--dry-run]`: moves messages parked in the dead-letter queue
// back to the event queue after the cause is fixed (e.g. the scheduler is now registered).
// Each message is sent to the main queue first and deleted from the DLQ only after, so a
// crash can duplicate a message (harmless: the worker is idempotent) but never lose one.
import { parseArgs } from 'node:util';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { createAwsClients, deadLetterQueueUrlOf } from '@schedmon/resources';
import { commonConfig, loadConfigOrExit } from '@schedmon/runtime';
import { Type } from '@sinclair/typebox';

// The attributes `park` added; the replayed message goes back as the producer sent it.
const PARK_ATTRIBUTES = new Set(['reason', 'detail', 'original_message_id', 'receive_count']);

export type ReplayResult = { moved: number; byReason: Record<string, number> };

/**
 * Moves up to `max` messages from `deadLetterQueueUrl` to `queueUrl`.
 * Failure: an SQS error rejects; what was moved before stays moved.
 */
export async function replayDeadLetters(
  sqs: SQSClient,
  options: { queueUrl: string; deadLetterQueueUrl: string; max: number; dryRun?: boolean },
): Promise<ReplayResult> {
  const result: ReplayResult = { moved: 0, byReason: {} };
  const fifo = options.queueUrl.endsWith('.fifo');
  // A dry run only looks: what it received is made visible again at the end.
  const looked: string[] = [];
  while (result.moved < options.max) {
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.deadLetterQueueUrl,
        MaxNumberOfMessages: Math.min(10, options.max - result.moved),
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) break;
    for (const message of messages) {
      const reason = message.MessageAttributes?.reason?.StringValue ?? 'redrive';
      result.byReason[reason] = (result.byReason[reason] ?? 0) + 1;
    }
    if (options.dryRun) {
      result.moved += messages.length;
      looked.push(
        ...messages.flatMap((message) => (message.ReceiptHandle ? [message.ReceiptHandle] : [])),
      );
      continue;
    }
    const entries = messages.map((message, index) => {
      const attributes = Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).filter(
          ([name]) => !PARK_ATTRIBUTES.has(name),
        ),
      );
      let groupId = 'replay';
      try {
        groupId = String(
          (JSON.parse(message.Body ?? '{}') as { scheduler_id?: string }).scheduler_id ?? 'replay',
        );
      } catch {}
      return {
        Id: String(index),
        MessageBody: message.Body ?? '',
        MessageAttributes: { ...attributes, replayed: { DataType: 'String', StringValue: 'dlq' } },
        ...(fifo
          ? { MessageGroupId: groupId.slice(0, 128), MessageDeduplicationId: message.MessageId }
          : {}),
      };
    });
    const sent = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: entries }),
    );
    const sentIds = new Set((sent.Successful ?? []).map((entry) => entry.Id));
    const toDelete = messages.flatMap((message, index) =>
      sentIds.has(String(index)) && message.ReceiptHandle
        ? [{ Id: String(index), ReceiptHandle: message.ReceiptHandle }]
        : [],
    );
    if (toDelete.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: options.deadLetterQueueUrl, Entries: toDelete }),
      );
    }
    result.moved += toDelete.length;
    if (toDelete.length < messages.length) break;
  }
  for (let start = 0; start < looked.length; start += 10) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: options.deadLetterQueueUrl,
        Entries: looked.slice(start, start + 10).map((handle, index) => ({
          Id: String(index),
          ReceiptHandle: handle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
  return result;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      max: { type: 'string', default: '1000' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const { AWS_REGION, SQS_ENDPOINT, SQS_QUEUE_URL, SQS_DLQ_URL } = commonConfig;
  const config = loadConfigOrExit(
    'dlq-replay',
    Type.Object({ AWS_REGION, SQS_ENDPOINT, SQS_QUEUE_URL, SQS_DLQ_URL }),
  );
  const clients = createAwsClients({ region: config.AWS_REGION, sqsEndpoint: config.SQS_ENDPOINT });
  try {
    const result = await replayDeadLetters(clients.sqs, {
      queueUrl: config.SQS_QUEUE_URL,
      deadLetterQueueUrl: config.SQS_DLQ_URL ?? deadLetterQueueUrlOf(config.SQS_QUEUE_URL),
      max: Number(values.max),
      dryRun: values['dry-run'],
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    clients.destroy();
  }
}
