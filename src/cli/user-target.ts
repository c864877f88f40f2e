// What the per-user commands share: the user named on the command line, in --tenant's
// tenant, and the operating-system account acting (for the audit log).
import { userInfo } from 'node:os';
import { requireTenant } from '../tenants/tenant.service.js';
import { DEFAULT_TENANT } from '../tenants/tenant.js';
import { userByUsername, type AdminActor } from '../authn/user-admin.service.js';
import type { OptionValues } from './command.js';
import type { CliContext } from './context.js';
import { UsageError } from './output.js';

/** The operating-system account running the CLI, for the log of who acted. */
export function cliActor(): AdminActor {
  let id = 'unknown';
  try { id = userInfo().username; } catch { /* no passwd entry (containers): keep "unknown" */ }
  return { kind: 'cli', id };
}

export function oneUsername(words: string) {
  return (_values: OptionValues, positionals: string[]) => {
    if (positionals.length !== 1) throw new UsageError(`${words} needs exactly one <username>`);
  };
}

export async function target(ctx: CliContext, values: OptionValues, username: string) {
  const tenant = await requireTenant(ctx.deps, (values.tenant as string | undefined) ?? DEFAULT_TENANT);
  const user = await userByUsername(ctx.deps, tenant.id, username, tenant.domain);
  return { tenant, user };
}
