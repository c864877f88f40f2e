// gatehouse user disable | enable: SCIM's `active` by username, through the same service
// as the admin API, so disabling here signs the user out everywhere too.
import { adminSetActive } from '../authn/user-admin.service.js';
import { TENANT_HELP, TENANT_OPTION, type Command } from './command.js';
import { cliActor, oneUsername, target } from './user-target.js';

function activeCommand(active: boolean): Command {
  const words = active ? 'user enable' : 'user disable';
  return {
    words,
    positionals: ['<username>'],
    summary: active
      ? 'Enable a disabled account: it can sign in again.'
      : 'Disable an account: no sign-in, no tokens, no API calls; signs it out everywhere.',
    optionHelp: [TENANT_HELP],
    options: { ...TENANT_OPTION },
    check: oneUsername(words),
    async run(ctx, values, positionals, out) {
      const { tenant, user } = await target(ctx, values, positionals[0]!);
      const result = await adminSetActive(ctx.deps, tenant.id, user, cliActor(), active);
      const state = active ? 'enabled' : 'disabled';
      if (!result.changed) {
        out.print(`"${user.username}" in tenant ${tenant.domain} already is ${state}; nothing changed.`);
        return;
      }
      out.print(`${active ? 'Enabled' : 'Disabled'} "${user.username}" in tenant ${tenant.domain}.`);
      if (!active) out.print(`  Revoked ${result.revoked} session(s), grant(s) and token(s).`);
    },
  };
}

export const userDisable = activeCommand(false);
export const userEnable = activeCommand(true);
