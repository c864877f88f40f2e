// SCIM 2.0 (RFC 7643) User resource ⇄ our user. Only the core attributes Gatehouse uses.
import { badRequest } from '../errors.js';
import type { User, UserClaims } from './user.js';
import type { UserInput } from './user.service.js';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

const invalid = (message: string) => badRequest(message, { scimType: 'invalidValue' });

export function toScimUser(user: User, location: string) {
  const c = user.claims;
  return {
    schemas: [USER_SCHEMA],
    id: user.id,
    userName: user.username,
    ...(c.given_name || c.family_name || c.name ? { name: { givenName: c.given_name, familyName: c.family_name, formatted: c.name } } : {}),
    // One address is kept (the primary, or the first): reported as the work address, the one
    // Entra ID's default mapping reads and PATCHes (emails[type eq "work"].value).
    ...(c.email ? { emails: [{ value: c.email, type: 'work', primary: true }] } : {}),
    ...(c.locale ? { locale: c.locale } : {}),
    roles: user.roles.map((value) => ({ value })),
    active: user.active,
    meta: {
      resourceType: 'User',
      created: new Date(user.createdAt * 1000).toISOString(),
      lastModified: new Date(user.updatedAt * 1000).toISOString(),
      location,
      version: `W/"${user.version}"`,
    },
  };
}

// Types only: what a value may hold (lengths, an email address) is the user service's rule
// (claims-policy.ts), applied there to what a write changes, so a PATCH of one attribute
// is not refused for a value stored before the rule.
const optionalString = (value: unknown, name: string): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${name} must be a string`);
  return value;
};

/** Attribute names are case-insensitive (RFC 7643 §2.1); this returns our spelling of one. */
export const canonical = (names: readonly string[], raw: string): string | undefined => names.find((name) => name.toLowerCase() === raw.toLowerCase());

/**
 * The object's attributes among
 * `names`, under our spelling. Others are left out (the User attributes we do not keep, as
 * PATCH leaves them); one given twice in different cases is refused rather than guessed.
 */
function attributes(raw: Record<string, unknown>, names: readonly string[], where = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const name = canonical(names, key);
    if (!name) continue;
    if (Object.hasOwn(out, name)) throw invalid(`${where}${name} is given twice (attribute names are case-insensitive)`);
    out[name] = value;
  }
  return out;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function fromScimUser(body: unknown): UserInput {
  if (!isObject(body)) throw invalid('the body must be a SCIM User JSON object');
  const raw = attributes(body, ['schemas', 'userName', 'name', 'emails', 'locale', 'roles', 'password', 'active']);
  if (Array.isArray(raw.schemas) && !raw.schemas.includes(USER_SCHEMA)) throw invalid(`schemas must include ${USER_SCHEMA}`);
  if (typeof raw.userName !== 'string') throw invalid('userName is required');
  const claims: UserClaims = {};
  if (raw.name !== undefined) {
    if (!isObject(raw.name)) throw invalid('name must be an object');
    const name = attributes(raw.name, ['givenName', 'familyName', 'formatted'], 'name.');
    claims.given_name = optionalString(name.givenName, 'name.givenName');
    claims.family_name = optionalString(name.familyName, 'name.familyName');
    claims.name = optionalString(name.formatted, 'name.formatted');
  }
  if (raw.emails !== undefined) {
    if (!Array.isArray(raw.emails)) throw invalid('emails must be a list');
    const emails = raw.emails.map((e) => (isObject(e) ? attributes(e, ['value', 'primary'], 'emails[].') : {}));
    const primary = emails.find((e) => e.primary === true) ?? emails[0];
    claims.email = optionalString(primary?.value, 'emails[].value');
  }
  claims.locale = optionalString(raw.locale, 'locale');
  let roles: string[] = [];
  if (raw.roles !== undefined) {
    if (!Array.isArray(raw.roles)) throw invalid('roles must be a list of { value }');
    roles = raw.roles.map((r, i) => {
      const role = optionalString(isObject(r) ? attributes(r, ['value'], `roles[${i}].`).value : undefined, `roles[${i}].value`) ?? '';
      if (role.length > 64) throw invalid(`roles[${i}].value must be at most 64 characters`);
      return role;
    }).filter(Boolean);
  }
  if (raw.password !== undefined && typeof raw.password !== 'string') throw invalid('password must be a string');
  if (raw.active !== undefined && raw.active !== null && typeof raw.active !== 'boolean') throw invalid('active must be true or false');
  for (const key of Object.keys(claims)) if (claims[key] === undefined) delete claims[key];
  return {
    username: raw.userName, password: raw.password as string | undefined, claims, roles,
    ...(typeof raw.active === 'boolean' ? { active: raw.active } : {}),
  };
}

/** Supports the filter clients actually send: userName eq "…" (RFC 7644 §3.4.2.2). */
export function parseUserFilter(filter: string | undefined): string | undefined {
  if (filter === undefined || filter.trim() === '') return undefined;
  const match = /^\s*userName\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i.exec(filter);
  if (!match) throw badRequest('unsupported filter: only userName eq "value" is supported', { scimType: 'invalidFilter' });
  return match[1]!.replace(/\\(.)/g, '$1');
}
