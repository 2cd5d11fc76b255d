// A `fetch` for the client's `fetch` option that answers what a test scripts and records
// every request: the client's own code runs, only the network is left out.
import { newSchedulerRecord } from '@schedmon/domain';

export type Sent = {
  method: string;
  /** Path and query, as the api would see them. */
  url: string;
  headers: Record<string, string>;
  body: unknown;
};

/** What the fake answers a request: a response, or a connection refused. */
export type Answer =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | 'refused';

/** A fetch answering `answer(request, index)` (index counts from 0), and the requests it saw. */
export function fakeFetch(answer: (request: Sent, index: number) => Answer) {
  const sent: Sent[] = [];
  const fetch = async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const request: Sent = {
      method: init.method ?? 'GET',
      url: `${url.pathname}${url.search}`,
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    sent.push(request);
    const reply = answer(request, sent.length - 1);
    if (reply === 'refused') {
      const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
        code: 'ECONNREFUSED',
      });
      throw new TypeError('fetch failed', { cause });
    }
    return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), {
      status: reply.status,
      headers: { 'content-type': 'application/json', ...reply.headers },
    });
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
}

/** The api's error shape. */
export const errorBody = (statusCode: number, message: string) => ({
  statusCode,
  timestamp: '2026-01-15T01:00:00.000Z',
  path: '/x',
  method: 'PUT',
  error: 'Error',
  message,
});

/** A registered record, as the api answers it. */
export const recordOf = (id: string, fields: object = {}) => ({
  ...newSchedulerRecord(
    { scheduler_id: id, service_name: 'Service A', job_name: 'EOD' },
    '2026-01-15T00:00:00.000Z',
  ),
  ...fields,
});

export const statusAccepted = (id: string) => ({
  status: 202,
  body: {
    event_id: 'e',
    scheduler_id: id,
    status: 'running',
    timestamp: '2026-01-15T01:00:00.000Z',
    accepted_at: '2026-01-15T01:00:00.000Z',
  },
});

export const heartbeatAccepted = (id: string) => ({
  status: 202,
  body: { message: 'Heartbeat recorded', scheduler_id: id, timestamp: 't', event_id: 'e' },
});

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
