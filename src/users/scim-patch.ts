// SCIM 2.0 PATCH (RFC 7644 §3.5.2) on the User resource as GET shows it, written for what
// identity providers really send: Entra ID's capitalised ops, string booleans and dotted keys,
// Okta's path-less value objects. The caller validates the result like a PUT body.
import { isDeepStrictEqual } from 'node:util';
import { AppError, badRequest, shown } from '../errors.js';
import { USER_SCHEMA, canonical } from './scim.js';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

type Json = Record<string, unknown>;
type Op = 'add' | 'replace' | 'remove';
type Clause = { attr: string; value: string | boolean };
type Target = { attr: string; sub?: string; filter?: Clause[]; text: string; ignored?: true };

const MAX_OPERATIONS = 100;
const ATTRIBUTES = ['userName', 'name', 'emails', 'locale', 'roles', 'active', 'password'];
const SUB_ATTRIBUTES: Record<string, string[]> = {
  name: ['givenName', 'familyName', 'formatted'],
  emails: ['value', 'type', 'primary'],
  // RFC 7643 §4.1.2 gives roles these sub-attributes; Entra ID sends type and primary with them.
  roles: ['value', 'display', 'type', 'primary'],
};
const MULTI_VALUED = new Set(['emails', 'roles']);
// RFC 7643 User attributes Gatehouse does not keep, and the enterprise extension. A POST or
// PUT that carries them succeeds without them, so a PATCH of them does too: Entra ID's
// default mappings send displayName, externalId, title or department with every change,
// and refusing them would stop its provisioning. Anything else is an unknown path.
const NOT_KEPT = new Set(['displayname', 'nickname', 'profileurl', 'title', 'usertype', 'preferredlanguage', 'timezone',
  'externalid', 'phonenumbers', 'ims', 'photos', 'addresses', 'groups', 'entitlements', 'x509certificates']);
const NAME_NOT_KEPT = new Set(['middlename', 'honorificprefix', 'honorificsuffix']);
// The enterprise extension and the custom ones Entra ID's attribute mappings name in the
// same namespace (urn:ietf:params:scim:schemas:extension:<name>:2.0:User:…), as a PUT
// ignores them; a URN outside it stays an unknown path.
const isExtension = (lowerPath: string): boolean => lowerPath.startsWith('urn:ietf:params:scim:schemas:extension:');
const READ_ONLY = new Set(['id', 'meta', 'schemas']);
const CORE_PREFIX = `${USER_SCHEMA}:`.toLowerCase();
const CLAUSE = String.raw`(\w+)\s+eq\s+("(?:[^"\\]|\\.)*"|true|false)`;

const fail = (scimType: string) => (message: string) => badRequest(message, { scimType });
const invalidSyntax = fail('invalidSyntax');
const invalidPath = fail('invalidPath');
const invalidValue = fail('invalidValue');
const noTarget = fail('noTarget');
const mutability = fail('mutability');

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const stripCorePrefix = (path: string) => (path.toLowerCase().startsWith(CORE_PREFIX) ? path.slice(CORE_PREFIX.length) : path);

/** Applies a PatchOp message to a User resource as GET returns it; returns a new object (the input is not changed). */
export function applyScimPatch(resource: Record<string, unknown>, body: unknown): Record<string, unknown> {
  const operations = readOperations(body);
  const result = structuredClone(resource);
  operations.forEach((operation, index) => {
    try {
      applyOperation(result, operation);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      throw new AppError(err.code, err.status, `operation ${index + 1}: ${err.message}`, err.details);
    }
  });
  return result;
}

function readOperations(body: unknown): unknown[] {
  if (!isObject(body)) throw invalidSyntax('the body must be a SCIM PatchOp JSON object');
  const schemas = body.schemas;
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())) {
    throw invalidSyntax(`schemas must include ${PATCH_OP_SCHEMA}`);
  }
  const key = Object.keys(body).find((k) => k.toLowerCase() === 'operations');
  const operations = key === undefined ? undefined : body[key];
  if (!Array.isArray(operations) || operations.length === 0) throw invalidSyntax('Operations must be a list of at least one operation');
  if (operations.length > MAX_OPERATIONS) throw invalidSyntax(`a PATCH may carry at most ${MAX_OPERATIONS} operations`);
  return operations;
}

function applyOperation(resource: Json, operation: unknown) {
  if (!isObject(operation)) throw invalidSyntax('each operation must be an object with op, path and value');
  const op = typeof operation.op === 'string' ? operation.op.toLowerCase() : '';
  if (op !== 'add' && op !== 'replace' && op !== 'remove') {
    throw invalidSyntax(`${shown(operation.op ?? null)} is not a PATCH op: use add, replace or remove`);
  }
  const { path, value } = operation;
  if (path !== undefined && typeof path !== 'string') throw invalidPath('path must be a string');
  if (op !== 'remove' && value === undefined) throw invalidSyntax(`${op} needs a value`);
  if (path !== undefined) return applyAt(resource, op, parsePath(path), value);
  if (op === 'remove') throw noTarget('remove needs a path naming what to remove');
  if (!isObject(value)) throw invalidValue(`${op} without a path needs a value object of attributes, such as {"active": false}`);
  for (const [key, item] of Object.entries(value)) {
    // Clients that echo the whole resource send id, meta and schemas unchanged: not a modification.
    const bare = stripCorePrefix(key);
    if (READ_ONLY.has(bare.toLowerCase()) && isDeepStrictEqual(item, resource[bare.toLowerCase()])) continue;
    applyAt(resource, op, parsePath(key), item);
  }
}

/** PATH = attrPath / valuePath [subAttr] (RFC 7644 §3.5.2), limited to the User attributes we keep. */
function parsePath(text: string): Target {
  const path = stripCorePrefix(text.trim());
  const base = path.split(/[.[]/)[0] ?? '';
  if (READ_ONLY.has(base.toLowerCase())) throw mutability(`"${text}" is read-only and cannot be changed`);
  const lower = path.toLowerCase();
  if (NOT_KEPT.has(base.toLowerCase()) || isExtension(lower) || NAME_NOT_KEPT.has(lower.replace(/^name\./, '')) && lower.startsWith('name.')) {
    return { attr: base, text, ignored: true };
  }
  const match = /^(\w+)(?:\[(.*)\])?(?:\.(\w+))?$/s.exec(path);
  const attr = match && canonical(ATTRIBUTES, match[1]!);
  if (!match || !attr) throw invalidPath(`"${text}" is not a User attribute Gatehouse supports`);
  const [, , filterText, subText] = match;
  const subs = SUB_ATTRIBUTES[attr] ?? [];
  const sub = subText === undefined ? undefined : canonical(subs, subText);
  const multi = MULTI_VALUED.has(attr);
  if ((subText !== undefined && (!sub || (multi && filterText === undefined))) || (filterText !== undefined && !multi)) {
    throw invalidPath(`"${text}" is not a User attribute path Gatehouse supports`);
  }
  return { attr, text, ...(sub ? { sub } : {}), ...(filterText !== undefined ? { filter: parseFilter(filterText, subs, text) } : {}) };
}

/** Value filters as clients send them: `type eq "work"`, optionally joined with `and`. */
function parseFilter(text: string, subs: readonly string[], path: string): Clause[] {
  if (!new RegExp(`^\\s*${CLAUSE}(\\s+and\\s+${CLAUSE})*\\s*$`, 'is').test(text)) {
    throw invalidPath(`the filter in "${path}" is not supported: use attribute eq "value", optionally joined with and`);
  }
  return [...text.matchAll(new RegExp(CLAUSE, 'gi'))].map(([, rawAttr, rawValue]) => {
    const attr = canonical(subs, rawAttr!);
    if (!attr) throw invalidPath(`"${rawAttr}" in "${path}" is not a sub-attribute that can be filtered on`);
    return { attr, value: rawValue!.startsWith('"') ? quoted(rawValue!, path) : rawValue!.toLowerCase() === 'true' };
  });
}

/** A filter's "…" value: JSON string syntax, as SCIM's ABNF uses (a bad escape is the client's error). */
function quoted(raw: string, path: string): string {
  try {
    return JSON.parse(raw) as string;
  } catch {
    throw invalidPath(`the value ${raw} in "${path}" is not a valid quoted string (JSON string syntax: \\" and \\\\ escaped, no raw control characters)`);
  }
}

function applyAt(resource: Json, op: Op, target: Target, value: unknown) {
  if (target.ignored) return;
  const { attr, sub } = target;
  if (op === 'remove') return remove(resource, target, value);
  if (MULTI_VALUED.has(attr)) return target.filter ? setMatching(resource, op, target, value) : setList(resource, op, attr, value);
  if (attr === 'name') return sub ? setName(resource, { [sub]: value }) : setName(resource, value);
  setOrUnset(resource, attr, attr === 'active' && value !== undefined ? toBoolean(value, 'active') : value);
}

// RFC 7644 §3.5.2.1 and §3.5.2.3: for a complex attribute, the sub-attributes given replace
// or add, and those not given are left unchanged. So add and replace of name both merge.
function setName(resource: Json, value: unknown) {
  if (value === null) return void delete resource.name;
  if (!isObject(value)) throw invalidValue('name must be an object such as {"givenName": "Ada"}');
  const name = isObject(resource.name) ? resource.name : {};
  for (const [key, item] of Object.entries(value)) {
    if (NAME_NOT_KEPT.has(key.toLowerCase())) continue;
    const sub = canonical(SUB_ATTRIBUTES.name!, key);
    if (!sub) throw invalidPath(`"name.${key}" is not a User attribute Gatehouse supports`);
    setOrUnset(name, sub, item);
  }
  if (Object.keys(name).length > 0) resource.name = name;
  else delete resource.name;
}

// add appends (an element with a value already present is merged into it, not duplicated);
// replace swaps the whole list (RFC 7644 §3.5.2.3, no filter).
function setList(resource: Json, op: Op, attr: string, value: unknown) {
  if (value === null && op === 'replace') return void delete resource[attr];
  const incoming = (Array.isArray(value) ? value : [value]).map((item) => element(attr, item));
  // A whole element without its value (e.g. {"type": "work", "primary": true}) would become
  // the primary one and take the stored address with it.
  if (incoming.some((item) => item.value === undefined || item.value === null || item.value === '')) {
    throw invalidValue(`each element of ${attr} needs a "value"`);
  }
  const list = op === 'replace' ? [] : listOf(resource, attr);
  const touched = incoming.map((item) => {
    const same = list.find((existing) => existing.value !== undefined && existing.value === item.value);
    if (same) return Object.assign(same, item);
    list.push(item);
    return item;
  });
  storeList(resource, attr, list, touched);
}

function setMatching(resource: Json, op: Op, { attr, sub, filter, text }: Target, value: unknown) {
  const list = listOf(resource, attr);
  const hits = list.filter((item) => matches(item, filter!));
  if (hits.length === 0) {
    // RFC 7644 §3.5.2.3 requires noTarget for replace. For add the RFC is silent, and Entra ID
    // sends add emails[type eq "work"].value to a user without emails, expecting the element to
    // be created from the filter's equalities plus the value.
    if (op === 'replace') throw noTarget(`no value of ${attr} matches "${text}"`);
    const created: Json = Object.fromEntries(filter!.map((clause) => [clause.attr, clause.value]));
    list.push(created);
    hits.push(created);
  }
  for (const hit of hits) {
    if (sub) setOrUnset(hit, sub, sub === 'primary' && value !== null ? toBoolean(value, `${attr}.primary`) : value);
    else if (op === 'replace') Object.assign(clear(hit), element(attr, value));
    else Object.assign(hit, element(attr, value));
  }
  storeList(resource, attr, list, hits);
}

function remove(resource: Json, { attr, sub, filter }: Target, value: unknown) {
  if (attr === 'userName') throw mutability('userName is required and cannot be removed');
  // Removing them would mean "keep as is" to the PUT rules the result is checked by: a
  // silent no-op, so it is refused with what to do instead.
  if (attr === 'active') throw invalidValue('active cannot be removed: replace it with true or false');
  if (attr === 'password') throw mutability('password cannot be removed: replace it with a new one');
  if (attr === 'name' && sub) return setName(resource, isObject(resource.name) ? { [sub]: null } : null);
  if (!MULTI_VALUED.has(attr)) return void delete resource[attr];
  let list = listOf(resource, attr);
  if (filter && sub) for (const hit of list.filter((item) => matches(item, filter))) delete hit[sub];
  else if (filter) list = list.filter((item) => !matches(item, filter));
  // Entra ID removes single members with a value list instead of a filter; we accept both.
  else if (value !== undefined && value !== null) {
    // Addresses compare without case (RFC 7643 §4.1.2: emails' value is not caseExact); roles as typed.
    const key = (v: unknown) => (attr === 'emails' && typeof v === 'string' ? v.toLowerCase() : v);
    const gone = (Array.isArray(value) ? value : [value]).map((item) => key(element(attr, item).value));
    list = list.filter((item) => !gone.includes(key(item.value)));
  } else list = [];
  storeList(resource, attr, list, []);
}

/** One element of emails or roles, with canonical sub-attribute names and primary as a boolean. */
function element(attr: string, value: unknown): Json {
  if (!isObject(value)) throw invalidValue(`each value of ${attr} must be an object such as {"value": "…"}`);
  const result: Json = {};
  for (const [key, item] of Object.entries(value)) {
    const sub = canonical(SUB_ATTRIBUTES[attr]!, key);
    if (!sub) throw invalidPath(`"${attr}.${key}" is not a User attribute Gatehouse supports`);
    result[sub] = sub === 'primary' && item !== null ? toBoolean(item, `${attr}.primary`) : item;
  }
  return result;
}

const listOf = (resource: Json, attr: string): Json[] => (Array.isArray(resource[attr]) ? (resource[attr] as unknown[]).filter(isObject) : []);

/** Stores the list (an empty list is unassigned, RFC 7644 §3.5.2.2) keeping at most one primary (RFC 7643 §2.4). */
function storeList(resource: Json, attr: string, list: Json[], touched: Json[]) {
  const primary = [...touched].reverse().find((item) => item.primary === true);
  if (primary) for (const item of list) if (item !== primary && item.primary === true) delete item.primary;
  if (list.length > 0) resource[attr] = list;
  else delete resource[attr];
}

const matches = (item: Json, filter: Clause[]) => filter.every(({ attr, value }) => {
  const actual = item[attr];
  return typeof value === 'string' ? typeof actual === 'string' && actual.toLowerCase() === value.toLowerCase() : actual === value;
});

// JSON null means unassigned (RFC 7643 §2.5), so setting null removes the attribute.
function setOrUnset(target: Json, key: string, value: unknown) {
  if (value === null) delete target[key];
  else target[key] = value;
}

function clear(target: Json): Json {
  for (const key of Object.keys(target)) delete target[key];
  return target;
}

/** Entra ID sends booleans as the strings "True" and "False". */
function toBoolean(value: unknown, name: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw invalidValue(`${name} must be true or false, not ${shown(value)}`);
}
