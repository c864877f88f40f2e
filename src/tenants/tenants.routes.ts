// /api/server/v1/tenants — the super administrator creates and lists tenants.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';
import type { ProviderRegistry } from '../oidc/registry.js';
import { requireScope } from '../access/caller.js';
import { badRequest, forbidden } from '../errors.js';
import { allTenants, createTenantWithOwner } from './tenant.service.js';
import type { Tenant } from './tenant.js';

interface TenantBody {
  domain?: unknown;
  owners?: unknown;
  owner?: unknown;
}

function describe(tenant: Tenant) {
  return { id: tenant.id, domain: tenant.domain, name: tenant.displayName, issuer: tenant.issuer, discovery: `${tenant.issuer}/.well-known/openid-configuration` };
}

export function tenantRoutes(deps: Deps, providers: ProviderRegistry, onCreated: (tenant: Tenant) => void) {
  return async function register(app: FastifyInstance) {
    app.post<{ Body: TenantBody }>('/api/server/v1/tenants', async (request, reply) => {
      const caller = requireScope(request, 'internal_tenant_create');
      if (!caller.superAdmin) throw forbidden('only the super administrator creates tenants');
      const body = request.body ?? {};
      if (typeof body.domain !== 'string') throw badRequest('domain is required');
      // WSO2 sends owners: [{…}]; a single owner object is accepted too.
      const owner = (Array.isArray(body.owners) ? body.owners[0] : body.owner) as Record<string, unknown> | undefined;
      if (!owner || typeof owner !== 'object') throw badRequest('owner is required: { username, password, email }');
      if (typeof owner.username !== 'string' || typeof owner.password !== 'string') throw badRequest('owner.username and owner.password are required');
      const { tenant, owner: user } = await createTenantWithOwner(deps, body.domain, {
        username: owner.username,
        password: owner.password,
        email: typeof owner.email === 'string' ? owner.email : undefined,
        firstname: typeof owner.firstname === 'string' ? owner.firstname : undefined,
        lastname: typeof owner.lastname === 'string' ? owner.lastname : undefined,
      });
      providers.invalidate(tenant.id);
      onCreated(tenant);
      const self = `${deps.config.server.base_url}/api/server/v1/tenants/${tenant.id}`;
      return reply.code(201).header('location', self).send({ ...describe(tenant), owners: [{ id: user.id, username: user.username }] });
    });

    app.get('/api/server/v1/tenants', async (request) => {
      const caller = requireScope(request, 'internal_tenant_view');
      if (!caller.superAdmin) throw forbidden('only the super administrator lists tenants');
      const tenants = await allTenants(deps);
      return { totalResults: tenants.length, startIndex: 1, count: tenants.length, tenants: tenants.map(describe) };
    });
  };
}
