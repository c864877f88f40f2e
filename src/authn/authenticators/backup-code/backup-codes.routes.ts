// Backup codes over REST (WSO2's /me/backup-codes shape). Self-service, for the signed-in
// user only, with the same caller checks as /me/totp (a user's token with internal_login,
// HTTP Basic refused):
//   POST    /api/users/v1/me/backup-codes   a new set, replacing the old: 201 {backupCodes}
//   GET     /api/users/v1/me/backup-codes   {remainingBackupCodesCount}
//   DELETE  /api/users/v1/me/backup-codes   204
// POST and DELETE need a second factor, as changing the authenticator app does (a token
// from a recent sign-in with `otp`, or {"verificationCode": "…"} of the active app in the
// body): a stolen password-only token must not mint a second factor or remove the user's
// fallback.
// Administrators (internal_user_mgt_view):
//   GET     /api/server/v1/users/{id}/backup-codes   {remainingBackupCodesCount}
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../../../deps.js';
import { requireScope } from '../../../access/caller.js';
import { AppError } from '../../../errors.js';
import { userById } from '../../user-admin.service.js';
import { RECENT_SECOND_FACTOR_SECONDS, selfServiceOnRequest, signedInUser } from '../../../access/self-service.js';
import { parseCodeProof, secondFactorCheck } from '../totp/code-proof.js';
import { regenerateBackupCodes, remainingBackupCodes, removeBackupCodes } from './backup-code.service.js';
import { requestOrigin } from '../../../audit/audit-event.js';

const ME = '/api/users/v1/me/backup-codes';

const stepUpRequired = () => new AppError('insufficient_user_authentication', 403,
  'Creating or deleting backup codes needs proof of the authenticator app: send a code it shows now as "verificationCode", '
  + `or use an access token from a sign-in with a code from it within the last ${RECENT_SECOND_FACTOR_SECONDS / 60} minutes `
  + '(authorization request with prompt=login or max_age=0, for an application whose sign-in asks for the code).');

export function meBackupCodeRoutes(deps: Deps) {
  /** The signed-in user, once the request proves their second factor (else a 403 saying how). */
  async function provenUser(request: FastifyRequest) {
    const { tenant, caller, user } = await signedInUser(deps, request);
    const origin = requestOrigin(request);
    if (!(await secondFactorCheck(deps, tenant, caller, user, parseCodeProof(request.body, 'this request'), origin)())) throw stepUpRequired();
    return { tenant, user, origin };
  }

  return async function register(app: FastifyInstance) {
    app.addHook('onRequest', selfServiceOnRequest);

    app.get(ME, async (request) => {
      const { tenant, user } = await signedInUser(deps, request);
      return { remainingBackupCodesCount: await remainingBackupCodes(deps, tenant.id, user.id) };
    });

    app.post<{ Body: unknown }>(ME, async (request, reply) => {
      const { tenant, user, origin } = await provenUser(request);
      const backupCodes = await regenerateBackupCodes(deps, tenant.id, user.id, 'self-service', origin);
      return reply.code(201).send({ backupCodes });
    });

    app.delete<{ Body: unknown }>(ME, async (request, reply) => {
      const { tenant, user, origin } = await provenUser(request);
      await removeBackupCodes(deps, tenant.id, user.id, 'self-service', origin);
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
