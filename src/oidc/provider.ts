// One oidc-provider per tenant, configured from the server config and the tenant's keys.
import Provider, { errors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Deps } from '../deps.js';
import type { Tenant } from '../tenants/tenant.js';
import { effectiveSequence } from '../applications/application.js';
import { findApplicationForClient } from '../applications/application-cache.js';
import { ADMIN_SCOPES, MANAGEMENT_SCOPES, SELF_SERVICE_SCOPE } from '../access/admin-scopes.js';
import { findUserById } from '../users/user.repository.js';
import { toUser, isAdmin, ADMIN_ROLE } from '../users/user.js';
import { adapterFactory } from './adapter.js';
import { accountFinder, rolesOfAccount, SCOPE_CLAIMS } from './account.js';
import { toClientMetadata, PKCE_REQUIRED } from './client-metadata.js';
import { loadFactors, saveFactors, touchSession, type Factors } from '../authn/authn-session.repository.js';
import { ACR_VALUES, acrReachable, amrFor, satisfies } from '../authn/sequence-policy.js';
import { requestedAcrs } from './requested-acr.js';
import { sendInBackground } from './backchannel-logout.js';
import { epochSeconds } from '../clock.js';
import { renderErrorPage, renderLayout } from '../ui/layout.js';
import { escapeHtml } from '../ui/html.js';

const { base: basePolicy, Check } = interactionPolicy;

export interface TenantKeys {
  signing: Array<Record<string, unknown>>;
  cookies: string[];
}

/** Result of our login interaction, carried through the provider to the resume request. */
export interface GatehouseResult {
  factors: Factors;
  /**
   * Steps the login just completed by skipping them (optional TOTP, user not enrolled).
   * They satisfy the sequence for this resume only and are never stored as proofs, so
   * amr does not claim them and the next sign-in decides again.
   */
  skipped?: string[];
}

export function createProvider(deps: Deps, tenant: Tenant, keys: TenantKeys): Provider {
  const { config } = deps;
  const secure = config.server.base_url.startsWith('https:');
  // Keeps '-' so names stay distinct per domain ('carbon-super' vs 'carbon.super'): domains never contain '_'.
  const cookieSuffix = tenant.domain.replace(/[^a-z0-9-]/g, '_');
  const cookiePath = tenant.pathPrefix ? `${tenant.pathPrefix}/` : '/';

  const loadApp = (clientId: string) => findApplicationForClient(deps, tenant.id, clientId);

  // What the login prompt's check read, kept for the request: the row is read at most once
  // per request, however often the policy is evaluated in it.
  const storedFactors = new WeakMap<KoaContextWithOIDC, { uid: string; accountId: string; factors: Factors }>();
  const loadStoredFactors = async (ctx: KoaContextWithOIDC, uid: string, accountId: string): Promise<Factors> => {
    const known = storedFactors.get(ctx);
    if (known && known.uid === uid && known.accountId === accountId) return known.factors;
    // A session this request created (the browser brought none) has a new uid: nothing stored.
    const session = ctx.oidc.session as { new?: boolean; uid?: string } | undefined;
    if (session?.new && session.uid === uid) return {};
    const factors = await loadFactors(deps.store.db, tenant.id, uid, accountId, epochSeconds(deps.clock), config.session.absolute_timeout);
    storedFactors.set(ctx, { uid, accountId, factors });
    return factors;
  };

  // Factors the session proved: those the login being resumed reported (the steps it ran and
  // those it took from the session; a fresh login took none), else those stored.
  const sessionFactors = async (ctx: KoaContextWithOIDC): Promise<Factors> => {
    const session = ctx.oidc.session;
    if (!session?.accountId) return {};
    const resumed = (ctx.oidc.result as { gatehouse?: GatehouseResult } | undefined)?.gatehouse?.factors;
    return resumed ?? loadStoredFactors(ctx, session.uid, session.accountId);
  };

  const policy = basePolicy();
  const login = policy.get('login')!;
  // A session whose account the provider no longer finds (disabled or deleted meanwhile,
  // before its sessions were revoked): a sign-in, not the consent checks, which assume an
  // account and fail on its absence. The sign-in then says why it cannot finish.
  login.checks.add(new Check('account_unavailable', 'the session\'s account is disabled or gone', 'login_required', (ctx) =>
    (ctx.oidc.session?.accountId && !ctx.oidc.account ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT)));
  login.checks.add(new Check('acr_unreachable', 'the requested acr cannot be met by this application\'s authentication sequence', 'unmet_authentication_requirements', async (ctx) => {
    const requested = requestedAcrs(ctx.oidc.params?.acr_values);
    if (!requested.length || !ctx.oidc.client) return Check.NO_NEED_TO_PROMPT;
    const app = await loadApp(ctx.oidc.client.clientId);
    return app && !acrReachable(requested, effectiveSequence(app)) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
  }));
  login.checks.add(new Check('authentication_sequence', 'the session has not completed every step this application requires', 'login_required', async (ctx) => {
    const { session, client } = ctx.oidc;
    if (!session?.accountId || !client) return Check.NO_NEED_TO_PROMPT; // no_session prompts already
    const app = await loadApp(client.clientId);
    if (!app) return Check.REQUEST_PROMPT;
    if (session.loginTs && epochSeconds(deps.clock) - session.loginTs > config.session.absolute_timeout) return Check.REQUEST_PROMPT;
    const factors = await sessionFactors(ctx);
    const skipped = (ctx.oidc.result as { gatehouse?: GatehouseResult } | undefined)?.gatehouse?.skipped ?? [];
    return satisfies(effectiveSequence(app), new Set([...Object.keys(factors), ...skipped])) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
  }));

  const configuration: Configuration = {
    adapter: adapterFactory({
      db: deps.store.db,
      clock: deps.clock,
      tenantId: tenant.id,
      findClient: async (clientId) => {
        const app = await loadApp(clientId);
        return app ? (toClientMetadata(app) as Record<string, unknown>) : undefined;
      },
    }),
    findAccount: accountFinder(deps, tenant.id),
    jwks: { keys: keys.signing as never },
    cookies: {
      keys: keys.cookies,
      names: { session: `gh_session_${cookieSuffix}`, interaction: `gh_interaction_${cookieSuffix}`, resume: `gh_resume_${cookieSuffix}` },
      long: { signed: true, httpOnly: true, sameSite: 'lax', secure, path: cookiePath },
      short: { signed: true, httpOnly: true, sameSite: 'lax', secure, path: cookiePath },
    },
    claims: { ...SCOPE_CLAIMS, sid: null },
    scopes: ['openid', 'offline_access', ...MANAGEMENT_SCOPES],
    acrValues: ACR_VALUES,
    responseTypes: ['code'],
    conformIdTokenClaims: false,
    extraClientMetadata: { properties: [PKCE_REQUIRED] },
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' || client[PKCE_REQUIRED] === true },
    routes: {
      authorization: '/oauth2/authorize',
      token: '/oauth2/token',
      userinfo: '/oauth2/userinfo',
      jwks: '/oauth2/jwks',
      introspection: '/oauth2/introspect',
      revocation: '/oauth2/revoke',
      end_session: '/oidc/logout',
      pushed_authorization_request: '/oauth2/par',
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Confidential clients (resource servers) may introspect any token of this tenant;
      // public clients only their own. A client revokes only its own tokens.
      introspection: {
        enabled: true,
        allowedPolicy: async (ctx, client, token) => client.clientAuthMethod !== 'none' || token.clientId === ctx.oidc.client?.clientId,
      },
      // RFC 7009 §2.1: a request for another client's token "is refused and the client is
      // informed of the error" (oidc-provider answers a refused policy with a silent 200).
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => {
          if (token.clientId !== client.clientId) throw new errors.UnauthorizedClient('this token was not issued to this client');
          return true;
        },
      },
      userinfo: { enabled: true },
      // Applications with a back-channel logout URL are told when a session ends: by the
      // provider on RP-initiated logout, by oidc/backchannel-logout.ts when we end one.
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = renderLayout({ title: 'Sign out', heading: 'Sign out?', body: `${form}<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button><p></p><button type="submit" form="op.logoutForm">No, stay signed in</button>` });
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = renderLayout({ title: 'Signed out', heading: 'You are signed out', body: `<p>You have signed out${ctx.oidc.client?.clientName ? ` of ${escapeHtml(String(ctx.oidc.client.clientName))}` : ''}.</p>` });
        },
      },
    },
    interactions: {
      url: (_ctx, interaction) => `${tenant.pathPrefix}/authenticationendpoint/${interaction.uid}`,
      policy,
    },
    ttl: {
      AuthorizationCode: config.oauth.authorization_code_validity,
      AccessToken: config.oauth.user_access_token_validity,
      ClientCredentials: config.oauth.application_access_token_validity,
      RefreshToken: config.oauth.refresh_token_validity,
      IdToken: config.oauth.id_token_validity,
      Interaction: config.session.interaction_timeout,
      Session: config.session.idle_timeout,
      Grant: config.oauth.refresh_token_validity,
    },
    // The provider's only outgoing requests are back-channel logouts (no dynamic client
    // registration, no client jwks_uri, no request_uri). Its guard refuses loopback and
    // internal addresses a URL's name resolves to: kept unless the operator lets these
    // URLs reach internal services (tenant administrators register them). The 2.5 s
    // timeout and manual redirects stay either way.
    ...(config.oauth.backchannel_logout_allow_private_hosts ? {
      fetch: (url: string | URL | Request, options?: RequestInit) => {
        const { dispatcher: _internalAddressGuard, ...rest } = (options ?? {}) as RequestInit & { dispatcher?: unknown };
        return globalThis.fetch(url, rest);
      },
    } : {}),
    // As WSO2 does: an application allowed the refresh_token grant gets refresh tokens.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    // How and when the user signed in, kept with each access token (opaque: stored
    // server-side) so the self-service API can ask for a recent second factor. A refreshed
    // token keeps the original sign-in's values: refreshing proves nothing new.
    extraTokenClaims: async (ctx, token) => {
      if (token.kind !== 'AccessToken') return undefined;
      const source = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken;
      if (!source) return undefined;
      const claims = { amr: source.amr ?? [], auth_time: source.authTime };
      // When the one-time code itself was proven: a step-up that proved only another factor
      // (a backup code) has a new auth_time while the otp in amr is the session's older
      // proof. Read only for tokens that can reach the self-service API.
      if (!claims.amr.includes('otp') || !source.scopes.has(SELF_SERVICE_SCOPE) || !source.sessionUid || !source.accountId) return claims;
      const factors = await loadFactors(deps.store.db, tenant.id, source.sessionUid, source.accountId, epochSeconds(deps.clock), config.session.absolute_timeout);
      const otpAt = Math.max(...Object.entries(factors).filter(([factor]) => amrFor([factor]).includes('otp')).map(([, at]) => at));
      // A refreshed token keeps its sign-in's proof: one made since, in another sign-in of
      // the same session, is not this token's.
      return Number.isFinite(otpAt) && (source.authTime === undefined || otpAt <= source.authTime) ? { ...claims, otp_at: otpAt } : claims;
    },
    // Tokens live for their configured lifetimes, not the browser session's idle timeout
    // (oidc-provider's default ties them to the session without offline_access). As in
    // WSO2, signing out does not revoke issued tokens; applications revoke at /oauth2/revoke.
    expiresWithSession: async () => false,
    // Applications registered by an administrator are first-party: no consent page
    // (WSO2's skipLoginConsent). Admin scopes are granted only to an admin of a
    // management application that lists them; internal_login to any user of an
    // application that lists it.
    loadExistingGrant: async (ctx) => {
      const { oidc } = ctx;
      const session = oidc.session!;
      const grantId = oidc.result?.consent?.grantId || session.grantIdFor(oidc.client!.clientId);
      const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
      const grant = existing ?? new oidc.provider.Grant({ clientId: oidc.client!.clientId, accountId: session.accountId! });
      const requested = String(oidc.params?.scope ?? '').split(' ').filter(Boolean);
      // The provider loaded the account just before (loadAccount): its roles are reused.
      const known = rolesOfAccount(oidc.account, session.accountId!);
      const userRow = known ? undefined : await findUserById(deps.store.db, tenant.id, session.accountId!);
      const admin = known ? known.includes(ADMIN_ROLE) : userRow ? isAdmin(toUser(userRow)) : false;
      const allowed = new Set(String(oidc.client!.scope ?? '').split(' '));
      const scopes = requested.filter((s) => allowed.has(s) && (!ADMIN_SCOPES.includes(s) || admin));
      grant.addOIDCScope(scopes.join(' '));
      const claims = oidc.claims;
      if (claims?.id_token) grant.addOIDCClaims(Object.keys(claims.id_token));
      if (claims?.userinfo) grant.addOIDCClaims(Object.keys(claims.userinfo));
      await grant.save();
      return grant;
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      const message = out.error === 'invalid_redirect_uri'
        ? 'The application sent you here with a return address it has not registered, so Gatehouse will not send you back to it. Tell the application\'s owner.'
        : `${out.error_description ?? out.error}`;
      ctx.body = renderErrorPage('Sign-in could not continue', message);
    },
    clientBasedCORS: () => true,
    enableHttpPostMethods: false,
    // OpenID Connect Core 3.1.2.1: redirect_uri is REQUIRED, even for an application with
    // one registered callback (OAuth 2.0 would let it be left out).
    allowOmittingSingleRegisteredRedirectUri: false,
    // What an application can be registered with (applications/application.service.ts), and
    // so what discovery advertises: client_secret_jwt and private_key_jwt are not offered.
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
  };

  const provider = new Provider(tenant.issuer, configuration);
  provider.proxy = true;
  sendInBackground(deps, tenant.id, provider);

  // Once a login is resumed, remember which authenticators this browser session proved,
  // so another application's sequence runs only the steps still missing.
  provider.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      // What the provider's own error handling let through (a fault of its own): our page
      // and our log line, not Koa's plain-text 500 and a stack trace on stderr.
      deps.logger.error({ err, tenant: tenant.domain, path: ctx.path }, 'oidc provider failed');
      ctx.status = 500;
      ctx.type = 'html';
      ctx.body = renderErrorPage('Something went wrong', 'Something went wrong on our side. Go back to the application and sign in again; if it keeps happening, tell the administrator.');
      return;
    }
    const oidc = (ctx as KoaContextWithOIDC).oidc;
    const resumed = (oidc?.result as { gatehouse?: GatehouseResult } | undefined)?.gatehouse;
    if (oidc?.route === 'resume' && resumed && oidc.session?.accountId && !(oidc.session as { destroyed?: boolean }).destroyed) {
      const now = epochSeconds(deps.clock);
      // The login's factors replace the stored ones: merged, a password-only fresh login
      // (prompt=login at another application) kept an earlier TOTP proof alive, and single
      // sign-on into a TOTP application then needed no code while reporting amr ["pwd"].
      const expiresAt = now + config.session.absolute_timeout;
      const agent = ctx.get('user-agent');
      // clientIp: set by http/oidc-mount.ts, the address as Fastify determined it (trust_proxy applies).
      const origin = { ip: (ctx.req as { clientIp?: string }).clientIp ?? ctx.ip, userAgent: agent || undefined };
      await saveFactors(deps.store.db, tenant.id, oidc.session.uid, oidc.session.accountId, resumed.factors, expiresAt, origin, now);
    } else if (oidc?.route === 'authorization' && oidc.entities.AuthorizationCode && oidc.session?.accountId) {
      // Single sign-on: an application signed in through the session with no login page.
      await touchSession(deps.store.db, tenant.id, oidc.session.uid, epochSeconds(deps.clock));
    }
  });

  provider.on('server_error', (ctx, err) => deps.logger.error({ err, tenant: tenant.domain, route: ctx.oidc?.route }, 'oidc provider error'));
  return provider;
}

