// Production's form of the apps: the bundles, run with the production runtime settings on
// the real engines. A status goes api → queue → worker → record, Swagger UI (left out of
// the bundle) serves, the cron app takes the lease, and all three stop cleanly.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { AwsClients } from '@schedmon/resources';
import {
  createAwsClients,
  DEFAULT_RESOURCE_NAMES,
  productionRuntimeEnv,
  provisionResources,
} from '@schedmon/resources';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppName, LocalEngines } from '../src/index.ts';
import { APPS, bundleApp, findFreePort, startLocalEngines, waitFor } from '../src/index.ts';

const KEY = 'bundle-key';

describe('the bundled apps under the production runtime', () => {
  let engines: LocalEngines;
  let clients: AwsClients;
  const running = new Map<AppName, { child: ChildProcess; exited: Promise<unknown> }>();
  const ports = {} as Record<AppName, number>;
  const files = {} as Record<AppName, string>;

  beforeAll(async () => {
    engines = await startLocalEngines();
    clients = createAwsClients({
      region: 'ap-southeast-1',
      dynamodbEndpoint: engines.dynamodb.endpoint,
      sqsEndpoint: engines.sqs.endpoint,
    });
    const { queueUrl, deadLetterQueueUrl } = await provisionResources(
      clients,
      DEFAULT_RESOURCE_NAMES,
    );
    for (const app of APPS) {
      files[app] = (await bundleApp(app)).file;
      ports[app] = await findFreePort();
    }
    for (const app of APPS) {
      const child = spawn(process.execPath, [files[app]], {
        env: {
          PATH: process.env.PATH,
          ...productionRuntimeEnv(app),
          LOG_LEVEL: 'warn',
          AWS_REGION: 'ap-southeast-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          DYNAMODB_ENDPOINT: engines.dynamodb.endpoint,
          SQS_ENDPOINT: engines.sqs.endpoint,
          SQS_QUEUE_URL: queueUrl,
          SQS_DLQ_URL: deadLetterQueueUrl,
          API_KEYS: KEY,
          HOST: '127.0.0.1',
          PORT: String(ports[app]),
          METRICS_PORT: String(ports[app]),
          RECEIVE_WAIT_SECONDS: '1',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      running.set(app, { child, exited: new Promise((resolve) => child.once('exit', resolve)) });
    }
    for (const app of APPS) {
      await waitFor(
        () => fetch(`http://127.0.0.1:${ports[app]}/health`).then((r) => r.ok),
        `${app} /health`,
        15_000,
      );
    }
  }, 60_000);

  afterAll(async () => {
    for (const { child } of running.values()) if (child.exitCode === null) child.kill('SIGKILL');
    clients?.destroy();
    await engines?.stop();
  });

  it('are single files that load no TypeScript and none of the local engines', async () => {
    for (const app of APPS) {
      const text = await readFile(files[app], 'utf8');
      expect(text.startsWith('import {')).toBe(true);
      expect(text).not.toMatch(/from\s*["'][^"']*\.ts["']/);
      expect(text).not.toContain('dynalite');
      // V8 keeps a script's source in memory, two bytes a character if any character is
      // past Latin-1: ASCII keeps the api's 5 MB one byte a character (docs/performance.md).
      expect(text.match(/[\u0080-\uffff]/g) ?? [], app).toEqual([]);
    }
  });

  it('carry a status from the api through the queue and the worker to the record', async () => {
    const api = `http://127.0.0.1:${ports.api}/api/v1`;
    const headers = { 'x-api-key': KEY, 'content-type': 'application/json' };
    const job = { scheduler_id: 'bundled-job', service_name: 'Bundle', job_name: 'EOD' };
    const registered = await fetch(`${api}/schedulers/register`, {
      method: 'POST',
      headers,
      body: JSON.stringify(job),
    });
    expect(registered.status).toBe(201);
    const timestamp = new Date(Date.now() - 1_000).toISOString();
    const accepted = await fetch(`${api}/schedulers/bundled-job/status`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ ...job, status: 'completed', timestamp, execution_time_ms: 1200 }),
    });
    expect(accepted.status).toBe(202);
    const record = await waitFor(
      async () => {
        const body = (await fetch(`${api}/schedulers/bundled-job`, { headers }).then((r) =>
          r.json(),
        )) as { status: string; timestamp: string };
        return body.status === 'completed' ? body : undefined;
      },
      'the record to show the status',
      15_000,
    );
    expect(record.timestamp).toBe(timestamp);
  });

  it('serve the API docs from the package left out of the bundle', async () => {
    const docs = await fetch(`http://127.0.0.1:${ports.api}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
  });

  it('elect the cron leader, then all stop with exit 0 on SIGTERM', async () => {
    await waitFor(
      () =>
        fetch(`http://127.0.0.1:${ports.cron}/metrics`)
          .then((r) => r.text())
          .then((text) => /schedmon_cron_leader 1/.test(text)),
      'the cron leader',
      15_000,
    );
    for (const { child } of running.values()) child.kill('SIGTERM');
    for (const [app, { exited }] of running) {
      expect({ app, code: await exited }).toEqual({ app, code: 0 });
    }
  });
});
