// Who is calling the admin API, and the guard every admin route uses. The http layer
// authenticates (Basic or bearer) and sets request.caller; routes only ask `requireScope`.
import type { FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '../errors.js';
import type { Tenant } from '../tenants/tenant.js';

export interface Caller {
  kind: 'user' | 'application';
  /** Tenant the credentials belong to. */
  tenantId: string;
  /** User id or client id. */
  subject: string;
  username?: string;
  scopes: ReadonlySet<string>;
  /** An admin of carbon.super: may create and list tenants. */
  superAdmin: boolean;
  /** A user's bearer token only: how and when the sign-in that issued it authenticated. */
  amr?: readonly string[];
  /** Epoch seconds. */
  authTime?: number;
  /** Epoch seconds: when that sign-in's one-time code was proven (self-service tokens only). */
  otpAt?: number;
  /** A user's bearer token only: the uid of the browser session it was issued in, if any. */
  sessionUid?: string;
  /** A user's bearer token only: the grant it belongs to (what "sign out other devices" keeps). */
  grantId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    tenant: Tenant | null;
    caller: Caller | null;
  }
}

export function requireScope(request: FastifyRequest, scope: string): Caller {
  const caller = request.caller;
  if (!caller) throw unauthorized('authentication required: use HTTP Basic with an administrator\'s credentials or a bearer token');
  // Credentials from one tenant never act in another (404 hides the other tenant's data).
  if (!request.tenant || caller.tenantId !== request.tenant.id) throw forbidden('these credentials belong to another tenant');
  if (!caller.scopes.has(scope)) throw forbidden(`this call needs the ${scope} scope`);
  return caller;
}
