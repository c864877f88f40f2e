// What a user's profile claims may hold, on every way in (SCIM, the tenant owner, the CLI):
// a stored value that breaks these would make every later SCIM PATCH of the user fail,
// since a PATCH checks the whole resulting user as a PUT body.
import type { UserClaims } from './user.js';

export const EMAIL_ADDRESS = /^[^\s@]+@[^\s@]+$/;

/** The longest value each string claim may hold (an email address: RFC 5321's 254). */
export const CLAIM_MAX_LENGTH = { email: 254, given_name: 255, family_name: 255, name: 255, locale: 35 } as const;

/** Why these claims cannot be stored, or undefined. */
export function claimsProblem(claims: UserClaims): string | undefined {
  for (const [claim, max] of Object.entries(CLAIM_MAX_LENGTH)) {
    const value = claims[claim];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length > max) return `${claim} must be a string of at most ${max} characters`;
  }
  if (claims.email !== undefined && !EMAIL_ADDRESS.test(claims.email)) return 'email must be an email address such as name@example.com';
  return undefined;
}
