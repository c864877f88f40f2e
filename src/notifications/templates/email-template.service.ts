// Email templates per tenant, type and locale: the built-in defaults (code) with the
// tenant's saved templates over them, validation for saving, and the choice of template
// for a user (resolveTemplate).
import type { Deps } from '../../deps.js';
import { epochSeconds } from '../../clock.js';
import { badRequest, conflict, notFound, shown } from '../../errors.js';
import { findTemplateTypeById, findTemplateTypeByName, EMAIL_TEMPLATE_TYPES } from './template-types.js';
import { templateTypeId, type EmailTemplateContent, type EmailTemplateType } from './template-type.js';
import { checkPlaceholders } from './placeholders.js';
import { localeCandidates, localeProblem } from './locale.js';
import { readDefaultLocale } from './default-locale.js';
import {
  deleteEmailTemplate, findEmailTemplate, insertEmailTemplate, listEmailTemplates, upsertEmailTemplate, type EmailTemplateRow,
} from './email-template.repository.js';

export type TemplateSource = 'tenant' | 'default';

export interface StoredTemplate {
  locale: string;
  source: TemplateSource;
  template: EmailTemplateContent;
}

export const DEFAULT_CONTENT_TYPE = 'text/html; charset=UTF-8';
const CONTENT_TYPE = /^text\/(html|plain)\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const LIMITS = { subject: 500, body: 100_000, footer: 20_000 } as const;

export function templateTypeOrNotFound(id: string): EmailTemplateType {
  const type = findTemplateTypeById(id);
  if (!type) {
    const known = EMAIL_TEMPLATE_TYPES.map((t) => `${templateTypeId(t.name)} (${t.name})`).join(', ');
    throw notFound(`there is no email template type with id "${id}"; the id is the base64url of the type name (known: ${known})`);
  }
  return type;
}

export function localeOrBadRequest(locale: string): string {
  const problem = localeProblem(locale);
  if (problem) throw badRequest(problem);
  return locale;
}

const fromRow = (row: EmailTemplateRow): StoredTemplate => ({
  locale: row.locale,
  source: 'tenant',
  template: { contentType: row.content_type, subject: row.subject, body: row.body, footer: row.footer },
});

const builtIn = (type: EmailTemplateType, locale: string): StoredTemplate | undefined => {
  const template = Object.hasOwn(type.defaults, locale) ? type.defaults[locale] : undefined;
  return template ? { locale, source: 'default', template } : undefined;
};

export interface ParsedTemplate {
  locale: string;
  template: EmailTemplateContent;
  warnings: string[];
}

/**
 * Checks a template body ({id, contentType, subject, body, footer}) and reports every
 * problem at once. `pathLocale` is the locale in the URL (PUT), which `id` may repeat.
 */
export function parseTemplate(type: EmailTemplateType, input: unknown, pathLocale?: string): ParsedTemplate {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw badRequest('the body must be a JSON object: {"id": "en_US", "contentType": "text/html", "subject": "…", "body": "…", "footer": "…"}');
  }
  const raw = input as Record<string, unknown>;
  const problems: string[] = [];
  let locale = pathLocale;
  if (raw.id !== undefined || pathLocale === undefined) {
    const problem = raw.id === undefined ? 'id (the locale, e.g. en_US) is required' : localeProblem(raw.id);
    if (problem) problems.push(problem.startsWith('locale') ? `id: ${problem}` : problem);
    else if (pathLocale !== undefined && raw.id !== pathLocale) problems.push(`id "${String(raw.id)}" does not match the locale in the path (${pathLocale})`);
    else locale = raw.id as string;
  }
  const text = (field: keyof typeof LIMITS, required: boolean): string => {
    const value = raw[field];
    if (value === undefined || value === null) {
      if (required) problems.push(`${field} is required`);
      return '';
    }
    if (typeof value !== 'string') { problems.push(`${field} must be a string`); return ''; }
    if (required && !value.trim()) problems.push(`${field} must not be empty`);
    if (value.length > LIMITS[field]) problems.push(`${field} is longer than ${LIMITS[field]} characters`);
    return value;
  };
  const subject = text('subject', true);
  if (/[\r\n]/.test(subject)) problems.push('subject must be one line (no CR or LF): a line break in a mail header could add headers');
  const body = text('body', true);
  const footer = text('footer', false);
  let contentType = DEFAULT_CONTENT_TYPE;
  if (raw.contentType !== undefined && raw.contentType !== null) {
    if (typeof raw.contentType !== 'string' || !CONTENT_TYPE.test(raw.contentType.trim())) {
      problems.push(`contentType ${shown(raw.contentType)} is not supported: use text/html or text/plain (optionally "; charset=UTF-8")`);
    } else {
      contentType = raw.contentType.trim();
    }
  }
  const template = { contentType, subject, body, footer };
  const { errors, warnings } = checkPlaceholders(type, template);
  problems.push(...errors);
  if (problems.length) throw badRequest(problems.join('; '));
  return { locale: locale!, template, warnings };
}

/** The type's templates for this tenant: its saved ones and the defaults it has not replaced. */
export async function listTemplates(deps: Deps, tenantId: string, type: EmailTemplateType): Promise<StoredTemplate[]> {
  const saved = (await listEmailTemplates(deps.store.db, tenantId, templateTypeId(type.name))).map(fromRow);
  const defaults = Object.keys(type.defaults).filter((locale) => !saved.some((s) => s.locale === locale)).map((locale) => builtIn(type, locale)!);
  return [...saved, ...defaults].sort((a, b) => a.locale.localeCompare(b.locale));
}

export async function findTemplate(deps: Deps, tenantId: string, type: EmailTemplateType, locale: string): Promise<StoredTemplate | undefined> {
  const row = await findEmailTemplate(deps.store.db, tenantId, templateTypeId(type.name), locale);
  return row ? fromRow(row) : builtIn(type, locale);
}

export async function getTemplate(deps: Deps, tenantId: string, type: EmailTemplateType, locale: string): Promise<StoredTemplate> {
  const found = await findTemplate(deps, tenantId, type, locale);
  if (!found) throw notFound(`there is no ${type.name} email template for ${locale} in this tenant`);
  return found;
}

const toRow = (tenantId: string, type: EmailTemplateType, parsed: ParsedTemplate, now: number): EmailTemplateRow => ({
  tenant_id: tenantId,
  type_id: templateTypeId(type.name),
  locale: parsed.locale,
  content_type: parsed.template.contentType,
  subject: parsed.template.subject,
  body: parsed.template.body,
  footer: parsed.template.footer,
  updated_at: now,
});

/** POST: a new locale. A built-in default counts as existing (replace it with PUT), as in WSO2. */
export async function addTemplate(deps: Deps, tenantId: string, type: EmailTemplateType, input: unknown): Promise<ParsedTemplate> {
  const parsed = parseTemplate(type, input);
  const exists = (locale: string) => conflict(`the ${type.name} email template for ${locale} already exists in this tenant: replace it with PUT …/templates/${locale}`);
  if (builtIn(type, parsed.locale)) throw exists(parsed.locale);
  if (!await insertEmailTemplate(deps.store.db, toRow(tenantId, type, parsed, epochSeconds(deps.clock)))) throw exists(parsed.locale);
  return parsed;
}

/** PUT: replaces a saved template, or overrides the built-in default for this tenant and locale. */
export async function replaceTemplate(deps: Deps, tenantId: string, type: EmailTemplateType, locale: string, input: unknown): Promise<ParsedTemplate> {
  const parsed = parseTemplate(type, input, locale);
  if (!await findTemplate(deps, tenantId, type, locale)) {
    throw notFound(`there is no ${type.name} email template for ${locale} in this tenant: add it with POST …/templates`);
  }
  await upsertEmailTemplate(deps.store.db, toRow(tenantId, type, parsed, epochSeconds(deps.clock)));
  return parsed;
}

/**
 * DELETE: removes the tenant's template, so the built-in default (if the locale has one)
 * applies again. Deleting a locale that already shows its default changes nothing (204):
 * the request's outcome, "this locale uses the default", holds.
 */
export async function removeTemplate(deps: Deps, tenantId: string, type: EmailTemplateType, locale: string): Promise<void> {
  const deleted = await deleteEmailTemplate(deps.store.db, tenantId, templateTypeId(type.name), locale);
  if (!deleted && !builtIn(type, locale)) throw notFound(`there is no ${type.name} email template for ${locale} in this tenant`);
}

export interface ResolvedTemplate extends StoredTemplate {
  type: EmailTemplateType;
}

/**
 * The template to send to a user: the first of the user's locale (claim, e.g. de-DE or
 * de_DE), the tenant's default locale, en_US that the tenant saved or the server ships.
 */
export async function resolveTemplate(deps: Deps, tenantId: string, typeName: string, locale: unknown): Promise<ResolvedTemplate> {
  const type = findTemplateTypeByName(typeName);
  if (!type) throw new Error(`unknown email template type ${typeName}: add it to EMAIL_TEMPLATE_TYPES`);
  for (const candidate of localeCandidates(locale, await readDefaultLocale(deps, tenantId))) {
    const found = await findTemplate(deps, tenantId, type, candidate);
    if (found) return { ...found, type };
  }
  // Only reachable for a type shipped without en_US, which test/unit/email-render.test.ts guards against.
  throw new Error(`the ${typeName} email template type has no en_US template`);
}
