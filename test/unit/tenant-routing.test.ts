// /t/{tenant}/… routing: the prefix is stripped so routes are declared once, the domain is
// remembered, and the default tenant keeps its unprefixed URLs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { rewriteTenantUrl, type RoutedRequest } from '../../src/http/tenant-routing.js';
import { startServer } from '../helpers/test-server.js';

const CASES: Array<{ url: string; routed: string; tenant: string; originalUrl: string }> = [
  // No prefix: the default tenant, unchanged.
  { url: '/', routed: '/', tenant: 'carbon.super', originalUrl: '/' },
  { url: '/oauth2/authorize?client_id=a&state=b', routed: '/oauth2/authorize?client_id=a&state=b', tenant: 'carbon.super', originalUrl: '/oauth2/authorize?client_id=a&state=b' },
  { url: '/scim2/Users', routed: '/scim2/Users', tenant: 'carbon.super', originalUrl: '/scim2/Users' },
  // A tenant: prefix stripped, the full URL kept for oidc-provider's mount path.
  { url: '/t/acme.com/oauth2/token', routed: '/oauth2/token', tenant: 'acme.com', originalUrl: '/t/acme.com/oauth2/token' },
  { url: '/t/acme.com/oauth2/authorize?x=1&y=/t/z', routed: '/oauth2/authorize?x=1&y=/t/z', tenant: 'acme.com', originalUrl: '/t/acme.com/oauth2/authorize?x=1&y=/t/z' },
  { url: '/t/acme.com', routed: '/', tenant: 'acme.com', originalUrl: '/t/acme.com' },
  { url: '/t/acme.com/', routed: '/', tenant: 'acme.com', originalUrl: '/t/acme.com/' },
  { url: '/t/acme.com?x=1', routed: '/?x=1', tenant: 'acme.com', originalUrl: '/t/acme.com?x=1' },
  { url: '/t/acme.com/t/other.com/x', routed: '/t/other.com/x', tenant: 'acme.com', originalUrl: '/t/acme.com/t/other.com/x' },
  // Domains are case-insensitive and may arrive percent-encoded.
  { url: '/t/ACME.Com/scim2/Users', routed: '/scim2/Users', tenant: 'acme.com', originalUrl: '/t/ACME.Com/scim2/Users' },
  { url: '/t/acme%2Ecom/x', routed: '/x', tenant: 'acme.com', originalUrl: '/t/acme%2Ecom/x' },
  // The default tenant under its prefix answers with its unprefixed URLs (one issuer).
  { url: '/t/carbon.super/oauth2/token', routed: '/oauth2/token', tenant: 'carbon.super', originalUrl: '/oauth2/token' },
  { url: '/t/Carbon.Super/.well-known/openid-configuration', routed: '/.well-known/openid-configuration', tenant: 'carbon.super', originalUrl: '/.well-known/openid-configuration' },
  // Not a tenant prefix.
  { url: '/t/', routed: '/t/', tenant: 'carbon.super', originalUrl: '/t/' },
  { url: '/t//x', routed: '/t//x', tenant: 'carbon.super', originalUrl: '/t//x' },
  { url: '/tenant/acme.com/x', routed: '/tenant/acme.com/x', tenant: 'carbon.super', originalUrl: '/tenant/acme.com/x' },
  { url: '/x/t/acme.com/y', routed: '/x/t/acme.com/y', tenant: 'carbon.super', originalUrl: '/x/t/acme.com/y' },
  // A malformed escape is kept as it is (it names no tenant) instead of throwing.
  { url: '/t/%E0/oauth2/token', routed: '/oauth2/token', tenant: '%e0', originalUrl: '/t/%E0/oauth2/token' },
];

test('rewriteTenantUrl strips /t/{tenant}, records the domain and the URL oidc-provider sees', () => {
  for (const c of CASES) {
    const req = { url: c.url } as RoutedRequest;
    assert.equal(rewriteTenantUrl(req), c.routed, `${c.url}: routed URL`);
    assert.equal(req.tenantDomain, c.tenant, `${c.url}: tenant`);
    assert.equal(req.originalUrl, c.originalUrl, `${c.url}: originalUrl`);
  }
});

/** A raw request (fetch would normalise the path first). */
function rawGet(base: string, path: string): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    request({ hostname, port, path, method: 'GET' }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject).end();
  });
}

test('a malformed tenant escape is a 404 and the server keeps serving', async (t) => {
  const server = await startServer();
  t.after(() => server.close());
  assert.equal(await rawGet(server.url, '/t/%E0/oauth2/jwks'), 404);
  assert.equal(await rawGet(server.url, '/t/unknown.example/oauth2/jwks'), 404);
  assert.equal(await rawGet(server.url, '/t/carbon.super/oauth2/jwks'), 200);
  assert.equal(await rawGet(server.url, '/oauth2/jwks'), 200);
});
