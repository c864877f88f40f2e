// The If-Match / If-None-Match parser: what a client may send, and what is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etagOf, ifMatch, notModified } from '../../src/users/scim-etag.js';
import { AppError } from '../../src/errors.js';
import type { User } from '../../src/users/user.js';

const at = (version: number) => ({ version }) as User;
const passes = (header: string, version: number): boolean => {
  try {
    ifMatch(header)!(at(version));
    return true;
  } catch (err) {
    if (err instanceof AppError && err.status === 412) return false;
    throw err;
  }
};

test('the ETag is the weak form of the version', () => {
  assert.equal(etagOf(at(7)), 'W/"7"');
});

test('If-Match matches weakly, any tag of a list, and * always', () => {
  assert.equal(passes('W/"7"', 7), true);
  assert.equal(passes('"7"', 7), true);
  assert.equal(passes('W/"6"', 7), false);
  assert.equal(passes('W/"6", W/"7"', 7), true);
  assert.equal(passes('W/"6",W/"7"', 7), true);
  assert.equal(passes('W/"7", ', 7), true, 'an empty list element is skipped');
  assert.equal(passes('*', 7), true);
  assert.equal(passes('"x"', 7), false, 'a tag that is not ours never matches');
  assert.equal(ifMatch(undefined), undefined, 'no header, no condition');
});

test('a malformed If-Match or If-None-Match is a 400 invalidSyntax, never a match', () => {
  for (const header of ['7', 'W/7', '"7', 'W/', ',', '', '*, "7"', '"7"x']) {
    assert.throws(() => ifMatch(header), (err: unknown) => err instanceof AppError && err.status === 400 && err.details?.scimType === 'invalidSyntax', JSON.stringify(header));
  }
  assert.throws(() => notModified('7', at(7)), /If-None-Match must be/);
});

test('If-None-Match is true only for the current version (or *)', () => {
  assert.equal(notModified('W/"7"', at(7)), true);
  assert.equal(notModified('W/"6"', at(7)), false);
  assert.equal(notModified('*', at(7)), true);
  assert.equal(notModified(undefined, at(7)), false);
});
