// /scim2/Users — SCIM 2.0 user provisioning (RFC 7644): create, get, list, replace, patch, delete.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.js';
import { requireScope, type Caller } from '../access/caller.js';
import { badRequest } from '../errors.js';
import { listUsers } from './user.repository.js';
import { toUser, type User } from './user.js';
import { createUser, getUser, patchUser, removeUser, replaceUser } from './user.service.js';
import { applyScimPatch } from './scim-patch.js';
import { MAX_RESULTS } from './scim-discovery.js';
import { etagOf, ifMatch, notModified } from './scim-etag.js';
import { fromScimUser, parseUserFilter, toScimUser, LIST_SCHEMA } from './scim.js';
import { recordAudit } from '../audit/audit.service.js';
import { callerActor, changes, requestOrigin, toAuditValue, type AuditDetails, type AuditEventType } from '../audit/audit-event.js';

const SCIM_TYPE = 'application/scim+json';
const MAX_OFFSET = 2 ** 31 - 1;

/** A user as the audit log shows it (never the password or its hash). */
const auditView = (user: User) => ({ userName: user.username, claims: toAuditValue(user.claims), roles: user.roles, active: user.active });

function audit(deps: Deps, request: FastifyRequest, caller: Caller, type: AuditEventType, user: User, details: AuditDetails): Promise<void> {
  return recordAudit(deps, {
    tenantId: request.tenant!.id, type, actor: callerActor(caller), user: { id: user.id, username: user.username }, origin: requestOrigin(request), details,
  });
}

/** A PUT's or PATCH's change; the write ended the user's sessions and tokens for a new password or a disable. */
function auditUpdate(deps: Deps, request: FastifyRequest, caller: Caller, before: User, after: User, passwordChanged: boolean): Promise<void> {
  const sessionsRevoked = passwordChanged || (before.active && !after.active);
  return audit(deps, request, caller, 'user_updated', after, { ...changes(auditView(before), auditView(after)), passwordChanged, sessionsRevoked });
}

export function scimRoutes(deps: Deps) {
  return async function register(app: FastifyInstance) {
    const location = (base: string, id: string) => `${base}/scim2/Users/${id}`;
    const sendUser = (reply: FastifyReply, user: User, self: string) =>
      reply.type(SCIM_TYPE).header('etag', etagOf(user)).send(toScimUser(user, self));

    app.post('/scim2/Users', async (request, reply) => {
      const caller = requireScope(request, 'internal_user_mgt_create');
      const input = fromScimUser(request.body);
      const user = await createUser(deps, request.tenant!.id, input);
      await audit(deps, request, caller, 'user_created', user, { after: auditView(user), passwordSet: input.password !== undefined });
      const self = location(request.tenant!.baseUrl, user.id);
      return sendUser(reply.code(201).header('location', self), user, self);
    });

    app.get<{ Querystring: { filter?: string; startIndex?: string; count?: string } }>('/scim2/Users', async (request, reply) => {
      requireScope(request, 'internal_user_mgt_list');
      const startIndex = request.query.startIndex === undefined ? 1 : Number(request.query.startIndex);
      const count = request.query.count === undefined ? 100 : Number(request.query.count);
      if (!Number.isInteger(startIndex) || !Number.isInteger(count)) throw badRequest('startIndex and count must be whole numbers', { scimType: 'invalidValue' });
      const username = parseUserFilter(request.query.filter);
      // A startIndex past every user is an empty page (RFC 7644 §3.4.2.4), however large:
      // the offset is capped where the stores' integers still hold it.
      const offset = Math.min(Math.max(startIndex, 1) - 1, MAX_OFFSET);
      const { total, rows } = await listUsers(deps.store.db, request.tenant!.id, { username, offset, limit: Math.min(Math.max(count, 0), MAX_RESULTS) });
      return reply.type(SCIM_TYPE).send({
        schemas: [LIST_SCHEMA],
        totalResults: total,
        startIndex: Math.max(startIndex, 1),
        itemsPerPage: rows.length,
        Resources: rows.map((row) => toScimUser(toUser(row), location(request.tenant!.baseUrl, row.id))),
      });
    });

    app.get<{ Params: { id: string } }>('/scim2/Users/:id', async (request, reply) => {
      requireScope(request, 'internal_user_mgt_view');
      const user = await getUser(deps, request.tenant!.id, request.params.id);
      if (notModified(request.headers['if-none-match'], user)) return reply.code(304).header('etag', etagOf(user)).send();
      return sendUser(reply, user, location(request.tenant!.baseUrl, user.id));
    });

    app.put<{ Params: { id: string } }>('/scim2/Users/:id', async (request, reply) => {
      const caller = requireScope(request, 'internal_user_mgt_update');
      const input = fromScimUser(request.body);
      const { before, after: user } = await replaceUser(deps, request.tenant!.id, request.params.id, input, ifMatch(request.headers['if-match']));
      await auditUpdate(deps, request, caller, before, user, input.password !== undefined);
      return sendUser(reply, user, location(request.tenant!.baseUrl, user.id));
    });

    // The operations are applied to the user as GET shows it, and the result is checked
    // like a PUT body: one set of rules for both.
    app.patch<{ Params: { id: string } }>('/scim2/Users/:id', async (request, reply) => {
      const caller = requireScope(request, 'internal_user_mgt_update');
      const self = location(request.tenant!.baseUrl, request.params.id);
      let input: ReturnType<typeof fromScimUser> | undefined;
      const { before, after: user } = await patchUser(deps, request.tenant!.id, request.params.id, (current) => {
        input = fromScimUser(applyScimPatch(toScimUser(current, self), request.body));
        return input;
      }, ifMatch(request.headers['if-match']));
      if (user.version !== before.version) await auditUpdate(deps, request, caller, before, user, input?.password !== undefined);
      return sendUser(reply, user, self);
    });

    app.delete<{ Params: { id: string } }>('/scim2/Users/:id', async (request, reply) => {
      const caller = requireScope(request, 'internal_user_mgt_delete');
      const before = await removeUser(deps, request.tenant!.id, request.params.id, ifMatch(request.headers['if-match']));
      await audit(deps, request, caller, 'user_deleted', before, { before: auditView(before) });
      return reply.code(204).send();
    });
  };
}
