// A small history router for the apps: paths are relative to the app's base (/console,
// /t/{tenant}/console, /myaccount, …). Pages with unsaved changes register a blocker that
// is asked before any in-app navigation, including the browser's back button.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react';
import { appBase } from './env';

export interface Location {
  /** Below the app's base: '/service-providers/abc'. */
  path: string;
  query: URLSearchParams;
}

type Blocker = () => Promise<boolean>;
const blockers = new Set<Blocker>();
const listeners = new Set<() => void>();

const toPath = (pathname: string): string => {
  const rest = pathname.startsWith(appBase) ? pathname.slice(appBase.length) : pathname;
  return rest === '' ? '/' : rest;
};

const href = (to: string): string => `${appBase}${to === '/' ? '/' : to}`;

let current = window.location.pathname + window.location.search;
let snapshot: Location = { path: toPath(window.location.pathname), query: new URLSearchParams(window.location.search) };

function update(): void {
  current = window.location.pathname + window.location.search;
  snapshot = { path: toPath(window.location.pathname), query: new URLSearchParams(window.location.search) };
  for (const listener of listeners) listener();
}

/** Asks every blocker (pages with unsaved changes); true if all let the user leave. */
export async function allowed(): Promise<boolean> {
  for (const blocker of [...blockers]) if (!(await blocker())) return false;
  return true;
}

window.addEventListener('popstate', () => {
  if (blockers.size === 0) {
    update();
    return;
  }
  // The browser already moved: go back to where we were, ask, and move again if allowed.
  const target = window.location.pathname + window.location.search;
  window.history.pushState(null, '', current);
  void allowed().then((ok) => {
    if (!ok) return;
    window.history.pushState(null, '', target);
    update();
  });
});

/** Goes to a path of the app ('/service-providers?page=2'); false if a page with unsaved changes kept the user. */
export async function navigate(to: string, options: { replace?: boolean; force?: boolean } = {}): Promise<boolean> {
  if (!options.force && !(await allowed())) return false;
  if (options.replace) window.history.replaceState(null, '', href(to));
  else window.history.pushState(null, '', href(to));
  update();
  return true;
}

export const useLocation = (): Location =>
  useSyncExternalStore((listener) => { listeners.add(listener); return () => listeners.delete(listener); }, () => snapshot);

/** Registers a check run before leaving the current page in the app. */
export function addBlocker(blocker: Blocker): () => void {
  blockers.add(blocker);
  return () => blockers.delete(blocker);
}

export function Link({ to, children, onClick, ...rest }: { to: string; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    void navigate(to);
  };
  return <a {...rest} href={href(to)} onClick={follow}>{children}</a>;
}

export interface Match {
  params: Record<string, string>;
}

/** '/service-providers/:id' against '/service-providers/42' → { params: { id: '42' } }. */
export function matchPath(pattern: string, path: string): Match | undefined {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    const w = want[i]!;
    const h = have[i]!;
    if (w.startsWith(':')) {
      try { params[w.slice(1)] = decodeURIComponent(h); } catch { return undefined; }
    } else if (w !== h) {
      return undefined;
    }
  }
  return { params };
}
