// Placeholders are plain {{name}} substitutions, not a template language: tenant
// administrators write templates, so nothing in one can run code, loop or reach data the
// sender did not put in the values. Spaces inside the braces are allowed ({{ token }}).
import type { EmailTemplateContent, EmailTemplateType } from './template-type.js';

export const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Placeholders every type supplies (WSO2's names). */
export const COMMON_PLACEHOLDERS: Readonly<Record<string, string>> = {
  'user-name': 'the user\'s username',
  'tenant-domain': 'the tenant\'s domain, e.g. carbon.super',
  'organization-name': 'the tenant\'s display name',
  'current-year': 'the year the email is sent, for copyright lines',
  'user.claim.<claim>': 'any claim of the user, e.g. user.claim.given_name; empty when the user has none',
};

export const CLAIM_PREFIX = 'user.claim.';

/**
 * WSO2 claim names (the last part of http://wso2.org/claims/…) → the OIDC claims users
 * carry here. Matched without regard to case, so SCIM's givenName works too; any other name
 * is taken as an exact claim name (user.claim.given_name, user.claim.locale …).
 */
export const WSO2_CLAIM_ALIASES: Readonly<Record<string, string>> = {
  givenname: 'given_name',
  lastname: 'family_name',
  familyname: 'family_name',
  emailaddress: 'email',
  fullname: 'name',
  mobile: 'phone_number',
  locality: 'locale',
};

const CLAIM_NAME = /^[A-Za-z0-9_.:-]+$/;

/**
 * The name a placeholder is looked up under: WSO2 aliases become OIDC claim names, and
 * user.claim.username is the username (it is not a claim here).
 */
export function canonicalPlaceholder(name: string): string {
  if (!name.startsWith(CLAIM_PREFIX)) return name;
  const claim = name.slice(CLAIM_PREFIX.length);
  if (claim.toLowerCase() === 'username') return 'user-name';
  const alias = WSO2_CLAIM_ALIASES[claim.toLowerCase()];
  return alias ? `${CLAIM_PREFIX}${alias}` : name;
}

/** The values for user.claim.* from a user's claims (strings, numbers and booleans only). */
export function claimValues(claims: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [claim, value] of Object.entries(claims)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[`${CLAIM_PREFIX}${claim}`] = String(value);
  }
  return out;
}

/** Placeholder names used in a text, trimmed, in order of first use. */
export function placeholdersIn(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1]!;
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

export function isKnownPlaceholder(type: EmailTemplateType, name: string): boolean {
  if (name.startsWith(CLAIM_PREFIX)) return CLAIM_NAME.test(name.slice(CLAIM_PREFIX.length));
  return Object.hasOwn(type.placeholders, name) || Object.hasOwn(COMMON_PLACEHOLDERS, name);
}

export const knownPlaceholderNames = (type: EmailTemplateType): string[] =>
  [...Object.keys(type.placeholders), ...Object.keys(COMMON_PLACEHOLDERS)];

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

export interface TemplateCheck {
  /** Problems that stop a save (400). */
  errors: string[];
  /** Saved anyway, reported back: each unknown placeholder renders empty. */
  warnings: string[];
}

const FIELDS = ['subject', 'body', 'footer'] as const;

/** What is wrong with a template's placeholders for its type. */
export function checkPlaceholders(type: EmailTemplateType, template: EmailTemplateContent): TemplateCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  const bodyNames = placeholdersIn(template.body);
  for (const required of type.requiredInBody) {
    if (!bodyNames.includes(required)) {
      errors.push(`the ${type.name} template must contain {{${required}}} in its body: without it the email cannot carry ${type.placeholders[required] ?? required}`);
    }
  }
  const known = knownPlaceholderNames(type).filter((n) => !n.includes('<'));
  for (const field of FIELDS) {
    for (const name of placeholdersIn(template[field])) {
      if (isKnownPlaceholder(type, name)) continue;
      const near = known.find((k) => distance(k, name) <= 2);
      warnings.push(`unknown placeholder {{${name}}} in the ${field} renders empty${near ? ` (did you mean {{${near}}}?)` : ''}; known: ${knownPlaceholderNames(type).map((n) => `{{${n}}}`).join(', ')}`);
    }
    // WSO2's old identity-mgt templates used single braces; here they would be sent as is.
    for (const match of template[field].matchAll(/(?<!\{)\{([A-Za-z][\w.-]*)\}(?!\})/g)) {
      if (isKnownPlaceholder(type, match[1]!)) warnings.push(`{${match[1]}} in the ${field} has single braces and is sent as written; placeholders need two: {{${match[1]}}}`);
    }
  }
  return { errors, warnings };
}
