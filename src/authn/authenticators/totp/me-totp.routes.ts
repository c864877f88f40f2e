// /api/users/v1/me/totp (tenants: /t/{tenant}/api/users/v1/me/totp): the signed-in user's
// own authenticator app, WSO2's self-service API. Callers: a user's bearer access token
// with internal_login; HTTP Basic and client-credentials tokens are refused. There is no
// path or field naming another user: the token's subject is the only user acted on.
//   GET                                     state, and a pending secret's QR
//   POST {"action": "INIT" | "REFRESH"}     a new pending secret
//   POST {"action": "VALIDATE", "verificationCode": "123456"}  {isValid}
//   DELETE                                  remove (204)
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../../deps.js';
import type { Caller } from '../../../access/caller.js';
import { SELF_SERVICE_SCOPE } from '../../../access/admin-scopes.js';
import { AppError, badRequest, forbidden, notFound, unauthorized } from '../../../errors.js';
import { epochSeconds } from '../../../clock.js';
import { requestOrigin } from '../../../audit/audit-event.js';
import { findUserById } from '../../../users/user.repository.js';
import { toUser } from '../../../users/user.js';
import { RECENT_SECOND_FACTOR_SECONDS, describeMyTotp, newPendingSecret, removeMyTotp, validatePendingSecret } from './me-totp.service.js';

const PATH = '/api/users/v1/me/totp';

type MeTotpRequest =
  | { action: 'INIT' | 'REFRESH' }
  | { action: 'VALIDATE'; verificationCode: string | number };

const ACTIONS = ['INIT', 'REFRESH', 'VALIDATE'];

export function parseMeTotpRequest(body: unknown): MeTotpRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the body must be a JSON object such as {"action": "INIT"}');
  const { action, verificationCode, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) {
    throw badRequest(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}: the body carries only "action" and "verificationCode" (this API acts on the signed-in user only)`);
  }
  if (typeof action !== 'string' || !ACTIONS.includes(action)) throw badRequest(`action must be one of ${ACTIONS.join(', ')}, got ${JSON.stringify(action ?? null)}`);
  if (action !== 'VALIDATE') return { action: action as 'INIT' | 'REFRESH' };
  if (verificationCode === undefined || verificationCode === null || verificationCode === '') throw badRequest('VALIDATE needs verificationCode: the code the authenticator app shows');
  if (typeof verificationCode !== 'string' && typeof verificationCode !== 'number') throw badRequest('verificationCode must be the code as a string of digits, e.g. "012345"');
  return { action, verificationCode };
}

/** `otp` among the token's amr, from a sign-in at most RECENT_SECOND_FACTOR_SECONDS ago. */
export function hasRecentSecondFactor(deps: Deps, caller: Caller): boolean {
  if (!caller.amr?.includes('otp') || caller.authTime === undefined) return false;
  return epochSeconds(deps.clock) - caller.authTime <= RECENT_SECOND_FACTOR_SECONDS;
}

/** The self-service caller (a user's token with internal_login, in this tenant) and its user. */
export async function signedInUser(deps: Deps, request: FastifyRequest) {
  const tenant = request.tenant;
  if (!tenant) throw notFound('there is no such organization on this server');
  const caller = request.caller;
  if (!caller) throw unauthorized(`this API needs a user's bearer access token with the ${SELF_SERVICE_SCOPE} scope`);
  if (caller.tenantId !== tenant.id) throw forbidden('these credentials belong to another tenant');
  if (caller.kind !== 'user') {
    throw new AppError('user_token_required', 403, 'this API acts for a signed-in user, and a client-credentials token has no user: use the access token of a user\'s sign-in');
  }
  if (!caller.scopes.has(SELF_SERVICE_SCOPE)) {
    throw forbidden(`this call needs the ${SELF_SERVICE_SCOPE} scope, which only applications whose managementScopes list it (set by an administrator) can request for their users`);
  }
  const row = await findUserById(deps.store.db, tenant.id, caller.subject);
  if (!row) throw unauthorized('the bearer token\'s user no longer exists');
  return { tenant, caller, user: toUser(row) };
}

/**
 * Every self-service route's onRequest hook. Basic is refused before the credentials are
 * checked (onRequest runs before the caller is authenticated): a password alone never
 * manages the second factor (WSO2 OTP-10005, product-is #12742), and this path must not be
 * one more place to guess passwords.
 */
export async function selfServiceOnRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  // Answers may carry a secret: no cache keeps them.
  reply.header('cache-control', 'no-store');
  if (/^basic(\s|$)/i.test(request.headers.authorization ?? '')) {
    throw new AppError('basic_auth_not_allowed', 403, 'HTTP Basic is not accepted here: the self-service API needs a user\'s bearer access token with the internal_login scope');
  }
}

export function meTotpRoutes(deps: Deps) {
  return async function register(app: FastifyInstance) {
    app.addHook('onRequest', selfServiceOnRequest);

    app.get(PATH, async (request) => {
      const { tenant, caller, user } = await signedInUser(deps, request);
      return describeMyTotp(deps, tenant, user, hasRecentSecondFactor(deps, caller));
    });

    app.post<{ Body: unknown }>(PATH, async (request) => {
      const { tenant, caller, user } = await signedInUser(deps, request);
      const body = parseMeTotpRequest(request.body);
      if (body.action === 'VALIDATE') return validatePendingSecret(deps, tenant, user, body.verificationCode, requestOrigin(request));
      return newPendingSecret(deps, tenant, user, body.action, hasRecentSecondFactor(deps, caller));
    });

    app.delete(PATH, async (request, reply) => {
      const { tenant, caller, user } = await signedInUser(deps, request);
      await removeMyTotp(deps, tenant, user, hasRecentSecondFactor(deps, caller), requestOrigin(request));
      return reply.code(204).send();
    });
  };
}
