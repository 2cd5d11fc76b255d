import type { LocalEngines } from '@schedmon/local';
import { startLocalEngines } from '@schedmon/local';
import type { AwsClients } from '@schedmon/resources';
import { createAwsClients, DEFAULT_RESOURCE_NAMES, provisionResources } from '@schedmon/resources';

const REGION = 'ap-southeast-1';

/**
 * Runs `body` against fresh local engines with the default resources provisioned, giving it
 * the env an app needs to reach them and SDK clients; stops the engines afterwards.
 */
export async function withEngines<T>(
  body: (engines: LocalEngines, env: Record<string, string>, clients: AwsClients) => Promise<T>,
) {
  const engines = await startLocalEngines();
  const clients = createAwsClients({
    region: REGION,
    dynamodbEndpoint: engines.dynamodb.endpoint,
    sqsEndpoint: engines.sqs.endpoint,
  });
  try {
    const { queueUrl, deadLetterQueueUrl } = await provisionResources(
      clients,
      DEFAULT_RESOURCE_NAMES,
    );
    return await body(
      engines,
      {
        AWS_REGION: REGION,
        DYNAMODB_ENDPOINT: engines.dynamodb.endpoint,
        SQS_ENDPOINT: engines.sqs.endpoint,
        SQS_QUEUE_URL: queueUrl,
        SQS_DLQ_URL: deadLetterQueueUrl,
      },
      clients,
    );
  } finally {
    clients.destroy();
    await engines.stop();
  }
}
