// Several nodes with [redis] url count the same per-IP attempts: the login POST limit and
// the admin API's failed Basic credentials are exact across nodes, not max × nodes. A Redis
// that does not answer lets sign-ins through (the per-account lock still holds), never a 500,
// and says so: /health/ready and the "redis unavailable" log line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { startServer, basicAuth, type TestServer } from '../helpers/test-server.js';
import { api, createScimUser, registerApp, type RegisteredApp } from '../helpers/api.js';
import { HttpBrowser, parseForm } from '../helpers/http-browser.js';
import { authorizationFor } from '../helpers/oidc-authorize.js';
import { freePort } from '../helpers/local-services.js';
import { createLogger } from '../../src/logger.js';

const REDIS_URL = process.env.GATEHOUSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MAX = 3;

/** Opens the login page of a fresh authorization request and returns a function that posts it. */
async function loginForm(server: TestServer, app: RegisteredApp) {
  const browser = new HttpBrowser();
  const { url: authorizeUrl } = await authorizationFor(server, app);
  const { url, res } = await browser.follow(authorizeUrl.href, {}, (u) => u.startsWith(app.redirectUri));
  assert.match(url, /\/authenticationendpoint\/[^/]+$/, 'the login page');
  const form = parseForm(await res.text());
  return async (fields: Record<string, string>) => {
    const answer = await browser.request(new URL(form.action, url).href, { form: { ...form.fields, ...fields } });
    await answer.text();
    return answer.status;
  };
}

describe('per-IP rate limits shared through Redis', () => {
  const prefix = `gatehouse-test-${randomBytes(4).toString('hex')}:`;
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  let nodes: TestServer[] = [];
  before(async () => {
    await redis.connect();
    const overrides = { redis: { url: REDIS_URL, key_prefix: prefix }, identity_mgt: { login_rate_limit: { max_requests: MAX, window_seconds: 60 } } };
    nodes = [await startServer({ overrides }), await startServer({ overrides })];
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  test('login POSTs to two nodes are counted together: the limit is max_requests, not max_requests × nodes', async () => {
    const [a, b] = nodes as [TestServer, TestServer];
    const apps = [await registerApp(a), await registerApp(b)] as const;
    for (const node of nodes) await createScimUser(node, { userName: 'erin', password: 'erin-password-1' });
    const onA = await loginForm(a, apps[0]);
    const onB = await loginForm(b, apps[1]);
    assert.equal(await onA({ username: 'erin', password: 'wrong-password-1' }), 400);
    assert.equal(await onB({ username: 'erin', password: 'wrong-password-2' }), 400);
    // Redis forgets its scripts (a restart keeps the connection's address, a failover to a
    // replica that never ran them): the nodes load them again instead of failing open.
    await redis.script('FLUSH');
    assert.equal(await onA({ username: 'erin', password: 'wrong-password-3' }), 400);
    // Each node has seen at most two attempts: only a shared counter knows this is the fourth.
    assert.equal(await onB({ username: 'erin', password: 'erin-password-1' }), 429, 'node B refuses the fourth attempt from this address');
    assert.equal(await onA({ username: 'erin', password: 'erin-password-1' }), 429, 'and so does node A');
    const keys = await redis.keys(`${prefix}*`);
    assert.deepEqual(keys, [`${prefix}failed-sign-ins:127.0.0.1`], 'one counter for this address');
    const ttl = await redis.pttl(keys[0]!);
    assert.ok(ttl > 0 && ttl <= 60_000, `the counter expires with the window (${ttl} ms left)`);
    await redis.del(...keys);
  });

  test('a burst of concurrent wrong Basic credentials on two nodes gets exactly max_requests judged', async () => {
    const wrong = basicAuth('admin', 'not-the-admin-password');
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => api(nodes[i % 2]!, 'GET', '/api/server/v1/applications', { auth: wrong })));
    assert.deepEqual(answers.map((a) => a.status).sort(), [...Array(MAX).fill(401), ...Array(12 - MAX).fill(429)]);
    await redis.del(`${prefix}failed-sign-ins:127.0.0.1`);
  });

  test('failed admin Basic credentials on two nodes are counted together, and with the login pages', async () => {
    const [a, b] = nodes as [TestServer, TestServer];
    // Registered first: the admin API is behind the same limit.
    const app = await registerApp(a);
    await createScimUser(a, { userName: 'gina', password: 'gina-password-1' });
    const wrong = basicAuth('admin', 'not-the-admin-password');
    for (const node of [a, b, a]) assert.equal((await api(node, 'GET', '/api/server/v1/applications', { auth: wrong })).status, 401);
    const refused = await api(b, 'GET', '/api/server/v1/applications', { auth: b.adminAuth });
    assert.equal(refused.status, 429, 'the right password from the same address waits out the window on node B too');
    assert.match(refused.body.detail ?? refused.body.message ?? '', /too many failed sign-in attempts/);
    const ttl = await redis.pttl(`${prefix}failed-sign-ins:127.0.0.1`);
    assert.ok(ttl > 0 && ttl <= 60_000, `the failure counter expires with the window (${ttl} ms left)`);
    assert.equal(await (await loginForm(a, app))({ username: 'gina', password: 'gina-password-1' }), 429, 'the login page counts the same failures');
  });
});

test('a Redis that does not answer lets sign-ins and admin calls through; once it answers, the limit holds again', async () => {
  const port = await freePort();
  const node = await startServer({ overrides: { redis: { url: `redis://127.0.0.1:${port}` }, identity_mgt: { login_rate_limit: { max_requests: 1, window_seconds: 60 } } } });
  let redisServer: ChildProcess | undefined;
  try {
    const app = await registerApp(node);
    await createScimUser(node, { userName: 'frank', password: 'frank-password-1' });
    const post = await loginForm(node, app);
    assert.equal(await post({ username: 'frank', password: 'wrong-password-1' }), 400, 'a wrong password is an ordinary failure, not a 500');
    assert.equal(await post({ username: 'frank', password: 'frank-password-1' }), 303, 'the right one signs in');
    const down = await fetch(`${node.url}/health/ready`);
    assert.deepEqual([down.status, await down.json()], [200, { status: 'UP', store: 'sqlite', redis: 'DOWN' }], 'ready, and saying that Redis is down');
    assert.equal((await api(node, 'GET', '/api/server/v1/applications', { auth: node.adminAuth })).status, 200);

    // Redis comes up on that port: the node reconnects by itself and counts again.
    redisServer = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const again = await loginForm(node, app);
    const statuses: number[] = [];
    for (let i = 0; i < 50 && !statuses.includes(429); i++) {
      await new Promise((r) => setTimeout(r, 200));
      statuses.push(await again({ username: 'frank', password: `wrong-password-${i}` }));
    }
    assert.ok(statuses.includes(429), `the limit applies again after Redis came up (statuses ${statuses.join(', ')})`);
    assert.ok(statuses.every((s) => s === 400 || s === 429), `never a 500 on the way (${statuses.join(', ')})`);
    assert.deepEqual(await (await fetch(`${node.url}/health/ready`)).json(), { status: 'UP', store: 'sqlite', redis: 'UP' });
  } finally {
    await node.close();
    redisServer?.kill();
  }
});

describe('a Redis that keeps the connection open but stops answering (SIGSTOP)', () => {
  let port = 0;
  let redisServer: ChildProcess | undefined;
  let node: TestServer | undefined;
  const logLines: Array<{ msg?: string; problem?: string }> = [];
  const ready = async () => {
    const started = Date.now();
    const res = await fetch(`${node!.url}/health/ready`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, ms: Date.now() - started };
  };

  before(async () => {
    // A private redis-server: only this one is ever stopped, never the shared one.
    port = await freePort();
    redisServer = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
    const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, maxRetriesPerRequest: 0 }).on('error', () => undefined);
    for (let i = 0; i < 50; i++) {
      if (await probe.connect().then(() => probe.ping(), () => undefined)) break;
      probe.disconnect();
      await new Promise((r) => setTimeout(r, 100));
    }
    probe.disconnect();
    node = await startServer({ overrides: { redis: { url: `redis://127.0.0.1:${port}` }, identity_mgt: { login_rate_limit: { max_requests: 5, window_seconds: 60 } } } });
    // The reporter calls deps.logger when it fires, so a logger swapped in now receives its lines.
    const sink = new Writable({ write(chunk: Buffer, _enc, done) { for (const line of chunk.toString().split('\n')) if (line) logLines.push(JSON.parse(line)); done(); } });
    node.deps.logger = createLogger('warn', sink);
  });
  after(async () => {
    // A stopped process cannot act on SIGTERM: let it run again first.
    redisServer?.kill('SIGCONT');
    await node?.close();
    redisServer?.kill();
  });

  test('/health/ready says DOWN within a second, sign-ins go on, the outage is logged, and UP again once Redis answers', async () => {
    assert.deepEqual((await ready()).body, { status: 'UP', store: 'sqlite', redis: 'UP' });
    const app = await registerApp(node!);
    await createScimUser(node!, { userName: 'hana', password: 'hana-password-1' });
    const post = await loginForm(node!, app);

    redisServer!.kill('SIGSTOP');
    const hung = await ready();
    assert.deepEqual([hung.status, hung.body], [200, { status: 'UP', store: 'sqlite', redis: 'DOWN' }], 'ready, and saying that Redis does not answer');
    assert.ok(hung.ms < 1000, `the probe does not wait for Redis (${hung.ms} ms)`);

    assert.equal(await post({ username: 'hana', password: 'wrong-password-1' }), 400, 'a wrong password is judged (fail open), not a 500');
    const reported = logLines.filter((l) => /^redis unavailable/.test(l.msg ?? ''));
    assert.equal(reported.length, 1, `one "redis unavailable" line (log: ${JSON.stringify(logLines)})`);
    assert.match(reported[0]!.problem ?? '', /timed out/i, 'naming the command timeout');
    assert.equal(await post({ username: 'hana', password: 'hana-password-1' }), 303, 'the right password signs in');
    assert.equal(logLines.filter((l) => /^redis unavailable/.test(l.msg ?? '')).length, 1, 'at most one line a minute, not one per request');

    redisServer!.kill('SIGCONT');
    let again = await ready();
    for (let i = 0; i < 20 && again.body.redis !== 'UP'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      again = await ready();
    }
    assert.deepEqual([again.status, again.body], [200, { status: 'UP', store: 'sqlite', redis: 'UP' }], 'UP again once Redis answers');
  });
});
