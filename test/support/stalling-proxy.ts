/**
 * A TCP proxy in front of the database for fault tests. `stallNextCommand(text)` makes the
 * next command that mentions `text` (a collection name, say) go unanswered for good — the command is swallowed and that
 * connection goes silent while staying open, as when a command is stuck inside the server or
 * a connection is left half-open — while every other connection keeps working.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface StallingProxy {
  /** `mongodb://127.0.0.1:PORT/` */
  readonly uri: string;
  /** The next command whose bytes contain `text` is never answered. */
  stallNextCommand(text: string): void;
  /** How many connections have gone silent. */
  readonly stalled: number;
  close(): Promise<void>;
}

export async function startStallingProxy(target: { host: string; port: number }): Promise<StallingProxy> {
  const sockets = new Set<net.Socket>();
  let armed: Buffer | undefined;
  let stalled = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    let silent = false;
    client.on('data', (chunk: Buffer) => {
      if (!silent && armed && chunk.includes(armed)) {
        armed = undefined;
        silent = true;
        stalled += 1;
      }
      if (!silent) {
        upstream.write(chunk);
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!silent) {
        client.write(chunk);
      }
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => {
        sockets.delete(socket);
        // A silent connection stays open on the client's side until the client closes it.
        if (socket === client || !silent) {
          client.destroy();
          upstream.destroy();
        }
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    stallNextCommand(text) {
      armed = Buffer.from(text, 'utf8');
    },
    get stalled() {
      return stalled;
    },
    async close() {
      sockets.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
