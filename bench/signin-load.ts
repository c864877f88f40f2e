// The load: K clients, each running complete password sign-ins back to back over HTTP —
// authorize (PKCE S256), the login page, the login POST, the redirects back to the
// callback, and the code exchange at /oauth2/token. Every sign-in uses a fresh cookie
// jar, so each one is a real login that verifies the password (no SSO shortcut).
import { Agent, request } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

export interface SignInTarget {
  url: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  username: string;
  password: string;
}

export interface LoadResult {
  clients: number;
  seconds: number;
  completed: number;
  failed: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  firstError?: string;
}

interface Response {
  status: number;
  location?: string;
  setCookie: string[];
  body: string;
}

class Client {
  private cookies = new Map<string, { value: string; path: string }>();

  constructor(private readonly agent: Agent) {}

  send(url: string, method: 'GET' | 'POST', form?: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    const target = new URL(url);
    const cookie = [...this.cookies].filter(([, c]) => target.pathname.startsWith(c.path)).map(([name, c]) => `${name}=${c.value}`).join('; ');
    const body = form ? new URLSearchParams(form).toString() : undefined;
    return new Promise((done, fail) => {
      const req = request(target, {
        method,
        agent: this.agent,
        headers: {
          ...headers,
          ...(cookie ? { cookie } : {}),
          ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } : {}),
        },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const setCookie = res.headers['set-cookie'] ?? [];
          for (const line of setCookie) this.remember(line);
          done({ status: res.statusCode ?? 0, location: res.headers.location, setCookie, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', fail);
      });
      req.on('error', fail);
      req.end(body);
    });
  }

  private remember(line: string): void {
    const [pair = '', ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const path = attrs.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
    if (!value || attrs.some((a) => /expires=Thu, 01 Jan 1970/i.test(a))) this.cookies.delete(name);
    else this.cookies.set(name, { value, path });
  }
}

const expect = (res: Response, statuses: number[], what: string): Response => {
  if (!statuses.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${res.body.slice(0, 200).replace(/\s+/g, ' ')}`);
  return res;
};

function formOf(body: string, what: string): { action: string; csrf: string; step: string } {
  const action = /<form[^>]*action="([^"]+)"/.exec(body)?.[1]?.replace(/&amp;/g, '&');
  const csrf = /name="csrf" value="([^"]*)"/.exec(body)?.[1];
  const step = /name="step" value="([^"]*)"/.exec(body)?.[1];
  if (!action || !csrf || !step) throw new Error(`${what}: no form with csrf and step`);
  return { action, csrf, step };
}

/**
 * One complete sign-in; throws with a short reason when any step answers unexpectedly.
 * With `totpCode`, the password is followed by the TOTP page and a code from it.
 */
export async function signIn(agent: Agent, t: SignInTarget, totpCode?: () => string): Promise<void> {
  const client = new Client(agent);
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(12).toString('base64url');
  const authorize = new URL(`${t.url}/oauth2/authorize`);
  authorize.search = new URLSearchParams({
    client_id: t.clientId,
    redirect_uri: t.redirectUri,
    response_type: 'code',
    scope: 'openid profile email',
    state,
    nonce: randomBytes(12).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();

  // authorize → 303 to the login page
  let res = expect(await client.send(authorize.href, 'GET'), [302, 303], 'authorize');
  let at = new URL(res.location!, authorize).href;
  const page = expect(await client.send(at, 'GET'), [200], 'login page');
  const { action, csrf, step } = formOf(page.body, 'login page');

  // login POST → 303 to the provider's resume URL → 303 to the callback with the code
  at = new URL(action, at).href;
  if (totpCode) {
    const second = expect(await client.send(at, 'POST', { username: t.username, password: t.password, csrf, step }), [200], 'login POST (then the TOTP page)');
    const form = formOf(second.body, 'TOTP page');
    at = new URL(form.action, at).href;
    res = expect(await client.send(at, 'POST', { token: totpCode(), csrf: form.csrf, step: form.step }), [302, 303], 'TOTP POST');
  } else {
    res = expect(await client.send(at, 'POST', { username: t.username, password: t.password, csrf, step }), [302, 303], 'login POST');
  }
  for (let hops = 0; ; hops++) {
    at = new URL(res.location!, at).href;
    if (at.startsWith(t.redirectUri)) break;
    if (hops > 5) throw new Error('too many redirects before the callback');
    res = expect(await client.send(at, 'GET'), [302, 303], `redirect to ${new URL(at).pathname}`);
  }
  const callback = new URL(at);
  const code = callback.searchParams.get('code');
  if (!code || callback.searchParams.get('state') !== state) throw new Error(`callback without code or with the wrong state: ${callback.search.slice(0, 120)}`);

  // code exchange
  const token = expect(await client.send(`${t.url}/oauth2/token`, 'POST', {
    grant_type: 'authorization_code', code, redirect_uri: t.redirectUri, code_verifier: verifier,
  }, { authorization: `Basic ${Buffer.from(`${encodeURIComponent(t.clientId)}:${encodeURIComponent(t.clientSecret)}`).toString('base64')}` }), [200], 'token');
  if (!(JSON.parse(token.body) as { id_token?: string }).id_token) throw new Error('token response without id_token');
}

/** K clients for `seconds`; counts the sign-ins that completed inside the window. */
export function runLoad(target: SignInTarget, clients: number, seconds: number): Promise<LoadResult> {
  return runClients(clients, seconds, async () => (agent) => signIn(agent, target));
}

/**
 * K clients, each running `next()`'s sign-in back to back for `seconds`. `next` picks what
 * to sign in with (and may wait for it); only the sign-in itself is timed.
 */
export async function runClients(clients: number, seconds: number, next: () => Promise<(agent: Agent) => Promise<void>>): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients * 2 });
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < deadline) {
      const attempt = await next();
      const began = performance.now();
      try {
        await attempt(agent);
        const ended = performance.now();
        if (ended <= deadline) latencies.push(ended - began);
      } catch (err) {
        failed += 1;
        firstError ??= (err as Error).message;
      }
    }
  }));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! : NaN;
  return { clients, seconds, completed: latencies.length, failed, perSecond: latencies.length / seconds, p50Ms: pct(0.5), p95Ms: pct(0.95), firstError };
}
