// Tenant settings read on the sign-in path are cached for a few seconds
// (tenants/tenant-setting.cache.ts): a change through this node applies to the next
// request, another node's change within the cache's lifetime, and an update never starts
// from a copy another node has since changed.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DIALECTS, type TestServer } from '../helpers/test-server.js';
import { totpParameters, updateTotpParameters } from '../../src/authn/authenticators/totp/parameters.js';
import { writeTenantSetting } from '../../src/tenants/tenant-setting.repository.js';
import { TENANT_SETTING_TTL_MS } from '../../src/tenants/tenant-setting.cache.js';

const SETTING = 'authenticator.totp.parameters';

for (const dialect of DIALECTS) {
  describe(`tenant setting cache on ${dialect}`, () => {
    let server: TestServer;
    before(async () => { server = await startServer({ dialect }); });
    after(() => server.close());

    test('a change through this node applies at once; one written by another node within the cache lifetime', async () => {
      const tenantId = server.tenant.id;
      assert.equal((await totpParameters(server.deps, tenantId)).windowSize, 3, 'server default, now cached');
      await updateTotpParameters(server.deps, tenantId, { windowSize: 5 });
      assert.equal((await totpParameters(server.deps, tenantId)).windowSize, 5, 'this node\'s change, at once');
      // Another node shares the database: its write does not go through this node's services.
      await writeTenantSetting(server.deps.store.db, tenantId, SETTING, { windowSize: 1 }, 0);
      await new Promise((resolve) => setTimeout(resolve, TENANT_SETTING_TTL_MS + 100));
      assert.equal((await totpParameters(server.deps, tenantId)).windowSize, 1, 'the other node\'s change, after the cache lifetime');
      await updateTotpParameters(server.deps, tenantId, { windowSize: null });
    });

    test('an update keeps what another node saved a moment ago, even while this node still holds the old copy', async () => {
      const tenantId = server.tenant.id;
      await updateTotpParameters(server.deps, tenantId, { timeStepSize: 60 });
      assert.equal((await totpParameters(server.deps, tenantId)).timeStepSize, 60, 'cached here');
      await writeTenantSetting(server.deps.store.db, tenantId, SETTING, { timeStepSize: 60, digits: 8 }, 0);
      const after = await updateTotpParameters(server.deps, tenantId, { windowSize: 5 });
      assert.deepEqual({ timeStepSize: after.timeStepSize, digits: after.digits, windowSize: after.windowSize }, { timeStepSize: 60, digits: 8, windowSize: 5 });
      assert.equal((await totpParameters(server.deps, tenantId)).digits, 8, 'and the next read sees the merged value');
      await updateTotpParameters(server.deps, tenantId, { timeStepSize: null, digits: null, windowSize: null });
    });
  });
}
