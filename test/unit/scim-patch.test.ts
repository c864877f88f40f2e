// SCIM PATCH on a User: the messages Entra ID and Okta really send, RFC 7644 §3.5.2 rules,
// and the scimType each refusal carries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../src/errors.js';
import { applyScimPatch, PATCH_OP_SCHEMA } from '../../src/users/scim-patch.js';
import { USER_SCHEMA } from '../../src/users/scim.js';

const META = { resourceType: 'User', created: '2024-01-01T00:00:00.000Z', lastModified: '2024-01-01T00:00:00.000Z', location: 'https://id.example/scim2/Users/u1', version: 'W/"1"' };

/** A user as toScimUser returns one. */
const ada = (extra: Record<string, unknown> = {}) => ({
  schemas: [USER_SCHEMA], id: 'u1', userName: 'ada',
  name: { givenName: 'Ada', familyName: 'Lovelace', formatted: 'Ada Lovelace' },
  emails: [{ value: 'ada@example.com', primary: true }],
  roles: [{ value: 'admin' }, { value: 'staff' }],
  active: true, meta: META, ...extra,
});
/** A user with only what is required. */
const bare = () => ({ schemas: [USER_SCHEMA], id: 'u2', userName: 'bob', roles: [], active: true, meta: META });

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP_SCHEMA], Operations });

function assertRefused(run: () => unknown, scimType: string, message?: RegExp) {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.status, 400);
    assert.equal(err.details?.scimType, scimType, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

test('Entra ID: Replace active "False" deactivates, and string "True" reactivates', () => {
  const off = applyScimPatch(ada(), patch({ op: 'Replace', path: 'active', value: 'False' }));
  assert.equal(off.active, false);
  assert.equal(applyScimPatch(off, patch({ op: 'Replace', path: 'active', value: 'True' })).active, true);
});

test('Entra ID: Add emails[type eq "work"].value to a user without emails creates the work email', () => {
  const result = applyScimPatch(bare(), patch({ op: 'Add', path: 'emails[type eq "work"].value', value: 'bob@example.com' }));
  assert.deepEqual(result.emails, [{ type: 'work', value: 'bob@example.com' }]);
});

test('Entra ID: Replace name.givenName changes only the given name', () => {
  const result = applyScimPatch(ada(), patch({ op: 'Replace', path: 'name.givenName', value: 'Augusta' }));
  assert.deepEqual(result.name, { givenName: 'Augusta', familyName: 'Lovelace', formatted: 'Ada Lovelace' });
});

test('Entra ID: Replace without a path accepts {"active": false} and dotted keys', () => {
  assert.equal(applyScimPatch(ada(), patch({ op: 'Replace', value: { active: false } })).active, false);
  const result = applyScimPatch(ada(), patch({ op: 'Replace', value: { 'name.givenName': 'Augusta', 'name.familyName': 'King', active: 'false' } }));
  assert.deepEqual(result.name, { givenName: 'Augusta', familyName: 'King', formatted: 'Ada Lovelace' });
  assert.equal(result.active, false);
});

test('Okta: replace without a path with active false, then with a name object that is merged', () => {
  assert.equal(applyScimPatch(ada(), patch({ op: 'replace', value: { active: false } })).active, false);
  const result = applyScimPatch(ada(), patch({ op: 'replace', value: { name: { familyName: 'King' }, locale: 'en-GB' } }));
  assert.deepEqual(result.name, { givenName: 'Ada', familyName: 'King', formatted: 'Ada Lovelace' });
  assert.equal(result.locale, 'en-GB');
});

test('op and attribute names are case-insensitive and come out in canonical casing', () => {
  const result = applyScimPatch(ada(), patch(
    { op: 'REPLACE', path: 'USERNAME', value: 'ada.l' },
    { op: 'add', path: 'Name.GIVENNAME', value: 'Augusta' },
    { op: 'Add', value: { Locale: 'fr', EMAILS: [{ Value: 'a@work.example', TYPE: 'work' }] } },
  ));
  assert.equal(result.userName, 'ada.l');
  assert.equal((result.name as Record<string, unknown>).givenName, 'Augusta');
  assert.equal(result.locale, 'fr');
  assert.deepEqual(result.emails, [{ value: 'ada@example.com', primary: true }, { value: 'a@work.example', type: 'work' }]);
  assert.ok(!('USERNAME' in result) && !('Locale' in result));
});

test('paths with the core User schema URN prefix are understood', () => {
  const result = applyScimPatch(ada(), patch(
    { op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:name.givenName', value: 'Augusta' },
    { op: 'replace', value: { 'urn:ietf:params:scim:schemas:core:2.0:User:active': false } },
  ));
  assert.equal((result.name as Record<string, unknown>).givenName, 'Augusta');
  assert.equal(result.active, false);
});

test('add appends roles and does not duplicate one already there; replace swaps the list', () => {
  const added = applyScimPatch(ada(), patch({ op: 'add', path: 'roles', value: [{ value: 'admin' }, { value: 'auditor' }] }));
  assert.deepEqual(added.roles, [{ value: 'admin' }, { value: 'staff' }, { value: 'auditor' }]);
  const replaced = applyScimPatch(ada(), patch({ op: 'replace', path: 'roles', value: [{ value: 'auditor' }] }));
  assert.deepEqual(replaced.roles, [{ value: 'auditor' }]);
});

test('remove roles[value eq "admin"] removes that role; no match is a no-op', () => {
  assert.deepEqual(applyScimPatch(ada(), patch({ op: 'remove', path: 'roles[value eq "admin"]' })).roles, [{ value: 'staff' }]);
  assert.deepEqual(applyScimPatch(ada(), patch({ op: 'remove', path: 'roles[value eq "nobody"]' })).roles, ada().roles);
});

test('remove of attributes: absent is a no-op, name sub-attributes are deleted; userName, active and password are refused, not ignored', () => {
  assert.deepEqual(applyScimPatch(bare(), patch({ op: 'remove', path: 'locale' }, { op: 'remove', path: 'emails' })), bare());
  const result = applyScimPatch(ada(), patch({ op: 'remove', path: 'name.formatted' }));
  assert.deepEqual(result.name, { givenName: 'Ada', familyName: 'Lovelace' });
  assertRefused(() => applyScimPatch(ada(), patch({ op: 'remove', path: 'userName' })), 'mutability');
  // Removed, they would read as "keep as is" and the PATCH would answer 200 having done nothing.
  assertRefused(() => applyScimPatch(ada(), patch({ op: 'Remove', path: 'active' })), 'invalidValue', /replace it with true or false/);
  assertRefused(() => applyScimPatch(ada(), patch({ op: 'remove', path: 'password' })), 'mutability', /replace it with a new one/);
});

test('a filter value that is not a valid quoted string is a 400 invalidPath, never a crash', () => {
  for (const value of ['"\\q"', '"\\u12"', '"a\tb"']) {
    assertRefused(() => applyScimPatch(ada(), patch({ op: 'remove', path: `roles[value eq ${value}]` })), 'invalidPath', /not a valid quoted string/);
  }
  // A valid escape still works.
  const quoted = applyScimPatch(ada({ roles: [{ value: 'a"b' }] }), patch({ op: 'remove', path: 'roles[value eq "a\\"b"]' }));
  assert.ok(!(quoted.roles as unknown[] | undefined)?.length, 'the role named with an escaped quote is removed');
});

test('custom extension schemas are ignored like the enterprise one; emails are removed by value without case; a whole email needs its value', () => {
  const ignored = applyScimPatch(ada(), patch({ op: 'add', path: 'urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge', value: '42' }));
  assert.deepEqual(ignored, ada());
  const removed = applyScimPatch(ada(), patch({ op: 'remove', path: 'emails', value: [{ value: 'ADA@Example.com' }] }));
  assert.ok(!(removed.emails as unknown[] | undefined)?.length, 'the address is gone');
  assertRefused(() => applyScimPatch(ada(), patch({ op: 'add', path: 'emails', value: [{ type: 'work', primary: true }] })), 'invalidValue', /needs a "value"/);
});

test('remove without a path is refused with noTarget', () => {
  assertRefused(() => applyScimPatch(ada(), patch({ op: 'remove' })), 'noTarget', /path/);
});

test('replace with a filter that matches nothing is refused with noTarget', () => {
  assertRefused(
    () => applyScimPatch(ada(), patch({ op: 'replace', path: 'emails[type eq "home"].value', value: 'x@example.com' })),
    'noTarget', /emails/,
  );
});

test('replace with a filter changes the matching element only', () => {
  const user = ada({ emails: [{ value: 'a@work.example', type: 'work', primary: true }, { value: 'a@home.example', type: 'home' }] });
  const result = applyScimPatch(user, patch({ op: 'replace', path: 'emails[type eq "work"].value', value: 'ada@new.example' }));
  assert.deepEqual(result.emails, [{ value: 'ada@new.example', type: 'work', primary: true }, { value: 'a@home.example', type: 'home' }]);
});

test('paths Gatehouse does not support are refused with invalidPath', () => {
  for (const path of ['shoeSize', 'urn:example:extension:User:shoeSize', 'name.nickname', 'emails.value', 'locale[value eq "x"]', 'emails[type sw "w"]', 'emails[display eq "x"]']) {
    assertRefused(() => applyScimPatch(ada(), patch({ op: 'replace', path, value: 'x' })), 'invalidPath', new RegExp('not'));
  }
  assertRefused(() => applyScimPatch(ada(), patch({ op: 'add', value: { shoeSize: 44 } })), 'invalidPath', /shoeSize/);
});

test('RFC 7643 attributes Gatehouse does not keep are accepted and ignored, as a PUT ignores them (Entra ID\'s default mappings)', () => {
  const user = ada();
  const result = applyScimPatch(user, patch(
    { op: 'Replace', path: 'displayName', value: 'Ada L.' },
    { op: 'Add', path: 'externalId', value: 'e-123' },
    { op: 'Replace', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', value: 'Engines' },
    { op: 'Replace', path: 'name.middleName', value: 'King' },
    { op: 'replace', value: { title: 'Countess', name: { givenName: 'Augusta', honorificPrefix: 'Lady' } } },
    { op: 'remove', path: 'phoneNumbers[type eq "work"]' },
  ));
  assert.deepEqual(result, { ...user, name: { ...(user.name as object), givenName: 'Augusta' } }, 'only the given name changed');
});

test('id, meta, meta.* and schemas are refused with mutability', () => {
  for (const path of ['id', 'meta', 'meta.lastModified', 'schemas', 'urn:ietf:params:scim:schemas:core:2.0:User:id']) {
    assertRefused(() => applyScimPatch(ada(), patch({ op: 'replace', path, value: 'x' })), 'mutability', /read-only/);
  }
  assertRefused(() => applyScimPatch(ada(), patch({ op: 'replace', value: { id: 'other' } })), 'mutability');
  // Echoing the unchanged id (clients that send back the whole resource) is not a change.
  assert.equal(applyScimPatch(ada(), patch({ op: 'replace', value: { id: 'u1', active: false } })).active, false);
});

test('a body that is not a PatchOp message is refused with invalidSyntax', () => {
  const bodies = [
    null, [], 'patch',
    { Operations: [{ op: 'remove', path: 'locale' }] },
    { schemas: [USER_SCHEMA], Operations: [{ op: 'remove', path: 'locale' }] },
    { schemas: [PATCH_OP_SCHEMA], Operations: [] },
    { schemas: [PATCH_OP_SCHEMA] },
    patch(...Array.from({ length: 101 }, () => ({ op: 'remove', path: 'locale' }))),
    patch({ op: 'merge', path: 'locale', value: 'fr' }),
    patch({ op: 'add', path: 'locale' }),
  ];
  for (const body of bodies) assertRefused(() => applyScimPatch(ada(), body), 'invalidSyntax');
});

test('an active value that is not a boolean or "true"/"false" is refused with invalidValue', () => {
  for (const value of ['yes', 0, null, 'Falsee']) {
    assertRefused(() => applyScimPatch(ada(), patch({ op: 'replace', path: 'active', value })), 'invalidValue', /active/);
  }
});

test('a password can be set through the path "password" or a value object', () => {
  assert.equal(applyScimPatch(ada(), patch({ op: 'replace', path: 'password', value: 'correct horse' })).password, 'correct horse');
  assert.equal(applyScimPatch(ada(), patch({ op: 'Replace', value: { Password: 'battery staple' } })).password, 'battery staple');
});

test('setting an email primary takes primary away from the others', () => {
  const user = ada({ emails: [{ value: 'a@work.example', type: 'work', primary: true }, { value: 'a@home.example', type: 'home' }] });
  const viaFilter = applyScimPatch(user, patch({ op: 'replace', path: 'emails[type eq "home"].primary', value: 'True' }));
  assert.deepEqual(viaFilter.emails, [{ value: 'a@work.example', type: 'work' }, { value: 'a@home.example', type: 'home', primary: true }]);
  const viaAdd = applyScimPatch(user, patch({ op: 'add', path: 'emails', value: { value: 'new@example.com', primary: true } }));
  assert.deepEqual((viaAdd.emails as { primary?: boolean }[]).map((e) => e.primary === true), [false, false, true]);
});

test('the input resource is not changed', () => {
  const user = ada();
  const before = structuredClone(user);
  applyScimPatch(user, patch(
    { op: 'replace', path: 'name.givenName', value: 'Augusta' },
    { op: 'add', path: 'roles', value: [{ value: 'auditor' }] },
    { op: 'remove', path: 'roles[value eq "admin"]' },
    { op: 'replace', path: 'emails[primary eq true].value', value: 'x@example.com' },
    { op: 'replace', path: 'active', value: 'False' },
  ));
  assert.deepEqual(user, before);
});

test('the error names the operation that failed', () => {
  assertRefused(
    () => applyScimPatch(ada(), patch({ op: 'replace', path: 'active', value: false }, { op: 'replace', path: 'shoeSize', value: 'A' })),
    'invalidPath', /^operation 2: "shoeSize"/,
  );
});
