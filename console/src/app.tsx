// The console: signs the administrator in through Gatehouse (OIDC code + PKCE), then
// shows the page the route table names for the current path.
import { useEffect, useRef, useState } from 'react';
import { completeSignIn, signOutAt, startSignIn, SIGNED_OUT_STATE, WrongOriginError, type Session } from './auth/oidc';
import { isAdministrator, sessionStore, useSession } from './auth/session-store';
import { Busy, NoAccess, SignedOut, SignInProblem } from './auth/screens';
import { Layout } from './components/layout';
import { Page, EmptyState } from './components/page';
import { allowed, Link, matchPath, navigate, useLocation } from './router';
import { HOME, routes } from './routes';

const CALLBACK = '/callback';

interface Problem { message: string; link?: string }

const problemOf = (err: unknown): Problem =>
  err instanceof WrongOriginError
    ? { message: 'This console was opened on another address than the server\'s configured base_url, so the sign-in could not come back here. Open it at:', link: err.consoleUrl }
    : { message: err instanceof Error ? err.message : 'The sign-in failed.' };

// One exchange per callback URL, even if React runs the effect twice.
let completing: Promise<{ session: Session; returnTo: string }> | undefined;

function Callback() {
  const { query } = useLocation();
  const [problem, setProblem] = useState<Problem | undefined>();
  const signedOut = query.get('state') === SIGNED_OUT_STATE && !query.get('code') && !query.get('error');
  useEffect(() => {
    if (signedOut) return;
    completing ??= completeSignIn(query);
    completing.then(
      ({ session, returnTo }) => {
        sessionStore.set(session);
        void navigate(returnTo, { replace: true, force: true });
      },
      (err: unknown) => setProblem(problemOf(err)),
    ).finally(() => { completing = undefined; });
  }, [signedOut, query]);
  if (signedOut) return <SignedOut onSignIn={() => void startSignIn(HOME)} />;
  if (problem) return <SignInProblem {...problem} onRetry={() => void startSignIn(HOME)} />;
  return <Busy message="Signing you in…" />;
}

function SignIn() {
  const { path, query } = useLocation();
  const [problem, setProblem] = useState<Problem | undefined>();
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const search = query.toString();
    startSignIn(`${path}${search ? `?${search}` : ''}`).catch((err: unknown) => setProblem(problemOf(err)));
  }, [path, query]);
  if (problem) return <SignInProblem {...problem} onRetry={() => { setProblem(undefined); started.current = false; void startSignIn(HOME); }} />;
  return <Busy message="Signing you in…" />;
}

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
  if (path === CALLBACK) return <Callback />;
  if (!session) return <SignIn />;
  if (!isAdministrator(session)) return <NoAccess session={session} onSignOut={() => void signOut()} />;
  return (
    <Layout session={session} onSignOut={() => void signOut()}>
      {expired ? (
        <div className="banner" role="alert">
          <p>Your session has ended. Sign in again to go on; changes you have not saved on this page are lost.</p>
          <button type="button" className="button button-primary" onClick={() => {
            const { pathname, search } = window.location;
            void startSignIn(pathname.replace(/^.*?\/console/, '') + search);
          }}>Sign in again</button>
        </div>
      ) : null}
      <Routed session={session} />
    </Layout>
  );
}
