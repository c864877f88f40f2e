// Small helpers for calling the admin APIs of a test server.
import type { TestServer } from './test-server.js';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export async function api<T = any>(server: { url: string }, method: string, path: string, options: { auth?: string; body?: unknown; type?: string; headers?: Record<string, string> } = {}): Promise<ApiResponse<T>> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(options.auth ? { authorization: options.auth } : {}),
      ...(options.body !== undefined ? { 'content-type': options.type ?? 'application/json' } : {}),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try { body = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, body: body as T };
}

export interface RegisteredApp {
  id: string;
  clientId: string;
  clientSecret?: string;
  redirectUri: string;
}

export async function registerApp(server: TestServer, options: { prefix?: string; auth?: string; name?: string; redirectUri?: string; publicClient?: boolean; grantTypes?: string[]; sequence?: unknown; managementScopes?: string[] } = {}): Promise<RegisteredApp> {
  const redirectUri = options.redirectUri ?? 'http://localhost:8787/callback';
  const created = await api(server, 'POST', `${options.prefix ?? ''}/api/server/v1/applications`, {
    auth: options.auth ?? server.adminAuth,
    body: {
      name: options.name ?? `app-${Math.random().toString(36).slice(2, 8)}`,
      description: 'test application',
      inboundProtocolConfiguration: { oidc: { grantTypes: options.grantTypes ?? ['authorization_code', 'refresh_token'], callbackURLs: [redirectUri], publicClient: options.publicClient ?? false } },
      ...(options.sequence ? { authenticationSequence: options.sequence } : {}),
      ...(options.managementScopes ? { managementScopes: options.managementScopes } : {}),
    },
  });
  if (created.status !== 201) throw new Error(`register app: ${created.status} ${JSON.stringify(created.body)}`);
  const oidc = await api(server, 'GET', `${options.prefix ?? ''}/api/server/v1/applications/${created.body.id}/inbound-protocols/oidc`, { auth: options.auth ?? server.adminAuth });
  return { id: created.body.id, clientId: oidc.body.clientId, clientSecret: oidc.body.clientSecret, redirectUri };
}

export async function createScimUser(server: TestServer, user: { userName: string; password: string; email?: string; givenName?: string; familyName?: string; roles?: string[] }, options: { prefix?: string; auth?: string } = {}) {
  const res = await api(server, 'POST', `${options.prefix ?? ''}/scim2/Users`, {
    auth: options.auth ?? server.adminAuth,
    type: 'application/scim+json',
    body: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: user.userName,
      password: user.password,
      name: { givenName: user.givenName ?? 'Test', familyName: user.familyName ?? 'User' },
      emails: user.email ? [{ value: user.email, primary: true }] : [],
      ...(user.roles ? { roles: user.roles.map((value) => ({ value })) } : {}),
    },
  });
  if (res.status !== 201) throw new Error(`create user: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; userName: string };
}
