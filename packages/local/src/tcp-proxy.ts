/**
 * A loopback TCP proxy in front of an engine, for outage tests: `interrupt()` refuses new
 * connections and cuts open ones, as a stopped engine would, while the engine behind it
 * keeps its data; `restore()` accepts connections again on the same port.
 */
import type { Server, Socket } from 'node:net';
import { connect, createServer } from 'node:net';

export type TcpProxy = {
  /** `http://127.0.0.1:<port>`, stable across interrupt/restore. */
  readonly endpoint: string;
  readonly interrupted: boolean;
  interrupt(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
};

const LOOPBACK = '127.0.0.1';

function listen(server: Server, port: number) {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/**
 * Starts a proxy on a free loopback port to the engine at `target` (`http://host:port`).
 * Failure: rejects when no port can be bound; a target that is down resets the client's
 * connection, like the engine itself would.
 */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const createProxyServer = () =>
    createServer((client) => {
      const upstream = connect(Number(targetPort), hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });

  const open = async () => {
    const created = createProxyServer();
    port = await listen(created, port);
    server = created;
  };

  const shut = async () => {
    const current = server;
    server = undefined;
    if (!current) return;
    const closed = new Promise<void>((resolve) => current.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  await open();
  return {
    get endpoint() {
      return `http://${LOOPBACK}:${port}`;
    },
    get interrupted() {
      return server === undefined;
    },
    interrupt: shut,
    async restore() {
      if (!server) await open();
    },
    close: shut,
  };
}
