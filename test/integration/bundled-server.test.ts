// The server as `npm start` runs it: scripts/bundle-server.mjs bundles src/main.ts and its
// packages into one file (dist/main.js). A package that finds its files relative to its own
// module, a lazily loaded one (pg, the QR renderer) or a path of ours that assumed tsc's
// layout breaks only in the bundle, so this starts a fresh bundle and signs in through it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, basicAuth } from '../helpers/test-server.js';
import { api } from '../helpers/api.js';
import * as client from 'openid-client';
import { passwordLogin } from '../helpers/oidc-login.js';
import { createPgDatabase } from '../helpers/local-services.js';
import { startSmtpServer } from '../helpers/smtp-server.js';
// @ts-expect-error: a plain .mjs build script without type declarations
import { bundleServer } from '../../scripts/bundle-server.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Inside the package (as dist/main.js is): the bundle finds dist/console/ from its root.
const OUT_DIR = join(ROOT, 'dist', `bundle-test-${process.pid}`);
const MAIN = join(OUT_DIR, 'main.js');
const ADMIN_PASSWORD = 'Bundle-admin-Passw0rd!';
const USER_PASSWORD = 'Bundle-user-Passw0rd!';
const REDIRECT_URI = 'http://localhost:8787/callback';

const dirs: string[] = [];
const children = new Set<ChildProcess>();

before(async () => { await (bundleServer as (outfile: string) => Promise<void>)(MAIN); });
after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(OUT_DIR, { recursive: true, force: true });
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function start(databaseUrl?: string, extraEnv: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bundle-'));
  dirs.push(dataDir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [MAIN], {
    cwd: dataDir,
    env: {
      // No NODE_NO_WARNINGS: a warning Node prints at an operator's start is a finding here.
      PATH: process.env.PATH ?? '', PORT: String(port), GATEHOUSE_BASE_URL: url, GATEHOUSE_SERVER__HOST: '127.0.0.1',
      GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), ...extraEnv,
    },
  });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => { children.delete(child); done(code); }));
  const deadline = Date.now() + 30_000;
  while (!/discovery:/.test(output)) {
    if (child.exitCode !== null) throw new Error(`the bundled server exited ${child.exitCode}: ${output}`);
    if (Date.now() > deadline) throw new Error(`no start-up banner: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, output: () => output, stop: async () => { child.kill('SIGTERM'); return exited; } };
}

/** A failure carries the server's last log lines: a bundle's error is in its stack trace there. */
async function withOutput(server: { output(): string }, run: () => Promise<void>) {
  try {
    await run();
  } catch (err) {
    (err as Error).message += `\nserver output:\n${server.output().split('\n').slice(-15).join('\n')}`;
    throw err;
  }
}

/** Password sign-in to one app, and the TOTP enrollment page (with its QR image) of another. */
async function signInThrough(server: { url: string }) {
  const admin = basicAuth('admin', ADMIN_PASSWORD);
  const created = await api(server, 'POST', '/scim2/Users', {
    auth: admin, type: 'application/scim+json',
    body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'bundle-user', password: USER_PASSWORD },
  });
  assert.equal(created.status, 201);
  const credentials = async (name: string, steps: string[]) => {
    const app = await api(server, 'POST', '/api/server/v1/applications', {
      auth: admin,
      body: {
        name, inboundProtocolConfiguration: { oidc: { grantTypes: ['authorization_code', 'refresh_token'], callbackURLs: [REDIRECT_URI] } },
        authenticationSequence: { type: 'USER_DEFINED', subjectStepId: 1, attributeStepId: 1, steps: steps.map((authenticator, i) => ({ id: i + 1, options: [{ idp: 'LOCAL', authenticator }] })) },
      },
    });
    assert.equal(app.status, 201, JSON.stringify(app.body));
    const oidc = await api(server, 'GET', `/api/server/v1/applications/${app.body.id}/inbound-protocols/oidc`, { auth: admin });
    return { issuer: `${server.url}/oauth2/token`, clientId: oidc.body.clientId as string, clientSecret: oidc.body.clientSecret as string, redirectUri: REDIRECT_URI };
  };
  const login = await passwordLogin({ ...await credentials('bundle-app', ['basic']), username: 'bundle-user', password: USER_PASSWORD });
  assert.ok(login.tokens?.id_token, 'the password sign-in reached the application with an ID token');
  // Each token kind once more (oidc-provider finds their settings by class name).
  const refreshed = await client.refreshTokenGrant(login.config, login.tokens.refresh_token!);
  assert.ok(refreshed.access_token && refreshed.access_token !== login.tokens.access_token, 'the refresh token was exchanged');
  const claims = await client.fetchUserInfo(login.config, refreshed.access_token, client.skipSubjectCheck);
  assert.ok(claims.sub, 'userinfo answers for the refreshed access token');
  const enroll = await passwordLogin({ ...await credentials('bundle-totp-app', ['basic', 'totp']), username: 'bundle-user', password: USER_PASSWORD });
  assert.equal(enroll.tokens, undefined);
  assert.match(enroll.page, /<img[^>]+src="data:image\/png;base64,[A-Za-z0-9+/=]{200,}"[^>]*alt="[^"]*QR code/i, 'the enrollment page shows the QR image');
}

test('the bundled server starts on SQLite, serves discovery and the console, signs a user in and sends email', async () => {
  const smtp = await startSmtpServer({ auth: { username: 'mailer', password: 'Mailer-Passw0rd!' } });
  const server = await start(undefined, {
    GATEHOUSE_OUTPUT_ADAPTER__EMAIL__HOSTNAME: '127.0.0.1', GATEHOUSE_OUTPUT_ADAPTER__EMAIL__PORT: String(smtp.port),
    GATEHOUSE_OUTPUT_ADAPTER__EMAIL__USERNAME: 'mailer', GATEHOUSE_OUTPUT_ADAPTER__EMAIL__PASSWORD: 'Mailer-Passw0rd!',
    GATEHOUSE_OUTPUT_ADAPTER__EMAIL__TLS_REJECT_UNAUTHORIZED: 'false', GATEHOUSE_OUTPUT_ADAPTER__EMAIL__FROM_ADDRESS: 'no-reply@gatehouse.test',
  });
  try {
    const ready = await fetch(`${server.url}/health/ready`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { store: string }).store, 'sqlite');
    const discovery = await fetch(`${server.url}/oauth2/token/.well-known/openid-configuration`);
    assert.equal(((await discovery.json()) as { issuer: string }).issuer, `${server.url}/oauth2/token`);
    // The console's files are found from the bundle's location (dist/console/ when built).
    const consolePage = await fetch(`${server.url}/console/`);
    if (existsSync(join(ROOT, 'dist', 'console', 'index.html'))) {
      assert.equal(consolePage.status, 200);
      assert.match(await consolePage.text(), /<script[^>]+src="\/console\/assets\//);
    } else {
      assert.match(await consolePage.text(), /npm run build:console|not been built/i);
    }
    await withOutput(server, () => signInThrough(server));
    // nodemailer, bundled: STARTTLS, AUTH and the message through a real SMTP server.
    const sent = await api(server, 'POST', '/api/server/v1/notification-senders/email/test', { auth: basicAuth('admin', ADMIN_PASSWORD), body: { to: 'ops@example.com' } });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(sent.body.ok, true, JSON.stringify(sent.body));
    assert.equal(smtp.messages.length, 1);
    assert.equal(smtp.messages[0]!.parsed.subject, 'Gatehouse test email');
    assert.ok(smtp.messages[0]!.secure, 'sent over STARTTLS');
  } finally {
    assert.equal(await server.stop(), 0, server.output());
    await smtp.close();
  }
  // The SQLite store's checkpoint worker runs beside the bundle too (it warns when it cannot).
  assert.doesNotMatch(server.output(), /background checkpoint/i);
  // Node's own warnings ("(node:PID) [FSTDEP023] FastifyDeprecation: …") at start or under use.
  assert.doesNotMatch(server.output(), /\(node:\d+\)/, 'the server printed a runtime warning');
});

test('the bundled server runs on PostgreSQL (pg is loaded on the first query)', async () => {
  const database = await createPgDatabase('gatehouse_bundle');
  try {
    const server = await start(database.url);
    try {
      const ready = await fetch(`${server.url}/health/ready`);
      assert.equal(ready.status, 200);
      assert.equal(((await ready.json()) as { store: string }).store, 'postgres');
      await withOutput(server, () => signInThrough(server));
    } finally {
      assert.equal(await server.stop(), 0, server.output());
    }
  } finally {
    await database.drop();
  }
});
