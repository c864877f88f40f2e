// OpenID Connect Back-Channel Logout 1.0 for the sessions Gatehouse ends itself: a user's
// "sign out that device", an administrator's End session, and sign-out everywhere (after a
// password change, a TOTP reset, an unlock, a disable). oidc-provider sends logout tokens
// only for RP-initiated logout; here every application signed in through an ended session
// that registered a back-channel logout URL gets one, with that session's sid for it.
// Sent in the background once the rows are gone: an application that is slow or down delays
// nobody's request and is logged (oidc-provider gives each POST 2.5 s and does not retry).
import type Provider from 'oidc-provider';
import type { Deps } from '../deps.js';

/** Who an ended session was, and the sid each application it signed in to knows it by. */
export interface EndedSession {
  accountId: string;
  sids: Record<string, string>;
}

/** Reads an oidc-provider Session row's payload; undefined for one nobody signed in to. */
export function endedSessionOf(payload: string): EndedSession | undefined {
  const session = JSON.parse(payload) as { accountId?: unknown; authorizations?: Record<string, { sid?: unknown }> };
  if (typeof session.accountId !== 'string') return undefined;
  const sids: Record<string, string> = {};
  for (const [clientId, authorization] of Object.entries(session.authorizations ?? {})) {
    if (typeof authorization.sid === 'string') sids[clientId] = authorization.sid;
  }
  return { accountId: session.accountId, sids };
}

type ProviderOf = (tenantId: string) => Promise<Provider | undefined>;
type LogoutCapableClient = {
  clientId: string;
  backchannelLogoutUri?: string;
  backchannelLogout(sub: string, sid: string): Promise<void>;
  /** oidc-provider's own backchannelLogout, which sends and waits (see sendInBackground). */
  sendLogoutTokenNow?(sub: string, sid: string): Promise<void>;
};

const connected = new WeakMap<Deps, ProviderOf>();

/**
 * The server's wiring (http/app.ts): how to reach a tenant's provider. Commands (the CLI)
 * run without one and notify nobody: docs/administrators.md says so.
 */
export function connectBackchannelLogout(deps: Deps, providerOf: ProviderOf): void {
  connected.set(deps, providerOf);
}

/** Sends one logout token and logs how it went; never throws. */
async function tell(deps: Deps, tenantId: string, client: LogoutCapableClient, accountId: string, sid: string): Promise<void> {
  try {
    await (client.sendLogoutTokenNow ?? client.backchannelLogout).call(client, accountId, sid);
    deps.logger.info({ event: 'backchannel_logout_sent', tenantId, clientId: client.clientId, userId: accountId, sid }, 'application told that a session ended');
  } catch (err) {
    // fetch says only "fetch failed"; the reason (refused, timed out, an internal address) is its cause.
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    deps.logger.warn({ event: 'backchannel_logout_failed', tenantId, clientId: client.clientId, userId: accountId, sid, err: (err as Error).message, ...(cause ? { cause } : {}) }, 'application could not be told that a session ended');
  }
}

/**
 * RP-initiated logout (oidc-provider's end_session) awaits every application's POST before
 * the user's "signed out" page answers: one application that hangs held it for 2.5 s. Its
 * logout tokens go to the background too, logged like the ones we send.
 */
export function sendInBackground(deps: Deps, tenantId: string, provider: Provider): void {
  const proto = provider.Client.prototype as unknown as LogoutCapableClient;
  proto.sendLogoutTokenNow = proto.backchannelLogout;
  proto.backchannelLogout = function (this: LogoutCapableClient, sub: string, sid: string) {
    void tell(deps, tenantId, this, sub, sid);
    return Promise.resolve();
  };
}

/**
 * Logout tokens of one sign-out in flight at once. A user signed in on many devices (or a
 * script that signed in a thousand times) ends as many sessions: all their POSTs at once
 * would open as many connections to each application and hold as many sockets here.
 */
export const BACKCHANNEL_AT_ONCE = 8;

export function notifySessionsEnded(deps: Deps, tenantId: string, ended: readonly EndedSession[]): void {
  const providerOf = connected.get(deps);
  const logouts = ended.flatMap((session) => Object.entries(session.sids).map(([clientId, sid]) => ({ accountId: session.accountId, clientId, sid })));
  if (!providerOf || !logouts.length) return;
  const send = async () => {
    const provider = await providerOf(tenantId);
    if (!provider) return;
    let next = 0;
    const worker = async () => {
      while (next < logouts.length) {
        const { accountId, clientId, sid } = logouts[next++]!;
        try {
          const client = await provider.Client.find(clientId) as unknown as LogoutCapableClient | undefined;
          if (client?.backchannelLogoutUri) await tell(deps, tenantId, client, accountId, sid);
        } catch (err) {
          deps.logger.warn({ event: 'backchannel_logout_failed', tenantId, clientId, userId: accountId, sid, err: (err as Error).message }, 'back-channel logout not sent');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(BACKCHANNEL_AT_ONCE, logouts.length) }, worker));
  };
  send().catch((err: Error) => deps.logger.warn({ event: 'backchannel_logout_failed', tenantId, err: err.message }, 'back-channel logout not sent'));
}
