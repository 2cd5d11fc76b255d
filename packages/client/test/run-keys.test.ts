// `schedmon run` gives each event of a run (running, each heartbeat, the end) one
// Idempotency-Key, sent on every retry of it: the client's, and its own when it reports
// `running` again on a later tick or after registering. The real runMonitored and a real
// command, the api a fake fetch.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runMonitored } from '../src/cli-run.ts';
import { createSchedmonClient } from '../src/index.ts';
import type { Answer, Sent } from './fake-fetch.ts';
import {
  errorBody,
  fakeFetch,
  heartbeatAccepted,
  recordOf,
  statusAccepted,
  UUID,
} from './fake-fetch.ts';

const releases = mkdtempSync(join(tmpdir(), 'schedmon-run-keys-'));
afterAll(() => rmSync(releases, { recursive: true, force: true }));

/** A command that runs until `release()`, so no test bets on a timer outlasting a race. */
function releasableJob(name: string) {
  const file = join(releases, name);
  const script = `const f = ${JSON.stringify(file)}; const t = setInterval(() => { if (require('node:fs').existsSync(f)) clearInterval(t); }, 20);`;
  return {
    command: [process.execPath, '-e', script],
    release: () => {
      if (!existsSync(file)) writeFileSync(file, '');
    },
  };
}

const ID = 'job-a';
const unavailable: Answer = {
  status: 503,
  headers: { 'retry-after': '0' },
  body: errorBody(503, 'Service temporarily unavailable'),
};

/**
 * Runs a job against `api`, which answers each request by route; the job ends once
 * `done(requests)` holds. Resolves the requests, by route, and what went to stderr.
 */
async function runAgainst(
  name: string,
  api: (route: string, request: Sent, sent: readonly Sent[]) => Answer,
  done: (sent: readonly Sent[]) => boolean,
  retries = 1,
) {
  const job = releasableJob(name);
  const fake = fakeFetch((request) => {
    const route = `${request.method} ${request.url}`;
    const answer = api(route, request, fake.sent);
    if (done(fake.sent)) job.release();
    return answer;
  });
  let stderr = '';
  const exitCode = await runMonitored({
    client: createSchedmonClient({
      baseUrl: 'http://api.test',
      apiKey: 'k',
      fetch: fake.fetch,
      retries,
      onError: () => {},
    }),
    schedulerId: ID,
    heartbeatMs: 30,
    command: job.command,
    stderr: new Writable({
      write(chunk, _encoding, callback) {
        stderr += String(chunk);
        callback();
      },
    }),
  });
  const of = (route: string) => fake.sent.filter((r) => `${r.method} ${r.url}` === route);
  const statuses = (status: string) =>
    of(`PUT /api/v1/schedulers/${ID}/status`).filter(
      (r) => (r.body as { status?: string }).status === status,
    );
  return { exitCode, stderr, sent: fake.sent, of, statuses };
}

const STATUS = `PUT /api/v1/schedulers/${ID}/status`;
const HEARTBEAT = `POST /api/v1/schedulers/${ID}/heartbeat`;
const GET = `GET /api/v1/schedulers/${ID}`;
const key = (request: Sent | undefined) => request?.headers['idempotency-key'];
const heartbeats = (sent: readonly Sent[]) =>
  sent.filter((r) => `${r.method} ${r.url}` === HEARTBEAT).length;

describe('schedmon run and its keys', () => {
  it('sends a retried running with its key on both attempts, and every event its own key', async () => {
    let runningAnswered = 0;
    const run = await runAgainst(
      'retried',
      (route, request) => {
        if (route === GET) return { status: 200, body: recordOf(ID) };
        if (route === HEARTBEAT) return heartbeatAccepted(ID);
        if (route === STATUS && (request.body as { status: string }).status === 'running') {
          runningAnswered += 1;
          if (runningAnswered === 1) return unavailable;
        }
        return statusAccepted(ID);
      },
      (sent) => heartbeats(sent) >= 2,
    );
    expect(run.exitCode).toBe(0);
    const running = run.statuses('running');
    expect(running).toHaveLength(2);
    expect(key(running[0])).toMatch(UUID);
    expect(key(running[1])).toBe(key(running[0]));
    expect(running[1]?.body).toEqual(running[0]?.body);
    const keys = [
      key(running[0]),
      ...run.of(HEARTBEAT).map(key),
      ...run.statuses('completed').map(key),
    ];
    expect(keys.length).toBeGreaterThanOrEqual(4);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('reports running again on a later tick with the same key, after a refused connection', async () => {
    let running = 0;
    const run = await runAgainst(
      'later-tick',
      (route, request) => {
        if (route === GET) return { status: 200, body: recordOf(ID) };
        if (route === HEARTBEAT) return heartbeatAccepted(ID);
        if (route === STATUS && (request.body as { status: string }).status === 'running') {
          running += 1;
          if (running === 1) return 'refused';
        }
        return statusAccepted(ID);
      },
      (sent) => heartbeats(sent) >= 1,
      0,
    );
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain(`could not report running for ${ID}`);
    const attempts = run.statuses('running');
    // The first at the start; the second on a tick, the client not retrying (retries 0).
    expect(attempts).toHaveLength(2);
    expect(key(attempts[1])).toBe(key(attempts[0]));
    expect(attempts[1]?.body).toEqual(attempts[0]?.body);
    expect(key(run.statuses('completed')[0])).not.toBe(key(attempts[0]));
  });

  it('sends running again after registering, with the same key', async () => {
    let registered = false;
    let statuses = 0;
    const run = await runAgainst(
      'register',
      (route) => {
        if (route === GET) return { status: 200, body: recordOf(ID) };
        if (route === 'POST /api/v1/schedulers/register') {
          registered = true;
          return { status: 201, body: recordOf(ID) };
        }
        if (route === HEARTBEAT) return heartbeatAccepted(ID);
        // The record was archived (or deleted) between the read and the write.
        statuses += 1;
        if (statuses === 1 && !registered) {
          return { status: 404, body: errorBody(404, `Scheduler ${ID} not found`) };
        }
        return statusAccepted(ID);
      },
      (sent) => heartbeats(sent) >= 1,
    );
    expect(run.exitCode).toBe(0);
    const attempts = run.statuses('running');
    expect(attempts).toHaveLength(2);
    expect(key(attempts[1])).toBe(key(attempts[0]));
  });

  it('does not retry a 422, neither the client nor on later ticks, and goes on to heartbeats', async () => {
    const run = await runAgainst(
      'refused',
      (route, request) => {
        if (route === GET) return { status: 200, body: recordOf(ID) };
        if (route === HEARTBEAT) return heartbeatAccepted(ID);
        if ((request.body as { status: string }).status === 'running') {
          return {
            status: 422,
            body: errorBody(422, 'Idempotency-Key was already used for a different request'),
          };
        }
        return statusAccepted(ID);
      },
      (sent) => heartbeats(sent) >= 2,
    );
    expect(run.exitCode).toBe(0);
    expect(run.statuses('running')).toHaveLength(1);
    expect(run.stderr).toContain(
      'answered 422: Idempotency-Key was already used for a different request',
    );
    expect(run.stderr).toContain('the command runs anyway');
    expect(run.statuses('completed')).toHaveLength(1);
  });

  it('leaves an archived scheduler archived: no status, no registration, one warning', async () => {
    const run = await runAgainst(
      'archived',
      (route) => {
        if (route === GET) {
          return {
            status: 200,
            body: { ...recordOf(ID), archived_at: '2026-01-15T00:00:00.000Z' },
          };
        }
        if (route === HEARTBEAT) return heartbeatAccepted(ID);
        return statusAccepted(ID);
      },
      // Nothing but reads follow: the job ends once the first answer is out.
      (sent) => sent.length >= 1,
    );
    expect(run.exitCode).toBe(0);
    expect(run.of(STATUS)).toHaveLength(0);
    expect(run.of(HEARTBEAT)).toHaveLength(0);
    expect(run.of('POST /api/v1/schedulers/register')).toHaveLength(0);
    expect(run.stderr).toContain(`scheduler ${ID} is archived`);
  });

  it('does not register again when a status write finds the scheduler archived since', async () => {
    const run = await runAgainst(
      'archived-since',
      (route) => {
        if (route === GET) return { status: 200, body: recordOf(ID) };
        if (route === HEARTBEAT) return heartbeatAccepted(ID);
        if (route === STATUS) {
          return {
            status: 404,
            body: errorBody(404, `Scheduler ${ID} is archived. Register it again to restore it.`),
          };
        }
        return statusAccepted(ID);
      },
      (sent) => sent.length >= 2,
    );
    expect(run.of('POST /api/v1/schedulers/register')).toHaveLength(0);
    expect(run.of(HEARTBEAT)).toHaveLength(0);
  });
});
