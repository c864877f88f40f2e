// The signed-in user's own sessions, WSO2's User Session Management API (tenants: under
// /t/{tenant}); callers as for every /api/users/v1/me/… call (a user's token with
// internal_login, never Basic):
//   GET    /api/users/v1/me/sessions                     { userId, sessions[], applicationsOutsideSessions[] }, the current one first
//   DELETE /api/users/v1/me/sessions/{id}                ends one (204); 404 when it is not the user's
//   DELETE /api/users/v1/me/sessions?keepCurrent=true    ends every other one (ours, Okta's name)
//   DELETE /api/users/v1/me/sessions                     ends all, this token's too (as WSO2)
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';
import { selfServiceOnRequest, signedInUser } from '../access/self-service.js';
import { badRequest } from '../errors.js';
import { recordAudit } from '../audit/audit.service.js';
import { requestOrigin } from '../audit/audit-event.js';
import { signOutEverywhere } from '../oidc/sign-out-everywhere.js';
import { endOtherSessions, endSession, listSessions, publicSessionId, sessionNotFound } from './user-sessions.service.js';

const PATH = '/api/users/v1/me/sessions';

/** A misspelt or unknown parameter must not turn "every other session" into "every session". */
function keepCurrentOf(query: Record<string, unknown>): boolean {
  const unknown = Object.keys(query).filter((key) => key !== 'keepCurrent');
  if (unknown.length) throw badRequest(`unknown query parameter ${unknown.map((k) => `"${k}"`).join(', ')}: the only one is keepCurrent=true|false`);
  const value = query.keepCurrent;
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw badRequest('keepCurrent must be true or false');
}

export function meSessionsRoutes(deps: Deps) {
  return async function register(app: FastifyInstance) {
    app.addHook('onRequest', selfServiceOnRequest);

    app.get(PATH, async (request) => {
      const { tenant, caller, user } = await signedInUser(deps, request);
      return listSessions(deps, tenant.id, user, caller);
    });

    app.delete<{ Querystring: Record<string, unknown> }>(PATH, async (request, reply) => {
      const { tenant, caller, user } = await signedInUser(deps, request);
      const keepCurrent = keepCurrentOf(request.query);
      const revoked = keepCurrent
        ? await endOtherSessions(deps, tenant.id, user.id, caller)
        : await signOutEverywhere(deps, tenant.id, user.id);
      await recordAudit(deps, {
        tenantId: tenant.id, type: 'user_signed_out_everywhere', actor: { kind: 'user', id: user.id, username: user.username },
        user: { id: user.id, username: user.username }, origin: requestOrigin(request), details: { via: 'self', keptCurrentSession: keepCurrent, revoked },
      });
      return reply.code(204).send();
    });

    app.delete<{ Params: { sessionId: string } }>(`${PATH}/:sessionId`, async (request, reply) => {
      const { tenant, caller, user } = await signedInUser(deps, request);
      if (!(await endSession(deps, tenant.id, user.id, request.params.sessionId))) throw sessionNotFound();
      await recordAudit(deps, {
        tenantId: tenant.id, type: 'session_ended', actor: { kind: 'user', id: user.id, username: user.username },
        user: { id: user.id, username: user.username }, origin: requestOrigin(request),
        details: { via: 'self', session: request.params.sessionId, current: caller.sessionUid !== undefined && publicSessionId(caller.sessionUid) === request.params.sessionId },
      });
      return reply.code(204).send();
    });
  };
}
