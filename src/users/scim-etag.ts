// Versions as HTTP entity tags (RFC 7644 §3.14): every user answer carries its version as a
// weak ETag; If-Match makes PUT, PATCH and DELETE conditional on it (412 when another write
// came first) and If-None-Match lets GET answer 304. Tags are compared weakly, as SCIM's
// own examples do (`If-Match: W/"3"`), so `"3"` and `W/"3"` name the same version.
import { badRequest, preconditionFailed } from '../errors.js';
import type { User } from './user.js';
import type { Precondition } from './user.service.js';

export const etagOf = (user: Pick<User, 'version'>): string => `W/"${user.version}"`;

const TAG = /^\s*(?:W\/)?"([^"]*)"\s*$/;

/** The opaque parts of an If-Match / If-None-Match list, `'*'`, or undefined when absent. */
function parseTags(header: string | undefined, name: string): Set<string> | '*' | undefined {
  if (header === undefined) return undefined;
  const malformed = () => badRequest(`${name} must be * or entity tags such as W/"3" (from meta.version or the ETag header)`, { scimType: 'invalidSyntax' });
  if (header.trim() === '*') return '*';
  const tags = new Set<string>();
  // HTTP lists may carry empty elements ("a, , b"; RFC 9110 §5.6.1): skipped.
  for (const part of header.split(',').filter((p) => p.trim() !== '')) {
    const match = TAG.exec(part);
    if (!match) throw malformed();
    tags.add(match[1]!);
  }
  if (!tags.size) throw malformed();
  return tags;
}

const matches = (tags: Set<string> | '*', user: User): boolean => tags === '*' || tags.has(String(user.version));

/** The precondition an If-Match header sets, if any. */
export function ifMatch(header: string | undefined): Precondition | undefined {
  const tags = parseTags(header, 'If-Match');
  if (tags === undefined) return undefined;
  return (current) => {
    if (!matches(tags, current)) {
      throw preconditionFailed(`the user is at version ${etagOf(current)}, not the one If-Match names: read it again and reapply the change`);
    }
  };
}

/** True when If-None-Match names the user's current version (GET answers 304). */
export function notModified(header: string | undefined, user: User): boolean {
  const tags = parseTags(header, 'If-None-Match');
  return tags !== undefined && matches(tags, user);
}
