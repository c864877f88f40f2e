// gatehouse keys remove <kid>: withdraws a retired signing key (one that leaked, say) from
// the tenant's JWKS, so tokens it signed stop verifying. The active key cannot be removed:
// rotate first, which retires it.
import { removeSigningKey, KEY_CHECK_SECONDS } from '../tenants/signing-keys.js';
import { requireTenant } from '../tenants/tenant.service.js';
import { DEFAULT_TENANT } from '../tenants/tenant.js';
import { TENANT_HELP, TENANT_OPTION, type Command } from './command.js';
import { UsageError } from './output.js';
import { conflict, notFound } from '../errors.js';

export const keysRemove: Command = {
  words: 'keys remove',
  positionals: ['<kid>'],
  summary: 'Withdraw a retired signing key from the JWKS (tokens it signed stop verifying).',
  optionHelp: [TENANT_HELP],
  options: { ...TENANT_OPTION },
  check(_values, positionals) {
    if (positionals.length !== 1) throw new UsageError('keys remove takes one argument, the kid of a retired key (the "kid" in the JWKS)');
  },
  async run(ctx, values, positionals, out) {
    const tenant = await requireTenant(ctx.deps, (values.tenant as string | undefined) ?? DEFAULT_TENANT);
    const kid = positionals[0]!;
    switch (await removeSigningKey(ctx.deps.store.db, tenant.id, kid)) {
      case 'removed':
        out.print(`Signing key ${kid} is removed from tenant ${tenant.domain}.`);
        out.print(`  Running servers stop publishing it within ${KEY_CHECK_SECONDS} seconds; applications that cached the JWKS keep it until they fetch it again.`);
        return;
      case 'active':
        throw conflict(`${kid} is the active signing key of tenant ${tenant.domain}: run "gatehouse keys rotate" first, which retires it, then remove it`);
      case 'unknown':
        throw notFound(`tenant ${tenant.domain} has no signing key ${kid}`);
    }
  },
};
