// /api/server/v1/applications — WSO2's application management API.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';
import { requireScope } from '../access/caller.js';
import { badRequest } from '../errors.js';
import { listApplications } from './application.repository.js';
import { toApplication } from './application.js';
import { toApplicationListItem, toApplicationModel, toOidcInbound } from './application-model.js';
import { getApplication, patchApplication, registerApplication, removeApplication, parseOidc, type ApplicationInput } from './application.service.js';

const PREFIX = '/api/server/v1/applications';

function parseFilter(filter: string | undefined): string | undefined {
  if (filter === undefined || filter === '') return undefined;
  const match = /^name\s+eq\s+(?:"([^"]*)"|(\S+))$/i.exec(filter.trim());
  if (!match) throw badRequest('filter supports only: name eq <name>');
  return match[1] ?? match[2];
}

function parsePaging(query: { limit?: string; offset?: string }) {
  const limit = query.limit === undefined ? 30 : Number(query.limit);
  const offset = query.offset === undefined ? 0 : Number(query.offset);
  if (!Number.isInteger(limit) || limit < 0 || limit > 1000) throw badRequest('limit must be a whole number from 0 to 1000');
  if (!Number.isInteger(offset) || offset < 0) throw badRequest('offset must be a whole number from 0');
  return { limit, offset };
}

export function applicationRoutes(deps: Deps) {
  return async function register(app: FastifyInstance) {
    const location = (tenantBase: string, id: string) => `${tenantBase}${PREFIX}/${id}`;

    app.post<{ Body: ApplicationInput }>(PREFIX, async (request, reply) => {
      requireScope(request, 'internal_application_mgt_create');
      const created = await registerApplication(deps, request.tenant!.id, request.body ?? ({} as ApplicationInput));
      const self = location(request.tenant!.baseUrl, created.id);
      return reply.code(201).header('location', self).send(toApplicationModel(created, self));
    });

    app.get<{ Querystring: { filter?: string; limit?: string; offset?: string } }>(PREFIX, async (request) => {
      requireScope(request, 'internal_application_mgt_view');
      const { limit, offset } = parsePaging(request.query);
      const name = parseFilter(request.query.filter);
      const { total, rows } = await listApplications(deps.store.db, request.tenant!.id, { name, limit, offset });
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
      requireScope(request, 'internal_application_mgt_update');
      const updated = await patchApplication(deps, request.tenant!.id, request.params.id, request.body ?? ({} as ApplicationInput));
      return toApplicationModel(updated, location(request.tenant!.baseUrl, updated.id));
    });

    app.delete<{ Params: { id: string } }>(`${PREFIX}/:id`, async (request, reply) => {
      requireScope(request, 'internal_application_mgt_delete');
      await removeApplication(deps, request.tenant!.id, request.params.id);
      return reply.code(204).send();
    });

    app.get<{ Params: { id: string } }>(`${PREFIX}/:id/inbound-protocols/oidc`, async (request) => {
      requireScope(request, 'internal_application_mgt_view');
      return toOidcInbound(await getApplication(deps, request.tenant!.id, request.params.id));
    });

    app.put<{ Params: { id: string }; Body: unknown }>(`${PREFIX}/:id/inbound-protocols/oidc`, async (request) => {
      requireScope(request, 'internal_application_mgt_update');
      parseOidc(request.body); // validate before touching the stored one
      const updated = await patchApplication(deps, request.tenant!.id, request.params.id, { inboundProtocolConfiguration: { oidc: request.body } });
      return toOidcInbound(updated);
    });
  };
}
