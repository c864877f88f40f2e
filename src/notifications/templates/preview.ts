// The console's live preview: an unsaved template, or what a user with a given locale gets
// now, rendered with sample values in the caller's tenant.
import type { Deps } from '../../deps.js';
import { badRequest } from '../../errors.js';
import { checkPlaceholders } from './placeholders.js';
import { renderEmail, type RenderedEmail } from './render.js';
import { sampleValues, type EmailTenant } from './compose.js';
import { FALLBACK_LOCALE, isLocale } from './locale.js';
import { DEFAULT_CONTENT_TYPE, localeOrBadRequest, resolveTemplate } from './email-template.service.js';
import type { EmailTemplateType } from './template-type.js';

export interface Preview extends RenderedEmail {
  locale: string;
  source: 'tenant' | 'default' | 'preview';
  warnings: string[];
}

export async function previewEmail(deps: Deps, tenant: EmailTenant, type: EmailTemplateType, body: unknown): Promise<Preview> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('the body must be a template {"contentType", "subject", "body", "footer"} or {"locale": "en_US"}');
  }
  const raw = body as Record<string, unknown>;
  const now = deps.clock.now();
  if (raw.subject !== undefined || raw.body !== undefined) {
    const field = (name: string): string => {
      const value = raw[name];
      if (value === undefined || value === null) return '';
      if (typeof value !== 'string') throw badRequest(`${name} must be a string`);
      return value;
    };
    const template = { contentType: field('contentType') || DEFAULT_CONTENT_TYPE, subject: field('subject'), body: field('body'), footer: field('footer') };
    const locale = [raw.id, raw.locale].find((v): v is string => typeof v === 'string' && isLocale(v)) ?? FALLBACK_LOCALE;
    const { errors, warnings } = checkPlaceholders(type, template);
    // While the administrator types, what would block saving is a warning, not a 400.
    return { ...renderEmail(template, sampleValues(type, tenant, locale, now)), locale, source: 'preview', warnings: [...errors, ...warnings] };
  }
  const locale = raw.locale ?? raw.id;
  if (typeof locale !== 'string') throw badRequest('give a template to render, or {"locale": "en_US"} to render the template a user with that locale gets');
  const resolved = await resolveTemplate(deps, tenant.id, type.name, localeOrBadRequest(locale));
  return {
    ...renderEmail(resolved.template, sampleValues(type, tenant, resolved.locale, now)),
    locale: resolved.locale,
    source: resolved.source,
    warnings: checkPlaceholders(type, resolved.template).warnings,
  };
}
