// A scriptable "browser" over fetch: a cookie jar (name, path) and manual redirects, so
// protocol tests can walk the real login pages without Chromium. E2E tests use Chromium.
export interface Cookie { name: string; value: string; path: string }

export class HttpBrowser {
  cookies: Cookie[] = [];
  lastUrl = '';

  private cookieHeader(url: URL): string {
    return this.cookies.filter((c) => url.pathname.startsWith(c.path)).map((c) => `${c.name}=${c.value}`).join('; ');
  }

  private store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const path = attrs.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      const expired = attrs.some((a) => /expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.path === path));
      if (!expired) this.cookies.push({ name, value, path });
    }
  }

  async request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Response> {
    const u = new URL(url);
    const headers: Record<string, string> = { ...init.headers };
    const cookie = this.cookieHeader(u);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(u, { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    this.store(res);
    this.lastUrl = url;
    return res;
  }

  /** Follows redirects until a non-redirect or a URL for which `stop` returns true. */
  async follow(url: string, init: { method?: string; form?: Record<string, string> } = {}, stop: (url: string) => boolean = () => false): Promise<{ url: string; res: Response }> {
    let res = await this.request(url, init);
    let current = url;
    for (let i = 0; i < 20 && res.status >= 300 && res.status < 400; i++) {
      current = new URL(res.headers.get('location')!, current).toString();
      if (stop(current)) return { url: current, res };
      res = await this.request(current);
    }
    return { url: current, res };
  }
}

/** Reads the hidden fields and action of the first form on a page. */
export function parseForm(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&') ?? '';
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields[m[1]!] = m[2]!;
  return { action, fields };
}

/** The error line a page shows above its form (role="alert"), as plain text. */
export function pageError(html: string): string | undefined {
  return /<p class="error" role="alert">([^<]*)<\/p>/.exec(html)?.[1]?.replace(/&#39;/g, '\'').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}
