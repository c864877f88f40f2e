// GET /api/server/v1/audit-logs (tenants: /t/{tenant}/…): the tenant's security audit log,
// newest first, with filters and cursor paging. Scope internal_audit_view; the caller's
// credentials must belong to the tenant in the path, so a tenant admin reads only theirs.
//   ?userId=…&username=…&type=a,b (or type=a&type=b)&from=ISO&to=ISO&limit=1..100&cursor=…
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';
import { requireScope } from '../access/caller.js';
import { badRequest, shown } from '../errors.js';
import { AUDIT_EVENT_TYPES, isAuditEventType } from './audit-event.js';
import { queryAuditEvents, type AuditCursor, type AuditQuery } from './audit-event.repository.js';
import { toAuditEventView } from './audit.service.js';

const PATH = '/api/server/v1/audit-logs';
export const AUDIT_VIEW_SCOPE = 'internal_audit_view';
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 100;
const PARAMS = ['userId', 'username', 'type', 'from', 'to', 'limit', 'cursor'];
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Query = Record<string, string | string[] | undefined>;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw badRequest(`${name} may be given once`);
  return value;
}

function text(query: Query, name: string): string | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if (value === '' || value.length > 255) throw badRequest(`${name} must be 1 to 255 characters`);
  return value;
}

function time(query: Query, name: string): number | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  const ms = ISO_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw badRequest(`${name} must be an ISO 8601 time such as 2026-11-27T12:00:00Z (or a date, 2026-11-27), got ${shown(value)}`);
  return ms;
}

function types(query: Query): string[] | undefined {
  const raw = query.type;
  if (raw === undefined) return undefined;
  const list = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const unknown = list.filter((t) => !isAuditEventType(t));
  if (unknown.length) throw badRequest(`unknown event type${unknown.length > 1 ? 's' : ''} ${unknown.map((t) => shown(t)).join(', ')} (known: ${AUDIT_EVENT_TYPES.join(', ')})`);
  if (!list.length) throw badRequest('type must name at least one event type');
  return [...new Set(list)];
}

function limit(query: Query): number {
  const value = single(query, 'limit');
  if (value === undefined) return DEFAULT_LIMIT;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw badRequest(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
  return n;
}

export const encodeCursor = (c: AuditCursor): string => Buffer.from(`${c.at}.${c.id}`, 'utf8').toString('base64url');

function cursor(query: Query): AuditCursor | undefined {
  const value = single(query, 'cursor');
  if (value === undefined) return undefined;
  const [at, id] = Buffer.from(value, 'base64url').toString('utf8').split('.', 2);
  if (!at || !/^\d{1,16}$/.test(at) || !id || !ID.test(id)) throw badRequest('cursor is not one this API returned: pass nextCursor from the previous page unchanged');
  return { at: Number(at), id };
}

export function parseAuditQuery(query: Query): AuditQuery {
  const unknown = Object.keys(query).filter((k) => !PARAMS.includes(k));
  if (unknown.length) throw badRequest(`unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => shown(k)).join(', ')} (accepted: ${PARAMS.join(', ')})`);
  const from = time(query, 'from');
  const to = time(query, 'to');
  if (from !== undefined && to !== undefined && from > to) throw badRequest('from must not be after to');
  const parsed: AuditQuery = { limit: limit(query) };
  const userId = text(query, 'userId');
  const username = text(query, 'username');
  const typeList = types(query);
  const after = cursor(query);
  if (userId !== undefined) parsed.userId = userId;
  if (username !== undefined) parsed.username = username;
  if (typeList) parsed.types = typeList;
  if (from !== undefined) parsed.from = from;
  if (to !== undefined) parsed.to = to;
  if (after) parsed.after = after;
  return parsed;
}

export function auditLogRoutes(deps: Deps) {
  return async function register(app: FastifyInstance) {
    app.get<{ Querystring: Query }>(PATH, async (request) => {
      requireScope(request, AUDIT_VIEW_SCOPE);
      const query = parseAuditQuery(request.query ?? {});
      const { rows, more } = await queryAuditEvents(deps.store.db, request.tenant!.id, query);
      const last = rows.at(-1);
      return {
        count: rows.length,
        events: rows.map(toAuditEventView),
        nextCursor: more && last ? encodeCursor({ at: Number(last.at), id: last.id }) : null,
      };
    });
  };
}
