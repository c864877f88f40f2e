// The two sign-in pages every app shares: the one that sends the browser to the tenant's
// sign-in (any path while signed out) and {app}/callback, where it comes back.
import { useEffect, useRef, useState } from 'react';
import { completeSignIn, startSignIn, SIGNED_OUT_STATE, WrongOriginError, type Session } from './oidc';
import { sessionStore } from './session-store';
import { Busy, SignedOut, SignInProblem } from './screens';
import { navigate, useLocation } from '../router';

export const CALLBACK = '/callback';

interface Problem { message: string; link?: string }

const problemOf = (err: unknown): Problem =>
  err instanceof WrongOriginError
    ? { message: 'This page was opened on another address than the server\'s configured base_url, so the sign-in could not come back here. Open it at:', link: err.appUrl }
    : { message: err instanceof Error ? err.message : 'The sign-in failed.' };

// One exchange per callback URL, even if React runs the effect twice.
let completing: Promise<{ session: Session; returnTo: string }> | undefined;

/** {app}/callback: finishes a sign-in (then goes where it started), or says the sign-out is done. */
export function Callback({ home }: { home: string }) {
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
  if (signedOut) return <SignedOut onSignIn={() => void startSignIn(home)} />;
  if (problem) return <SignInProblem {...problem} onRetry={() => void startSignIn(home)} />;
  return <Busy message="Signing you in…" />;
}

/** Any other path while signed out: signs in, and comes back to this path. */
export function SignIn({ home }: { home: string }) {
  const { path, query } = useLocation();
  const [problem, setProblem] = useState<Problem | undefined>();
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const search = query.toString();
    startSignIn(`${path}${search ? `?${search}` : ''}`).catch((err: unknown) => setProblem(problemOf(err)));
  }, [path, query]);
  if (problem) return <SignInProblem {...problem} onRetry={() => { setProblem(undefined); started.current = false; void startSignIn(home); }} />;
  return <Busy message="Signing you in…" />;
}
