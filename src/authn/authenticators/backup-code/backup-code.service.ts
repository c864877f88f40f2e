// Backup codes (lookup secrets) for one user: a new set on demand, shown once, kept only as
// argon2id hashes (ASVS 6.5.2: under 112 bits of entropy needs a password hash), each spent
// by one conditional UPDATE. The login step, the TOTP enrollment offer and the APIs all
// come through here.
import { randomInt } from 'node:crypto';
import type { Deps } from '../../../deps.js';
import { epochSeconds } from '../../../clock.js';
import { newId } from '../../../crypto/ids.js';
import { hashPassword, verifyPassword } from '../../../users/password.js';
import type { AuthenticationSequence } from '../../../applications/application.js';
import {
  countUnusedBackupCodes, deleteBackupCodes, findUnusedBackupCodes, replaceBackupCodes, spendBackupCode,
} from './backup-code.repository.js';
import { signOutEverywhere } from '../../../oidc/sign-out-everywhere.js';
import { recordAudit } from '../../../audit/audit.service.js';
import type { AuditDetails, AuditEventType, AuditWhere } from '../../../audit/audit-event.js';

export const BACKUP_CODE_FACTOR = 'backup-code-authenticator';
export const BACKUP_CODE_COUNT = 10;
const CODE_LENGTH = 10;
/** Crockford's Base32: no I, L, O or U, so nothing on paper reads as something else. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CANONICAL = new RegExp(`^[${ALPHABET}]{${CODE_LENGTH}}$`);

/** Ten symbols of 5 bits each (50 bits), drawn without bias from the CSPRNG. */
function newCanonicalCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** How codes are shown: two groups of five, "7KQ2M-9XD4R". */
export const formatBackupCode = (canonical: string): string => `${canonical.slice(0, 5)}-${canonical.slice(5)}`;

/**
 * What the user typed, as stored: case, dashes and spaces do not matter, and the letters
 * Crockford reads as digits (O as 0, I and L as 1) are read that way. Undefined when it
 * cannot be a code at all.
 */
export function canonicalBackupCode(input: string): string | undefined {
  const code = input.toUpperCase().replace(/[\s-]+/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return CANONICAL.test(code) ? code : undefined;
}

export type Via = 'login' | 'self-service';

/** The user acting on their own backup codes, for the audit log; `where` names the request (and, in a login, the application). */
function auditSelf(deps: Deps, type: AuditEventType, tenantId: string, userId: string, where: AuditWhere | undefined, details: AuditDetails): Promise<void> {
  return recordAudit(deps, {
    tenantId, type, actor: { kind: 'user', id: userId }, user: { id: userId }, factor: BACKUP_CODE_FACTOR,
    ...(where?.clientId ? { clientId: where.clientId } : {}), origin: { ip: where?.ip, userAgent: where?.userAgent }, details,
  });
}

/**
 * A new set of codes replacing the old one (used and unused); returns them formatted, the
 * only time they exist in clear. A self-service replacement of a set with unused codes
 * (the sheet was lost) ends every session and token of the user, as whoever found the
 * sheet may have signed in with it.
 */
export async function regenerateBackupCodes(deps: Deps, tenantId: string, userId: string, via: Via, where?: AuditWhere): Promise<string[]> {
  const unusedBefore = await countUnusedBackupCodes(deps.store.db, tenantId, userId);
  const codes = Array.from({ length: BACKUP_CODE_COUNT }, newCanonicalCode);
  const now = epochSeconds(deps.clock);
  const hashes = await Promise.all(codes.map(hashPassword));
  await replaceBackupCodes(deps.store.db, tenantId, userId, hashes.map((hash) => ({
    tenant_id: tenantId, user_id: userId, id: newId(), hash, created_at: now, used_at: null,
  })));
  deps.logger.info({ event: 'backup_codes_generated', tenantId, userId, via, count: codes.length }, 'a new set of backup codes was created');
  const revoked = via === 'self-service' && unusedBefore > 0 ? await signOutEverywhere(deps, tenantId, userId) : 0;
  await auditSelf(deps, 'backup_codes_generated', tenantId, userId, where, { via, count: codes.length, unusedReplaced: unusedBefore, revoked });
  return codes.map(formatBackupCode);
}

export type BackupCodeCheck = 'accepted' | 'invalid' | 'none_left';

/** Judges a typed code and spends it when it matches an unused one. */
export async function useBackupCode(deps: Deps, tenantId: string, userId: string, input: string, where?: AuditWhere): Promise<BackupCodeCheck> {
  const unused = await findUnusedBackupCodes(deps.store.db, tenantId, userId);
  if (unused.length === 0) return 'none_left';
  const code = canonicalBackupCode(input);
  if (!code) return 'invalid';
  const matches = await Promise.all(unused.map((row) => verifyPassword(row.hash, code)));
  const match = unused[matches.indexOf(true)];
  // Losing the race to a concurrent sign-in with the same code is a wrong code.
  if (!match || !await spendBackupCode(deps.store.db, tenantId, userId, match.id, epochSeconds(deps.clock))) return 'invalid';
  deps.logger.info({ event: 'backup_code_used', tenantId, userId, remaining: unused.length - 1 }, 'a backup code was used to sign in');
  await auditSelf(deps, 'backup_code_used', tenantId, userId, where, { remaining: unused.length - 1 });
  return 'accepted';
}

export const remainingBackupCodes = (deps: Deps, tenantId: string, userId: string): Promise<number> =>
  countUnusedBackupCodes(deps.store.db, tenantId, userId);

export async function removeBackupCodes(deps: Deps, tenantId: string, userId: string, via: Via, where?: AuditWhere): Promise<boolean> {
  const removed = await deleteBackupCodes(deps.store.db, tenantId, userId);
  if (removed > 0) {
    deps.logger.info({ event: 'backup_codes_deleted', tenantId, userId, via }, 'a user\'s backup codes were deleted');
    await auditSelf(deps, 'backup_codes_deleted', tenantId, userId, where, { via, count: removed });
  }
  return removed > 0;
}

const lists = (sequence: AuthenticationSequence): boolean =>
  sequence.type === 'USER_DEFINED' && sequence.steps.some((s) => s.options.some((o) => o.authenticator === BACKUP_CODE_FACTOR));

/** Whether some application of the tenant lets users sign in with a backup code. */
export async function backupCodesAccepted(deps: Deps, tenantId: string): Promise<boolean> {
  // The LIKE only narrows the rows; the parsed sequence decides.
  const rows = await deps.store.db.selectFrom('application').select('auth_sequence')
    .where('tenant_id', '=', tenantId).where('auth_sequence', 'like', `%"${BACKUP_CODE_FACTOR}"%`)
    .execute();
  return rows.some((row) => lists(JSON.parse(row.auth_sequence) as AuthenticationSequence));
}
