// Applications are cached for the sign-in path (applications/application-cache.ts): a
// change through this node's API applies to the very next request, and a change written
// by another node (straight into the shared database) within the cache's lifetime.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startServer, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { api, registerApp, type RegisteredApp } from '../helpers/api.js';
import { APPLICATION_CACHE_TTL_MS } from '../../src/applications/application-cache.js';

const APPS = '/api/server/v1/applications';
const OTHER_CALLBACK = 'http://localhost:8787/other-callback';

for (const dialect of DIALECTS) {
  describe(`application cache on ${dialect}`, () => {
    let server: TestServer;
    before(async () => { server = await startServer({ dialect }); });
    after(() => server.close());

    /** GET /oauth2/authorize without following redirects: 303 to the login page, or an error page. */
    async function authorize(app: RegisteredApp, redirectUri: string) {
      const verifier = randomBytes(32).toString('base64url');
      const query = new URLSearchParams({
        client_id: app.clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'openid',
        state: randomBytes(8).toString('base64url'),
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      });
      const res = await fetch(`${server.url}/oauth2/authorize?${query}`, { redirect: 'manual' });
      await res.text();
      return { status: res.status, location: res.headers.get('location') ?? '', cookie: res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') };
    }

    test('a PATCH of the callback URLs applies to the next authorization request', async () => {
      const app = await registerApp(server);
      assert.equal((await authorize(app, app.redirectUri)).status, 303, 'registered callback accepted (and the application cached)');
      const patched = await api(server, 'PATCH', `${APPS}/${app.id}`, {
        auth: server.adminAuth,
        body: { inboundProtocolConfiguration: { oidc: { callbackURLs: [OTHER_CALLBACK] } } },
      });
      assert.equal(patched.status, 200);
      assert.equal((await authorize(app, app.redirectUri)).status, 400, 'the removed callback is refused at once');
      assert.equal((await authorize(app, OTHER_CALLBACK)).status, 303, 'the new callback is accepted at once');
    });

    test('a deleted application is refused at once, also on a login page already open', async () => {
      const app = await registerApp(server);
      const started = await authorize(app, app.redirectUri);
      assert.equal(started.status, 303);
      const loginPage = new URL(started.location, server.url).href;
      assert.equal((await fetch(loginPage, { headers: { cookie: started.cookie } })).status, 200);
      assert.equal((await api(server, 'DELETE', `${APPS}/${app.id}`, { auth: server.adminAuth })).status, 204);
      const page = await fetch(loginPage, { headers: { cookie: started.cookie } });
      assert.equal(page.status, 400);
      assert.match(await page.text(), /no longer registered/);
      assert.equal((await authorize(app, app.redirectUri)).status, 400);
    });

    test('a change written by another node is seen within the cache lifetime', async () => {
      const app = await registerApp(server);
      assert.equal((await authorize(app, app.redirectUri)).status, 303);
      // Another node shares the database: its write does not go through this node's services.
      const row = await server.deps.store.db.selectFrom('application').select('oidc').where('id', '=', app.id).executeTakeFirstOrThrow();
      const oidc = { ...JSON.parse(row.oidc), callbackURLs: [OTHER_CALLBACK] };
      await server.deps.store.db.updateTable('application').set({ oidc: JSON.stringify(oidc) }).where('id', '=', app.id).execute();
      await new Promise((resolve) => setTimeout(resolve, APPLICATION_CACHE_TTL_MS + 100));
      assert.equal((await authorize(app, OTHER_CALLBACK)).status, 303, 'the other node\'s callback is accepted');
      assert.equal((await authorize(app, app.redirectUri)).status, 400, 'the callback it removed is refused');
    });
  });
}
