// Administrators looking at and ending one user's sessions, beside the other calls on a
// user's sign-in (authn/user-admin.routes.ts; ending all of them is POST …/sign-out there):
//   GET    /api/server/v1/users/{id}/sessions        as /me/sessions shows it   internal_user_mgt_view
//   DELETE /api/server/v1/users/{id}/sessions/{sid}  ends one (204)             internal_user_mgt_update
// WSO2 serves these at /api/users/v1/{user-id}/sessions with internal_session_* scopes; ours
// sit with the rest of the user administration and its scopes.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';
import { requireScope } from '../access/caller.js';
import { recordAudit } from '../audit/audit.service.js';
import { callerActor, requestOrigin } from '../audit/audit-event.js';
import { userById } from '../authn/user-admin.service.js';
import { endSession, listSessions, sessionNotFound } from './user-sessions.service.js';

const SESSIONS = '/api/server/v1/users/:userId/sessions';

export function userSessionsRoutes(deps: Deps) {
  return async function register(app: FastifyInstance) {
    app.get<{ Params: { userId: string } }>(SESSIONS, async (request) => {
      requireScope(request, 'internal_user_mgt_view');
      const tenantId = request.tenant!.id;
      return listSessions(deps, tenantId, await userById(deps, tenantId, request.params.userId));
    });

    app.delete<{ Params: { userId: string; sessionId: string } }>(`${SESSIONS}/:sessionId`, async (request, reply) => {
      const caller = requireScope(request, 'internal_user_mgt_update');
      const tenantId = request.tenant!.id;
      const user = await userById(deps, tenantId, request.params.userId);
      if (!(await endSession(deps, tenantId, user.id, request.params.sessionId))) throw sessionNotFound();
      await recordAudit(deps, {
        tenantId, type: 'session_ended', actor: callerActor(caller), user: { id: user.id, username: user.username },
        origin: requestOrigin(request), details: { via: 'admin', session: request.params.sessionId },
      });
      return reply.code(204).send();
    });
  };
}
