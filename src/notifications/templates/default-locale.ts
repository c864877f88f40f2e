// The tenant's default email locale: used when a user has no locale claim, or none of the
// tenant's templates matches it; en_US comes after it. A tenant setting, unset by default.
import type { Deps } from '../../deps.js';
import { epochSeconds } from '../../clock.js';
import { badRequest } from '../../errors.js';
import { readTenantSetting, writeTenantSetting } from '../../tenants/tenant-setting.repository.js';
import { isLocale, localeProblem } from './locale.js';

const SETTING = 'email.default_locale';

export async function readDefaultLocale(deps: Deps, tenantId: string): Promise<string | undefined> {
  const { locale } = await readTenantSetting(deps.store.db, tenantId, SETTING);
  return typeof locale === 'string' && isLocale(locale) ? locale : undefined;
}

/** Sets the default from `{"locale": "de_DE"}`, or clears it with `{"locale": null}`. */
export async function writeDefaultLocale(deps: Deps, tenantId: string, body: unknown): Promise<string | undefined> {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('locale' in body)) {
    throw badRequest('the body must be {"locale": "de_DE"}, or {"locale": null} to fall back to en_US');
  }
  const { locale } = body as { locale: unknown };
  if (locale !== null) {
    const problem = localeProblem(locale);
    if (problem) throw badRequest(problem);
  }
  await writeTenantSetting(deps.store.db, tenantId, SETTING, locale === null ? {} : { locale }, epochSeconds(deps.clock));
  return locale === null ? undefined : locale as string;
}
