import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { useTestEnvironment } from '@schedmon/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDynamoTable, checkQueue, createEngineReadiness } from '../src/health.ts';

const environment = useTestEnvironment();
const ACCOUNT = '123456789012';
const ARN = `arn:aws:iam::${ACCOUNT}:role/schedmon-api`;
const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };

// An endpoint that answers every call as AWS answers a principal without permission: a
// 400 whose message names the account and the role (the DynamoDB JSON error contract).
const denying = createServer((_request, response) => {
  response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
  response.end(
    JSON.stringify({
      __type: 'com.amazon.coral.service#AccessDeniedException',
      message: `User: ${ARN} is not authorized to perform: dynamodb:DescribeTable`,
    }),
  );
});
await new Promise<void>((resolve) => denying.listen(0, '127.0.0.1', resolve));
const deniedEndpoint = `http://127.0.0.1:${(denying.address() as AddressInfo).port}`;
afterAll(() => new Promise((resolve) => denying.close(resolve)));

function recordingLogger() {
  const lines: { details: Record<string, unknown>; message: string }[] = [];
  return {
    lines,
    warn: (details: Record<string, unknown>, message: string) => lines.push({ details, message }),
  };
}

describe('readiness probes', () => {
  it('say what is down without the AWS error text, and log the rest', async () => {
    const client = new DynamoDBClient({
      endpoint: deniedEndpoint,
      region: 'eu-west-1',
      credentials,
      maxAttempts: 1,
    });
    const logger = recordingLogger();
    const check = await checkDynamoTable(client, 'schedulers', 1_000, logger);
    client.destroy();
    expect(check).toMatchObject({
      status: 'down',
      message: 'DynamoDB unreachable (AccessDeniedException)',
    });
    expect(JSON.stringify(check)).not.toContain(ACCOUNT);
    expect(String((logger.lines[0]?.details.err as Error | undefined)?.message)).toContain(ARN);
  });

  it('name a refused connection by its code', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const client = new SQSClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'eu-west-1',
      credentials,
      maxAttempts: 1,
    });
    const check = await checkQueue(client, `http://127.0.0.1:${port}/000000000000/q`, 1_000);
    client.destroy();
    expect(check.status).toBe('down');
    expect(check.message).toMatch(/^SQS unreachable \((ECONNREFUSED|[A-Za-z]+)\)$/);
  });

  it('are up on the real engines', async () => {
    const { clients, names, queueUrl } = environment();
    const report = await createEngineReadiness({
      dynamodb: { client: clients.dynamodb, tableName: names.schedulersTable },
      sqs: { client: clients.sqs, queueUrl },
    })();
    expect(report.status).toBe('healthy');
  });
});
