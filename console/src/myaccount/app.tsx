// My Account: any user of the tenant signs in (OIDC code + PKCE, client
// gatehouse-myaccount) and manages their own password, two-step verification and where
// they are signed in. One page, plus {app}/callback for the sign-in.
import { useEffect, useState, type ReactNode } from 'react';
import { signOutAt, startSignIn, type Session } from '../auth/oidc';
import { sessionStore, useSession } from '../auth/session-store';
import { Busy, SignedOut } from '../auth/screens';
import { CALLBACK, Callback, SignIn } from '../auth/sign-in';
import { useLoad } from '../api/use-load';
import { Loading, LoadError } from '../components/page';
import { tenantDomain, isDefaultTenant } from '../env';
import { useLocation } from '../router';
import { getTotp } from './api';
import { PasswordCard } from './password-card';
import { AuthenticatorCard } from './authenticator-card';
import { BackupCodesCard } from './backup-codes-card';
import { SessionsCard } from './sessions-card';
import './myaccount.css';

const HOME = '/';

/** Why every session ended (this one too), in the words the signed-out screen shows. */
interface Ended { title: string; message: ReactNode }

const PASSWORD_CHANGED: Ended = {
  title: 'Your password was changed',
  message: <p>Your password was changed. Sign in again with the new password. Your other devices and applications are signed out too.</p>,
};

const TOTP_REMOVED: Ended = {
  title: 'Your authenticator app was removed',
  message: <p>Your authenticator app was removed. You have been signed out everywhere. Sign in again to go on.</p>,
};

const SESSION_OVER: Ended = {
  title: 'Your session has ended',
  message: <p>You were signed out: your session expired, or it was ended from another device or by an administrator. Sign in again to go on.</p>,
};

export function MyAccountApp() {
  const { path } = useLocation();
  const { session, expired } = useSession();
  const [leaving, setLeaving] = useState(false);
  const [ended, setEnded] = useState<Ended | undefined>();

  const signOut = async () => {
    setLeaving(true);
    const ending = sessionStore.get();
    sessionStore.set(undefined);
    await signOutAt(ending).catch(() => window.location.assign(window.location.href));
  };

  /** The server ended every session of the user, the one this page holds included. */
  const endedEverywhere = (why: Ended) => {
    setEnded(why);
    sessionStore.set(undefined);
  };

  if (leaving) return <Busy message="Signing you out…" />;
  if (path === CALLBACK) return <Callback home={HOME} />;
  const over = ended ?? (session && expired ? SESSION_OVER : undefined);
  if (over) {
    return (
      <SignedOut title={over.title} onSignIn={() => { sessionStore.set(undefined); void startSignIn(HOME); }}>
        {over.message}
      </SignedOut>
    );
  }
  if (!session) return <SignIn home={HOME} />;
  return <Account session={session} onSignOut={() => void signOut()} onEnded={endedEverywhere} />;
}

function Account({ session, onSignOut, onEnded }: { session: Session; onSignOut(): void; onEnded(why: Ended): void }) {
  const totp = useLoad((signal) => getTotp(signal), []);
  useEffect(() => { document.title = isDefaultTenant ? 'My Account' : `My Account · ${tenantDomain}`; }, []);
  const shownName = session.name ?? session.username;
  return (
    <>
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <p className="brand">Gatehouse</p>
        {isDefaultTenant ? null : <p className="tenant"><span className="sr-only">Organization: </span>{tenantDomain}</p>}
        <button type="button" className="button button-quiet" onClick={onSignOut}>Sign out</button>
      </header>
      <main id="main" className="account" tabIndex={-1}>
        <h1>My Account</h1>
        <div className="who">
          <p>
            Signed in as <strong>{shownName}</strong>
            {shownName !== session.username ? <> (username <strong>{session.username}</strong>)</> : null}
          </p>
          {session.email ? <p className="muted">{session.email}</p> : null}
        </div>
        <PasswordCard username={session.username} onChanged={() => onEnded(PASSWORD_CHANGED)} />
        {totp.error ? (
          <section className="card" aria-labelledby="totp-heading">
            <h2 id="totp-heading">Authenticator app</h2>
            <LoadError message={totp.error} onRetry={totp.reload} />
          </section>
        ) : totp.data ? (
          <>
            <AuthenticatorCard state={totp.data} reload={totp.reload} onRemoved={() => onEnded(TOTP_REMOVED)} />
            {totp.data.status === 'active' && !totp.data.locked
              ? <BackupCodesCard digits={totp.data.digits ?? 6} onLocked={totp.reload} />
              : null}
          </>
        ) : (
          <section className="card" aria-labelledby="totp-heading">
            <h2 id="totp-heading">Authenticator app</h2>
            <Loading what="your authenticator app" />
          </section>
        )}
        <SessionsCard />
      </main>
    </>
  );
}
