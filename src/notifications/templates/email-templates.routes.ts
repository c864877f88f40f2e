// /api/server/v1/email/template-types — WSO2's email template API (v1 shape), per tenant:
// list and read types, list, add, read, replace and delete a type's templates by locale,
// plus the console's preview and the tenant's default locale.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../../deps.js';
import { requireScope, type Caller } from '../../access/caller.js';
import { badRequest, conflict } from '../../errors.js';
import { EMAIL_TEMPLATE_TYPES, findTemplateTypeByName } from './template-types.js';
import { templateTypeId, type EmailTemplateType } from './template-type.js';
import { COMMON_PLACEHOLDERS } from './placeholders.js';
import { previewEmail } from './preview.js';
import { readDefaultLocale, writeDefaultLocale } from './default-locale.js';
import { FALLBACK_LOCALE } from './locale.js';
import {
  addTemplate, findTemplate, getTemplate, listTemplates, localeOrBadRequest, removeTemplate, replaceTemplate,
  templateTypeOrNotFound, type ParsedTemplate, type StoredTemplate,
} from './email-template.service.js';
import type { EmailTemplateContent } from './template-type.js';
import { recordAudit } from '../../audit/audit.service.js';
import { callerActor, changes, requestOrigin, type AuditDetails, type AuditEventType } from '../../audit/audit-event.js';

const PREFIX = '/api/server/v1/email';
const TYPES = `${PREFIX}/template-types`;
const VIEW = 'internal_email_mgt_view';
const CREATE = 'internal_email_mgt_create';
const UPDATE = 'internal_email_mgt_update';
const DELETE = 'internal_email_mgt_delete';

type TypeParams = { Params: { typeId: string } };
type LocaleParams = { Params: { typeId: string; locale: string } };

const typeSelf = (request: FastifyRequest, type: EmailTemplateType) => `${request.tenant!.baseUrl}${TYPES}/${templateTypeId(type.name)}`;
const templateSelf = (request: FastifyRequest, type: EmailTemplateType, locale: string) => `${typeSelf(request, type)}/templates/${locale}`;

const templateView = (stored: StoredTemplate) => ({ id: stored.locale, ...stored.template, source: stored.source });
const savedView = (parsed: ParsedTemplate) => ({ id: parsed.locale, ...parsed.template, source: 'tenant', warnings: parsed.warnings });

const actor = (caller: Caller) => ({ kind: caller.kind, id: caller.subject, ...(caller.username ? { username: caller.username } : {}) });

/** A template as the audit log shows it (long texts are cut there). */
const auditView = (template: EmailTemplateContent | undefined, source?: string) =>
  template ? { ...(source ? { source } : {}), contentType: template.contentType, subject: template.subject, body: template.body, footer: template.footer } : undefined;

export function emailTemplateRoutes(deps: Deps) {
  return async function register(app: FastifyInstance) {
    const audit = async (request: FastifyRequest, caller: Caller, event: AuditEventType, type: EmailTemplateType, locale: string, message: string, details: AuditDetails) => {
      const tenantId = request.tenant!.id;
      deps.logger.info({ event, tenantId, actor: actor(caller), templateType: type.name, locale }, message);
      await recordAudit(deps, { tenantId, type: event, actor: callerActor(caller), origin: requestOrigin(request), details: { templateType: type.name, locale, ...details } });
    };

    app.get(TYPES, async (request) => {
      requireScope(request, VIEW);
      return EMAIL_TEMPLATE_TYPES.map((type) => ({ id: templateTypeId(type.name), displayName: type.name, self: typeSelf(request, type) }));
    });

    // WSO2 scripts create the TOTP type by hand; here types are built in, so say so.
    app.post<{ Body: unknown }>(TYPES, async (request) => {
      requireScope(request, CREATE);
      const name = (request.body as { displayName?: unknown } | undefined)?.displayName;
      const known = EMAIL_TEMPLATE_TYPES.map((t) => t.name).join(', ');
      if (typeof name === 'string' && findTemplateTypeByName(name)) {
        throw conflict(`the email template type ${name} already exists (id ${templateTypeId(name)}); add or replace its templates under …/template-types/${templateTypeId(name)}/templates`);
      }
      throw badRequest(`email template types are built into this server (${known}); new ones cannot be added through the API`);
    });

    app.get<TypeParams>(`${TYPES}/:typeId`, async (request) => {
      requireScope(request, VIEW);
      const type = templateTypeOrNotFound(request.params.typeId);
      return {
        id: templateTypeId(type.name),
        displayName: type.name,
        description: type.description,
        self: typeSelf(request, type),
        placeholders: Object.entries({ ...type.placeholders, ...COMMON_PLACEHOLDERS }).map(([name, description]) => ({ name, description })),
        templates: (await listTemplates(deps, request.tenant!.id, type)).map(templateView),
      };
    });

    app.get<TypeParams>(`${TYPES}/:typeId/templates`, async (request) => {
      requireScope(request, VIEW);
      const type = templateTypeOrNotFound(request.params.typeId);
      return (await listTemplates(deps, request.tenant!.id, type))
        .map((t) => ({ id: t.locale, source: t.source, self: templateSelf(request, type, t.locale) }));
    });

    app.post<TypeParams & { Body: unknown }>(`${TYPES}/:typeId/templates`, async (request, reply) => {
      const caller = requireScope(request, CREATE);
      const type = templateTypeOrNotFound(request.params.typeId);
      const tenantId = request.tenant!.id;
      const saved = await addTemplate(deps, tenantId, type, request.body);
      await audit(request, caller, 'email_template_added', type, saved.locale, 'an administrator added an email template', { after: auditView(saved.template) });
      const self = templateSelf(request, type, saved.locale);
      return reply.code(201).header('location', self).send({ ...savedView(saved), self });
    });

    app.get<LocaleParams>(`${TYPES}/:typeId/templates/:locale`, async (request) => {
      requireScope(request, VIEW);
      const type = templateTypeOrNotFound(request.params.typeId);
      return templateView(await getTemplate(deps, request.tenant!.id, type, localeOrBadRequest(request.params.locale)));
    });

    app.put<LocaleParams & { Body: unknown }>(`${TYPES}/:typeId/templates/:locale`, async (request) => {
      const caller = requireScope(request, UPDATE);
      const type = templateTypeOrNotFound(request.params.typeId);
      const tenantId = request.tenant!.id;
      const locale = localeOrBadRequest(request.params.locale);
      const before = await findTemplate(deps, tenantId, type, locale);
      const saved = await replaceTemplate(deps, tenantId, type, locale, request.body);
      await audit(request, caller, 'email_template_replaced', type, saved.locale, 'an administrator replaced an email template',
        changes(auditView(before?.template, before?.source), auditView(saved.template, 'tenant')));
      return savedView(saved);
    });

    app.delete<LocaleParams>(`${TYPES}/:typeId/templates/:locale`, async (request, reply) => {
      const caller = requireScope(request, DELETE);
      const type = templateTypeOrNotFound(request.params.typeId);
      const tenantId = request.tenant!.id;
      const locale = localeOrBadRequest(request.params.locale);
      const before = await findTemplate(deps, tenantId, type, locale);
      await removeTemplate(deps, tenantId, type, locale);
      const after = await findTemplate(deps, tenantId, type, locale);
      await audit(request, caller, 'email_template_deleted', type, locale, 'an administrator deleted an email template (the default applies again)',
        changes(auditView(before?.template, before?.source), auditView(after?.template, after?.source)));
      return reply.code(204).send();
    });

    app.post<TypeParams & { Body: unknown }>(`${TYPES}/:typeId/preview`, async (request) => {
      requireScope(request, VIEW);
      return previewEmail(deps, request.tenant!, templateTypeOrNotFound(request.params.typeId), request.body);
    });

    app.get(`${PREFIX}/default-locale`, async (request) => {
      requireScope(request, VIEW);
      return { locale: await readDefaultLocale(deps, request.tenant!.id) ?? null, fallback: FALLBACK_LOCALE };
    });

    app.put<{ Body: unknown }>(`${PREFIX}/default-locale`, async (request) => {
      const caller = requireScope(request, UPDATE);
      const tenantId = request.tenant!.id;
      const previous = await readDefaultLocale(deps, tenantId);
      const locale = await writeDefaultLocale(deps, tenantId, request.body);
      deps.logger.info({ event: 'email_default_locale_updated', tenantId, actor: actor(caller), locale: locale ?? null }, 'an administrator changed the tenant\'s default email locale');
      await recordAudit(deps, {
        tenantId, type: 'email_default_locale_updated', actor: callerActor(caller), origin: requestOrigin(request),
        details: { before: { locale: previous ?? null }, after: { locale: locale ?? null } },
      });
      return { locale: locale ?? null, fallback: FALLBACK_LOCALE };
    });
  };
}
