import { describe, expect, it } from 'vitest';
import { createAwsClients } from './aws.ts';
import { UndiciHttpHandler } from './http-handler.ts';
import { Sha256 } from './sha256.ts';

describe('createAwsClients', () => {
  it('leaves out the SDK’s logger middleware and SQS’s MD5 checks, and uses the cheaper transport and hash', async () => {
    const clients = createAwsClients({
      region: 'ap-southeast-1',
      dynamodbEndpoint: 'http://127.0.0.1:1',
      sqsEndpoint: 'http://127.0.0.1:1',
    });
    try {
      // `remove` answers false when the SDK renames the middleware: this test then fails
      // rather than the cost silently coming back.
      for (const client of [clients.dynamodb, clients.sqs]) {
        const names = client.middlewareStack.identify().map((line) => line.split(' ')[0]);
        expect(names).not.toContain('loggerMiddleware');
        expect(names.length).toBeGreaterThan(5);
      }
      expect(clients.sqs.config.md5).toBe(false);
      // The cheaper transport and signing hash (docs/performance.md → What a call costs).
      for (const client of [clients.dynamodb, clients.sqs]) {
        expect(client.config.requestHandler).toBeInstanceOf(UndiciHttpHandler);
        expect(client.config.sha256).toBe(Sha256);
      }
    } finally {
      clients.destroy();
    }
  });
});
