// Where "Sign in again" brings the administrator back: the page's path below the app's own
// base. Cut by the known base, not by the first "/console" in the address: a tenant named
// console.io has /t/console.io/console/… and was sent to a page that does not exist.

/** The path below `base` (with the query), or '/' when the page is not under it. */
export function pathBelow(base: string, pathname: string, search = ''): string {
  if (pathname === base) return `/${search}`;
  return pathname.startsWith(`${base}/`) ? pathname.slice(base.length) + search : '/';
}
