// Drives a full authorization-code + PKCE sign-in with openid-client against a test
// server, filling the real login form over HTTP.
import * as client from 'openid-client';
import { HttpBrowser, parseForm } from './http-browser.js';

export interface LoginOptions {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  redirectUri: string;
  username: string;
  password: string;
  scope?: string;
  browser?: HttpBrowser;
  extraParams?: Record<string, string>;
}

export async function discover(issuer: string, clientId: string, clientSecret?: string) {
  return client.discovery(new URL(issuer), clientId, clientSecret ? { client_secret: clientSecret } : undefined,
    clientSecret ? client.ClientSecretBasic(clientSecret) : client.None(), { execute: [client.allowInsecureRequests] });
}

export async function passwordLogin(opts: LoginOptions) {
  const config = await discover(opts.issuer, opts.clientId, opts.clientSecret);
  const browser = opts.browser ?? new HttpBrowser();
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: opts.redirectUri,
    scope: opts.scope ?? 'openid profile email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...opts.extraParams,
  });
  const isCallback = (u: string) => u.startsWith(opts.redirectUri);
  let { url, res } = await browser.follow(authUrl.href, {}, isCallback);
  let page = '';
  if (!isCallback(url)) {
    page = await res.text();
    const form = parseForm(page);
    ({ url, res } = await browser.follow(new URL(form.action, url).href, { form: { ...form.fields, username: opts.username, password: opts.password } }, isCallback));
  }
  if (!isCallback(url)) return { config, browser, page: await res.text(), status: res.status, url, tokens: undefined };
  const tokens = await client.authorizationCodeGrant(config, new URL(url), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  return { config, browser, tokens, url, page, status: 200 };
}
