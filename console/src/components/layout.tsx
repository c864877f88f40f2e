// The console's frame: skip link, top bar (organization, who is signed in, Sign out),
// the navigation built from the route table, and the page. On narrow screens the
// navigation folds behind a Menu button.
import { useEffect, useState, type ReactNode } from 'react';
import { Link, useLocation } from '../router';
import { routes, type ConsoleRoute } from '../routes';
import { tenantDomain } from '../env';
import type { Session } from '../auth/oidc';

interface NavGroup { group?: string; items: ConsoleRoute[] }

function groupsOf(session: Session): NavGroup[] {
  const groups: NavGroup[] = [];
  for (const route of routes) {
    if (!route.nav || (route.allowed && !route.allowed(session))) continue;
    const group = route.nav.group;
    const last = groups.at(-1);
    if (group && last?.group === group) last.items.push(route);
    else groups.push({ ...(group ? { group } : {}), items: [route] });
  }
  return groups;
}

const isCurrent = (route: ConsoleRoute, path: string) => path === route.path || path.startsWith(`${route.path}/`);

export function Layout({ session, onSignOut, children }: { session: Session; onSignOut(): void; children: ReactNode }) {
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);

  const link = (route: ConsoleRoute) => (
    <li key={route.path}>
      <Link to={route.path} aria-current={isCurrent(route, path) ? 'page' : undefined}>{route.nav!.label}</Link>
    </li>
  );

  return (
    <>
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <button type="button" className="menu-button" aria-expanded={menuOpen} aria-controls="console-nav" onClick={() => setMenuOpen((o) => !o)}>
          Menu
        </button>
        <p className="brand">Gatehouse Console</p>
        <p className="tenant" title="Organization (tenant)"><span className="sr-only">Organization: </span>{tenantDomain}</p>
        <p className="user"><span className="sr-only">Signed in as </span>{session.name ?? session.username}</p>
        <button type="button" className="button button-quiet" onClick={onSignOut}>Sign out</button>
      </header>
      <div className="shell">
        <nav id="console-nav" aria-label="Console" className={menuOpen ? 'nav open' : 'nav'}>
          {groupsOf(session).map((g, i) => (g.group ? (
            <div key={g.group} className="nav-group">
              <p className="nav-group-title" id={`nav-group-${i}`}>{g.group}</p>
              <ul aria-labelledby={`nav-group-${i}`}>{g.items.map(link)}</ul>
            </div>
          ) : (
            <ul key={g.items[0]!.path}>{g.items.map(link)}</ul>
          )))}
        </nav>
        <main id="main" tabIndex={-1}>{children}</main>
      </div>
    </>
  );
}
