/**
 * SDK clients for DynamoDB and SQS, built the same way by every app and test.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';

export type AwsClientOptions = {
  region: string;
  /** Unset means AWS itself. */
  dynamodbEndpoint?: string | undefined;
  /** Unset means AWS itself. */
  sqsEndpoint?: string | undefined;
  /** Attempts per call, including the first (SDK default 3). */
  maxAttempts?: number;
};

export type AwsClients = { dynamodb: DynamoDBClient; sqs: SQSClient; destroy(): void };

// Local engines accept any credentials; without these the SDK's default chain would look
// for real ones (and stall on the instance metadata service) on a machine that has none.
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

function clientConfig(options: AwsClientOptions, endpoint: string | undefined) {
  const hasEnvCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID);
  return {
    region: options.region,
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(endpoint && !hasEnvCredentials ? { credentials: LOCAL_CREDENTIALS } : {}),
  };
}

/** Creates both clients; `destroy()` closes their connection pools. */
export function createAwsClients(options: AwsClientOptions): AwsClients {
  const dynamodb = new DynamoDBClient(clientConfig(options, options.dynamodbEndpoint));
  const sqs = new SQSClient(clientConfig(options, options.sqsEndpoint));
  return {
    dynamodb,
    sqs,
    destroy() {
      dynamodb.destroy();
      sqs.destroy();
    },
  };
}
