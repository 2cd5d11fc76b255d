import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
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

  it('leaves each client’s config in V8’s fast mode, before and after a call', async () => {
    // Only V8's own check can tell, and it needs a flag of its own: a process of its own.
    const script = `
      import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
      import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
      import { createAwsClients } from ${JSON.stringify(new URL('./aws.ts', import.meta.url).href)};
      const fast = (object) => %HasFastProperties(object);
      const clients = createAwsClients({
        region: 'eu-west-1',
        dynamodbEndpoint: 'http://127.0.0.1:1',
        sqsEndpoint: 'http://127.0.0.1:1',
        maxAttempts: 1,
      });
      const before = [fast(clients.dynamodb.config), fast(clients.sqs.config)];
      // Refused connections: the calls still serialise, resolve the endpoint and sign first.
      const refused = (error) => error?.code ?? error?.name;
      const errors = [
        await clients.dynamodb.send(new ListTablesCommand({})).catch(refused),
        await clients.sqs.send(new GetQueueUrlCommand({ QueueName: 'q' })).catch(refused),
      ];
      console.log(JSON.stringify({ before, after: [fast(clients.dynamodb.config), fast(clients.sqs.config)], errors }));
      clients.destroy();
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--allow-natives-syntax', '--input-type=module', '--eval', script],
      {
        cwd: new URL('.', import.meta.url),
        // The local credentials, so that both calls get as far as the socket.
        env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' },
        timeout: 10_000,
      },
    );
    expect(JSON.parse(stdout)).toEqual({
      before: [true, true],
      after: [true, true],
      errors: ['ECONNREFUSED', 'ECONNREFUSED'],
    });
  });
});
