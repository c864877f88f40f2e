// One place maps errors to responses: JSON for APIs (SCIM's error shape under /scim2),
// a page for people elsewhere. Nothing internal leaks; 5xx are logged with the request id.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, TOO_MANY_ATTEMPTS } from '../errors.js';
import { renderErrorPage } from '../ui/layout.js';

const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

export function errorHandler(error: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply) {
  let status = 500;
  let code = 'server_error';
  let message = 'Something went wrong on our side. Try again; if it keeps happening, tell the administrator.';
  let details: Record<string, unknown> | undefined;
  if (error instanceof AppError) {
    ({ status, code, message, details } = error);
  } else if (error.validation) {
    status = 400; code = 'invalid_request'; message = `invalid request: ${error.message}`;
  } else if (['22021', '22P05'].includes((error as { code?: string }).code ?? '')) {
    // PostgreSQL cannot hold a NUL character (SQLite can): a value from the request had one.
    status = 400; code = 'invalid_request'; message = 'a value in this request contains a NUL character (\\0), which is not allowed';
  } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    status = error.statusCode;
    code = status === 429 ? 'too_many_requests' : status === 413 ? 'payload_too_large' : 'invalid_request';
    message = status === 429 ? TOO_MANY_ATTEMPTS : error.message;
  }
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  if (status === 401) reply.header('www-authenticate', 'Basic realm="gatehouse", Bearer');
  const path = request.url.split('?')[0] ?? '';
  if (path.startsWith('/scim2/')) {
    return reply.code(status).type('application/scim+json').send({
      schemas: [SCIM_ERROR], status: String(status), ...(details?.scimType ? { scimType: details.scimType } : {}), detail: message,
    });
  }
  if (path.startsWith('/api/')) {
    return reply.code(status).send({ code, message, description: message, traceId: request.id });
  }
  return reply.code(status).type('text/html; charset=utf-8').send(renderErrorPage(status === 429 ? 'Too many attempts' : 'Something went wrong', message));
}
