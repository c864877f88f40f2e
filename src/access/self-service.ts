// What every self-service API (/api/users/v1/me/…) shares: the caller must be a user's
// bearer token with internal_login in this tenant (never HTTP Basic, never a client's
// token), and some changes also need a recent second factor.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.js';
import type { Caller } from './caller.js';
import { SELF_SERVICE_SCOPE } from './admin-scopes.js';
import { AppError, forbidden, notFound, unauthorized } from '../errors.js';
import { epochSeconds } from '../clock.js';
import { findUserById } from '../users/user.repository.js';
import { toUser } from '../users/user.js';

/** How recent the second factor behind a token must be to change or remove an active secret or backup codes. */
export const RECENT_SECOND_FACTOR_SECONDS = 300;

/**
 * `otp` among the token's amr, proven at most RECENT_SECOND_FACTOR_SECONDS ago: by the code's
 * own time, not auth_time, which a later step (a backup code) may have renewed.
 */
export function hasRecentSecondFactor(deps: Deps, caller: Caller): boolean {
  if (!caller.amr?.includes('otp') || caller.otpAt === undefined) return false;
  return epochSeconds(deps.clock) - caller.otpAt <= RECENT_SECOND_FACTOR_SECONDS;
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
