// gatehouse keys rotate: a new active signing key for a tenant; older keys stay published
// in the JWKS so tokens they signed still verify. Two runs at once leave one active key.
import { createSigningKey, KEY_CHECK_SECONDS } from '../tenants/signing-keys.js';
import { requireTenant } from '../tenants/tenant.service.js';
import { DEFAULT_TENANT } from '../tenants/tenant.js';
import { epochSeconds } from '../clock.js';
import { TENANT_HELP, TENANT_OPTION, type Command } from './command.js';
import { UsageError } from './output.js';

export const keysRotate: Command = {
  words: 'keys rotate',
  positionals: [],
  summary: 'Create a new active signing key for a tenant (running servers switch to it within seconds).',
  optionHelp: [TENANT_HELP],
  options: { ...TENANT_OPTION },
  check(_values, positionals) {
    if (positionals.length) throw new UsageError(`keys rotate takes no arguments, got "${positionals[0]}"`);
  },
  async run(ctx, values, _positionals, out) {
    const tenant = await requireTenant(ctx.deps, (values.tenant as string | undefined) ?? DEFAULT_TENANT);
    const kid = await createSigningKey(ctx.deps, tenant.id, epochSeconds(ctx.deps.clock));
    out.print(`New signing key ${kid} is now the active key of tenant ${tenant.domain}.`);
    out.print('  Earlier keys stay published in the JWKS, so tokens they signed still verify.');
    out.print(`  Running servers sign with it within ${KEY_CHECK_SECONDS} seconds; no restart is needed.`);
  },
};
