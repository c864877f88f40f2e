// From "send this user the TOTP email" to a rendered email: picks the template for the
// user's locale and gathers the values every template may use.
import type { Deps } from '../../deps.js';
import type { Tenant } from '../../tenants/tenant.js';
import { claimValues } from './placeholders.js';
import { renderEmail, type EmailValues, type RenderedEmail } from './render.js';
import { resolveTemplate, type TemplateSource } from './email-template.service.js';
import type { EmailTemplateType } from './template-type.js';

export interface EmailRecipient {
  username: string;
  /** OIDC claims (given_name, email, locale …); `locale` chooses the language. */
  claims: Readonly<Record<string, unknown>>;
}

export type EmailTenant = Pick<Tenant, 'id' | 'domain' | 'displayName'>;

export interface ComposedEmail extends RenderedEmail {
  locale: string;
  source: TemplateSource;
}

/** The values every type supplies, for this tenant and user. */
export function commonValues(tenant: EmailTenant, user: EmailRecipient, now: Date): Record<string, string> {
  return {
    ...claimValues(user.claims),
    'user-name': user.username,
    'tenant-domain': tenant.domain,
    'organization-name': tenant.displayName,
    'current-year': String(now.getUTCFullYear()),
  };
}

/**
 * Renders the tenant's `typeName` email for `user`. `values` are the type's own
 * placeholders (e.g. {token} for TOTP); they cannot override the common ones.
 */
export async function composeEmail(deps: Deps, tenant: EmailTenant, typeName: string, user: EmailRecipient, values: EmailValues): Promise<ComposedEmail> {
  const resolved = await resolveTemplate(deps, tenant.id, typeName, user.claims.locale);
  const rendered = renderEmail(resolved.template, { ...values, ...commonValues(tenant, user, deps.clock.now()) });
  return { ...rendered, locale: resolved.locale, source: resolved.source };
}

/** Made-up values for the console's live preview: a sample user in the caller's tenant. */
export function sampleValues(type: EmailTemplateType, tenant: EmailTenant, locale: string, now: Date): Record<string, string> {
  const user: EmailRecipient = {
    username: 'alex',
    claims: { given_name: 'Alex', family_name: 'Doe', name: 'Alex Doe', email: 'alex@example.com', locale },
  };
  return { ...type.sample, ...commonValues(tenant, user, now) };
}
