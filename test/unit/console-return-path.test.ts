// "Sign in again" in the console returns to the page the session ended on: the path below
// the app's base, also for tenants whose name starts with the app's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathBelow } from '../../console/src/auth/return-path.js';

test('the path below the app base, with its query', () => {
  assert.equal(pathBelow('/console', '/console/audit-log', '?type=login_failed'), '/audit-log?type=login_failed');
  assert.equal(pathBelow('/t/acme.com/console', '/t/acme.com/console/users/42'), '/users/42');
  assert.equal(pathBelow('/console', '/console'), '/');
});

test('a tenant named like the app keeps its whole path', () => {
  assert.equal(pathBelow('/t/console.io/console', '/t/console.io/console/audit-log'), '/audit-log');
  assert.equal(pathBelow('/t/myaccount.example/myaccount', '/t/myaccount.example/myaccount/sessions'), '/sessions');
});

test('a page outside the base, or one that only starts with its letters, goes to the app home', () => {
  assert.equal(pathBelow('/console', '/consoles/x'), '/');
  assert.equal(pathBelow('/console', '/elsewhere'), '/');
});
