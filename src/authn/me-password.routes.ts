// POST /api/users/v1/me/password {currentPassword, newPassword} (tenants: under
// /t/{tenant}): the signed-in user's own password. Callers: a user's bearer access token
// with internal_login, as for /me/totp; HTTP Basic is refused. The answer is
// {"revoked": n}: every session and token of the user ended, this token included, so the
// application signs the user in again.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';
import { requestOrigin } from '../audit/audit-event.js';
import { selfServiceOnRequest, signedInUser } from '../access/self-service.js';
import { changeMyPassword, parsePasswordChange } from './me-password.service.js';

const PATH = '/api/users/v1/me/password';

export function mePasswordRoutes(deps: Deps) {
  return async function register(app: FastifyInstance) {
    app.addHook('onRequest', selfServiceOnRequest);
    app.post<{ Body: unknown }>(PATH, async (request) => {
      const { tenant, user } = await signedInUser(deps, request);
      return changeMyPassword(deps, tenant.id, user, parsePasswordChange(request.body), requestOrigin(request));
    });
  };
}
