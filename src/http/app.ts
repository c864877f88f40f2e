// Assembles the server: tenant routing, security headers, caller authentication, errors,
// and each feature's routes. Used by main.ts and by the tests (with inject()).
import Fastify, { LogController, type FastifyInstance, type FastifyBaseLogger } from 'fastify';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { Deps } from '../deps.js';
import { createProviderRegistry, type ProviderRegistry } from '../oidc/registry.js';
import { resolveTenant, tenantById, tenantCookieKeys } from '../tenants/tenant.service.js';
import { connectBackchannelLogout } from '../oidc/backchannel-logout.js';
import type { Tenant } from '../tenants/tenant.js';
import { authenticateCaller } from '../access/authenticate-caller.js';
import { createIpLimiter, createRedisIpLimiter } from '../access/ip-limiter.js';
import { openRedis } from '../store/redis.js';
import { ttlCachePerStore } from '../store/ttl-cache.js';
import { loginRoutes } from '../authn/login.routes.js';
import { authenticatorRoutes } from '../authn/authenticators.routes.js';
import { meTotpRoutes } from '../authn/authenticators/totp/me-totp.routes.js';
import { mePasswordRoutes } from '../authn/me-password.routes.js';
import { meSessionsRoutes } from '../sessions/me-sessions.routes.js';
import { userSessionsRoutes } from '../sessions/user-sessions.routes.js';
import { adminBackupCodeRoutes, meBackupCodeRoutes } from '../authn/authenticators/backup-code/backup-codes.routes.js';
import { totpParameterRoutes } from '../authn/authenticators/totp/totp-parameters.routes.js';
import { userAdminRoutes } from '../authn/user-admin.routes.js';
import { applicationRoutes } from '../applications/applications.routes.js';
import { tenantRoutes } from '../tenants/tenants.routes.js';
import { scimRoutes } from '../users/scim.routes.js';
import { scimDiscoveryRoutes } from '../users/scim-discovery.routes.js';
import { emailSenderRoutes } from '../notifications/email-sender.routes.js';
import { emailTemplateRoutes } from '../notifications/templates/email-templates.routes.js';
import { auditLogRoutes } from '../audit/audit-logs.routes.js';
import { storeProblem } from '../store/connect.js';
import { rewriteTenantUrl, type RoutedRequest } from './tenant-routing.js';
import { securityHeaders } from './security-headers.js';
import { errorHandler } from './error-handler.js';
import { AppError, badRequest, notFound } from '../errors.js';
import { oidcMount } from './oidc-mount.js';
import { consoleMount } from './console-mount.js';
import { renderErrorPage } from '../ui/layout.js';
import { checkFormBodies, parseJsonBodies } from './json-body.js';

const TENANT_CACHE_MS = 60_000;

export interface BuiltApp {
  app: FastifyInstance;
  providers: ProviderRegistry;
}

export async function buildApp(deps: Deps): Promise<BuiltApp> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    trustProxy: config.server.trust_proxy,
    rewriteUrl: (req) => rewriteTenantUrl(req as RoutedRequest),
    bodyLimit: 256 * 1024,
    requestIdHeader: false,
    // Fastify writes two lines per request ("incoming request", "request completed");
    // the onResponse hook below writes one, with everything both carried. (Through
    // logController: the top-level option prints a deprecation warning at every start.)
    logController: new LogController({ disableRequestLogging: true }),
    // A URL the router refuses (bad percent-encoding, a path parameter over 100 characters)
    // is answered like every other error: SCIM's shape under /scim2, a page for people.
    // Fastify's own messages repeat the whole URL back; ours say what is wrong with it.
    frameworkErrors: (error, request, reply) => errorHandler(error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new AppError('uri_too_long', 414, 'a part of this address is too long: no identifier here is over 100 characters')
      : error.code === 'FST_ERR_BAD_URL' ? badRequest('this address is not valid: it has a broken %-encoding') : error, request, reply),
  });
  // A serving process keeps SQLite's checkpoints (copy of the log back into the file, with
  // an fsync) off the event loop.
  deps.store.checkpointInBackground?.((problem) => deps.logger.warn({ problem }, 'sqlite checkpoint'));
  const providers = createProviderRegistry(deps, (tenantId) => tenantCookieKeys(deps, tenantId));
  connectBackchannelLogout(deps, async (tenantId) => {
    const tenant = await tenantById(deps, tenantId);
    return tenant ? providers.get(tenant) : undefined;
  });
  // Tenants by domain, looked up again after TENANT_CACHE_MS: what another node changed
  // (a tenant created and undone there) is not kept here for good. Unknown domains are not kept.
  const tenants = ttlCachePerStore<Tenant | undefined>({ ttlMs: TENANT_CACHE_MS, maxEntries: 10_000, keep: (tenant) => tenant !== undefined });
  const { max_requests: maxRequests, window_seconds: windowSeconds } = config.identity_mgt.login_rate_limit;
  // Per-IP limits in Redis when configured, so that several nodes count together.
  const redis = config.redis.url
    ? await openRedis(config.redis.url, { onProblem: (problem) => deps.logger.warn({ problem }, 'redis unavailable: per-IP rate limits are not enforced until it answers') })
    : undefined;
  if (redis) app.addHook('onClose', async () => { await redis.quit().catch(() => redis.disconnect()); });
  const limiter = redis
    ? createRedisIpLimiter(redis, config.redis.key_prefix, maxRequests, windowSeconds * 1000)
    : createIpLimiter(maxRequests, windowSeconds * 1000);

  app.decorateRequest('tenant', null);
  app.decorateRequest('caller', null);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (path.startsWith('/api/') || path.startsWith('/scim2/')) return errorHandler(Object.assign(new Error('not found'), { statusCode: 404 }) as never, request, reply);
    return reply.code(404).type('text/html; charset=utf-8').send(renderErrorPage('Page not found', 'There is nothing at this address.'));
  });
  app.addHook('onSend', securityHeaders(config.server.base_url.startsWith('https:')));
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info({ req: request, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime }, 'request completed');
    done();
  });

  // No address here takes a NUL character; refused before any store sees it, since
  // PostgreSQL would refuse it and SQLite look it up (the same request, two answers).
  app.addHook('onRequest', async (request) => {
    if (request.url.includes('%00') || (request.raw as RoutedRequest).tenantDomain?.includes('\0')) throw badRequest('this address contains a NUL character (%00), which no address here accepts');
  });
  app.addHook('onRequest', async (request) => {
    const domain = (request.raw as RoutedRequest).tenantDomain;
    if (!domain) return;
    request.tenant = (await tenants.get(deps.store, domain, () => resolveTenant(deps, domain))) ?? null;
  });
  app.addHook('preHandler', async (request) => {
    const path = request.url;
    if (path.startsWith('/api/') || path.startsWith('/scim2/')) {
      // Credentials cannot be judged in a tenant that does not exist: 404, as its discovery and pages answer.
      if (!request.tenant) throw notFound('there is no such tenant on this server');
      request.caller = await authenticateCaller(deps, providers, limiter, request);
    }
  });

  // skipOnError: a Redis that does not answer lets requests through (the per-account lock
  // in the database still holds) instead of failing every login.
  await app.register(rateLimit, { global: false, ...(redis ? { redis, nameSpace: `${config.redis.key_prefix}rate-limit:`, skipOnError: true } : {}) });
  await app.register(formbody);
  parseJsonBodies(app, ['application/scim+json']);
  checkFormBodies(app);

  app.get('/health', async () => ({ status: 'UP' }));
  app.get('/health/ready', async (_request, reply) => {
    // A PING at probe time, given 500 ms: a Redis that keeps the connection open but does not
    // answer is DOWN too, and a probe stays well inside a 1 s probe timeout. Started first,
    // so it waits alongside the store check.
    const redisUp = redis && (redis.status === 'ready'
      ? Promise.race([redis.ping().then(() => true, () => false), new Promise<false>((resolve) => setTimeout(resolve, 500, false).unref())])
      : Promise.resolve(false));
    const problem = await storeProblem(deps.store);
    // Redis is reported, not required: without it the node still serves (rate limits fail open).
    return reply.code(problem ? 503 : 200).send({
      status: problem ? 'DOWN' : 'UP', store: deps.store.dialect, ...(problem ? { problem } : {}), ...(redis ? { redis: (await redisUp) ? 'UP' : 'DOWN' } : {}),
    });
  });

  await app.register(oidcMount(config, providers));
  await app.register(loginRoutes(deps, providers, limiter));
  await app.register(applicationRoutes(deps));
  await app.register(authenticatorRoutes(deps));
  await app.register(meTotpRoutes(deps));
  await app.register(mePasswordRoutes(deps));
  await app.register(meSessionsRoutes(deps));
  await app.register(totpParameterRoutes(deps));
  await app.register(userAdminRoutes(deps));
  await app.register(userSessionsRoutes(deps));
  await app.register(meBackupCodeRoutes(deps));
  await app.register(adminBackupCodeRoutes(deps));
  await app.register(tenantRoutes(deps, providers, (tenant) => tenants.forget(deps.store, tenant.domain)));
  await app.register(scimRoutes(deps));
  await app.register(scimDiscoveryRoutes(deps));
  await app.register(emailSenderRoutes(deps));
  await app.register(emailTemplateRoutes(deps));
  await app.register(auditLogRoutes(deps));
  await app.register(consoleMount());
  return { app: app as unknown as FastifyInstance, providers };
}
