// A user's sign-in sessions, as the user sees and ends them ("Where you're signed in" in
// My Account, WSO2's /api/users/v1/me/sessions) and as an administrator does. A session is
// oidc-provider's Session (its cookie keeps one browser signed in) plus our authn_session
// row (factors proven, browser, address, last activity). Ending a session also revokes
// what applications got through it — codes, access and refresh tokens — because "sign out
// that laptop" must stop the apps on it too, not just the next login.
//
// What an application got through a session is found two ways: the grants the session
// lists (its authorizations), and the live tokens that name the session (their sessionUid):
// an application that left the session (RP-initiated logout answered "stay signed in") keeps
// its grant but is no longer listed by the session. Tokens outlive sessions (a browser
// session idles out after 15 minutes, a refresh token lives a day): applications holding
// such tokens are shown apart, and "every other device" revokes them too.
import { createHash } from 'node:crypto';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { epochSeconds } from '../clock.js';
import { signOutEverywhere } from '../oidc/sign-out-everywhere.js';
import { endedSessionOf, notifySessionsEnded, type EndedSession } from '../oidc/backchannel-logout.js';

export interface SessionApplication {
  /** The application's id in /api/server/v1/applications. */
  id: string;
  /** Its OIDC client_id (WSO2 shows an internal number here). */
  appId: string;
  appName: string;
  /** The `sub` the application knows the user by (the user's id). */
  subject: string;
}

/** WSO2's Session shape; times are epoch milliseconds as decimal strings, as WSO2 sends them. */
export interface SessionView {
  id: string;
  /** The session the caller's own token was issued in. */
  current: boolean;
  userAgent?: string;
  ip?: string;
  loginTime: string;
  lastAccessTime: string;
  applications: SessionApplication[];
}

export interface SessionsView {
  userId: string;
  sessions: SessionView[];
  /**
   * Ours, not WSO2's: applications that still hold tokens of the user although the browser
   * session they came from has ended (idle or absolute timeout, or a logout that kept them).
   * The caller's own application is not among them.
   */
  applicationsOutsideSessions: SessionApplication[];
}

/** Who is asking: the session and grant of the caller's own token (a user's bearer token). */
export interface CallerToken {
  sessionUid?: string;
  grantId?: string;
}

interface StoredSession {
  /** The Session row's id: the value of the browser's session cookie, never shown. */
  cookieId: string;
  uid: string;
  loginTs: number;
  clientIds: string[];
  grantIds: string[];
}

interface LiveToken {
  grantId: string;
  clientId: string;
  sessionUid?: string;
}

/**
 * The id a session is shown and ended by: a digest of its uid. Never the row's id, which is
 * the cookie value itself and would sign a browser in (WSO2 also shows a SHA-256).
 */
export const publicSessionId = (uid: string): string => createHash('sha256').update(uid).digest('hex');

const isString = (value: unknown): value is string => typeof value === 'string' && value !== '';

/**
 * The user's live sessions, read from oidc-provider's rows (by the partial account index).
 * A session past [session] absolute_timeout signs nobody in any more (the login prompt asks
 * again), though its row waits for the idle timeout: it is not shown.
 */
async function storedSessions(deps: Deps, tenantId: string, userId: string): Promise<StoredSession[]> {
  const now = epochSeconds(deps.clock);
  const rows = await deps.store.db.selectFrom('oidc_model').select(['id', 'payload', 'expires_at'])
    .where('tenant_id', '=', tenantId).where('kind', '=', 'Session').where('account_id', '=', userId).execute();
  const sessions: StoredSession[] = [];
  for (const row of rows) {
    if (row.expires_at !== null && Number(row.expires_at) <= now) continue;
    const payload = JSON.parse(row.payload) as { uid?: unknown; loginTs?: unknown; authorizations?: Record<string, { grantId?: unknown }> };
    if (!isString(payload.uid)) continue;
    const loginTs = typeof payload.loginTs === 'number' ? payload.loginTs : now;
    if (now - loginTs > deps.config.session.absolute_timeout) continue;
    const authorizations = payload.authorizations ?? {};
    sessions.push({
      cookieId: row.id,
      uid: payload.uid,
      loginTs,
      clientIds: Object.keys(authorizations),
      grantIds: Object.values(authorizations).map((a) => a.grantId).filter(isString),
    });
  }
  return sessions;
}

/** The user's codes and tokens still usable: each with its grant, application and session. */
async function liveTokens(deps: Deps, tenantId: string, userId: string): Promise<LiveToken[]> {
  const now = epochSeconds(deps.clock);
  const rows = await deps.store.db.selectFrom('oidc_model').select(['payload', 'expires_at'])
    .where('tenant_id', '=', tenantId).where('account_id', '=', userId)
    .where('kind', 'in', ['AuthorizationCode', 'AccessToken', 'RefreshToken']).where('consumed_at', 'is', null).execute();
  return rows.flatMap((row) => {
    if (row.expires_at !== null && Number(row.expires_at) <= now) return [];
    const token = JSON.parse(row.payload) as { grantId?: unknown; clientId?: unknown; sessionUid?: unknown };
    if (!isString(token.grantId) || !isString(token.clientId)) return [];
    return [{ grantId: token.grantId, clientId: token.clientId, ...(isString(token.sessionUid) ? { sessionUid: token.sessionUid } : {}) }];
  });
}

/** Every grant that came through the session: listed by it, or named by a token issued in it. */
const grantsOf = (session: StoredSession, tokens: readonly LiveToken[]): string[] =>
  [...new Set([...session.grantIds, ...tokens.filter((t) => t.sessionUid === session.uid).map((t) => t.grantId)])];

const millis = (seconds: number) => String(seconds * 1000);

export async function listSessions(deps: Deps, tenantId: string, user: { id: string }, caller: CallerToken = {}): Promise<SessionsView> {
  const db = deps.store.db;
  const [sessions, tokens] = await Promise.all([storedSessions(deps, tenantId, user.id), liveTokens(deps, tenantId, user.id)]);
  const inSession = new Set(sessions.map((s) => s.uid));
  const clientsOf = new Map(sessions.map((s) => [s.uid, [...new Set([...s.clientIds, ...tokens.filter((t) => t.sessionUid === s.uid).map((t) => t.clientId)])]]));
  const outside = [...new Set(tokens
    .filter((t) => !(t.sessionUid && inSession.has(t.sessionUid)) && t.grantId !== caller.grantId)
    .map((t) => t.clientId))];
  const clientIds = [...new Set([...[...clientsOf.values()].flat(), ...outside])];
  const [activity, apps] = await Promise.all([
    sessions.length
      ? db.selectFrom('authn_session').select(['session_uid', 'user_agent', 'ip', 'last_active_at'])
        .where('tenant_id', '=', tenantId).where('session_uid', 'in', sessions.map((s) => s.uid)).execute()
      : Promise.resolve([]),
    clientIds.length
      ? db.selectFrom('application').select(['id', 'client_id', 'name']).where('tenant_id', '=', tenantId).where('client_id', 'in', clientIds).execute()
      : Promise.resolve([]),
  ]);
  const activityOf = new Map(activity.map((a) => [a.session_uid, a]));
  const appOf = new Map(apps.map((a) => [a.client_id, a]));
  // An application deleted since has no name to show: it is left out.
  const applications = (ids: readonly string[]): SessionApplication[] => ids.flatMap((clientId) => {
    const app = appOf.get(clientId);
    return app ? [{ id: app.id, appId: clientId, appName: app.name, subject: user.id }] : [];
  });
  const views = sessions.map((s): SessionView => {
    const seen = activityOf.get(s.uid);
    return {
      id: publicSessionId(s.uid),
      current: s.uid === caller.sessionUid,
      ...(seen?.user_agent ? { userAgent: seen.user_agent } : {}),
      ...(seen?.ip ? { ip: seen.ip } : {}),
      loginTime: millis(s.loginTs),
      lastAccessTime: millis(Math.max(s.loginTs, Number(seen?.last_active_at ?? 0))),
      applications: applications(clientsOf.get(s.uid) ?? []),
    };
  });
  views.sort((a, b) => Number(b.current) - Number(a.current) || Number(b.lastAccessTime) - Number(a.lastAccessTime));
  return { userId: user.id, sessions: views, applicationsOutsideSessions: applications(outside) };
}

/** Ends the sessions given and revokes what came through them, in one transaction; then tells their applications. */
async function endStored(deps: Deps, tenantId: string, userId: string, sessions: StoredSession[], tokens: readonly LiveToken[]): Promise<void> {
  if (!sessions.length) return;
  const grantIds = [...new Set(sessions.flatMap((s) => grantsOf(s, tokens)))];
  const ended = await deps.store.db.transaction().execute(async (trx) => {
    // Told from what this call deleted: of two racing to end a session, one tells.
    const deleted = await trx.deleteFrom('oidc_model').where('tenant_id', '=', tenantId).where('kind', '=', 'Session')
      .where('id', 'in', sessions.map((s) => s.cookieId)).returning('payload').execute();
    if (grantIds.length) {
      await trx.deleteFrom('oidc_model').where('tenant_id', '=', tenantId).where('grant_id', 'in', grantIds).execute();
      await trx.deleteFrom('oidc_model').where('tenant_id', '=', tenantId).where('kind', '=', 'Grant').where('id', 'in', grantIds).execute();
    }
    await trx.deleteFrom('authn_session').where('tenant_id', '=', tenantId).where('session_uid', 'in', sessions.map((s) => s.uid)).execute();
    return deleted.flatMap((row) => endedSessionOf(row.payload) ?? []);
  });
  notifySessionsEnded(deps, tenantId, ended);
}

export const sessionNotFound = () =>
  new AppError('session_not_found', 404, 'there is no such session: it has ended already, or it is not one of this account\'s sessions');

/** Ends one session of the user by its public id; false when the user has no such session. */
export async function endSession(deps: Deps, tenantId: string, userId: string, id: string): Promise<boolean> {
  const sessions = await storedSessions(deps, tenantId, userId);
  const target = sessions.find((s) => publicSessionId(s.uid) === id);
  if (!target) return false;
  await endStored(deps, tenantId, userId, [target], await liveTokens(deps, tenantId, userId));
  deps.logger.info({ event: 'session_ended', tenantId, userId }, 'a session was ended');
  return true;
}

/**
 * Every session and token of the user but the caller's: its session (when still live) with
 * what came through it, and its own grant in any case, so the page asking keeps working
 * even when its browser session idled out. Grants outside any live session end too: "every
 * other device" includes devices that only kept a token. A caller without a grant (not a
 * user's token) ends everything.
 */
export async function endOtherSessions(deps: Deps, tenantId: string, userId: string, caller: CallerToken): Promise<number> {
  if (!caller.grantId) return signOutEverywhere(deps, tenantId, userId);
  const db = deps.store.db;
  const current = caller.sessionUid === undefined ? undefined
    : (await storedSessions(deps, tenantId, userId)).find((s) => s.uid === caller.sessionUid);
  const keep = [...new Set([caller.grantId, ...(current ? grantsOf(current, await liveTokens(deps, tenantId, userId)) : [])])];
  let ended: EndedSession[] = [];
  const revoked = await db.transaction().execute(async (trx) => {
    // Every other session row, live or past its timeouts, deleted first: the applications of
    // each one this call removed are told (a racing call tells the others).
    let others = trx.deleteFrom('oidc_model')
      .where('tenant_id', '=', tenantId).where('kind', '=', 'Session').where('account_id', '=', userId);
    if (current) others = others.where('id', '!=', current.cookieId);
    const otherSessions = await others.returning('payload').execute();
    ended = otherSessions.flatMap((row) => endedSessionOf(row.payload) ?? []);
    const otherGrants = trx.selectFrom('oidc_model').select('id')
      .where('tenant_id', '=', tenantId).where('kind', '=', 'Grant').where('account_id', '=', userId).where('id', 'not in', keep);
    const byGrant = await trx.deleteFrom('oidc_model').where('tenant_id', '=', tenantId).where('grant_id', 'in', otherGrants).executeTakeFirst();
    // Rows of the account that belong to no kept grant: other sessions, other grants, and
    // tokens whose grant row is gone. grant_id is null on sessions and grants themselves.
    let byAccount = trx.deleteFrom('oidc_model').where('tenant_id', '=', tenantId).where('account_id', '=', userId)
      .where((eb) => eb.or([eb('grant_id', 'is', null), eb('grant_id', 'not in', keep)]))
      .where((eb) => eb.not(eb.and([eb('kind', '=', 'Grant'), eb('id', 'in', keep)])));
    if (current) byAccount = byAccount.where((eb) => eb.not(eb.and([eb('kind', '=', 'Session'), eb('id', '=', current.cookieId)])));
    const deleted = await byAccount.executeTakeFirst();
    let sessionRows = trx.deleteFrom('authn_session').where('tenant_id', '=', tenantId).where('user_id', '=', userId);
    if (current) sessionRows = sessionRows.where('session_uid', '!=', current.uid);
    await sessionRows.execute();
    return otherSessions.length + Number(byGrant.numDeletedRows) + Number(deleted.numDeletedRows);
  });
  deps.logger.info({ event: 'user_signed_out_elsewhere', tenantId, userId, revoked }, 'every other session and its tokens revoked');
  notifySessionsEnded(deps, tenantId, ended);
  return revoked;
}
