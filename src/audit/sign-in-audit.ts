// Audit events of the login pages, with what every one of them carries: the application,
// the client's address and user agent. The flow engine's FlowInput (and an authenticator's
// StepContext) already hold these, so callers pass that object as it is.
import type { Deps } from '../deps.js';
import type { AuditDetails, AuditWhere } from './audit-event.js';
import { recordAudits } from './audit.service.js';
import type { AuditEvent } from './audit-event.js';

export interface SignInScope {
  deps: Deps;
  tenant: { id: string };
  application: { clientId: string };
  clientIp?: string | undefined;
  userAgent?: string | undefined;
}

export interface SignInEvent {
  type: 'login_succeeded' | 'login_step_succeeded' | 'login_failed' | 'totp_enrolled' | 'totp_code_replayed' | 'backup_code_used' | 'backup_codes_generated';
  user?: { id: string; username?: string } | undefined;
  step?: number;
  factor?: string;
  details?: AuditDetails;
}

/** A login step's application and client, for services that record events of their own. */
export const stepWhere = (scope: SignInScope): AuditWhere => ({ clientId: scope.application.clientId, ip: scope.clientIp, userAgent: scope.userAgent });

/**
 * Records a login-page event. A failure's actor is nobody known (whoever typed it); a
 * success's actor is the user it proved.
 */
export function auditSignIn(scope: SignInScope, event: SignInEvent): Promise<void> {
  return auditSignIns(scope, [event]);
}

/** Records several events of one request in one statement. */
export function auditSignIns(scope: SignInScope, events: SignInEvent[]): Promise<void> {
  return recordAudits(scope.deps, events.map((event) => auditEvent(scope, event)));
}

function auditEvent(scope: SignInScope, event: SignInEvent): AuditEvent {
  const failed = event.type === 'login_failed' || event.type === 'totp_code_replayed';
  const user = event.user ? { id: event.user.id, ...(event.user.username ? { username: event.user.username } : {}) } : undefined;
  return {
    tenantId: scope.tenant.id,
    type: event.type,
    outcome: failed ? 'failure' : 'success',
    actor: !failed && user ? { kind: 'user', ...user } : { kind: 'anonymous' },
    ...(user ? { user } : {}),
    clientId: scope.application.clientId,
    ...(event.step !== undefined ? { step: event.step } : {}),
    ...(event.factor !== undefined ? { factor: event.factor } : {}),
    origin: { ip: scope.clientIp, userAgent: scope.userAgent },
    ...(event.details ? { details: event.details } : {}),
  };
}
