import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { HttpRequest } from '@smithy/types';
import { afterEach, describe, expect, it } from 'vitest';
import { UndiciHttpHandler } from './http-handler.ts';

type Seen = { method: string; url: string; headers: IncomingMessage['headers']; body: string };

const servers: Server[] = [];
const handlers: UndiciHttpHandler[] = [];

afterEach(async () => {
  for (const handler of handlers.splice(0)) handler.destroy();
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

/** A local server answering with `answer`; what it was sent is in `seen`. */
async function serve(answer: (request: IncomingMessage, response: ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      answer(request, response);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, seen };
}

function handler(config?: ConstructorParameters<typeof UndiciHttpHandler>[0]) {
  const created = new UndiciHttpHandler(config);
  handlers.push(created);
  return created;
}

function request(port: number, overrides: Partial<HttpRequest> = {}): HttpRequest {
  return {
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port,
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: '{"a":1}',
    ...overrides,
  };
}

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(Error);
  return outcome as Error & { code?: string };
}

describe('UndiciHttpHandler', () => {
  it('sends the method, path, query, headers and body, and reads the response whole', async () => {
    const { port, seen } = await serve((_request, response) => {
      response.setHeader('x-amzn-requestid', 'r-1');
      response.setHeader('set-cookie', ['a=1', 'b=2']);
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end('{"__type":"Nope"}');
    });
    const { response } = await handler().handle(
      request(port, {
        path: '/queue/1',
        query: { b: ['2', 'x y'], a: "it's", flag: null },
        headers: { 'x-amz-target': 'DynamoDB_20120810.GetItem', 'content-length': '7' },
      }),
    );
    expect(seen).toEqual([
      expect.objectContaining({
        method: 'POST',
        // Sorted, RFC 3986-escaped, a null value as a bare key: as the SDK's handler.
        url: '/queue/1?a=it%27s&b=2&b=x%20y&flag',
        body: '{"a":1}',
        headers: expect.objectContaining({ 'x-amz-target': 'DynamoDB_20120810.GetItem' }),
      }),
    ]);
    expect(response.statusCode).toBe(400);
    expect(response.headers['x-amzn-requestid']).toBe('r-1');
    expect(response.headers['set-cookie']).toBe('a=1,b=2');
    expect(Buffer.from(response.body as Uint8Array).toString('utf8')).toBe('{"__type":"Nope"}');
  });

  it('rejects an aborted call as an AbortError carrying the signal’s reason', async () => {
    const { port } = await serve(() => {
      // Never answers.
    });
    const controller = new AbortController();
    const call = handler().handle(request(port), { abortSignal: controller.signal });
    const reason = new Error('deadline');
    setTimeout(() => controller.abort(reason), 20);
    const error = await rejection(call);
    expect(error.name).toBe('AbortError');
    expect(error.cause).toBe(reason);

    const already = await rejection(
      handler().handle(request(port), { abortSignal: AbortSignal.abort('gone') }),
    );
    expect(already.name).toBe('AbortError');
    expect(already.message).toBe('gone');
  });

  it('rejects a call that gets no answer in time as a TimeoutError', async () => {
    const { port } = await serve(() => {
      // Never answers.
    });
    const error = await rejection(handler().handle(request(port), { requestTimeout: 50 }));
    expect(error.name).toBe('TimeoutError');
    const configured = await rejection(handler({ requestTimeoutMs: 50 }).handle(request(port)));
    expect(configured.name).toBe('TimeoutError');
  });

  it('keeps the socket’s code for a refused connection, and says ECONNRESET for a lost one', async () => {
    const { port: closedPort } = await serve(() => undefined);
    const server = servers.pop();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    const refused = await rejection(handler().handle(request(closedPort)));
    expect(refused.code).toBe('ECONNREFUSED');

    const { port } = await serve((incoming) => incoming.socket.destroy());
    const lost = await rejection(handler().handle(request(port)));
    expect(lost.code).toBe('ECONNRESET');
  });

  it('lets the SDK retry a call whose connection was lost, and parse the answer', async () => {
    let calls = 0;
    const { port, seen } = await serve((incoming, response) => {
      calls += 1;
      if (calls === 1) {
        incoming.socket.destroy();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      response.end('{"Table":{"TableName":"schedulers","TableStatus":"ACTIVE"}}');
    });
    const client = new DynamoDBClient({
      region: 'ap-southeast-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: handler(),
      maxAttempts: 2,
    });
    try {
      const answer = await client.send(new DescribeTableCommand({ TableName: 'schedulers' }));
      expect(answer.Table?.TableStatus).toBe('ACTIVE');
      expect(seen).toHaveLength(2);
      expect(seen[1]?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=local\//);
    } finally {
      client.destroy();
    }
  });

  it('gives repeated headers as node:http does: the first of a single one, else joined', async () => {
    const { port } = await serve((_incoming, response) => {
      response.setHeader('content-type', ['application/x-amz-json-1.0', 'text/plain']);
      response.setHeader('etag', ['"one"', '"two"']);
      response.setHeader('x-amz-meta', ['1', '2']);
      response.end('{}');
    });
    const { response } = await handler().handle(request(port));
    expect(response.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(response.headers.etag).toBe('"one"');
    expect(response.headers['x-amz-meta']).toBe('1, 2');
  });

  it('fails a call in flight at destroy as a lost connection, which the SDK retries on a new one', async () => {
    // While `hold` is set the server answers nothing, so calls stay in flight.
    let hold = true;
    let arrivals = 0;
    let onArrival: () => void = () => undefined;
    const { port, seen } = await serve((_incoming, response) => {
      arrivals += 1;
      onArrival();
      if (hold) return;
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      response.end('{"Table":{"TableName":"schedulers","TableStatus":"ACTIVE"}}');
    });
    const arrived = (count: number) =>
      new Promise<void>((resolve) => {
        onArrival = () => {
          if (arrivals >= count) resolve();
        };
        onArrival();
      });
    const transport = handler();
    const one = rejection(transport.handle(request(port)));
    const two = rejection(transport.handle(request(port)));
    await arrived(2);
    transport.destroy();
    hold = false;
    const [first, second] = [await one, await two];
    expect([first.code, second.code]).toEqual(['ECONNRESET', 'ECONNRESET']);
    expect(first).not.toBe(second); // the SDK writes its metadata onto each call's own error
    // Later calls open new connections.
    expect((await transport.handle(request(port))).response.statusCode).toBe(200);

    const client = new DynamoDBClient({
      region: 'ap-southeast-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: transport,
      maxAttempts: 2,
    });
    hold = true;
    arrivals = 0;
    seen.length = 0;
    const call = client.send(new DescribeTableCommand({ TableName: 'schedulers' }));
    await arrived(1);
    transport.destroy();
    hold = false; // before the SDK's retry can arrive: it waits for its back-off first
    expect((await call).Table?.TableStatus).toBe('ACTIVE');
    expect(seen).toHaveLength(2);
  });

  it('takes its own settings and the SDK’s name for the timeout later, and ignores the rest', async () => {
    const { port } = await serve(() => undefined); // never answers
    const transport = handler();
    transport.updateHttpClientConfig(Symbol('logger'), console);
    transport.updateHttpClientConfig('socketAcquisitionWarningTimeout', 1);
    for (const key of ['constructor', '__proto__', 'toString']) {
      transport.updateHttpClientConfig(key, 5);
    }
    // Values undici would refuse on every later call.
    transport.updateHttpClientConfig('keepAliveTimeoutMs', 0);
    transport.updateHttpClientConfig('connections', 2.5);
    transport.updateHttpClientConfig('connections', Number.POSITIVE_INFINITY);
    transport.updateHttpClientConfig('requestTimeoutMs', Number.NaN);
    transport.updateHttpClientConfig('requestTimeout', 50);
    expect(transport.httpHandlerConfigs()).toEqual({
      connections: 50,
      keepAliveTimeoutMs: 4_000,
      requestTimeoutMs: 50,
    });
    expect((await rejection(transport.handle(request(port)))).name).toBe('TimeoutError');
    // A new pool after destroy(): its old one's closing is no unhandled rejection.
    transport.destroy();
    transport.updateHttpClientConfig('connections', 4);
    expect(transport.httpHandlerConfigs().connections).toBe(4);
  });

  it('keeps connections open between calls', async () => {
    const sockets = new Set<unknown>();
    const { port } = await serve((incoming, response) => {
      sockets.add(incoming.socket);
      response.end('{}');
    });
    const transport = handler();
    for (let index = 0; index < 50; index += 1) await transport.handle(request(port));
    // One, or two when the pool opens a second while the first finishes a call: never
    // one per call.
    expect(sockets.size).toBeLessThanOrEqual(5);
  });
});
