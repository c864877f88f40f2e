// gatehouse user add: creates a user through the same service as SCIM POST /scim2/Users.
import { createUser } from '../users/user.service.js';
import { requireTenant } from '../tenants/tenant.service.js';
import { ADMIN_ROLE, type UserClaims } from '../users/user.js';
import { DEFAULT_TENANT } from '../tenants/tenant.js';
import { TENANT_HELP, TENANT_OPTION, type Command } from './command.js';
import { UsageError } from './output.js';
import { PASSWORD_HELP, PASSWORD_OPTIONS, readPassword } from './password-input.js';

export const userAdd: Command = {
  words: 'user add',
  positionals: ['<username>'],
  summary: 'Create a user (an administrator with --admin).',
  optionHelp: [
    ...PASSWORD_HELP,
    '--email E              email claim',
    '--given-name G         given_name claim',
    '--family-name F        family_name claim',
    '--admin                give the user the admin role (admin API, SCIM)',
    TENANT_HELP,
  ],
  options: {
    ...PASSWORD_OPTIONS,
    email: { type: 'string' },
    'given-name': { type: 'string' },
    'family-name': { type: 'string' },
    admin: { type: 'boolean' },
    ...TENANT_OPTION,
  },
  async check(values, positionals) {
    if (positionals.length !== 1) throw new UsageError('user add needs exactly one <username>');
    values.password = await readPassword(values, positionals[0]!);
  },
  async run(ctx, values, positionals, out) {
    const tenant = await requireTenant(ctx.deps, (values.tenant as string | undefined) ?? DEFAULT_TENANT);
    const claims: UserClaims = {};
    if (values.email !== undefined) claims.email = values.email as string;
    if (values['given-name'] !== undefined) claims.given_name = values['given-name'] as string;
    if (values['family-name'] !== undefined) claims.family_name = values['family-name'] as string;
    const user = await createUser(ctx.deps, tenant.id, {
      username: positionals[0]!,
      password: values.password as string,
      claims,
      roles: values.admin ? [ADMIN_ROLE] : [],
    });
    out.print(`Created user "${user.username}" in tenant ${tenant.domain}${values.admin ? ' with the admin role' : ''}`);
    out.print(`  id: ${user.id}`);
  },
};
