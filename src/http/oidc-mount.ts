// Hands the OIDC endpoints to the tenant's oidc-provider. Host and scheme are forced to
// base_url's, so no URL the provider builds depends on the request's Host header.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.js';
import type Provider from 'oidc-provider';
import type { ProviderRegistry } from '../oidc/registry.js';
import { renderErrorPage } from '../ui/layout.js';
import type { RoutedRequest } from './tenant-routing.js';

const DISCOVERY = '/.well-known/openid-configuration';
const PROVIDER_CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";

export function oidcMount(config: Config, providers: ProviderRegistry) {
  const base = new URL(config.server.base_url);
  // Koa's callback() composes the middleware stack anew on each call: once per provider.
  const callbacks = new WeakMap<Provider, ReturnType<Provider['callback']>>();
  const callbackOf = (provider: Provider) => {
    let callback = callbacks.get(provider);
    if (!callback) {
      callback = provider.callback();
      callbacks.set(provider, callback);
    }
    return callback;
  };
  return async function register(app: FastifyInstance) {
    // Leave request bodies unread: the provider parses its own.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_req, _payload, done) => done(null));

    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      if (!request.tenant) {
        return reply.code(404).type('text/html; charset=utf-8').send(renderErrorPage('Not found', 'There is no such organization on this server.'));
      }
      const provider = await providers.get(request.tenant);
      const req = request.raw as RoutedRequest;
      // The issuer is {base}/oauth2/token, so discovery also lives below it (as in WSO2).
      if (req.url?.startsWith(`/oauth2/token${DISCOVERY}`)) {
        req.url = req.url.replace(`/oauth2/token${DISCOVERY}`, DISCOVERY);
      }
      req.originalUrl = `${request.tenant.pathPrefix}${req.url}`;
      req.clientIp = request.ip;
      req.headers.host = base.host;
      req.headers['x-forwarded-proto'] = base.protocol.slice(0, -1);
      delete req.headers['x-forwarded-host'];
      delete req.headers['x-forwarded-port'];
      if (!config.server.trust_proxy) delete req.headers['x-forwarded-for'];
      reply.hijack();
      // Security headers the provider does not set itself. The CSP is the login pages' one
      // plus script-src: the provider adds the hash of the one inline script it writes (the
      // form_post page that carries the code back), so no other script can run there.
      reply.raw.setHeader('content-security-policy', PROVIDER_CSP);
      // RFC 6749 §5.1: token responses carry Cache-Control: no-store (the provider sets it)
      // and Pragma: no-cache (for HTTP/1.0 caches; the provider does not).
      // (Discovery below the issuer was rewritten to its own path above.)
      if (req.url?.startsWith('/oauth2/token')) reply.raw.setHeader('pragma', 'no-cache');
      reply.raw.setHeader('x-content-type-options', 'nosniff');
      reply.raw.setHeader('referrer-policy', 'no-referrer');
      reply.raw.setHeader('x-frame-options', 'DENY');
      await callbackOf(provider)(req, reply.raw);
    };
    for (const url of ['/oauth2/*', '/oidc/*', DISCOVERY]) app.all(url, handler);
  };
}
