// The signed-in session, kept in this tab only (sessionStorage survives a reload, not a
// new tab or the browser closing). React reads it with useSyncExternalStore; the API
// client reads the token from here and reports an expired one.
import { useSyncExternalStore } from 'react';
import { appName, isDefaultTenant, tenantDomain } from '../env';
import { isAdminScope, type Session } from './oidc';

// Per app: the console's and My Account's sessions (different clients and scopes) never mix.
const KEY = `gatehouse.${appName}.session:${tenantDomain}`;
const listeners = new Set<() => void>();

function read(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    const session = raw ? JSON.parse(raw) as Session : undefined;
    return session && session.expiresAt > Date.now() ? session : undefined;
  } catch {
    return undefined;
  }
}

let current: Session | undefined = read();
/** Set when the server refused the token (expired, revoked, admin role removed). */
let expired = false;

const emit = () => { for (const listener of listeners) listener(); };

export const sessionStore = {
  get: (): Session | undefined => current,
  isExpired: (): boolean => expired,
  set(session: Session | undefined): void {
    current = session;
    expired = false;
    if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
    else sessionStorage.removeItem(KEY);
    emit();
  },
  markExpired(): void {
    if (expired) return;
    expired = true;
    emit();
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export interface SessionView {
  session: Session | undefined;
  expired: boolean;
}

let snapshot: SessionView = { session: current, expired };
const getSnapshot = (): SessionView => {
  if (snapshot.session !== current || snapshot.expired !== expired) snapshot = { session: current, expired };
  return snapshot;
};

export const useSession = (): SessionView => useSyncExternalStore(sessionStore.subscribe, getSnapshot);

/** Does this session carry any admin scope? Users without the admin role get none. */
export const isAdministrator = (session: Session): boolean => session.scopes.some(isAdminScope);

/** Tenants are the super administrator's: an administrator of the default tenant. */
export const isSuperAdministrator = (session: Session): boolean =>
  isDefaultTenant && session.scopes.includes('internal_tenant_view');

export const hasScope = (session: Session, scope: string): boolean => session.scopes.includes(scope);
