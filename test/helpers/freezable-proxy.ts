// A TCP proxy in front of a real server that can freeze: bytes stop flowing both ways while
// every connection stays open and new ones are accepted, which is how a hung (SIGSTOPped)
// or silently partitioned server looks to its clients, without stopping the shared server.
import { connect, createServer, type Socket } from 'node:net';

export interface FreezableProxy {
  port: number;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

export async function freezableProxy(target: { host: string; port: number }): Promise<FreezableProxy> {
  const sockets = new Set<Socket>();
  let frozen = false;
  const server = createServer((downstream) => {
    const upstream = connect(target.port, target.host);
    for (const [from, to] of [[downstream, upstream], [upstream, downstream]] as const) {
      sockets.add(from);
      from.on('data', (chunk) => to.write(chunk));
      from.on('close', () => { sockets.delete(from); to.destroy(); });
      from.on('error', () => to.destroy());
      if (frozen) from.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    freeze() { frozen = true; for (const s of sockets) s.pause(); },
    thaw() { frozen = false; for (const s of sockets) s.resume(); },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
