// Users through SCIM 2.0 (/scim2/Users: list, create, read, disable/enable, new password, delete) and the per-user admin
// API (/api/server/v1/users/{id}/…: TOTP state, reset, unlock, sign out everywhere, sessions).
import { api } from '../../api/client';
// Types of the server's answers come from the server's source (type-only: erased from the
// bundle), so a change there shows up in the console's typecheck.
import type { UserTotpStateView } from '../../../../src/authn/user-admin.service.js';
import type { SessionView, SessionsView } from '../../../../src/sessions/user-sessions.service.js';

const SCIM = { root: '/scim2' } as const;
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

export interface ScimUser {
  id: string;
  userName: string;
  name?: { givenName?: string; familyName?: string; formatted?: string };
  emails?: Array<{ value: string; primary?: boolean }>;
  roles?: Array<{ value: string }>;
  /** false: disabled (cannot sign in; sessions and tokens ended when it was disabled). */
  active?: boolean;
  meta: { created: string; lastModified: string };
}

export interface ScimUserList {
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: ScimUser[];
}

/** GET /users/{id}/totp; lockedUntil null while locked means until an administrator unlocks. */
export type TotpState = UserTotpStateView;

export interface NewUser {
  userName: string;
  email: string;
  givenName: string;
  familyName: string;
  password: string;
}

const opts = (signal?: AbortSignal) => (signal ? { signal } : {});
const userPath = (id: string, tail = '') => `/users/${encodeURIComponent(id)}${tail}`;

export const listUsers = (query: { username: string; startIndex: number; count: number }, signal?: AbortSignal) =>
  api.get<ScimUserList>('/Users', {
    ...SCIM,
    query: {
      // SCIM's filter quotes the value; quotes and backslashes inside are escaped as it expects.
      filter: query.username ? `userName eq "${query.username.replace(/["\\]/g, '\\$&')}"` : undefined,
      startIndex: query.startIndex,
      count: query.count,
    },
    ...opts(signal),
  });

export const getUser = (id: string, signal?: AbortSignal) => api.get<ScimUser>(`/Users/${encodeURIComponent(id)}`, { ...SCIM, ...opts(signal) });
export const deleteUser = (id: string) => api.delete(`/Users/${encodeURIComponent(id)}`, SCIM);

export function createUser(user: NewUser): Promise<ScimUser> {
  const formatted = [user.givenName.trim(), user.familyName.trim()].filter(Boolean).join(' ');
  return api.post<ScimUser>('/Users', {
    schemas: [USER_SCHEMA],
    userName: user.userName.trim(),
    password: user.password,
    ...(formatted ? { name: { givenName: user.givenName.trim() || undefined, familyName: user.familyName.trim() || undefined, formatted } } : {}),
    ...(user.email.trim() ? { emails: [{ value: user.email.trim(), primary: true }] } : {}),
  }, SCIM);
}

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Disables the account (no sign-in; every session and token ends) or enables it again. */
export const setUserActive = (id: string, active: boolean) =>
  api.patch<ScimUser>(`/Users/${encodeURIComponent(id)}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: active }] }, SCIM);

/** Sets a new password (PATCH): the old one stops working and every session and token of the user ends. */
export const setUserPassword = (id: string, password: string) =>
  api.patch<ScimUser>(`/Users/${encodeURIComponent(id)}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'password', value: password }] }, SCIM);

export const getTotpState = (id: string, signal?: AbortSignal) => api.get<TotpState>(userPath(id, '/totp'), opts(signal));
export const resetTotp = (id: string) => api.delete<{ removed: boolean; revoked: number }>(userPath(id, '/totp'));
export const unlockUser = (id: string) => api.post<{ factor: string; wasLocked: string[]; revoked: number }>(userPath(id, '/unlock'));
export const signOutEverywhere = (id: string) => api.post<{ revoked: number }>(userPath(id, '/sign-out'));

/** A browser session of the user; times are epoch milliseconds as strings (WSO2's format). */
export type UserSession = SessionView;
export const getUserSessions = (id: string, signal?: AbortSignal) =>
  api.get<SessionsView>(userPath(id, '/sessions'), opts(signal));
/** Ends one session: its browser signs in again, and its applications' tokens are revoked. */
export const endUserSession = (id: string, sessionId: string) => api.delete(userPath(id, `/sessions/${encodeURIComponent(sessionId)}`));

export const displayName = (u: ScimUser): string | undefined =>
  u.name?.formatted || [u.name?.givenName, u.name?.familyName].filter(Boolean).join(' ') || undefined;
export const primaryEmail = (u: ScimUser): string | undefined => (u.emails?.find((e) => e.primary) ?? u.emails?.[0])?.value;
export const isAdmin = (u: ScimUser): boolean => Boolean(u.roles?.some((r) => r.value === 'admin'));
export const isDisabled = (u: ScimUser): boolean => u.active === false;
