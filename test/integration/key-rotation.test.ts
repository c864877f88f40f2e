// A signing key rotated outside this server (`gatehouse keys rotate`, or another node) is
// picked up without a restart: within KEY_CHECK_SECONDS new ID tokens carry the new key,
// the JWKS publishes old and new, and tokens signed with the old key still verify.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startServer, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { createScimUser, registerApp, type RegisteredApp } from '../helpers/api.js';
import { passwordLogin } from '../helpers/oidc-login.js';
import { manualClock } from '../helpers/totp.js';
import { createSigningKey, KEY_CHECK_SECONDS } from '../../src/tenants/signing-keys.js';
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
      const newKid = await createSigningKey(server.deps.store.db, server.deps.secrets, server.tenant.id, epochSeconds(clock));
      assert.notEqual(newKid, oldKid);

      assert.equal(kidOf(await signIn()), oldKid, 'within the interval the loaded key still signs');
      clock.advance(KEY_CHECK_SECONDS);
      // The first request after the interval starts the check; the swap follows once the new provider is built.
      const deadline = Date.now() + 5000;
      while (!(await publishedKids()).includes(newKid)) {
        assert.ok(Date.now() < deadline, 'the JWKS publishes the new key within 5 s of the interval');
        await new Promise((r) => setTimeout(r, 50));
      }
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
  });
}
