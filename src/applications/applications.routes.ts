// /api/server/v1/applications — WSO2's application management API.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.js';
import { requireScope, type Caller } from '../access/caller.js';
import { badRequest } from '../errors.js';
import { listApplications, type NameFilter } from './application.repository.js';
import { toApplication, type Application } from './application.js';
import { toApplicationListItem, toApplicationModel, toOidcInbound } from './application-model.js';
import { getApplication, patchApplication, registerApplication, removeApplication, parseOidc, regenerateClientSecret, type ApplicationInput } from './application.service.js';
import { SYSTEM_CLIENT_IDS } from './system-applications.js';
import { recordAudit } from '../audit/audit.service.js';
import { callerActor, changes, requestOrigin, toAuditValue, type AuditDetails, type AuditEventType } from '../audit/audit-event.js';

const PREFIX = '/api/server/v1/applications';

/** An application as the audit log shows it: its settings, never its client secret. */
const auditView = (a: Application) => ({
  name: a.name, description: a.description, oidc: toAuditValue(a.oidc), authenticationSequence: toAuditValue(a.sequence), managementScopes: a.managementScopes,
});

function audit(deps: Deps, request: FastifyRequest, caller: Caller, type: AuditEventType, app: Application, details: AuditDetails): Promise<void> {
  return recordAudit(deps, {
    tenantId: request.tenant!.id, type, actor: callerActor(caller), clientId: app.clientId, origin: requestOrigin(request),
    details: { applicationId: app.id, ...details },
  });
}

/** What a change did: the settings that differ, and whether the client secret was issued or dropped. */
const changeDetails = (before: Application, after: Application): AuditDetails => ({
  ...changes(auditView(before), auditView(after)),
  clientSecretChanged: before.clientSecret !== after.clientSecret,
});

function parseFilter(filter: string | undefined): NameFilter | undefined {
  if (filter === undefined || filter === '') return undefined;
  const match = /^name\s+(eq|sw|co|ew)\s+(?:"([^"]*)"|(\S+))$/i.exec(filter.trim());
  if (!match) throw badRequest('filter supports only: name eq|sw|co|ew <name>');
  return { op: match[1]!.toLowerCase() as NameFilter['op'], value: match[2] ?? match[3]! };
}

/** System applications (the console's) are left out unless asked for: scripts that walk the list must not trip over them. */
function parseExcludeSystem(value: string | undefined): boolean {
  if (value === undefined || value === 'true') return true;
  if (value === 'false') return false;
  throw badRequest('excludeSystemPortals must be true or false');
}

function parsePaging(query: { limit?: string; offset?: string }) {
  const limit = query.limit === undefined ? 30 : Number(query.limit);
  const offset = query.offset === undefined ? 0 : Number(query.offset);
  if (!Number.isInteger(limit) || limit < 0 || limit > 1000) throw badRequest('limit must be a whole number from 0 to 1000');
  if (!Number.isInteger(offset) || offset < 0) throw badRequest('offset must be a whole number from 0');
  // Past the last application is an empty page, however far: capped where the stores' integers hold it.
  return { limit, offset: Math.min(offset, 2 ** 31 - 1) };
}

export function applicationRoutes(deps: Deps) {
  return async function register(app: FastifyInstance) {
    const location = (tenantBase: string, id: string) => `${tenantBase}${PREFIX}/${id}`;

    app.post<{ Body: ApplicationInput }>(PREFIX, async (request, reply) => {
      const caller = requireScope(request, 'internal_application_mgt_create');
      const created = await registerApplication(deps, request.tenant!.id, request.body ?? ({} as ApplicationInput));
      await audit(deps, request, caller, 'application_created', created, { after: auditView(created) });
      const self = location(request.tenant!.baseUrl, created.id);
      return reply.code(201).header('location', self).send(toApplicationModel(created, self));
    });

    app.get<{ Querystring: { filter?: string; limit?: string; offset?: string; excludeSystemPortals?: string } }>(PREFIX, async (request) => {
      requireScope(request, 'internal_application_mgt_view');
      const { limit, offset } = parsePaging(request.query);
      const name = parseFilter(request.query.filter);
      const excludeClientIds = parseExcludeSystem(request.query.excludeSystemPortals) ? SYSTEM_CLIENT_IDS : undefined;
      const { total, rows } = await listApplications(deps.store.db, request.tenant!.id, { name, excludeClientIds, limit, offset });
      return {
        totalResults: total,
        startIndex: offset + 1,
        count: rows.length,
        applications: rows.map((row) => toApplicationListItem(toApplication(row, deps.secrets), location(request.tenant!.baseUrl, row.id))),
        links: [],
      };
    });

    app.get<{ Params: { id: string } }>(`${PREFIX}/:id`, async (request) => {
      requireScope(request, 'internal_application_mgt_view');
      const found = await getApplication(deps, request.tenant!.id, request.params.id);
      return toApplicationModel(found, location(request.tenant!.baseUrl, found.id));
    });

    app.patch<{ Params: { id: string }; Body: ApplicationInput }>(`${PREFIX}/:id`, async (request) => {
      const caller = requireScope(request, 'internal_application_mgt_update');
      const before = await getApplication(deps, request.tenant!.id, request.params.id);
      const updated = await patchApplication(deps, request.tenant!.id, request.params.id, request.body ?? ({} as ApplicationInput));
      await audit(deps, request, caller, 'application_updated', updated, changeDetails(before, updated));
      return toApplicationModel(updated, location(request.tenant!.baseUrl, updated.id));
    });

    app.delete<{ Params: { id: string } }>(`${PREFIX}/:id`, async (request, reply) => {
      const caller = requireScope(request, 'internal_application_mgt_delete');
      const before = await getApplication(deps, request.tenant!.id, request.params.id);
      await removeApplication(deps, request.tenant!.id, request.params.id);
      await audit(deps, request, caller, 'application_deleted', before, { before: auditView(before) });
      return reply.code(204).send();
    });

    app.get<{ Params: { id: string } }>(`${PREFIX}/:id/inbound-protocols/oidc`, async (request) => {
      requireScope(request, 'internal_application_mgt_view');
      return toOidcInbound(await getApplication(deps, request.tenant!.id, request.params.id));
    });

    app.put<{ Params: { id: string }; Body: unknown }>(`${PREFIX}/:id/inbound-protocols/oidc`, async (request) => {
      const caller = requireScope(request, 'internal_application_mgt_update');
      parseOidc(request.body); // validate before touching the stored one
      const before = await getApplication(deps, request.tenant!.id, request.params.id);
      const updated = await patchApplication(deps, request.tenant!.id, request.params.id, { inboundProtocolConfiguration: { oidc: request.body } });
      await audit(deps, request, caller, 'application_updated', updated, changeDetails(before, updated));
      return toOidcInbound(updated);
    });

    // WSO2's name for it. The answer is the OIDC settings with the new secret.
    app.post<{ Params: { id: string } }>(`${PREFIX}/:id/inbound-protocols/oidc/regenerate-secret`, async (request) => {
      const caller = requireScope(request, 'internal_application_mgt_update');
      const before = await getApplication(deps, request.tenant!.id, request.params.id);
      const updated = await regenerateClientSecret(deps, request.tenant!.id, request.params.id);
      await audit(deps, request, caller, 'application_updated', updated, { ...changeDetails(before, updated), secretRegenerated: true });
      return toOidcInbound(updated);
    });
  };
}
