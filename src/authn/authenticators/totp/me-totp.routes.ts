// /api/users/v1/me/totp (tenants: /t/{tenant}/api/users/v1/me/totp): the signed-in user's
// own authenticator app, WSO2's self-service API. Callers: a user's bearer access token
// with internal_login; HTTP Basic and client-credentials tokens are refused. There is no
// path or field naming another user: the token's subject is the only user acted on.
//   GET                                     state, and a pending secret's QR
//   POST {"action": "INIT" | "REFRESH"}     a new pending secret
//   POST {"action": "VALIDATE", "verificationCode": "123456"}  {isValid}
//   DELETE                                  remove (204)
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../../deps.js';
import { badRequest } from '../../../errors.js';
import { requestOrigin } from '../../../audit/audit-event.js';
import { hasRecentSecondFactor, selfServiceOnRequest, signedInUser } from '../../../access/self-service.js';
import { describeMyTotp, newPendingSecret, removeMyTotp, validatePendingSecret } from './me-totp.service.js';

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
