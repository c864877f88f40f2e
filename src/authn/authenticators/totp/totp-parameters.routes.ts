// GET/PUT /api/server/v1/authenticators/totp/parameters: the tenant's TOTP parameters.
// Both answer { parameters: {name: value}, details: [{name, value, source, …}] }: the
// values that apply now, and for each where it comes from (a tenant override or the server).
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../../deps.js';
import { requireScope } from '../../../access/caller.js';
import { describeTotpParameters, totpParameters, updateTotpParameters } from './parameters.js';
import { recordAudit } from '../../../audit/audit.service.js';
import { callerActor, changes, requestOrigin, toAuditValue } from '../../../audit/audit-event.js';

const PATH = '/api/server/v1/authenticators/totp/parameters';

async function view(deps: Deps, tenantId: string) {
  const details = await describeTotpParameters(deps, tenantId);
  return { parameters: Object.fromEntries(details.map((d) => [d.name, d.value])), details };
}

export function totpParameterRoutes(deps: Deps) {
  return async function register(app: FastifyInstance) {
    app.get(PATH, async (request) => {
      requireScope(request, 'internal_authenticator_view');
      return view(deps, request.tenant!.id);
    });

    app.put<{ Body: unknown }>(PATH, async (request) => {
      const caller = requireScope(request, 'internal_authenticator_update');
      const tenantId = request.tenant!.id;
      const before = await totpParameters(deps, tenantId);
      const after = await updateTotpParameters(deps, tenantId, request.body);
      deps.logger.info({
        event: 'totp_parameters_updated', tenantId,
        actor: { kind: caller.kind, id: caller.subject, ...(caller.username ? { username: caller.username } : {}) },
        changes: request.body,
      }, 'an administrator changed the tenant\'s TOTP parameters');
      // before/after: the values that apply; requested: the overrides as sent (null removes one).
      await recordAudit(deps, {
        tenantId, type: 'totp_parameters_updated', actor: callerActor(caller), origin: requestOrigin(request), factor: 'totp',
        details: { ...changes(before, after), requested: toAuditValue(request.body) },
      });
      return view(deps, tenantId);
    });
  };
}
