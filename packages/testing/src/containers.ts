/**
 * `TEST_ENGINES=containers`: the same suites on DynamoDB Local and ElasticMQ containers,
 * for machines with a Docker engine. testcontainers is loaded only in this mode.
 */
import type { Engine, LocalEngines } from '@schedmon/local';

export const CONTAINER_IMAGES = {
  dynamodb: 'amazon/dynamodb-local:2.6.1',
  sqs: 'softwaremill/elasticmq-native:1.6.14',
} as const;

type Started = { getHost(): string; getMappedPort(port: number): number; stop(): Promise<unknown> };

function containerEngine(name: string, container: Started, port: number): Engine {
  let running = true;
  const endpoint = `http://${container.getHost()}:${container.getMappedPort(port)}`;
  return {
    name,
    endpoint,
    get running() {
      return running;
    },
    async start() {
      if (!running) {
        throw new Error(
          `${name}: restarting a container engine is not supported; use embedded engines`,
        );
      }
    },
    async stop() {
      if (!running) return;
      running = false;
      await container.stop();
    },
  };
}

/**
 * Starts both containers, or answers why it cannot (no Docker engine) so the caller can say
 * so and fall back to the embedded engines.
 */
export async function startContainerEngines(): Promise<LocalEngines | { unavailable: string }> {
  let testcontainers: typeof import('testcontainers');
  try {
    testcontainers = await import('testcontainers');
    await testcontainers.getContainerRuntimeClient();
  } catch (error) {
    return { unavailable: error instanceof Error ? error.message : String(error) };
  }
  const { GenericContainer, Wait } = testcontainers;
  const [dynamodb, sqs] = await Promise.all([
    new GenericContainer(CONTAINER_IMAGES.dynamodb)
      .withExposedPorts(8000)
      .withCommand(['-jar', 'DynamoDBLocal.jar', '-inMemory', '-sharedDb'])
      .withWaitStrategy(Wait.forListeningPorts())
      .start(),
    new GenericContainer(CONTAINER_IMAGES.sqs)
      .withExposedPorts(9324)
      .withWaitStrategy(Wait.forListeningPorts())
      .start(),
  ]);
  const engines = {
    dynamodb: containerEngine('dynamodb', dynamodb, 8000),
    sqs: containerEngine('sqs', sqs, 9324),
  };
  return {
    ...engines,
    stop: async () => {
      await Promise.all([engines.dynamodb.stop(), engines.sqs.stop()]);
    },
  };
}
