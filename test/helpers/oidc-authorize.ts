// One authorization request walked by the HTTP browser up to the application's callback
// (or to the first page that is not a redirect), for protocol tests that look at the
// redirect itself: errors, prompt handling, SSO without a login page.
import * as client from 'openid-client';
import type { HttpBrowser } from './http-browser.js';
import { discover } from './oidc-login.js';

export interface AuthorizeResult {
  /** The callback URL the browser was sent to, if it got there. */
  callback?: URL;
  /** Where the browser stopped otherwise (e.g. a login page) and that response. */
  url: string;
  res: Response;
  state: string;
  nonce: string;
  verifier: string;
}

/** An authorization request built the way a relying party builds it (PKCE S256, state, nonce). */
export async function authorizationRequest(config: client.Configuration, redirectUri: string, params: Record<string, string> = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return {
    url, state, nonce, verifier,
    /** Exchanges the code in a callback URL, checking state, nonce and PKCE. */
    exchange: (callback: string | URL) => client.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }),
  };
}

/** Discovery plus an authorization request for a test server's application (browser tests). */
export async function authorizationFor(server: { url: string }, app: { clientId: string; clientSecret?: string; redirectUri: string }, params: Record<string, string> = {}) {
  const issuer = `${server.url}/oauth2/token`;
  const config = await discover(issuer, app.clientId, app.clientSecret);
  const request = await authorizationRequest(config, app.redirectUri, params);
  return { issuer, config, url: request.url, exchange: request.exchange };
}

export async function authorize(config: client.Configuration, browser: HttpBrowser, redirectUri: string, params: Record<string, string> = {}): Promise<AuthorizeResult> {
  const { url: authUrl, state, nonce, verifier } = await authorizationRequest(config, redirectUri, params);
  const { url, res } = await browser.follow(authUrl.href, {}, (u) => u.startsWith(redirectUri));
  return { callback: url.startsWith(redirectUri) ? new URL(url) : undefined, url, res, state, nonce, verifier };
}

/** Exchanges the code on a successful authorize() callback. */
export async function exchange(config: client.Configuration, result: AuthorizeResult) {
  if (!result.callback) throw new Error(`authorize did not reach the callback (stopped at ${result.url})`);
  return client.authorizationCodeGrant(config, result.callback, { pkceCodeVerifier: result.verifier, expectedState: result.state, expectedNonce: result.nonce });
}

/** Reads the OAuth error of a rejected call made through openid-client. */
export async function oauthError(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call;
  } catch (err) {
    const e = err as { error?: string; cause?: unknown; message: string };
    // A 401 with WWW-Authenticate surfaces as a challenge whose parameters hold the error.
    const challenge = Array.isArray(e.cause) ? (e.cause[0] as { parameters?: { error?: string } } | undefined)?.parameters?.error : undefined;
    return e.error ?? challenge ?? e.message;
  }
  return undefined;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
