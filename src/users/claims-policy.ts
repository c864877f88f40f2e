// What a user's profile claims may hold, on every way in (SCIM, the tenant owner, the CLI):
// a stored value that breaks these would make every later SCIM PATCH of the user fail,
// since a PATCH checks the whole resulting user as a PUT body.
import type { UserClaims } from './user.js';
import { shown } from '../errors.js';

export const EMAIL_ADDRESS = /^[^\s@]+@[^\s@]+$/;

/** The longest value each string claim may hold (an email address: RFC 5321's 254). */
export const CLAIM_MAX_LENGTH = { email: 254, given_name: 255, family_name: 255, name: 255, locale: 35 } as const;

// Each claim as SCIM names it too: most writes come through SCIM.
const SCIM_NAME: Record<keyof typeof CLAIM_MAX_LENGTH, string> = {
  email: 'emails[].value', given_name: 'name.givenName', family_name: 'name.familyName', name: 'name.formatted', locale: 'locale',
};

/** Why these claims cannot be stored, or undefined. */
export function claimsProblem(claims: UserClaims): string | undefined {
  for (const [claim, max] of Object.entries(CLAIM_MAX_LENGTH) as Array<[keyof typeof CLAIM_MAX_LENGTH, number]>) {
    const value = claims[claim];
    if (value === undefined) continue;
    const label = claim === SCIM_NAME[claim] ? claim : `${claim} (SCIM ${SCIM_NAME[claim]})`;
    if (typeof value !== 'string' || value.length > max) return `${label} must be a string of at most ${max} characters`;
  }
  if (claims.email !== undefined && !EMAIL_ADDRESS.test(claims.email)) return `${shown(claims.email)} is not an email address (email, SCIM emails[].value)`;
  return undefined;
}
