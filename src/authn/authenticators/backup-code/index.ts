// Backup codes as a second step (WSO2's backup-code-authenticator), usually an option of
// step 2 beside totp for people who lost their phone. RFC 8176 has no amr value for a
// lookup secret: the step adds none of its own and counts as a distinct factor ("mfa")
// through mfaClass, so password + backup code reports ["pwd", "mfa"].
import type { Authenticator, FormInput, StepContext, StepOutcome } from '../../authenticator.js';
import { BACKUP_CODE_FACTOR, remainingBackupCodes, useBackupCode } from './backup-code.service.js';
import { codePage, noCodesPage } from './pages.js';
import { stepWhere } from '../../../audit/sign-in-audit.js';

// One message for wrong, used and mistyped codes: none may confirm that a code existed.
export const BACKUP_CODE_FAILURE = 'That backup code is not correct or was already used. Enter another of your backup codes.';
const LOCKED = 'Too many incorrect backup codes. Backup codes are locked for this account for a while: try again later, use another way to verify, or ask your administrator to unlock it.';

async function stepPage(ctx: StepContext, error?: string): Promise<StepOutcome> {
  const left = await remainingBackupCodes(ctx.deps, ctx.tenant.id, ctx.user!.id);
  if (left === 0) return { kind: 'page', page: noCodesPage(ctx) };
  return { kind: 'page', page: { ...codePage(ctx), ...(error ? { error } : {}) } };
}

export const backupCodeAuthenticator = {
  name: BACKUP_CODE_FACTOR,
  displayName: 'Backup code',
  chooserLabel: 'Use a backup code',
  amr: [] as string[],
  mfaClass: 'lookup-secret',
  needsKnownUser: true,
  lockedMessage: LOCKED,

  guesses: (_ctx, input) => Boolean((input.BackupCode ?? '').trim()),

  start: (ctx) => stepPage(ctx),

  async handle(ctx, input: FormInput) {
    const user = ctx.user!;
    const code = (input.BackupCode ?? '').trim();
    // An empty form guesses nothing: asked again, not counted.
    if (!code) return stepPage(ctx, 'Enter one of your backup codes.');
    switch (await useBackupCode(ctx.deps, ctx.tenant.id, user.id, code, stepWhere(ctx))) {
      case 'accepted': return { kind: 'success', user };
      // Not a counted failure: there is nothing left to guess.
      case 'none_left': return stepPage(ctx);
      case 'invalid': return { kind: 'failure', error: { code: 'invalid_code', message: BACKUP_CODE_FAILURE } };
    }
  },
} satisfies Authenticator;
