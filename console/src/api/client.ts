// The one way pages talk to the server: the admin REST API of this tenant
// ({tenant}/api/server/v1/…), or another root such as My Account's /api/users/v1, with
// the signed-in app's bearer token. Errors come back as ApiError with the server's
// message, which says what is wrong; a refused token marks the session expired so the
// app asks to sign in again.
import { tenantPrefix } from '../env';
import { sessionStore } from '../auth/session-store';

export const API_BASE = `${tenantPrefix}/api/server/v1`;

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | boolean | undefined>;

interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Another API root than /api/server/v1 (e.g. '/scim2'), below the tenant's prefix. */
  root?: string;
  signal?: AbortSignal;
}

async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const session = sessionStore.get();
  const url = new URL(`${options.root ? `${tenantPrefix}${options.root}` : API_BASE}${path}`, window.location.origin);
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  if (session) headers.authorization = `Bearer ${session.accessToken}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'The server did not answer. Check your connection and try again.');
  }
  const text = await res.text();
  let body: unknown;
  try { body = text ? JSON.parse(text) : undefined; } catch { body = undefined; }
  if (!res.ok) {
    const problem = (body ?? {}) as { code?: string; message?: string; detail?: string };
    if (res.status === 401) sessionStore.markExpired();
    throw new ApiError(res.status, problem.code ?? `http_${res.status}`, problem.message ?? problem.detail ?? `The server answered ${res.status}.`);
  }
  return body as T;
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', path, { ...options, body }),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PUT', path, { ...options, body }),
  patch: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PATCH', path, { ...options, body }),
  delete: <T = void>(path: string, options?: RequestOptions) => request<T>('DELETE', path, options),
};

/** A message for any error a page caught. */
export const messageOf = (err: unknown): string =>
  err instanceof Error ? err.message : 'Something went wrong. Try again.';
