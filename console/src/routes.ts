// The console's route table: adding a page is one file under pages/ and one entry here.
// Paths are below the console's base (/console or /t/{tenant}/console); `:name` segments
// become params. Entries with `nav` appear in the navigation, grouped by `group`, in
// this order; `allowed` hides a page (and its link) from sessions that may not use it.
import type { ComponentType } from 'react';
import type { Session } from './auth/oidc';
import { isSuperAdministrator } from './auth/session-store';
import { ServiceProvidersPage } from './pages/ServiceProviders';
import { ServiceProviderAddPage } from './pages/ServiceProviderAdd';
import { ServiceProviderEditPage } from './pages/ServiceProviderEdit';
import { UserAddPage, UserDetailPage, UsersPage } from './pages/Users';
import { AuditLogPage } from './pages/AuditLog';
import { TotpSettingsPage } from './pages/TotpSettings';
import { EmailPage } from './pages/Email';
import { TenantsPage } from './pages/Tenants';

export interface PageProps {
  params: Record<string, string>;
  query: URLSearchParams;
}

export interface ConsoleRoute {
  path: string;
  component: ComponentType<PageProps>;
  nav?: { label: string; group?: string };
  allowed?: (session: Session) => boolean;
}

/** Where /console/ lands. */
export const HOME = '/service-providers';

export const routes: readonly ConsoleRoute[] = [
  { path: '/service-providers', component: ServiceProvidersPage, nav: { label: 'Service Providers' } },
  { path: '/service-providers/add', component: ServiceProviderAddPage },
  { path: '/service-providers/:id', component: ServiceProviderEditPage },
  { path: '/users', component: UsersPage, nav: { label: 'Users' } },
  { path: '/users/add', component: UserAddPage },
  { path: '/users/:id', component: UserDetailPage },
  { path: '/audit-log', component: AuditLogPage, nav: { label: 'Audit log' } },
  { path: '/mfa/totp', component: TotpSettingsPage, nav: { label: 'TOTP settings', group: 'Multi-factor authentication' } },
  { path: '/email', component: EmailPage, nav: { label: 'Email' } },
  { path: '/tenants', component: TenantsPage, nav: { label: 'Tenants' }, allowed: isSuperAdministrator },
];
