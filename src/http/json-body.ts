// Request bodies, held to what any of our APIs can mean. JSON (application/json, and
// SCIM's application/scim+json) is parsed by Fastify's parser (both kinds of prototype
// poisoning refused) and checked here; form bodies are checked once parsed. No body of ours nests deeper than a handful of levels, and a deep one (6000 levels
// fit in 30 KB) overflowed the stack of whatever walked it next; no field of ours may hold a
// NUL character, which PostgreSQL refuses and SQLite stores, so the two stores answered the
// same request differently. Both are refused here, once, for every route.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, badRequest } from '../errors.js';

export const MAX_JSON_DEPTH = 32;

type Done = (err: Error | null, body?: unknown) => void;

/** The first reason this parsed body is refused, or undefined. Iterative: depth is what it checks. */
export function bodyProblem(body: unknown): string | undefined {
  const pending: Array<[unknown, number]> = [[body, 1]];
  while (pending.length) {
    const [value, depth] = pending.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\0')) return 'a value in this request contains a NUL character (\\0), which is not allowed';
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_JSON_DEPTH) return `the body nests objects and lists more than ${MAX_JSON_DEPTH} levels deep; no request here needs that`;
    for (const [key, inner] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
      if (typeof key === 'string' && key.includes('\0')) return 'a field name in this request contains a NUL character (\\0), which is not allowed';
      pending.push([inner, depth + 1]);
    }
  }
  return undefined;
}

/** Registers the parser for application/json and each of `alsoFor` (media types whose bodies are JSON). */
export function parseJsonBodies(app: FastifyInstance, alsoFor: string[] = []): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  const parser = (request: FastifyRequest, body: string, done: Done) => {
    if (body.length === 0) return done(badRequest('the body is empty: send a JSON object, or no Content-Type header with no body', { scimType: 'invalidSyntax' }));
    parse(request, body, (err: Error | null, value?: unknown) => {
      if (err) return done(badRequest('the body is not valid JSON', { scimType: 'invalidSyntax' }));
      const problem = bodyProblem(value);
      return problem ? done(badRequest(problem, { scimType: 'invalidSyntax' })) : done(null, value);
    });
  };
  app.removeContentTypeParser('application/json');
  for (const type of ['application/json', ...alsoFor]) app.addContentTypeParser(type, { parseAs: 'string' }, parser);
}

/**
 * Form bodies are for the login pages' forms, under the same NUL rule (a NUL username was
 * PostgreSQL's error page, a wrong-password page on SQLite). The admin API and SCIM take
 * JSON only: a form is the one body another site's page can send without the browser
 * asking first, and with credentials the browser holds it could create a user.
 */
export function checkFormBodies(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (!String(request.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) return;
    if (request.url.startsWith('/api/') || request.url.startsWith('/scim2/')) {
      throw new AppError('unsupported_media_type', 415, 'this API takes JSON: send Content-Type application/json (application/scim+json under /scim2)');
    }
    const problem = bodyProblem(request.body);
    if (problem) throw badRequest(problem);
  });
}
