// Where this page runs, read from its own URL. The server serves two apps from this Vite
// project: the admin console at /console/… and My Account at /myaccount/…, each for the
// default tenant (carbon.super) there and for the others at /t/{tenant}/console/… and
// /t/{tenant}/myaccount/…. Every API and OIDC call goes to the same tenant's paths on
// this origin.
export const DEFAULT_TENANT = 'carbon.super';

export type AppName = 'console' | 'myaccount';

const APP_TITLES: Record<AppName, string> = { console: 'Gatehouse Console', myaccount: 'My Account' };

const { pathname } = window.location;
const prefixed = /^\/t\/([^/]+)\/(console|myaccount)(?=\/|$)/.exec(pathname);
const unprefixed = /^\/(console|myaccount)(?=\/|$)/.exec(pathname);
const raw = prefixed?.[1];

function decode(value: string): string {
  try { return decodeURIComponent(value).toLowerCase(); } catch { return value.toLowerCase(); }
}

/** Which app this page is (the console when the URL names neither). */
export const appName: AppName = ((prefixed?.[2] ?? unprefixed?.[1]) as AppName | undefined) ?? 'console';
export const appTitle = APP_TITLES[appName];
export const tenantDomain = raw ? decode(raw) : DEFAULT_TENANT;
export const isDefaultTenant = tenantDomain === DEFAULT_TENANT;
/** '' for the default tenant (its URLs are the unprefixed ones), '/t/{tenant}' otherwise. */
export const tenantPrefix = isDefaultTenant ? '' : `/t/${raw}`;
/** The app's own base path (/console, /t/{tenant}/myaccount, …); its routes are below it. */
export const appBase = `${tenantPrefix}/${appName}`;
/** The default tenant reached through /t/carbon.super/…: its apps live at the unprefixed paths. */
export const misplacedDefaultTenant = Boolean(raw) && isDefaultTenant;
