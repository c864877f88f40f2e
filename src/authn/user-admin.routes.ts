// Administrators acting on one user's sign-in, under /api/server/v1/users/{id} (the SCIM
// id). WSO2 has no REST call for these; the paths are ours:
//   GET    …/totp      TOTP state            internal_user_mgt_view
//   DELETE …/totp      reset TOTP            internal_user_mgt_update
//   POST   …/unlock    unlock {factor?}      internal_user_mgt_update
//   POST   …/sign-out  sign out everywhere   internal_user_mgt_update
// Reset and unlock also revoke every session and token of the user.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.js';
import { requireScope, type Caller } from '../access/caller.js';
import { badRequest } from '../errors.js';
import { requestOrigin } from '../audit/audit-event.js';
import { adminResetTotp, adminSignOut, adminUnlock, parseFactor, totpStateOf, userById, type AdminActor } from './user-admin.service.js';

const USER = '/api/server/v1/users/:userId';

const actorOf = (caller: Caller, request: FastifyRequest): AdminActor => ({
  kind: caller.kind, id: caller.subject, ...(caller.username ? { username: caller.username } : {}), ...requestOrigin(request),
});

/** The unlock body: nothing, or {"factor": "totp"}; anything else is a mistake worth saying. */
function unlockFactor(body: unknown): string | undefined {
  if (body === undefined || body === null || body === '') return undefined;
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body must be empty or a JSON object such as {"factor": "totp"}');
  const unknown = Object.keys(body).filter((k) => k !== 'factor');
  if (unknown.length) throw badRequest(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}: the body may only carry "factor"`);
  return parseFactor((body as { factor?: unknown }).factor);
}

export function userAdminRoutes(deps: Deps) {
  return async function register(app: FastifyInstance) {
    app.get<{ Params: { userId: string } }>(`${USER}/totp`, async (request) => {
      requireScope(request, 'internal_user_mgt_view');
      const tenantId = request.tenant!.id;
      return totpStateOf(deps, tenantId, await userById(deps, tenantId, request.params.userId));
    });

    app.delete<{ Params: { userId: string } }>(`${USER}/totp`, async (request) => {
      const caller = requireScope(request, 'internal_user_mgt_update');
      const tenantId = request.tenant!.id;
      return adminResetTotp(deps, tenantId, await userById(deps, tenantId, request.params.userId), actorOf(caller, request));
    });

    app.post<{ Params: { userId: string }; Body: unknown }>(`${USER}/unlock`, async (request) => {
      const caller = requireScope(request, 'internal_user_mgt_update');
      const tenantId = request.tenant!.id;
      const factor = unlockFactor(request.body);
      return adminUnlock(deps, tenantId, await userById(deps, tenantId, request.params.userId), actorOf(caller, request), factor);
    });

    app.post<{ Params: { userId: string } }>(`${USER}/sign-out`, async (request) => {
      const caller = requireScope(request, 'internal_user_mgt_update');
      const tenantId = request.tenant!.id;
      return adminSignOut(deps, tenantId, await userById(deps, tenantId, request.params.userId), actorOf(caller, request));
    });
  };
}
