import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  GetQueueAttributesCommand,
  ListQueuesCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it, vi } from 'vitest';
import {
  countResources,
  findLeaks,
  startContainerEngines,
  startTestEnvironment,
  uniqueResourceNames,
  useTestEnvironment,
} from '../src/index.ts';

describe('the toolchain', () => {
  it('runs the suite on the Node 24 the repository pins, not the system Node', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(major).toBeGreaterThanOrEqual(24);
  });
});

describe('leak detection', () => {
  // The previous test's own short-lived timers and handles may still be closing; start
  // each check from a quiet event loop so it sees only what the test itself creates.
  const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

  it('reports a listening server until it is closed', async () => {
    await settle();
    const baseline = countResources();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    expect(await findLeaks(baseline, 50)).toEqual(['1 × TCPServerWrap']);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await findLeaks(baseline)).toEqual([]);
  });

  it('reports a timer until it is cleared', async () => {
    await settle();
    const baseline = countResources();
    const timer = setTimeout(() => undefined, 60_000);
    expect(await findLeaks(baseline, 50)).toEqual(['1 × Timeout']);
    clearTimeout(timer);
    expect(await findLeaks(baseline)).toEqual([]);
  });

  it('reports a child process until it exits', async () => {
    await settle();
    const baseline = countResources();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {
      stdio: 'ignore',
    });
    expect(await findLeaks(baseline, 50)).toContain('1 × ProcessWrap');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(await findLeaks(baseline)).toEqual([]);
  });
});

describe('test environments', () => {
  const environment = useTestEnvironment();

  it('gives each file unique table and queue names', () => {
    const a = uniqueResourceNames();
    const b = uniqueResourceNames();
    expect(a.schedulersTable).not.toBe(b.schedulersTable);
    expect(a.queueName).not.toBe(b.queueName);
  });

  it('provisions its own tables and queues on its own engines', async () => {
    const { clients, names, env } = environment();
    const tables = await clients.dynamodb.send(new ListTablesCommand({}));
    expect(tables.TableNames?.sort()).toEqual(
      [names.historyTable, names.schedulersTable, names.stateTable].sort(),
    );
    const queues = await clients.sqs.send(new ListQueuesCommand({}));
    expect(queues.QueueUrls).toHaveLength(2);
    expect(env.SQS_QUEUE_URL).toContain(names.queueName);
    expect(env.DYNAMODB_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('interrupts an engine like an outage, keeping its data, until restored', async () => {
    const { clients, queueUrl, interrupt } = environment();
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'before' }));
    const restore = await interrupt('sqs');
    await expect(
      clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'during' })),
    ).rejects.toThrow();
    await restore();
    const depth = await clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    expect(depth.Attributes?.ApproximateNumberOfMessages).toBe('1');
  });
});

describe('TEST_ENGINES=containers', () => {
  it('falls back to the embedded engines, saying why, when there is no Docker engine', async () => {
    const containers = await startContainerEngines();
    if (!('unavailable' in containers)) {
      // A machine with Docker runs the containers themselves; nothing to fall back from.
      await containers.stop();
      return;
    }
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    process.env.TEST_ENGINES = 'containers';
    try {
      const environment = await startTestEnvironment();
      await environment.stop();
      expect(environment.engines.dynamodb.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:/);
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining('TEST_ENGINES=containers skipped: no Docker engine'),
      );
    } finally {
      delete process.env.TEST_ENGINES;
      warn.mockRestore();
    }
  });
});
