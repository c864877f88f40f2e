// /scim2/ServiceProviderConfig, /scim2/ResourceTypes, /scim2/Schemas (RFC 7644 §4). They
// answer without credentials, as in WSO2 IS: connectors read them before they are given a
// token, and they describe the software, not any tenant's data. A tenant that does not
// exist is still a 404.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.js';
import { forbidden, notFound } from '../errors.js';
import { USER_SCHEMA } from './scim.js';
import { listOf, serviceProviderConfig, userResourceType, userSchema } from './scim-discovery.js';

const SCIM_TYPE = 'application/scim+json';

export function scimDiscoveryRoutes(deps: Deps) {
  return async function register(app: FastifyInstance) {
    const base = (request: FastifyRequest): string => {
      if (!request.tenant) throw notFound('there is no such tenant on this server');
      return `${request.tenant.baseUrl}/scim2`;
    };
    const send = (reply: FastifyReply, body: unknown) => reply.type(SCIM_TYPE).send(body);
    // RFC 7644 §4: these endpoints take no filter, and a client must not read the full list
    // as the filter's answer; the RFC's SHOULD is a 403.
    app.addHook('onRequest', async (request) => {
      if (request.url.includes('?') && new URLSearchParams(request.url.slice(request.url.indexOf('?') + 1)).has('filter')) {
        throw forbidden('the SCIM discovery endpoints take no filter (RFC 7644 §4): read the whole list');
      }
    });

    app.get('/scim2/ServiceProviderConfig', async (request, reply) =>
      send(reply, serviceProviderConfig(base(request), deps.config.admin_api.allow_basic_auth)));

    app.get('/scim2/ResourceTypes', async (request, reply) => send(reply, listOf([userResourceType(base(request))])));
    app.get<{ Params: { id: string } }>('/scim2/ResourceTypes/:id', async (request, reply) => {
      const scim = base(request);
      if (request.params.id !== 'User') throw notFound(`resource type ${request.params.id} not found: this server has User`);
      return send(reply, userResourceType(scim));
    });

    app.get('/scim2/Schemas', async (request, reply) => send(reply, listOf([userSchema(base(request))])));
    app.get<{ Params: { id: string } }>('/scim2/Schemas/:id', async (request, reply) => {
      const scim = base(request);
      if (request.params.id !== USER_SCHEMA) throw notFound(`schema ${request.params.id} not found: this server has ${USER_SCHEMA}`);
      return send(reply, userSchema(scim));
    });
  };
}
