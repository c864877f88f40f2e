// gatehouse user totp-status | totp-reset | unlock: the admin API's per-user calls
// (GET/DELETE /api/server/v1/users/{id}/totp, POST …/unlock) by username, through the same
// services, so a reset or an unlock here revokes the user's sessions and tokens too.
import { adminResetTotp, adminUnlock, parseFactor, totpStateOf, type UserTotpStateView } from '../authn/user-admin.service.js';
import { listAuthenticators } from '../authn/registry.js';
import { AppError } from '../errors.js';
import { TENANT_HELP, TENANT_OPTION, type Command } from './command.js';
import { UsageError } from './output.js';
import { cliActor, oneUsername, target } from './user-target.js';

function lockLine(state: UserTotpStateView): string {
  if (!state.locked) return 'no';
  return state.lockedUntil ? `yes, until ${state.lockedUntil}` : 'yes, until an administrator unlocks it';
}

export const userTotpStatus: Command = {
  words: 'user totp-status',
  positionals: ['<username>'],
  summary: 'Show a user\'s TOTP state (none, pending, active) and whether it is locked.',
  optionHelp: ['--json                 print the same JSON as GET /api/server/v1/users/{id}/totp', TENANT_HELP],
  options: { json: { type: 'boolean' }, ...TENANT_OPTION },
  check: oneUsername('user totp-status'),
  async run(ctx, values, positionals, out) {
    const { tenant, user } = await target(ctx, values, positionals[0]!);
    const state = await totpStateOf(ctx.deps, tenant.id, user);
    if (values.json) {
      out.print(JSON.stringify(state, null, 2));
      return;
    }
    out.print(`TOTP of "${user.username}" in tenant ${tenant.domain}: ${state.status}${state.pendingReplacement ? ' (a replacement waits for its first code)' : ''}`);
    if (state.enrolledAt) out.print(`  enrolled:  ${state.enrolledAt}`);
    if (state.algorithm) out.print(`  codes:     ${state.digits} digits, ${state.algorithm}, every ${state.period} s`);
    out.print(`  locked:    ${lockLine(state)}`);
    out.print(`  user id:   ${user.id}`);
  },
};

export const userTotpReset: Command = {
  words: 'user totp-reset',
  positionals: ['<username>'],
  summary: 'Remove a user\'s TOTP (the next sign-in enrolls again); signs them out everywhere.',
  optionHelp: [TENANT_HELP],
  options: { ...TENANT_OPTION },
  check: oneUsername('user totp-reset'),
  async run(ctx, values, positionals, out) {
    const { tenant, user } = await target(ctx, values, positionals[0]!);
    const result = await adminResetTotp(ctx.deps, tenant.id, user, cliActor());
    out.print(result.removed
      ? `Reset TOTP of "${user.username}" in tenant ${tenant.domain}: the next sign-in asks to set up an authenticator app.`
      : `"${user.username}" in tenant ${tenant.domain} had no TOTP set up; nothing to remove.`);
    out.print(`  Revoked ${result.revoked} session(s), grant(s) and token(s).`);
    out.note('gatehouse: whoever signs in next with this user\'s password sets up the new device: reset only after verifying the person.');
  },
};

export const userUnlock: Command = {
  words: 'user unlock',
  positionals: ['<username>'],
  summary: 'Unlock a user locked by wrong passwords or codes; signs them out everywhere.',
  optionHelp: [
    `--factor F             unlock only this factor (${listAuthenticators().map((a) => [a.name, ...(a.aliases ?? [])].join(' or ')).join('; ')});`,
    '                       default every factor',
    TENANT_HELP,
  ],
  options: { factor: { type: 'string' }, ...TENANT_OPTION },
  check(values, positionals) {
    oneUsername('user unlock')(values, positionals);
    try {
      parseFactor(values.factor);
    } catch (err) {
      if (err instanceof AppError) throw new UsageError(err.message.replace('factor must', '--factor must'));
      throw err;
    }
  },
  async run(ctx, values, positionals, out) {
    const { tenant, user } = await target(ctx, values, positionals[0]!);
    const result = await adminUnlock(ctx.deps, tenant.id, user, cliActor(), parseFactor(values.factor));
    const was = result.wasLocked.length ? `was locked: ${result.wasLocked.join(', ')}` : 'was not locked';
    out.print(`Unlocked "${user.username}" in tenant ${tenant.domain} (${result.factor === 'all' ? 'every factor' : result.factor}; ${was}).`);
    out.print(`  Revoked ${result.revoked} session(s), grant(s) and token(s).`);
  },
};
