// Backup codes over REST (WSO2's /me/backup-codes shape). Self-service, for the signed-in
// user only, with the same caller checks as /me/totp (a user's token with internal_login,
// HTTP Basic refused):
//   POST    /api/users/v1/me/backup-codes   a new set, replacing the old: 201 {backupCodes}
//   GET     /api/users/v1/me/backup-codes   {remainingBackupCodesCount}
//   DELETE  /api/users/v1/me/backup-codes   204
// POST and DELETE need a recent second factor, as changing the authenticator app does: a
// stolen password-only token must not mint a second factor or remove the user's fallback.
// Administrators (internal_user_mgt_view):
//   GET     /api/server/v1/users/{id}/backup-codes   {remainingBackupCodesCount}
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../../deps.js';
import { requireScope } from '../../../access/caller.js';
import { AppError } from '../../../errors.js';
import { userById } from '../../user-admin.service.js';
import { RECENT_SECOND_FACTOR_SECONDS, hasRecentSecondFactor, selfServiceOnRequest, signedInUser } from '../../../access/self-service.js';
import { regenerateBackupCodes, remainingBackupCodes, removeBackupCodes } from './backup-code.service.js';
import { requestOrigin } from '../../../audit/audit-event.js';

const ME = '/api/users/v1/me/backup-codes';

const stepUpRequired = () => new AppError('insufficient_user_authentication', 403,
  `Creating or deleting backup codes needs a sign-in with a code from the authenticator app within the last ${RECENT_SECOND_FACTOR_SECONDS / 60} minutes. `
  + 'The application should sign the user in again (authorization request with prompt=login or max_age=0, for an application whose sign-in asks for the code), then retry with the new access token.');

export function meBackupCodeRoutes(deps: Deps) {
  return async function register(app: FastifyInstance) {
    app.addHook('onRequest', selfServiceOnRequest);

    app.get(ME, async (request) => {
      const { tenant, user } = await signedInUser(deps, request);
      return { remainingBackupCodesCount: await remainingBackupCodes(deps, tenant.id, user.id) };
    });

    app.post(ME, async (request, reply) => {
      const { tenant, caller, user } = await signedInUser(deps, request);
      if (!hasRecentSecondFactor(deps, caller)) throw stepUpRequired();
      const backupCodes = await regenerateBackupCodes(deps, tenant.id, user.id, 'self-service', requestOrigin(request));
      return reply.code(201).send({ backupCodes });
    });

    app.delete(ME, async (request, reply) => {
      const { tenant, caller, user } = await signedInUser(deps, request);
      if (!hasRecentSecondFactor(deps, caller)) throw stepUpRequired();
      await removeBackupCodes(deps, tenant.id, user.id, 'self-service', requestOrigin(request));
      return reply.code(204).send();
    });
  };
}

export function adminBackupCodeRoutes(deps: Deps) {
  return async function register(app: FastifyInstance) {
    app.get<{ Params: { userId: string } }>('/api/server/v1/users/:userId/backup-codes', async (request) => {
      requireScope(request, 'internal_user_mgt_view');
      const tenantId = request.tenant!.id;
      const user = await userById(deps, tenantId, request.params.userId);
      return { remainingBackupCodesCount: await remainingBackupCodes(deps, tenantId, user.id) };
    });
  };
}
