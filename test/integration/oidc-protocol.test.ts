// OpenID Connect protocol behaviour against a real server with openid-client: discovery,
// ID token and userinfo claims, refresh tokens, introspection, revocation, client
// credentials. Session behaviour (SSO, prompt, max_age, acr, logout) is in oidc-session.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startServer, type TestServer } from '../helpers/test-server.js';
import { createScimUser, registerApp, type RegisteredApp } from '../helpers/api.js';
import { discover, passwordLogin } from '../helpers/oidc-login.js';
import { oauthError } from '../helpers/oidc-authorize.js';

const USER = { userName: 'protocol.user', password: 'correct horse battery', email: 'protocol.user@example.com', givenName: 'Prota', familyName: 'Col' };

describe('OIDC protocol (sqlite)', () => {
  let server: TestServer;
  let issuer: string;
  let app: RegisteredApp;
  let other: RegisteredApp;
  let noRefresh: RegisteredApp;

  before(async () => {
    server = await startServer({ dialect: 'sqlite', overrides: { identity_mgt: { login_rate_limit: { max_requests: 1000 } } } });
    issuer = `${server.url}/oauth2/token`;
    await createScimUser(server, USER);
    [app, other, noRefresh] = await Promise.all([
      registerApp(server, { name: 'protocol-app' }),
      registerApp(server, { name: 'protocol-other', redirectUri: 'http://localhost:8788/callback' }),
      registerApp(server, { name: 'protocol-norefresh', grantTypes: ['authorization_code'], redirectUri: 'http://localhost:8789/callback' }),
    ]);
  });
  after(() => server.close());

  const login = (target: RegisteredApp, scope = 'openid profile email', extraParams?: Record<string, string>) =>
    passwordLogin({ issuer, clientId: target.clientId, clientSecret: target.clientSecret, redirectUri: target.redirectUri, username: USER.userName, password: USER.password, scope, extraParams });

  test('discovery names the issuer {base}/oauth2/token, endpoints under base_url and the supported acr, PKCE and response types', async () => {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const meta = await res.json() as Record<string, unknown>;
    const base = server.url;
    assert.equal(meta.issuer, issuer);
    assert.equal(meta.authorization_endpoint, `${base}/oauth2/authorize`);
    assert.equal(meta.token_endpoint, `${base}/oauth2/token`);
    assert.equal(meta.userinfo_endpoint, `${base}/oauth2/userinfo`);
    assert.equal(meta.jwks_uri, `${base}/oauth2/jwks`);
    assert.equal(meta.introspection_endpoint, `${base}/oauth2/introspect`);
    assert.equal(meta.revocation_endpoint, `${base}/oauth2/revoke`);
    assert.equal(meta.end_session_endpoint, `${base}/oidc/logout`);
    assert.deepEqual(meta.acr_values_supported, ['urn:gatehouse:acr:1fa', 'urn:gatehouse:acr:mfa']);
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(meta.response_types_supported, ['code']);
    // Only what an application can be registered with (client_secret_jwt and private_key_jwt cannot).
    assert.deepEqual(meta.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'none']);
    assert.equal(meta.token_endpoint_auth_signing_alg_values_supported, undefined);

    const root = await (await fetch(`${base}/.well-known/openid-configuration`)).json();
    assert.deepEqual(root, meta, 'the root discovery document is the same one');
    const config = await discover(issuer, app.clientId, app.clientSecret);
    assert.equal(config.serverMetadata().issuer, issuer, 'openid-client accepts the issuer it discovered');
  });

  test('the ID token carries sub, auth_time, acr 1fa, amr pwd, the nonce and the profile and email claims', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { tokens } = await login(app);
    assert.ok(tokens);
    const claims = tokens.claims()!;
    assert.equal(claims.iss, issuer);
    assert.equal(claims.aud, app.clientId);
    assert.match(String(claims.sub), /\S/);
    assert.equal(typeof claims.auth_time, 'number');
    assert.ok(claims.auth_time! >= before - 1 && claims.auth_time! <= Math.floor(Date.now() / 1000) + 1, 'auth_time is the time of this login');
    assert.equal(claims.acr, 'urn:gatehouse:acr:1fa');
    assert.deepEqual(claims.amr, ['pwd']);
    assert.equal(typeof claims.nonce, 'string', 'openid-client checked it equals the nonce sent');
    assert.equal(claims.email, USER.email);
    assert.equal(claims.email_verified, false);
    assert.equal(claims.given_name, USER.givenName);
    assert.equal(claims.family_name, USER.familyName);
    assert.equal(claims.name, `${USER.givenName} ${USER.familyName}`);
    assert.equal(claims.preferred_username, USER.userName);
  });

  test('the ID token leaves out the email claims when the scope does not ask for email, and profile claims without profile', async () => {
    const profileOnly = (await login(app, 'openid profile')).tokens!.claims()!;
    assert.equal(profileOnly.given_name, USER.givenName);
    assert.equal(profileOnly.email, undefined);
    assert.equal(profileOnly.email_verified, undefined);

    const emailOnly = (await login(app, 'openid email')).tokens!.claims()!;
    assert.equal(emailOnly.email, USER.email);
    assert.equal(emailOnly.given_name, undefined);
    assert.equal(emailOnly.preferred_username, undefined);
    assert.deepEqual(emailOnly.amr, ['pwd'], 'the openid claims stay');
  });

  test('userinfo answers GET and POST with the bearer token and releases only the claims of the granted scopes', async () => {
    const { tokens, config } = await login(app, 'openid email');
    const sub = tokens!.claims()!.sub;
    const viaGet = await client.fetchUserInfo(config, tokens!.access_token, sub);
    assert.equal(viaGet.sub, sub);
    assert.equal(viaGet.email, USER.email);
    assert.equal(viaGet.given_name, undefined, 'no profile scope, no profile claims');

    const userinfo = config.serverMetadata().userinfo_endpoint!;
    const viaPost = await fetch(userinfo, { method: 'POST', headers: { authorization: `Bearer ${tokens!.access_token}` } });
    assert.equal(viaPost.status, 200);
    assert.deepEqual(await viaPost.json(), viaGet);

    const postBody = await fetch(userinfo, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ access_token: tokens!.access_token }) });
    assert.equal(postBody.status, 200, 'the token may also travel in the form body (RFC 6750 2.2)');
    assert.equal((await postBody.json() as { sub?: string }).sub, sub);

    const bad = await fetch(userinfo, { headers: { authorization: 'Bearer not-a-token' } });
    assert.equal(bad.status, 401);
  });

  test('an application with the refresh_token grant gets a refresh token without asking for offline_access', async () => {
    const { tokens } = await login(app, 'openid profile');
    assert.ok(tokens!.refresh_token, 'refresh token issued as WSO2 does');
    assert.ok(!String(tokens!.scope ?? '').includes('offline_access'));
  });

  test('an application without the refresh_token grant gets no refresh token, even when asking for offline_access', async () => {
    const plain = await login(noRefresh, 'openid profile');
    assert.ok(plain.tokens!.access_token);
    assert.equal(plain.tokens!.refresh_token, undefined);
    const offline = await login(noRefresh, 'openid profile offline_access', { prompt: 'consent' });
    assert.ok(offline.tokens, `sign-in completed (${offline.status} ${offline.url})`);
    assert.equal(offline.tokens!.refresh_token, undefined);
  });

  test('token responses say Cache-Control: no-store and Pragma: no-cache (RFC 6749 §5.1); discovery stays cacheable', async () => {
    const machine = await registerApp(server, { name: 'protocol-headers', grantTypes: ['client_credentials'] });
    const res = await fetch(`${server.url}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${machine.clientId}:${machine.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('cache-control') ?? '', /no-store/);
    assert.equal(res.headers.get('pragma'), 'no-cache');
    const discovery = await fetch(`${issuer}/.well-known/openid-configuration`);
    assert.equal(discovery.headers.get('pragma'), null);
  });

  test('a refresh token is rotated on use and the spent one is then refused with invalid_grant', async () => {
    const { tokens, config } = await login(app);
    const first = tokens!.refresh_token!;
    const refreshed = await client.refreshTokenGrant(config, first);
    assert.ok(refreshed.access_token);
    assert.ok(refreshed.refresh_token);
    assert.notEqual(refreshed.refresh_token, first, 'a new refresh token replaces the old one');
    assert.equal(refreshed.claims()?.sub, tokens!.claims()!.sub);
    assert.equal(await oauthError(client.refreshTokenGrant(config, first)), 'invalid_grant');
  });

  test('a refresh token is bound to its client: another client cannot use it', async () => {
    const { tokens } = await login(app);
    const otherConfig = await discover(issuer, other.clientId, other.clientSecret);
    assert.equal(await oauthError(client.refreshTokenGrant(otherConfig, tokens!.refresh_token!)), 'invalid_grant');
  });

  test('introspection says active for a live access token with client authentication, and inactive once it is revoked', async () => {
    const { tokens, config } = await login(app);
    const live = await client.tokenIntrospection(config, tokens!.access_token);
    assert.equal(live.active, true);
    assert.equal(live.client_id, app.clientId);
    assert.equal(live.sub, tokens!.claims()!.sub);

    const anonymous = await fetch(config.serverMetadata().introspection_endpoint!, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: tokens!.access_token }),
    });
    assert.ok(anonymous.status === 400 || anonymous.status === 401, `introspection needs client authentication (got ${anonymous.status})`);
    assert.equal((await anonymous.json() as { active?: boolean }).active, undefined, 'nothing is said about the token');

    await client.tokenRevocation(config, tokens!.access_token);
    assert.equal((await client.tokenIntrospection(config, tokens!.access_token)).active, false);
    const userinfo = await fetch(config.serverMetadata().userinfo_endpoint!, { headers: { authorization: `Bearer ${tokens!.access_token}` } });
    assert.equal(userinfo.status, 401, 'a revoked token no longer opens userinfo');
  });

  test('revoking another client\'s token is refused with unauthorized_client (RFC 7009 §2.1), and the token keeps working', async () => {
    const { tokens, config } = await login(app);
    const otherConfig = await discover(issuer, other.clientId, other.clientSecret);
    assert.equal(await oauthError(client.tokenRevocation(otherConfig, tokens!.access_token)), 'unauthorized_client');
    assert.equal(await oauthError(client.tokenRevocation(otherConfig, tokens!.refresh_token!)), 'unauthorized_client');
    assert.equal((await client.tokenIntrospection(config, tokens!.access_token)).active, true, 'the access token is untouched');
    const refreshed = await client.refreshTokenGrant(config, tokens!.refresh_token!);
    assert.ok(refreshed.access_token, 'the refresh token is untouched');
    // An unknown token is still a 200 (RFC 7009 §2.2): nothing is told about tokens that do not exist.
    await client.tokenRevocation(otherConfig, 'no-such-token');
  });

  test('the client_credentials grant issues an application access token that introspects as active', async () => {
    const machine = await registerApp(server, { name: 'protocol-machine', grantTypes: ['client_credentials'] });
    const config = await discover(issuer, machine.clientId, machine.clientSecret);
    const tokens = await client.clientCredentialsGrant(config);
    assert.ok(tokens.access_token);
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.equal(tokens.refresh_token, undefined);
    assert.equal(tokens.id_token, undefined);
    const info = await client.tokenIntrospection(config, tokens.access_token);
    assert.equal(info.active, true);
    assert.equal(info.client_id, machine.clientId);
    assert.equal(info.sub, undefined, 'no user behind it');

    const wrongSecret = await discover(issuer, machine.clientId, 'not-the-secret');
    assert.equal(await oauthError(client.clientCredentialsGrant(wrongSecret)), 'invalid_client');
    const userApp = await discover(issuer, noRefresh.clientId, noRefresh.clientSecret);
    // oidc-provider answers invalid_request ("requested grant type is not allowed for this client").
    const refused = await oauthError(client.clientCredentialsGrant(userApp));
    assert.ok(refused === 'invalid_request' || refused === 'unauthorized_client', `an app without the grant is refused (got ${refused})`);
  });
});
