/**
 * SDK clients for DynamoDB and SQS, built the same way by every app and test.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { UndiciHttpHandler } from './http-handler.ts';
import { Sha256 } from './sha256.ts';

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
    // Each client its own pool; the transport and the signing hash cost less than the
    // SDK's own (docs/performance.md → What a call costs).
    requestHandler: new UndiciHttpHandler(),
    sha256: Sha256,
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(endpoint && !hasEnvCredentials ? { credentials: LOCAL_CREDENTIALS } : {}),
  };
}

/**
 * The SDK's logger middleware runs on every call, filtering the whole input and output
 * for sensitive fields, even when its logger does nothing; the apps log the outcomes
 * they care about themselves (docs/performance.md → What a call costs).
 */
function withoutSdkLogging<T extends { middlewareStack: { remove(name: string): boolean } }>(
  client: T,
): T {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

/**
 * The SDK copies a client's whole config (about 50 properties) into a new object several
 * times a call: its serialiser, its deserialiser, the endpoint middleware and the signer
 * each spread it. Its constructor builds that config by a chain of `Object.assign`s, which
 * leaves it in V8's dictionary mode, where one such copy costs about 5.5 µs, against
 * 0.7 µs for an object in fast mode (measured on Node 24). V8 turns an object into fast
 * mode when property loads go through it as a prototype; this does that once, here. No
 * property changes, and should V8 stop doing it, only the speed is lost; a test checks
 * the mode, so that would be seen (docs/performance.md → The clients' configuration in
 * fast mode).
 */
function withFastConfig<T extends { config: object }>(client: T): T {
  const heir: { region?: unknown } = Object.create(client.config);
  // V8 gives a function its load caches, where this happens, only once it has run a few
  // times (the first client needs 10 rounds on Node 24): 32 leave a wide margin.
  for (let round = 0; round < 32; round += 1) readRegion(heir);
  return client;
}

function readRegion(object: { region?: unknown }): unknown {
  return object.region;
}

/** What every client gets: no logger middleware, its config in fast mode. */
function tuned<T extends { config: object; middlewareStack: { remove(name: string): boolean } }>(
  client: T,
): T {
  return withFastConfig(withoutSdkLogging(client));
}

/** Creates both clients; `destroy()` closes their connection pools. */
export function createAwsClients(options: AwsClientOptions): AwsClients {
  const dynamodb = tuned(new DynamoDBClient(clientConfig(options, options.dynamodbEndpoint)));
  const sqs = tuned(
    new SQSClient({
      ...clientConfig(options, options.sqsEndpoint),
      // The SDK's MD5 of every message body sent and received repeats what HTTPS already
      // guarantees, and the worker checks each body itself (parseQueueMessage).
      md5: false,
    }),
  );
  return {
    dynamodb,
    sqs,
    destroy() {
      dynamodb.destroy();
      sqs.destroy();
    },
  };
}
