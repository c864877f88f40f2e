// The provider's storage adapter on both stores: tenant id in every key, expiry, consume,
// grant revocation, and the periodic purge.
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { adapterFactory, purgeExpired } from '../../src/oidc/adapter.js';
import type { Clock } from '../../src/clock.js';

for (const dialect of DIALECTS) {
  describe(`oidc adapter on ${dialect}`, () => {
    let server: TestServer;
    let now = Date.parse('2026-11-27T12:00:00Z');
    const clock: Clock = { now: () => new Date(now) };
    before(async () => { server = await startServer({ dialect }); });
    after(() => server.close());

    const adapterFor = (tenantId: string, kind: string) => {
      const Adapter = adapterFactory({ db: server.deps.store.db, clock, tenantId, findClient: async () => undefined });
      return new Adapter(kind);
    };

    test('keeps each tenant\'s artifacts apart even with the same id', async () => {
      const a = adapterFor('tenant-a', 'AccessToken');
      const b = adapterFor('tenant-b', 'AccessToken');
      await a.upsert('same-id', { accountId: 'alice-a', grantId: 'g1' }, 60);
      assert.equal(await b.find('same-id'), undefined);
      await b.upsert('same-id', { accountId: 'alice-b', grantId: 'g1' }, 60);
      assert.equal((await a.find('same-id'))?.accountId, 'alice-a');
      assert.equal((await b.find('same-id'))?.accountId, 'alice-b');
      await a.revokeByGrantId('g1');
      assert.equal(await a.find('same-id'), undefined, 'revoked in tenant a');
      assert.equal((await b.find('same-id'))?.accountId, 'alice-b', 'tenant b untouched by a\'s revocation');
    });

    test('finds by uid and user code, marks consumed, destroys', async () => {
      const sessions = adapterFor('tenant-a', 'Session');
      await sessions.upsert('s1', { uid: 'uid-1', accountId: 'alice' }, 60);
      assert.equal((await sessions.findByUid('uid-1'))?.accountId, 'alice');
      const codes = adapterFor('tenant-a', 'AuthorizationCode');
      await codes.upsert('c1', { grantId: 'g2' }, 60);
      assert.equal((await codes.find('c1'))?.consumed, undefined);
      await codes.consume('c1');
      assert.ok((await codes.find('c1'))?.consumed, 'a consumed code says so, so reuse is detected');
      const devices = adapterFor('tenant-a', 'DeviceCode');
      await devices.upsert('d1', { userCode: 'ABCD-EFGH' }, 60);
      assert.ok(await devices.findByUserCode('ABCD-EFGH'));
      await sessions.destroy('s1');
      assert.equal(await sessions.find('s1'), undefined);
    });

    test('expired artifacts are not returned and are purged', async () => {
      const tokens = adapterFor('tenant-a', 'RefreshToken');
      await tokens.upsert('r1', { accountId: 'alice' }, 30);
      await tokens.upsert('r2', { accountId: 'alice' }, 3600);
      now += 31_000;
      assert.equal(await tokens.find('r1'), undefined, 'expired token is invisible at once');
      assert.ok(await tokens.find('r2'));
      const purged = await purgeExpired(server.deps.store.db, clock);
      assert.ok(purged >= 1);
      const left = await server.deps.store.db.selectFrom('oidc_model').select('id').where('tenant_id', '=', 'tenant-a').where('kind', '=', 'RefreshToken').execute();
      assert.deepEqual(left.map((r) => r.id), ['r2']);
    });
  });
}
