import type { ReadinessReport } from '@schedmon/domain';
import { afterEach, describe, expect, it } from 'vitest';
import type { OpsServer } from './ops-server.ts';
import { startOpsServer } from './ops-server.ts';

describe('ops server', () => {
  let server: OpsServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const start = async (readiness?: () => Promise<ReadinessReport>) => {
    server = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      version: '1.2.3',
      ...(readiness ? { readiness } : {}),
    });
    return server;
  };

  it('answers /health with status, version and uptime', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', version: '1.2.3', uptime: 0 });
  });

  it('answers /health/ready 200 when degraded and 503 when unhealthy', async () => {
    let status: ReadinessReport['status'] = 'degraded';
    const { url } = await start(async () => ({ status, components: {} }));
    const degraded = await fetch(`${url}/health/ready`);
    expect(degraded.status).toBe(200);
    expect(((await degraded.json()) as ReadinessReport).status).toBe('degraded');
    status = 'unhealthy';
    expect((await fetch(`${url}/health/ready`)).status).toBe(503);
  });

  it('answers 503 when the readiness check itself throws', async () => {
    const { url } = await start(async () => {
      throw new Error('engine exploded');
    });
    const response = await fetch(`${url}/health/ready`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: 'unhealthy',
      message: 'engine exploded',
    });
  });

  it('serves Prometheus metrics, and 404/405 elsewhere', async () => {
    const { url } = await start();
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('schedmon_process_cpu_seconds_total');
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    expect((await fetch(`${url}/health`, { method: 'POST' })).status).toBe(405);
  });

  it('listens on loopback unless given another host', async () => {
    server = await startOpsServer({ port: 0, version: 'x' });
    expect(server.host).toBe('127.0.0.1');
    await server.close();
    server = await startOpsServer({ port: 0, host: '0.0.0.0', version: 'x' });
    expect(server.host).toBe('0.0.0.0');
  });

  it('refuses to start on a port that is taken', async () => {
    const first = await start();
    await expect(
      startOpsServer({ port: first.port, host: '127.0.0.1', version: 'x' }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});
