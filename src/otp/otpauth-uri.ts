// The otpauth:// URI an authenticator app scans (Google's Key URI Format).
import { base32Encode } from './base32.js';
import { checkDigits, checkPeriod, hmacName, type TotpParams } from './params.js';

export interface OtpauthUriInput extends TotpParams {
  /** Shown as the account's owner in the app; may be empty, then it is left out. */
  issuer: string;
  /** The user's name as the app lists it. */
  account: string;
  secret: Uint8Array;
}

/**
 * `otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=…&digits=…&period=…`.
 * Issuer and account go through encodeURIComponent (WSO2 leaves the issuer raw, so a space,
 * `&` or `:` in an organisation name breaks the URI); a literal `:` separates them. Every
 * parameter is written out because some apps ignore the spec's defaults.
 */
export function buildOtpauthUri(input: OtpauthUriInput): string {
  if (input.account === '') throw new RangeError('otpauth URI needs an account name');
  if (input.secret.length === 0) throw new RangeError('otpauth URI needs a non-empty secret');
  hmacName(input.algorithm);
  const issuer = encodeURIComponent(input.issuer);
  const account = encodeURIComponent(input.account);
  const label = issuer ? `${issuer}:${account}` : account;
  const query = [
    `secret=${base32Encode(input.secret)}`,
    ...(issuer ? [`issuer=${issuer}`] : []),
    `algorithm=${input.algorithm}`,
    `digits=${checkDigits(input.digits)}`,
    `period=${checkPeriod(input.period)}`,
  ];
  return `otpauth://totp/${label}?${query.join('&')}`;
}
