// The apps' own OpenID Connect client: authorization code + PKCE (S256) against this
// tenant's provider, as a public client the server keeps in every tenant
// ("gatehouse-console" for the console, "gatehouse-myaccount" for My Account; each entry
// point names its own with configureSignIn). Written by hand with fetch and crypto.subtle:
// a few dozen lines do not justify a dependency. Tokens stay in this tab
// (sessionStorage), never in localStorage or cookies.
import { appBase, appName, tenantDomain, tenantPrefix } from '../env';

const LOGIN_KEY = `gatehouse.${appName}.login:${tenantDomain}`;
export const SIGNED_OUT_STATE = 'signed-out';

export interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
  revocation_endpoint?: string;
  scopes_supported?: string[];
}

/** What an app signs in as; its callback is always {tenant base}/{app}/callback. */
export interface SignInClient {
  clientId: string;
  /** The scopes to ask for, given what the provider offers. */
  scopes(discovery: Discovery): string[];
}

let client: SignInClient | undefined;

/** Called once by each entry point, before anything signs in. */
export function configureSignIn(config: SignInClient): void {
  client = config;
}

function signInClient(): SignInClient {
  if (!client) throw new Error('configureSignIn was not called by this app\'s entry point');
  return client;
}

export interface Session {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  idToken: string;
  scopes: string[];
  username: string;
  name?: string;
  email?: string;
}

interface PendingLogin {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
  redirectUri: string;
}

/** The app was opened on another host than the server's base_url: the OIDC redirects would not come back here. */
export class WrongOriginError extends Error {
  constructor(readonly appUrl: string) {
    super(`Open it at ${appUrl}`);
  }
}

export class SignInError extends Error {}

let discovery: Promise<Discovery> | undefined;

export function discover(): Promise<Discovery> {
  discovery ??= (async () => {
    const res = await fetch(`${tenantPrefix}/oauth2/token/.well-known/openid-configuration`, { headers: { accept: 'application/json' } });
    if (!res.ok) throw new SignInError(`The server's OpenID Connect discovery answered ${res.status}.`);
    const found = await res.json() as Discovery;
    const base = found.issuer.replace(/\/oauth2\/token$/, '');
    if (new URL(found.authorization_endpoint).origin !== window.location.origin) throw new WrongOriginError(`${base}/${appName}/`);
    return found;
  })();
  discovery.catch(() => { discovery = undefined; });
  return discovery;
}

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

const randomString = (): string => base64url(crypto.getRandomValues(new Uint8Array(32)));

async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** The admin scopes the server knows (everything internal_* but self-service); the provider grants them to administrators only. */
export const adminScopes = (d: Discovery): string[] =>
  (d.scopes_supported ?? []).filter((s) => s.startsWith('internal_') && s !== 'internal_login');

export const isAdminScope = (scope: string): boolean => scope.startsWith('internal_') && scope !== 'internal_login';

/** The callback registered for this app: {tenant base}/{app}/callback, from the issuer (base_url). */
const callbackOf = (d: Discovery): string => `${d.issuer.replace(/\/oauth2\/token$/, '')}/${appName}/callback`;

/** Sends the browser to the tenant's sign-in; it comes back to {app}/callback. */
export async function startSignIn(returnTo: string): Promise<never> {
  const { clientId, scopes } = signInClient();
  const d = await discover();
  const pending: PendingLogin = { state: randomString(), nonce: randomString(), verifier: randomString(), returnTo, redirectUri: callbackOf(d) };
  sessionStorage.setItem(LOGIN_KEY, JSON.stringify(pending));
  const url = new URL(d.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: pending.redirectUri,
    scope: scopes(d).join(' '),
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await challengeOf(pending.verifier),
    code_challenge_method: 'S256',
  }).toString();
  window.location.assign(url.href);
  return new Promise<never>(() => {});
}

function decodeJwtPayload(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1];
  if (!part) throw new SignInError('The server sent an ID token that is not a JWT.');
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

/**
 * Finishes the sign-in on {app}/callback: checks state, exchanges the code with the
 * PKCE verifier, checks the ID token's issuer, audience and nonce. The ID token comes
 * straight from the token endpoint over this origin, so its signature need not be checked
 * here (OIDC Core 3.1.3.7); the API checks the access token on every call anyway.
 */
export async function completeSignIn(params: URLSearchParams): Promise<{ session: Session; returnTo: string }> {
  const { clientId } = signInClient();
  const raw = sessionStorage.getItem(LOGIN_KEY);
  sessionStorage.removeItem(LOGIN_KEY);
  const pending = raw ? JSON.parse(raw) as PendingLogin : undefined;
  // State first, for errors too: a crafted link must not put its own words on this page.
  if (!pending || params.get('state') !== pending.state) throw new SignInError('This sign-in answer does not belong to a sign-in started in this tab. Start again.');
  if (params.get('error')) {
    throw new SignInError(params.get('error_description') ?? params.get('error') ?? 'The sign-in was refused.');
  }
  const code = params.get('code');
  if (!code) throw new SignInError('The sign-in answer has no authorization code.');
  const d = await discover();
  const res = await fetch(d.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: pending.redirectUri, client_id: clientId, code_verifier: pending.verifier }),
  });
  const body = await res.json().catch(() => ({})) as Record<string, unknown>;
  if (!res.ok) throw new SignInError(`The token request failed: ${String(body.error_description ?? body.error ?? res.status)}.`);
  const idToken = String(body.id_token ?? '');
  const claims = decodeJwtPayload(idToken);
  const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (claims.iss !== d.issuer || !audience.includes(clientId) || claims.nonce !== pending.nonce) {
    throw new SignInError('The ID token is not for this app (issuer, audience or nonce differ).');
  }
  const session: Session = {
    accessToken: String(body.access_token),
    expiresAt: Date.now() + Number(body.expires_in ?? 0) * 1000,
    idToken,
    scopes: String(body.scope ?? '').split(' ').filter(Boolean),
    username: String(claims.preferred_username ?? claims.sub ?? ''),
    ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
    ...(typeof claims.email === 'string' ? { email: claims.email } : {}),
  };
  return { session, returnTo: pending.returnTo };
}

/**
 * Revokes the access token (signing out of the provider does not revoke tokens) and ends
 * the provider's session at /oidc/logout, which comes back to {app}/callback.
 */
export async function signOutAt(session: Session | undefined): Promise<never> {
  const { clientId } = signInClient();
  const d = await discover();
  if (session && d.revocation_endpoint) {
    await fetch(d.revocation_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: session.accessToken, token_type_hint: 'access_token', client_id: clientId }),
    }).catch(() => undefined);
  }
  if (!d.end_session_endpoint) {
    window.location.assign(`${appBase}/callback?state=${SIGNED_OUT_STATE}`);
    return new Promise<never>(() => {});
  }
  const url = new URL(d.end_session_endpoint);
  url.search = new URLSearchParams({
    client_id: clientId,
    post_logout_redirect_uri: callbackOf(d),
    state: SIGNED_OUT_STATE,
    ...(session?.idToken ? { id_token_hint: session.idToken } : {}),
  }).toString();
  window.location.assign(url.href);
  return new Promise<never>(() => {});
}
