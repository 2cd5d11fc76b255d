import { createEngineReadiness } from '@schedmon/adapters/health';
import { createLogger } from '@schedmon/runtime';
import { useTestEnvironment } from '@schedmon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';

const environment = useTestEnvironment();

describe('api health routes on the real engines', () => {
  let app: ReturnType<typeof buildApp>;

  beforeAll(() => {
    const { clients, names, queueUrl } = environment();
    app = buildApp({
      logger: createLogger({ name: 'api', level: 'silent', pretty: false }),
      version: '9.9.9',
      readiness: createEngineReadiness({
        dynamodb: { client: clients.dynamodb, tableName: names.schedulersTable },
        sqs: { client: clients.sqs, queueUrl },
        cacheMs: 0,
        timeoutMs: 500,
      }),
    });
  });

  afterAll(async () => {
    await app.close();
  });

  it('answers /health with status, version and uptime, and echoes x-request-id', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'r-123' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-request-id']).toBe('r-123');
    expect(response.json()).toEqual({ status: 'ok', version: '9.9.9', uptime: expect.any(Number) });
  });

  it('is ready while both engines answer', async () => {
    const response = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.status).toBe('healthy');
    expect(body.components.dynamodb.status).toBe('up');
    expect(body.components.sqs.status).toBe('up');
  });

  it('is unhealthy (503) while DynamoDB is down, and ready again after', async () => {
    const restore = await environment().interrupt('dynamodb');
    try {
      const down = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(down.statusCode).toBe(503);
      expect(down.json().status).toBe('unhealthy');
      expect(down.json().components.dynamodb.status).toBe('down');
      expect(down.json().components.sqs.status).toBe('up');
    } finally {
      await restore();
    }
    const up = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(up.statusCode).toBe(200);
  });
});
