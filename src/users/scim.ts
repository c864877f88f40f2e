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

const optionalString = (value: unknown, name: string, max = 255): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > max) throw invalid(`${name} must be a string of at most ${max} characters`);
  return value;
};

export function fromScimUser(body: unknown): UserInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('the body must be a SCIM User JSON object');
  const raw = body as Record<string, unknown>;
  if (Array.isArray(raw.schemas) && !raw.schemas.includes(USER_SCHEMA)) throw invalid(`schemas must include ${USER_SCHEMA}`);
  if (typeof raw.userName !== 'string') throw invalid('userName is required');
  const claims: UserClaims = {};
  if (raw.name !== undefined) {
    if (typeof raw.name !== 'object' || raw.name === null) throw invalid('name must be an object');
    const name = raw.name as Record<string, unknown>;
    claims.given_name = optionalString(name.givenName, 'name.givenName');
    claims.family_name = optionalString(name.familyName, 'name.familyName');
    claims.name = optionalString(name.formatted, 'name.formatted');
  }
  if (raw.emails !== undefined) {
    if (!Array.isArray(raw.emails)) throw invalid('emails must be a list');
    const primary = (raw.emails.find((e) => (e as { primary?: unknown })?.primary === true) ?? raw.emails[0]) as Record<string, unknown> | undefined;
    const email = optionalString(primary?.value, 'emails[].value', 254);
    if (email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(email)) throw invalid(`"${email}" is not an email address`);
    claims.email = email;
  }
  claims.locale = optionalString(raw.locale, 'locale', 35);
  let roles: string[] = [];
  if (raw.roles !== undefined) {
    if (!Array.isArray(raw.roles)) throw invalid('roles must be a list of { value }');
    roles = raw.roles.map((r, i) => optionalString((r as { value?: unknown })?.value, `roles[${i}].value`, 64) ?? '').filter(Boolean);
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
