// gatehouse user set-password: a new password for a user, e.g. the administrator who lost
// theirs (the server need not run). Through the same service as a SCIM password change, so
// it signs the user out everywhere; it also clears the password's lock.
import { adminSetPassword } from '../authn/user-admin.service.js';
import { TENANT_HELP, TENANT_OPTION, type Command } from './command.js';
import { UsageError } from './output.js';
import { PASSWORD_HELP, PASSWORD_OPTIONS, readPassword } from './password-input.js';
import { cliActor, target } from './user-target.js';

export const userSetPassword: Command = {
  words: 'user set-password',
  positionals: ['<username>'],
  summary: 'Set a user\'s password (and clear its lock); signs them out everywhere.',
  optionHelp: [...PASSWORD_HELP, TENANT_HELP],
  options: { ...PASSWORD_OPTIONS, ...TENANT_OPTION },
  async check(values, positionals) {
    if (positionals.length !== 1) throw new UsageError('user set-password needs exactly one <username>');
    values.password = await readPassword(values, positionals[0]!);
  },
  async run(ctx, values, positionals, out) {
    const { tenant, user } = await target(ctx, values, positionals[0]!);
    const result = await adminSetPassword(ctx.deps, tenant.id, user, cliActor(), values.password as string);
    out.print(`Set a new password for "${user.username}" in tenant ${tenant.domain}${result.wasLocked ? ' and unlocked its password' : ''}.`);
    out.print(`  Revoked ${result.revoked} session(s), grant(s) and token(s).`);
  },
};
