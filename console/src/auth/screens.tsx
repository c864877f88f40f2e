// What an app shows instead of its pages: while signing in or out, after signing out,
// when the sign-in failed, and (the console) to a user who is not an administrator.
import type { ReactNode } from 'react';
import { appTitle, tenantDomain } from '../env';
import type { Session } from './oidc';

function Screen({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main id="main" className="screen">
      <p className="brand">{appTitle}</p>
      <h1>{title}</h1>
      {children}
    </main>
  );
}

export function Busy({ message }: { message: string }) {
  return <Screen title={message}><p role="status">Please wait.</p></Screen>;
}

/** After signing out, or after a change that ended every session (`title` and `children` say which). */
export function SignedOut({ title = 'You are signed out', children, onSignIn }: { title?: string; children?: ReactNode; onSignIn(): void }) {
  return (
    <Screen title={title}>
      {children ?? <p>You have signed out of {appTitle} for <strong>{tenantDomain}</strong>.</p>}
      <button type="button" className="button button-primary" onClick={onSignIn}>Sign in</button>
    </Screen>
  );
}

export function SignInProblem({ message, link, onRetry }: { message: string; link?: string; onRetry?: () => void }) {
  return (
    <Screen title="Sign-in did not complete">
      <p role="alert">{message}</p>
      {link ? <p><a href={link}>{link}</a></p> : null}
      {onRetry ? <button type="button" className="button button-primary" onClick={onRetry}>Try again</button> : null}
    </Screen>
  );
}

export function NoAccess({ session, onSignOut }: { session: Session; onSignOut(): void }) {
  return (
    <Screen title="You do not have administrator access">
      <p>
        You signed in as <strong>{session.username}</strong>, who is not an administrator of <strong>{tenantDomain}</strong>.
        The console is only for administrators.
      </p>
      <p>Ask an administrator to give your account the admin role, or sign out and sign in with an administrator account.</p>
      <button type="button" className="button button-primary" onClick={onSignOut}>Sign out</button>
    </Screen>
  );
}
