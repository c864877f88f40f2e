// Which SMTP host addresses a tenant's sender may use: public ones only, in every textual
// form an internal address can take (IPv4-mapped, NAT64, 6to4, zone ids, odd IPv4 forms).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSmtpHost, isInternalAddress } from '../../src/notifications/host-check.js';

const INTERNAL = [
  '127.0.0.1', '127.255.0.9', '0.0.0.0', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254',
  '100.64.0.1', '224.0.0.1', '255.255.255.255', '198.18.0.1',
  '::', '::1', 'fe80::1', 'fe80::1%eth0', 'FE80::abcd', 'fc00::1', 'fd12:3456::1', 'ff02::1', 'fec0::1',
  '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '::127.0.0.1',
  '64:ff9b::7f00:1', '64:ff9b::10.0.0.1', '2002:7f00:1::1', '2002:a9fe:a9fe::1', '64:ff9b:1::1',
  'not-an-address',
];
const PUBLIC = ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8', '64:ff9b::808:808', '2a00:1450:4001::1b'];

test('internal addresses are recognised in every form', () => {
  for (const address of INTERNAL) assert.equal(isInternalAddress(address), true, address);
});

test('public addresses are allowed', () => {
  for (const address of PUBLIC) assert.equal(isInternalAddress(address), false, address);
});

test('names and odd IPv4 spellings are judged by what they resolve to', async () => {
  for (const host of ['localhost', '127.1', '2130706433', '0x7f.0.0.1', '[::1]', '[::ffff:127.0.0.1]']) {
    const check = await checkSmtpHost(host, false, 2000);
    assert.equal(check.ok, false, host);
    assert.equal(check.ok ? '' : check.reason, 'host_not_allowed', host);
  }
  const allowed = await checkSmtpHost('127.0.0.1', true, 2000);
  assert.deepEqual(allowed, { ok: true, addresses: ['127.0.0.1'] });
});

test('a name that does not resolve is reported as such', async () => {
  const check = await checkSmtpHost('nothing-here.invalid', false, 2000);
  assert.equal(check.ok ? '' : check.reason, 'dns_failed');
});
