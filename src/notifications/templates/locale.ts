// Template locales in WSO2's form (language_COUNTRY, e.g. en_US) and the order in which a
// user's email language is chosen: the user's locale claim, the tenant default, en_US.
import { shown } from '../../errors.js';

export const FALLBACK_LOCALE = 'en_US';

const LOCALE = /^[a-z]{2,3}_[A-Z]{2}$/;

export const isLocale = (value: string): boolean => LOCALE.test(value);

/**
 * A locale as users and browsers write it (de-DE, de_de, de_DE.UTF-8) in WSO2's form, or
 * undefined when it names no country: "de" alone cannot pick between de_DE and de_AT.
 */
export function normalizeLocale(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^([A-Za-z]{2,3})[-_]([A-Za-z]{2})(?:[.@].*)?$/.exec(value.trim());
  if (!match) return undefined;
  return `${match[1]!.toLowerCase()}_${match[2]!.toUpperCase()}`;
}

/** Why a locale is refused, with the likely intended spelling; undefined when it is valid. */
export function localeProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && isLocale(value)) return undefined;
  const quoted = value === undefined ? 'nothing' : shown(value);
  const guess = normalizeLocale(value);
  return `locale ${quoted} must look like en_US (language_COUNTRY)${guess ? `; did you mean ${guess}?` : ''}`;
}

/** The locales to try, best first, without repeats. */
export function localeCandidates(userLocale: unknown, tenantDefault: unknown): string[] {
  const out: string[] = [];
  for (const candidate of [normalizeLocale(userLocale), normalizeLocale(tenantDefault), FALLBACK_LOCALE]) {
    if (candidate && !out.includes(candidate)) out.push(candidate);
  }
  return out;
}
