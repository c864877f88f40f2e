// /t/{tenant}/… is stripped before routing, so every route is declared once; the tenant
// domain travels on the raw request and is resolved in onRequest. The default tenant
// answers both with and without the prefix; its URLs are always the unprefixed ones.
import type { IncomingMessage } from 'node:http';
import { DEFAULT_TENANT } from '../tenants/tenant.js';

const TENANT_PATH = /^\/t\/([^/?#]+)(\/[^?#]*)?(\?.*)?$/;

export interface RoutedRequest extends IncomingMessage {
  tenantDomain?: string;
  originalUrl?: string;
  /** The caller's address as Fastify determined it (trust_proxy applies), for the provider's hooks. */
  clientIp?: string;
}

export function rewriteTenantUrl(req: RoutedRequest): string {
  const url = req.url ?? '/';
  const match = TENANT_PATH.exec(url);
  if (!match) {
    req.tenantDomain = DEFAULT_TENANT;
    req.originalUrl = url;
    return url;
  }
  // A malformed escape (/t/%E0/) must not throw here: that would crash the process. Kept
  // raw, it names no tenant and gets the unknown-tenant answer.
  let domain: string;
  try { domain = decodeURIComponent(match[1]!).toLowerCase(); } catch { domain = match[1]!.toLowerCase(); }
  const rest = `${match[2] ?? '/'}${match[3] ?? ''}`;
  req.tenantDomain = domain;
  // oidc-provider derives its mount path from originalUrl minus url.
  req.originalUrl = domain === DEFAULT_TENANT ? rest : url;
  return rest;
}
