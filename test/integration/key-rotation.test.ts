// A signing key rotated outside this server (`gatehouse keys rotate`, or another node) is
// picked up without a restart: the first request once KEY_CHECK_SECONDS have passed answers
// with the new key (however long the node was idle), the JWKS publishes old and new, and
// tokens signed with the old key still verify. Rotations at once leave one active key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { FastifyInstance } from 'fastify';
import { startServer, freePort, DIALECTS, ADMIN, type TestServer } from '../helpers/test-server.js';
import { createScimUser, registerApp, type RegisteredApp } from '../helpers/api.js';
import { passwordLogin } from '../helpers/oidc-login.js';
import { manualClock } from '../helpers/totp.js';
import { createSigningKey, loadSigningKeys, newSigningKeyRow, removeSigningKey, signingKeySet, KEY_CHECK_SECONDS } from '../../src/tenants/signing-keys.js';
import { buildApp } from '../../src/http/app.js';
import { loadConfig } from '../../src/config/load.js';
import { openStore, type Store } from '../../src/store/connect.js';
import type { Deps } from '../../src/deps.js';
import { epochSeconds } from '../../src/clock.js';
import { createSecretBox } from '../../src/crypto/secret-box.js';

const PASSWORD = 'Rotation-user-Passw0rd!';

for (const dialect of DIALECTS) {
  describe(`signing key rotation without a restart (${dialect})`, () => {
    let server: TestServer;
    let app: RegisteredApp;
    const clock = manualClock(Date.now());

    before(async () => {
      server = await startServer({ dialect, clock });
      app = await registerApp(server, { name: `rotation-${dialect}` });
      await createScimUser(server, { userName: `rotation.${dialect}`, password: PASSWORD });
    });
    after(() => server?.close());

    const issuer = () => `${server.url}/oauth2/token`;
    const signIn = async () => {
      const { tokens } = await passwordLogin({ issuer: issuer(), clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri, username: `rotation.${dialect}`, password: PASSWORD });
      assert.ok(tokens?.id_token, 'signed in');
      return tokens.id_token;
    };
    const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid;
    const publishedKids = async () => ((await (await fetch(`${server.url}/oauth2/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);

    test('new ID tokens are signed with the rotated key within the check interval; old tokens still verify', async () => {
      const before = await signIn();
      const oldKid = kidOf(before);
      // As the CLI does it: straight into the store, the running server is not told.
      const newKid = await createSigningKey(server.deps, server.tenant.id, epochSeconds(clock));
      assert.notEqual(newKid, oldKid);

      assert.equal(kidOf(await signIn()), oldKid, 'within the interval the loaded key still signs');
      clock.advance(KEY_CHECK_SECONDS);
      assert.ok((await publishedKids()).includes(newKid), 'the first request after the interval waits for the check and answers with the new key');
      const after = await signIn();
      assert.equal(kidOf(after), newKid, 'new ID tokens carry the new key');
      assert.deepEqual(new Set(await publishedKids()), new Set([oldKid, newKid]), 'old and new keys are published');

      const jwks = createRemoteJWKSet(new URL(`${server.url}/oauth2/jwks`));
      for (const token of [before, after]) {
        const { payload } = await jwtVerify(token, jwks, { issuer: issuer(), audience: app.clientId, currentDate: clock.now() });
        assert.ok(payload.sub);
      }
    });

    test('a retired key that cannot be opened is left out of the JWKS; the tenant keeps signing with its active key', async () => {
      const kids = await publishedKids();
      const active = kidOf(await signIn());
      const retired = kids.find((kid) => kid !== active)!;
      // Sealed under another encryption key, as a process with the wrong key once wrote it.
      const foreign = createSecretBox(Buffer.alloc(32, 3)).seal('{"kty":"RSA"}');
      await server.deps.store.db.updateTable('signing_key').set({ private_jwk: foreign })
        .where('tenant_id', '=', server.tenant.id).where('kid', '=', retired).execute();
      server.providers.invalidate(server.tenant.id);
      const jwks = await fetch(`${server.url}/oauth2/jwks`);
      assert.equal(jwks.status, 200);
      assert.deepEqual(await publishedKids(), [active]);
      assert.equal(kidOf(await signIn()), active, 'sign-ins go on');
    });

    test('a removed retired key is no longer published once the nodes look again; the active key cannot be removed', async () => {
      // The procedure for a leaked active key (docs/operators.md): rotate so it is retired, then remove it.
      const withdrawn = kidOf(await signIn())!;
      const newKid = await createSigningKey(server.deps, server.tenant.id, epochSeconds(clock));
      clock.advance(KEY_CHECK_SECONDS);
      assert.ok((await publishedKids()).includes(withdrawn), 'retired: still published');
      assert.equal(await removeSigningKey(server.deps.store.db, server.tenant.id, newKid), 'active');
      assert.equal(await removeSigningKey(server.deps.store.db, server.tenant.id, 'no-such-kid'), 'unknown');
      assert.equal(await removeSigningKey(server.deps.store.db, server.tenant.id, withdrawn), 'removed');
      clock.advance(KEY_CHECK_SECONDS);
      const kids = await publishedKids();
      assert.ok(kids.includes(newKid) && !kids.includes(withdrawn), `published: ${kids.join(', ')}`);
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`one active signing key per tenant (${dialect})`, () => {
    let server: TestServer;
    before(async () => { server = await startServer({ dialect }); });
    after(() => server?.close());

    const activeKids = async () => (await server.deps.store.db.selectFrom('signing_key').select('kid')
      .where('tenant_id', '=', server.tenant.id).where('status', '=', 'active').execute()).map((r) => r.kid);

    test('five rotations at once leave exactly one active key, the one the tenant signs with', async () => {
      for (let round = 0; round < 3; round++) {
        const now = epochSeconds(server.deps.clock);
        const kids = await Promise.all(Array.from({ length: 5 }, () => createSigningKey(server.deps, server.tenant.id, now)));
        const active = await activeKids();
        assert.equal(active.length, 1, `round ${round + 1}: active keys ${active.join(', ')}`);
        assert.ok(kids.includes(active[0]!));
        const { jwks } = await loadSigningKeys(server.deps.store.db, server.deps.secrets, server.tenant.id);
        assert.equal(jwks[0]!.kid, active[0]);
      }
    });

    test('a store already holding two active keys of the same second: the check and the provider pick the same one, and the next rotation retires both', async () => {
      const now = epochSeconds(server.deps.clock) + 1000;
      const rows = [newSigningKeyRow(server.deps.secrets, server.tenant.id, now), newSigningKeyRow(server.deps.secrets, server.tenant.id, now)];
      await server.deps.store.db.transaction().execute(async (trx) => {
        await trx.updateTable('signing_key').set({ status: 'retired' }).where('tenant_id', '=', server.tenant.id).execute();
        await trx.insertInto('signing_key').values(rows).execute();
      });
      const greatest = rows.map((r) => r.kid).sort().at(-1);
      assert.equal((await signingKeySet(server.deps.store.db, server.tenant.id)).split(' ')[0], greatest);
      const { jwks } = await loadSigningKeys(server.deps.store.db, server.deps.secrets, server.tenant.id);
      assert.equal(jwks[0]!.kid, greatest, 'the provider signs with the key the check reports');

      const rotated = await createSigningKey(server.deps, server.tenant.id, now + 1);
      assert.deepEqual(await activeKids(), [rotated]);
    });
  });

  describe(`two nodes on one store: an idle node answers with the rotated key (${dialect})`, () => {
    let server: TestServer;
    let nodeB: FastifyInstance;
    let storeB: Store | undefined;
    let urlB: string;
    let app: RegisteredApp;
    const clock = manualClock(Date.now());

    before(async () => {
      server = await startServer({ dialect, clock });
      app = await registerApp(server, { name: `two-nodes-${dialect}` });
      await createScimUser(server, { userName: `nodes.${dialect}`, password: PASSWORD });
      // Node B: its own provider registry and base URL (so its issuer and endpoints are its
      // own); on PostgreSQL its own pool as well. One SQLite file is shared through one
      // connection: two in one process would wait on each other inside one thread.
      const port = await freePort();
      urlB = `http://127.0.0.1:${port}`;
      const a = server.deps.config;
      const config = loadConfig({ env: {}, overrides: {
        server: { port, host: '127.0.0.1', data_dir: a.server.data_dir, base_url: urlB },
        database: { url: a.database.url },
        super_admin: ADMIN,
      } });
      storeB = dialect === 'postgres' ? openStore(a.database.url, a.server.data_dir) : undefined;
      const deps: Deps = { ...server.deps, config, store: storeB ?? server.deps.store };
      ({ app: nodeB } = await buildApp(deps));
      await nodeB.listen({ port, host: '127.0.0.1' });
    });
    after(async () => {
      await nodeB?.close();
      await storeB?.close();
      await server?.close();
    });

    const kidsAt = async (base: string) => ((await (await fetch(`${base}/oauth2/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
    const signInAt = async (base: string) => {
      const { tokens } = await passwordLogin({ issuer: `${base}/oauth2/token`, clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri, username: `nodes.${dialect}`, password: PASSWORD });
      assert.ok(tokens?.id_token, `signed in at ${base}`);
      return tokens.id_token;
    };
    const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid;

    test('node B, idle past the interval, publishes and signs with the key rotated through node A on its very first request', async () => {
      const oldKid = kidOf(await signInAt(server.url));
      assert.deepEqual(await kidsAt(urlB), [oldKid], 'node B has loaded the tenant');

      const newKid = await createSigningKey(server.deps, server.tenant.id, epochSeconds(clock));
      clock.advance(KEY_CHECK_SECONDS + 60); // node B gets no request for the tenant meanwhile
      const fromA = await signInAt(server.url);
      assert.equal(kidOf(fromA), newKid, 'node A signs with the new key');

      // A relying party whose first JWKS fetch lands on node B (jose then waits 30 s before fetching again).
      const jwksB = createRemoteJWKSet(new URL(`${urlB}/oauth2/jwks`));
      await jwtVerify(fromA, jwksB, { issuer: `${server.url}/oauth2/token`, audience: app.clientId, currentDate: clock.now() });
      assert.deepEqual(new Set(await kidsAt(urlB)), new Set([oldKid, newKid]));

      const fromB = await signInAt(urlB);
      assert.equal(kidOf(fromB), newKid, 'node B signs with the new key');
      await jwtVerify(fromB, jwksB, { issuer: `${urlB}/oauth2/token`, audience: app.clientId, currentDate: clock.now() });
    });

    test('requests that reach an idle node together all wait for the one check and answer with the new key', async () => {
      const newKid = await createSigningKey(server.deps, server.tenant.id, epochSeconds(clock));
      clock.advance(KEY_CHECK_SECONDS);
      const answers = await Promise.all(Array.from({ length: 8 }, () => kidsAt(urlB)));
      for (const kids of answers) assert.ok(kids.includes(newKid), `published: ${kids.join(', ')}`);
    });
  });
}
