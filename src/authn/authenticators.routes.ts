// GET /api/server/v1/authenticators — what the registry offers, for the API and console.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';
import { requireScope } from '../access/caller.js';
import { listAuthenticators } from './registry.js';

export function authenticatorRoutes(deps: Deps) {
  return async function register(app: FastifyInstance) {
    app.get('/api/server/v1/authenticators', async (request) => {
      requireScope(request, 'internal_authenticator_view');
      return listAuthenticators().map((a) => ({
        id: Buffer.from(a.name).toString('base64url'),
        name: a.name,
        aliases: a.aliases ?? [],
        displayName: a.displayName,
        type: 'LOCAL',
        isEnabled: a.enabled ? a.enabled(deps.config) : true,
        amr: a.amr,
        needsKnownUser: a.needsKnownUser,
      }));
    });
  };
}
