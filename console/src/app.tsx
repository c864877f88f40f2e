// The console: signs the administrator in through Gatehouse (OIDC code + PKCE), then
// shows the page the route table names for the current path.
import { useEffect, useState } from 'react';
import { signOutAt, startSignIn, type Session } from './auth/oidc';
import { isAdministrator, sessionStore, useSession } from './auth/session-store';
import { Busy, NoAccess } from './auth/screens';
import { CALLBACK, Callback, SignIn } from './auth/sign-in';
import { Layout } from './components/layout';
import { Page, EmptyState } from './components/page';
import { allowed, Link, matchPath, navigate, useLocation } from './router';
import { HOME, routes } from './routes';
import { appBase } from './env';
import { pathBelow } from './auth/return-path';

function NotFound() {
  return (
    <Page title="Page not found">
      <EmptyState title="There is nothing at this address">
        <p><Link to={HOME}>Go to Service Providers</Link></p>
      </EmptyState>
    </Page>
  );
}

function Routed({ session }: { session: Session }) {
  const { path, query } = useLocation();
  useEffect(() => {
    if (path === '/') void navigate(HOME, { replace: true, force: true });
  }, [path]);
  for (const route of routes) {
    const match = matchPath(route.path, path);
    if (!match) continue;
    if (route.allowed && !route.allowed(session)) return <NotFound />;
    const Component = route.component;
    return <Component key={`${route.path}|${JSON.stringify(match.params)}`} params={match.params} query={query} />;
  }
  return path === '/' ? null : <NotFound />;
}

export function App() {
  const { path } = useLocation();
  const { session, expired } = useSession();
  const [leaving, setLeaving] = useState(false);

  const signOut = async () => {
    if (!(await allowed())) return;
    setLeaving(true);
    const ending = sessionStore.get();
    sessionStore.set(undefined);
    await signOutAt(ending).catch(() => window.location.assign(window.location.href));
  };

  if (leaving) return <Busy message="Signing you out…" />;
  if (path === CALLBACK) return <Callback home={HOME} />;
  if (!session) return <SignIn home={HOME} />;
  if (!isAdministrator(session)) return <NoAccess session={session} onSignOut={() => void signOut()} />;
  return (
    <Layout session={session} onSignOut={() => void signOut()}>
      {expired ? (
        <div className="banner" role="alert">
          <p>Your session has ended. Sign in again to go on; changes you have not saved on this page are lost.</p>
          <button type="button" className="button button-primary" onClick={() => {
            const { pathname, search } = window.location;
            void startSignIn(pathBelow(appBase, pathname, search));
          }}>Sign in again</button>
        </div>
      ) : null}
      <Routed session={session} />
    </Layout>
  );
}
