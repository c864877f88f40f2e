// A relying party's redirect URI that really listens, for browser tests. Playwright never
// routes the hops of a redirect (its network manager continues any request that has
// `redirectedFrom`), and the OIDC callback always arrives as a redirect, so a route on the
// callback origin only sees it after Chromium auto-reloads the connection-refused error page.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CallbackServer {
  origin: string;
  /** Register this with the application. */
  redirectUri: string;
  /** Every callback URL the browser brought back (not favicons), oldest first. */
  received(): string[];
  isCallback(url: URL): boolean;
  close(): Promise<void>;
}

export async function startCallbackServer(): Promise<CallbackServer> {
  const received: string[] = [];
  let origin = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    received.push(url.href);
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end('back at the application');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    redirectUri: `${origin}/callback`,
    received: () => [...received],
    isCallback: (url) => url.origin === origin,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    }),
  };
}
