/**
 * An HTTP proxy at the DynamoDB engine's door: every call passes through to the real
 * engine, counted by operation (`x-amz-target` without its `DynamoDB_…` prefix), and a
 * test may rewrite an answer as DynamoDB itself might give it (keys left unprocessed).
 */
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export type DynamoProxyOptions = {
  /** The answer to send instead of the engine's `answer` (JSON text) to `requested`. */
  rewrite?: (operation: string, requested: string, answer: string) => string;
};

export type DynamoProxy = {
  /** Point a client here instead of at the engine. */
  url: string;
  /** Calls that reached the engine, by operation. */
  operations: Map<string, number>;
  close(): Promise<void>;
};

export async function startDynamoProxy(
  engineEndpoint: string,
  options: DynamoProxyOptions = {},
): Promise<DynamoProxy> {
  const upstream = new URL(engineEndpoint);
  const operations = new Map<string, number>();
  const server = createServer(async (incoming, outgoing) => {
    const operation = String(incoming.headers['x-amz-target'] ?? 'unknown').replace(
      /^DynamoDB_\d+\./,
      '',
    );
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of incoming) chunks.push(chunk as Buffer);
      const requested = Buffer.concat(chunks);
      const forwarded = request({
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      });
      forwarded.end(requested);
      const [answer] = (await once(forwarded, 'response')) as [IncomingMessage];
      const parts: Buffer[] = [];
      for await (const part of answer) parts.push(part as Buffer);
      operations.set(operation, (operations.get(operation) ?? 0) + 1);
      let body = Buffer.concat(parts);
      const status = answer.statusCode ?? 502;
      if (options.rewrite && status === 200) {
        body = Buffer.from(options.rewrite(operation, requested.toString(), body.toString()));
      }
      const {
        'content-length': _length,
        'transfer-encoding': _encoding,
        ...headers
      } = answer.headers;
      outgoing.writeHead(status, { ...headers, 'content-length': body.length });
      outgoing.end(body);
    } catch (error) {
      // Never a hung call: the client hears what went wrong at once.
      if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
      outgoing.end(`dynamo proxy: ${(error as Error).message}`);
    }
  });
  server.keepAliveTimeout = 500;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    operations,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
