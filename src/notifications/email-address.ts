// One mailbox, strictly: a value with a comma, angle brackets or a line break would let
// whoever controls it (a user's email claim, a tenant's fromAddress) add recipients or headers.
import { isIPv6 } from 'node:net';

const LOCAL = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const DOMAIN = /^(?=.{1,253}$)[\p{L}\p{N}]([\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?(\.[\p{L}\p{N}]([\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?)+$/u;

/**
 * `singleLabelDomain`: also a domain without a dot (no-reply@localhost, noreply@mailhost),
 * for the operator's own sender on an internal relay; users' and tenants' addresses need a
 * dot, as mail across the internet does.
 */
export function isMailbox(value: unknown, options: { singleLabelDomain?: boolean } = {}): value is string {
  if (typeof value !== 'string' || value.length > 254) return false;
  const at = value.lastIndexOf('@');
  if (at < 1) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  return local.length <= 64 && LOCAL.test(local) && (DOMAIN.test(domain) || (options.singleLabelDomain === true && SINGLE_LABEL.test(domain)));
}
const SINGLE_LABEL = /^[\p{L}\p{N}]([\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/;

/**
 * An SMTP server as a host name or IP address (IPv6 with or without brackets): no scheme,
 * no port (that has its own field). "127.0.0.1:2525" once passed as an IPv6 literal.
 */
export const isSmtpHost = (host: string): boolean => HOSTNAME.test(host) || isIPv6(host.replace(/^\[(.*)\]$/, '$1'));

/** Header text on one line: CR, LF and other control characters would start a new header. */
export const oneLine = (value: string): string => value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
