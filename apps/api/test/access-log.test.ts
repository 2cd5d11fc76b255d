// The api's access log: one line per request, when it ends, and none for probes.
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '@schedmon/runtime';
import { describe, expect, it } from 'vitest';
import { headers, registration, statusBody, useApp } from './helpers.ts';

type Line = {
  msg: string;
  level: number;
  request_id?: string;
  req?: { method: string; url: string };
  res?: { statusCode: number };
  responseTime?: number;
};

function capture() {
  const lines: Line[] = [];
  const waiting: { test: (line: Line) => boolean; resolve: (line: Line) => void }[] = [];
  const logger = createLogger(
    { name: 'api', level: 'info', pretty: false },
    new Writable({
      write(chunk, _encoding, done) {
        const line = JSON.parse(String(chunk)) as Line;
        lines.push(line);
        for (const waiter of waiting.filter((entry) => entry.test(line))) waiter.resolve(line);
        done();
      },
    }),
  );
  /** The first line (so far or to come) that passes `test`. */
  const lineWhere = (test: (line: Line) => boolean) =>
    new Promise<Line>((resolve) => {
      const seen = lines.find(test);
      if (seen) resolve(seen);
      else waiting.push({ test, resolve });
    });
  return { lines, logger, lineWhere };
}

describe('the access log', () => {
  const setup = useApp();

  it('writes one line per request, when it ends, with the request, its status, time and id', async () => {
    const { lines, logger } = capture();
    const { app } = setup({ logger });
    await app.inject({
      method: 'POST',
      url: '/api/v1/schedulers/register',
      headers: headers(),
      payload: registration(),
    });
    const accepted = await app.inject({
      method: 'PUT',
      url: '/api/v1/schedulers/service-a-eod/status',
      headers: { ...headers(), 'x-request-id': 'req-7' },
      payload: statusBody(),
    });
    expect(accepted.statusCode).toBe(202);
    const requestLines = lines.filter((line) => line.req !== undefined || line.res !== undefined);
    expect(requestLines.map((line) => line.msg)).toEqual([
      'request completed',
      'request completed',
    ]);
    const last = requestLines[1] as Line;
    expect(last.request_id).toBe('req-7');
    expect(last.req).toMatchObject({
      method: 'PUT',
      url: '/api/v1/schedulers/service-a-eod/status',
    });
    expect(last.res).toEqual({ statusCode: 202 });
    expect(last.responseTime).toBeGreaterThanOrEqual(0);
    expect(last.req).not.toHaveProperty('headers');
    expect(lines.some((line) => line.msg === 'incoming request')).toBe(false);
  });

  it('logs a refused request with its status, and no line for probes and scrapes', async () => {
    const { lines, logger } = capture();
    const { app } = setup({ logger });
    const refused = await app.inject({ method: 'GET', url: '/api/v1/schedulers' });
    expect(refused.statusCode).toBe(401);
    await app.inject({ method: 'GET', url: '/health' });
    await app.inject({ method: 'GET', url: '/metrics' });
    const requestLines = lines.filter((line) => line.req !== undefined);
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({
      msg: 'request completed',
      req: { method: 'GET', url: '/api/v1/schedulers' },
      res: { statusCode: 401 },
    });
  });

  it('logs a request Fastify answers itself (a malformed URL) with its status', async () => {
    const { lines, logger } = capture();
    const { app } = setup({ logger });
    const malformed = await app.inject({ method: 'GET', url: '/api/v1/schedulers/%E0%A4%A' });
    expect(malformed.statusCode).toBe(400);
    const requestLines = lines.filter((line) => line.req !== undefined);
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({ msg: 'request completed', res: { statusCode: 400 } });
  });

  it('logs a request whose client gave up before the answer as aborted, with its url', async () => {
    const { logger, lineWhere } = capture();
    const { app } = setup({ logger });
    let started: () => void = () => undefined;
    const handlerStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    app.get('/test/hung', async () => {
      started();
      await released;
      return { late: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const client = httpRequest({ port, host: '127.0.0.1', path: '/test/hung' });
    client.on('error', () => undefined); // the abort below
    client.end();
    await handlerStarted;
    client.destroy();
    const aborted = await lineWhere((line) => line.msg === 'request aborted');
    release();
    expect(aborted.req).toMatchObject({ method: 'GET', url: '/test/hung' });
    expect(aborted).not.toHaveProperty('res');
    expect(aborted.request_id).toEqual(expect.any(String));
  });
});
