import { createServer } from 'node:net';

/** A TCP port free on loopback right now (for servers that cannot be told to use port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether `port` can be bound on loopback right now. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port free on loopback below 32768: for servers that keep ports in a signed 16-bit column (the
 * Temporal server's cluster membership table), which ephemeral ports (32768 and up) overflow.
 */
export async function freeLowPort(exclude: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!exclude.has(port) && (await canBind(port))) return port;
  }
  throw new Error('no free loopback port between 20000 and 32000');
}
