// /api/users/v1/me/totp (tenants: /t/{tenant}/api/users/v1/me/totp): the signed-in user's
// own authenticator app, WSO2's self-service API. Callers: a user's bearer access token
// with internal_login; HTTP Basic and client-credentials tokens are refused. There is no
// path or field naming another user: the token's subject is the only user acted on.
//   GET                                     state, and a pending secret's QR
//   POST {"action": "INIT" | "REFRESH"}     a new pending secret
//   POST {"action": "VALIDATE", "verificationCode": "123456"}  {isValid}
//   DELETE                                  remove (204)
//   DELETE …/pending                        cancel an unfinished setup or replacement (204)
// REFRESH and DELETE of an active secret need a second factor: a token from a recent
// sign-in with `otp`, or {"verificationCode": "…"} of the active app in the same request.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../../deps.js';
import { badRequest, shown } from '../../../errors.js';
import { requestOrigin } from '../../../audit/audit-event.js';
import { hasRecentSecondFactor, selfServiceOnRequest, signedInUser } from '../../../access/self-service.js';
import { cancelPendingTotp, describeMyTotp, newPendingSecret, removeMyTotp, validatePendingSecret } from './me-totp.service.js';
import { checkedCodeField, parseCodeProof, secondFactorCheck, type CodeProof } from './code-proof.js';

const PATH = '/api/users/v1/me/totp';

type MeTotpRequest =
  | { action: 'INIT' }
  | { action: 'REFRESH'; verificationCode: CodeProof }
  | { action: 'VALIDATE'; verificationCode: string | number };

const ACTIONS = ['INIT', 'REFRESH', 'VALIDATE'];

export function parseMeTotpRequest(body: unknown): MeTotpRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the body must be a JSON object such as {"action": "INIT"}');
  const { action, verificationCode, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) {
    throw badRequest(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => shown(k)).join(', ')}: the body carries only "action" and "verificationCode" (this API acts on the signed-in user only)`);
  }
  if (typeof action !== 'string' || !ACTIONS.includes(action)) throw badRequest(`action must be one of ${ACTIONS.join(', ')}, got ${shown(action ?? null)}`);
  const code = checkedCodeField(verificationCode);
  if (action === 'INIT') return { action };
  // REFRESH: a code of the active app, as the proof of the second factor (optional).
  if (action === 'REFRESH') return { action, verificationCode: code };
  if (code === undefined) throw badRequest('VALIDATE needs verificationCode: the code the authenticator app shows');
  return { action: 'VALIDATE', verificationCode: code };
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
      const origin = requestOrigin(request);
      if (body.action === 'VALIDATE') return validatePendingSecret(deps, tenant, user, body.verificationCode, origin);
      const code = body.action === 'REFRESH' ? body.verificationCode : undefined;
      return newPendingSecret(deps, tenant, user, body.action, secondFactorCheck(deps, tenant, caller, user, code, origin));
    });

    app.delete<{ Body: unknown }>(PATH, async (request, reply) => {
      const { tenant, caller, user } = await signedInUser(deps, request);
      const code = parseCodeProof(request.body, 'a DELETE');
      const origin = requestOrigin(request);
      await removeMyTotp(deps, tenant, user, secondFactorCheck(deps, tenant, caller, user, code, origin), origin);
      return reply.code(204).send();
    });

    app.delete(`${PATH}/pending`, async (request, reply) => {
      const { tenant, user } = await signedInUser(deps, request);
      await cancelPendingTotp(deps, tenant, user, requestOrigin(request));
      return reply.code(204).send();
    });
  };
}
