// The api's access log: one line per request, when it ends, and none for probes.
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
  const logger = createLogger(
    { name: 'api', level: 'info', pretty: false },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)) as Line);
        done();
      },
    }),
  );
  return { lines, logger };
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
});
