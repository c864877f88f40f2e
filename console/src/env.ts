// Where this console runs, read from its own URL: /console/… for the default tenant
// (carbon.super), /t/{tenant}/console/… for the others. Every API and OIDC call goes to
// the same tenant's paths on this origin.
export const DEFAULT_TENANT = 'carbon.super';

const match = /^\/t\/([^/]+)\/console(?=\/|$)/.exec(window.location.pathname);
const raw = match?.[1];

function decode(value: string): string {
  try { return decodeURIComponent(value).toLowerCase(); } catch { return value.toLowerCase(); }
}

export const tenantDomain = raw ? decode(raw) : DEFAULT_TENANT;
export const isDefaultTenant = tenantDomain === DEFAULT_TENANT;
/** '' for the default tenant (its URLs are the unprefixed ones), '/t/{tenant}' otherwise. */
export const tenantPrefix = isDefaultTenant ? '' : `/t/${raw}`;
/** The console's own base path; routes are below it. */
export const consoleBase = `${tenantPrefix}/console`;
/** The default tenant reached through /t/carbon.super/console: its console lives at /console. */
export const misplacedDefaultTenant = Boolean(raw) && isDefaultTenant;
