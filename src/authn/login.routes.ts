// The login pages: /authenticationendpoint/{uid}, loaded only through the provider's
// interaction, which the interaction cookie binds to this browser.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { decodeJwt } from 'jose';
import type { Deps } from '../deps.js';
import type { ProviderRegistry } from '../oidc/registry.js';
import type { GatehouseResult } from '../oidc/provider.js';
import { finishInteraction } from '../oidc/interaction-result.js';
import { requestedAcrs } from '../oidc/requested-acr.js';
import { acrMet } from './sequence-policy.js';
import { effectiveSequence } from '../applications/application.js';
import { findApplicationForClient } from '../applications/application-cache.js';
import { renderErrorPage, renderLayout } from '../ui/layout.js';
import { escapeHtml } from '../ui/html.js';
import { epochSeconds } from '../clock.js';
import { loadFactors } from './authn-session.repository.js';
import { CHOOSE_ANOTHER } from './chooser.js';
import { advance, submit, type FlowInput, type FlowResult, type FlowState } from './flow.js';
import { auditSignIns } from '../audit/sign-in-audit.js';
import type { IpLimiter } from '../access/ip-limiter.js';
import { tooManyRequests, TOO_MANY_ATTEMPTS } from '../errors.js';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

interface Loaded {
  provider: Provider;
  interaction: Interaction;
  flow: FlowInput;
  /**
   * The state as the next request would rebuild it without anything stored (a fresh login
   * before any step ran); undefined when it has to be stored to survive.
   */
  rebuildable?: string;
}

/** The state without the empty scratch objects steps create on reading it. */
function persisted(state: FlowState): string {
  const scratch = Object.entries(state.scratch ?? {}).filter(([, value]) => Object.keys(value).length > 0);
  const { scratch: _dropped, ...rest } = state;
  return JSON.stringify(scratch.length ? { ...rest, scratch: Object.fromEntries(scratch) } : rest);
}

// Reasons that demand a fresh login: the session's earlier steps must not be reused.
const FRESH_LOGIN_REASONS = new Set(['no_session', 'login_prompt', 'max_age', 'id_token_hint', 'claims_id_token_sub_value', 'essential_acrs', 'essential_acr']);

// The per-IP limit counts failed attempts only (the same counter as failed admin Basic
// credentials): a guesser fails every time, while many people signing in from one office
// address succeed and are never stopped by it.
export function loginRoutes(deps: Deps, providers: ProviderRegistry, limiter: IpLimiter) {
  return async function register(app: FastifyInstance) {
    const page = (reply: FastifyReply, status: number, title: string, message: string) =>
      reply.code(status).type('text/html; charset=utf-8').send(renderErrorPage(title, message));
    // Sends the error page and tells the caller there is nothing left to do.
    const refuse = (reply: FastifyReply, status: number, title: string, message: string): null => {
      void page(reply, status, title, message);
      return null;
    };

    async function load(request: FastifyRequest<{ Params: { uid: string } }>, reply: FastifyReply): Promise<Loaded | null> {
      const tenant = request.tenant;
      if (!tenant) return refuse(reply, 404, 'Not found', 'There is no such organization on this server.');
      const provider = await providers.get(tenant);
      let interaction: Interaction;
      try {
        interaction = await provider.interactionDetails(request.raw, reply.raw);
      } catch {
        return refuse(reply, 400, 'This sign-in has expired', 'This sign-in page has expired or was opened in another browser. Go back to the application and sign in again.');
      }
      if (interaction.uid !== request.params.uid) {
        return refuse(reply, 400, 'This sign-in has expired', 'This sign-in page belongs to another sign-in or another browser. Go back to the application and sign in again.');
      }
      const clientId = String(interaction.params.client_id);
      const application = await findApplicationForClient(deps, tenant.id, clientId);
      if (!application) return refuse(reply, 400, 'Unknown application', 'The application that sent you here is no longer registered.');
      const stored = (interaction.result as { flow?: FlowState } | undefined)?.flow;
      const state = stored ?? await initialState(interaction, tenant.id);
      // A fresh login's first page changes nothing a later request could not rebuild (the
      // CSRF token is derived from the interaction): it need not be written back.
      const rebuildable = !stored && Object.keys(state.fromSession).length === 0 ? persisted(state) : undefined;
      return { provider, interaction, rebuildable, flow: { deps, tenant, application, state, clientIp: request.ip, userAgent: request.headers['user-agent'], requestId: request.id, loginExpiresAt: interaction.exp } satisfies FlowInput };
    }

    async function initialState(interaction: Interaction, tenantId: string): Promise<FlowState> {
      // Bound to this interaction (whose cookie binds it to the browser) and unforgeable
      // without the server's key, so every request of the login derives the same token.
      const state: FlowState = { csrf: deps.secrets.digest('login-csrf', `${tenantId}\n${interaction.uid}`), fromSession: {}, completed: {}, skipped: [] };
      const reasons = interaction.prompt.reasons;
      const session = interaction.session;
      if (session?.accountId && session.uid && !reasons.some((r) => FRESH_LOGIN_REASONS.has(r))) {
        state.fromSession = await loadFactors(deps.store.db, tenantId, session.uid, session.accountId, epochSeconds(deps.clock), deps.config.session.absolute_timeout);
        if (Object.keys(state.fromSession).length) state.userId = session.accountId;
      }
      return state;
    }

    async function respond(reply: FastifyReply, loaded: Loaded, result: FlowResult) {
      const { interaction, flow } = loaded;
      if (result.kind === 'error') return page(reply, 400, result.title, result.message);
      if (result.kind === 'done') {
        const hinted = hintedSubject(interaction.params.id_token_hint);
        if (hinted !== undefined && hinted !== result.userId) {
          // OpenID Connect Core 3.1.2.1: the application asked for the user its ID token
          // names, and someone else signed in. Their steps are recorded; the application
          // gets no code, and the session is not changed.
          await auditSignIns(flow, result.events);
          const redirectTo = await finishInteraction(interaction, {
            error: 'login_required', error_description: 'the user who signed in is not the one id_token_hint names',
          });
          return reply.redirect(redirectTo, 303);
        }
        if (!acrMet(requestedAcrs(interaction.params.acr_values), result.acr)) {
          // The application asked for more than this sign-in proved (an optional second
          // factor was skipped): an authentication failure, not a code at the lower acr.
          await auditSignIns(flow, result.events);
          const redirectTo = await finishInteraction(interaction, {
            error: 'unmet_authentication_requirements',
            error_description: `the sign-in reached ${result.acr}, not the requested acr (a second factor was not set up)`,
          });
          return reply.redirect(redirectTo, 303);
        }
        const gatehouse: GatehouseResult = { factors: result.factors, skipped: flow.state.skipped };
        const redirectTo = await finishInteraction(interaction, {
          login: { accountId: result.userId, amr: result.amr, acr: result.acr, ts: result.authTime, remember: true },
          gatehouse,
        });
        await auditSignIns(flow, [...result.events, {
          type: 'login_succeeded', user: { id: result.userId, ...(result.username ? { username: result.username } : {}) },
          details: { amr: result.amr, acr: result.acr, completed: Object.keys(flow.state.completed), fromSession: Object.keys(flow.state.fromSession), skipped: flow.state.skipped },
        }]);
        return reply.redirect(redirectTo, 303);
      }
      if (loaded.rebuildable === undefined || persisted(flow.state) !== loaded.rebuildable) {
        // accountId: the adapter files the sign-in under its user, so signing the user out
        // everywhere ends it too (oidc/adapter.ts accountOf).
        interaction.result = { flow: flow.state, ...(flow.state.userId ? { accountId: flow.state.userId } : {}) };
        await interaction.save(Math.max(1, (interaction.exp ?? 0) - epochSeconds(deps.clock)));
      }
      const action = `${flow.tenant.pathPrefix}/authenticationendpoint/${interaction.uid}`;
      const body = `
<form method="post" action="${escapeHtml(action)}" novalidate>
  <input type="hidden" name="csrf" value="${escapeHtml(flow.state.csrf)}">
  <input type="hidden" name="step" value="${result.stepId}">
  ${result.page.html}
  ${result.multiOption ? CHOOSE_ANOTHER : ''}
</form>
<p><a href="${escapeHtml(action)}/abort">Cancel and return to ${escapeHtml(flow.application.name)}</a></p>`;
      const error = result.error ?? result.page.error;
      return reply.code(error ? 400 : 200).type('text/html; charset=utf-8').send(renderLayout({
        title: result.page.title,
        heading: result.page.heading ?? `${result.page.title} to ${flow.application.name}`,
        body,
        error,
        notice: result.page.notice,
      }));
    }

    app.get<{ Params: { uid: string } }>('/authenticationendpoint/:uid', async (request, reply) => {
      const loaded = await load(request, reply);
      if (!loaded) return reply;
      const { interaction, flow } = loaded;
      if (interaction.prompt.reasons.includes('acr_unreachable')) {
        const redirectTo = await loaded.provider.interactionResult(request.raw, reply.raw, {
          error: 'unmet_authentication_requirements',
          error_description: `this application's authentication sequence cannot meet the requested acr_values`,
        }, { mergeWithLastSubmission: false });
        return reply.redirect(redirectTo, 303);
      }
      if (interaction.prompt.name === 'consent' && interaction.session?.accountId) {
        return reply.redirect(await grantConsent(loaded.provider, request, reply, interaction), 303);
      }
      if (effectiveSequence(flow.application).steps.length === 0) return page(reply, 400, 'Sign-in is not available', 'This application has no authentication steps.');
      return respond(reply, loaded, await advance(flow));
    });

    app.post<{ Params: { uid: string }; Body: Record<string, string | undefined> }>('/authenticationendpoint/:uid', async (request, reply) => {
      // Counted before anything is judged (past the limit even the right password waits) and
      // handed back unless a step failed: see ip-limiter.ts.
      if (!await limiter.take(request.ip)) throw tooManyRequests(TOO_MANY_ATTEMPTS);
      let failed = false;
      try {
        return await handlePost(request, reply, () => { failed = true; });
      } finally {
        if (!failed) await limiter.refund(request.ip);
      }
    });

    async function handlePost(request: FastifyRequest<{ Params: { uid: string }; Body: Record<string, string | undefined> }>, reply: FastifyReply, onFailedAttempt: () => void) {
      const loaded = await load(request, reply);
      if (!loaded) return reply;
      loaded.flow.onFailedAttempt = onFailedAttempt;
      const body = (request.body ?? {}) as Record<string, unknown>;
      const input: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(body)) if (typeof v === 'string') input[k] = v;
      if (!sameToken(input.csrf, loaded.flow.state.csrf)) {
        return respond(reply, loaded, await advance(loaded.flow, 'Your form expired. Please try again.'));
      }
      const stepId = Number(input.step);
      return respond(reply, loaded, await submit(loaded.flow, Number.isInteger(stepId) ? stepId : -1, input));
    }

    app.get<{ Params: { uid: string } }>('/authenticationendpoint/:uid/abort', async (request, reply) => {
      const loaded = await load(request, reply);
      if (!loaded) return reply;
      const redirectTo = await loaded.provider.interactionResult(request.raw, reply.raw, {
        error: 'access_denied', error_description: 'the user cancelled the sign-in',
      }, { mergeWithLastSubmission: false });
      return reply.redirect(redirectTo, 303);
    });
  };
}

/**
 * Applications are first-party (no consent page), so a consent prompt (prompt=consent, or
 * scopes loadExistingGrant would not grant) is answered without asking: the grant keeps
 * what the provider's loadExistingGrant allows, and what it refused is recorded as refused
 * so the provider stops asking.
 */
async function grantConsent(provider: Provider, request: FastifyRequest, reply: FastifyReply, interaction: Interaction): Promise<string> {
  const details = interaction.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
  const grant = (interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined)
    ?? new provider.Grant({ clientId: String(interaction.params.client_id), accountId: interaction.session!.accountId });
  if (details.missingOIDCScope?.length) grant.rejectOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims?.length) grant.rejectOIDCClaims(details.missingOIDCClaims);
  const grantId = await grant.save();
  return provider.interactionResult(request.raw, reply.raw, { consent: { grantId } }, { mergeWithLastSubmission: false });
}

/**
 * The subject of the id_token_hint the authorization request carried. The provider verified
 * its signature and audience when the request came in (an invalid hint never reaches a
 * login page), and the interaction holding it is stored server-side: decoding is enough.
 */
function hintedSubject(hint: unknown): string | undefined {
  if (typeof hint !== 'string') return undefined;
  try {
    const { sub } = decodeJwt(hint);
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined;
  }
}

function sameToken(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
