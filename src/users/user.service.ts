// Creating, changing and removing users; the SCIM routes and the CLI both call these.
import { isDeepStrictEqual } from 'node:util';
import type { Deps } from '../deps.js';
import { badRequest, conflict, notFound, preconditionFailed } from '../errors.js';
import { newId } from '../crypto/ids.js';
import { epochSeconds } from '../clock.js';
import { isUniqueViolation } from '../store/unique-violation.js';
import { hashPassword, passwordPolicyProblem } from './password.js';
import { findUserById, findUserByUsername, insertUser, updateUser, deleteUser } from './user.repository.js';
import { toUser, type User, type UserClaims } from './user.js';
import { claimsProblem } from './claims-policy.js';
import { signOutEverywhere } from '../oidc/sign-out-everywhere.js';

export interface UserInput {
  username: string;
  password?: string;
  claims: UserClaims;
  roles: string[];
  /** Absent: active on create, unchanged on replace (a client that never sends it cannot re-enable an account by accident). */
  active?: boolean;
}

const USERNAME = /^[^\s\x00-\x1f\x7f]{1,255}$/u;

function checkUsername(username: unknown): asserts username is string {
  if (typeof username !== 'string' || !USERNAME.test(username)) {
    throw badRequest('userName is required: 1 to 255 characters without spaces or control characters', { scimType: 'invalidValue' });
  }
}

function checkPassword(password: string | undefined, username: string): void {
  if (password === undefined) return;
  const problem = passwordPolicyProblem(password, username);
  if (problem) throw badRequest(problem, { scimType: 'invalidValue' });
}

function checkClaims(claims: UserClaims): void {
  const problem = claimsProblem(claims);
  if (problem) throw badRequest(problem, { scimType: 'invalidValue' });
}

const nameTaken = (username: string) => conflict(`a user named "${username}" already exists`, { scimType: 'uniqueness' });

/** The user as an input that changes nothing: spread a change over it. */
export const inputOf = (user: User): UserInput => ({ username: user.username, claims: user.claims, roles: user.roles });

/** What a new user must satisfy before anything is stored (uniqueness aside). */
export function checkUserInput(input: UserInput): void {
  checkUsername(input.username);
  checkPassword(input.password, input.username);
  checkClaims(input.claims);
}

export async function createUser(deps: Deps, tenantId: string, input: UserInput): Promise<User> {
  checkUserInput(input);
  if (await findUserByUsername(deps.store.db, tenantId, input.username)) {
    throw nameTaken(input.username);
  }
  const now = epochSeconds(deps.clock);
  const row = {
    tenant_id: tenantId,
    id: newId(),
    username: input.username,
    password_hash: input.password === undefined ? null : await hashPassword(input.password),
    claims: JSON.stringify(input.claims),
    roles: JSON.stringify(input.roles),
    created_at: now,
    updated_at: now,
    version: 1,
    active: input.active === false ? 0 : 1,
  };
  try {
    await insertUser(deps.store.db, row);
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(input.username);
    throw err;
  }
  return toUser(row);
}

export async function getUser(deps: Deps, tenantId: string, id: string): Promise<User> {
  const row = await findUserById(deps.store.db, tenantId, id);
  if (!row) throw notFound(`user ${id} not found`);
  return toUser(row);
}

/**
 * A condition on the user as it is before a change (SCIM's If-Match): it throws to refuse.
 * With one, the change is written only over the very version it accepted.
 */
export type Precondition = (current: User) => void;

const changedMeanwhile = () => preconditionFailed('the user changed since that version was read: read it again');

export async function replaceUser(deps: Deps, tenantId: string, id: string, input: UserInput, precondition?: Precondition): Promise<{ before: User; after: User }> {
  const current = await getUser(deps, tenantId, id);
  precondition?.(current);
  if (!await writeUser(deps, current, input, precondition ? current.version : undefined)) throw changedMeanwhile();
  return { before: current, after: await getUser(deps, tenantId, id) };
}

// A PATCH is read, change, write: two at once (Entra ID adding two roles) would each write
// over the other's change. The write happens only if nobody wrote since the read; the loser
// applies its change again to what the winner wrote, after a short random pause so a crowd
// of writers spreads out. No lock is held meanwhile (on SQLite a transaction would stop
// every other query for as long as a password takes to hash).
const PATCH_ATTEMPTS = 20;

export interface PatchResult {
  before: User;
  after: User;
  /** Sessions, grants and tokens ended (a new password or a disabled account). */
  revoked: number;
}

/** Changes a user by `change(current)` (SCIM PATCH), atomically with respect to other writes. */
export async function patchUser(deps: Deps, tenantId: string, id: string, change: (current: User) => UserInput, precondition?: Precondition): Promise<PatchResult> {
  for (let attempt = 0; attempt < PATCH_ATTEMPTS; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    const current = await getUser(deps, tenantId, id);
    // Checked again on every attempt: a write that came between is a version the caller never saw.
    precondition?.(current);
    const input = change(current);
    if (changesNothing(current, input)) return { before: current, after: current, revoked: 0 };
    const written = await writeUser(deps, current, input, current.version);
    if (written) return { before: current, after: await getUser(deps, tenantId, id), revoked: written.revoked };
  }
  throw conflict('the user changed too often while this change was being applied: send it again');
}

// A PATCH of attributes Gatehouse does not keep (or of today's values) is no new version.
const changesNothing = (current: User, input: UserInput): boolean =>
  input.password === undefined && input.username === current.username && (input.active ?? current.active) === current.active
  && isDeepStrictEqual(input.claims, current.claims) && isDeepStrictEqual(input.roles, current.roles);

/** Writes `input` over `current`; false when `expectedVersion` is given and another write came first. */
async function writeUser(deps: Deps, current: User, input: UserInput, expectedVersion?: number): Promise<false | { revoked: number }> {
  const { tenantId, id } = current;
  checkUsername(input.username);
  checkPassword(input.password, input.username);
  // Only what this write changes: a profile stored before these rules (a tenant owner's
  // unchecked email) must not block a new password, a disable or an unrelated PATCH.
  checkClaims(Object.fromEntries(Object.entries(input.claims).filter(([claim, value]) => !isDeepStrictEqual(value, current.claims[claim]))));
  if (input.username !== current.username && (await findUserByUsername(deps.store.db, tenantId, input.username))) {
    throw nameTaken(input.username);
  }
  const values = {
    username: input.username,
    claims: JSON.stringify(input.claims),
    roles: JSON.stringify(input.roles),
    updated_at: epochSeconds(deps.clock),
    ...(input.active === undefined ? {} : { active: input.active ? 1 : 0 }),
    ...(input.password === undefined ? {} : { password_hash: await hashPassword(input.password) }),
  };
  let result;
  try {
    result = await updateUser(deps.store.db, tenantId, id, values, expectedVersion);
  } catch (err) {
    // Two renames to one free name at once: the check above passed for both, the index did not.
    if (isUniqueViolation(err)) throw nameTaken(input.username);
    throw err;
  }
  if (expectedVersion !== undefined && Number(result.numUpdatedRows) === 0) return false;
  // A new password ends every session and token: whoever knew the old one may hold them.
  // So does disabling the account: it must stop working now, not when its tokens expire
  // (judged by what this write sets, not by a read another write may have overtaken).
  const ends = input.password !== undefined || input.active === false;
  return { revoked: ends ? await signOutEverywhere(deps, tenantId, id) : 0 };
}

/**
 * Deletes the user and what is theirs (TOTP secret, failure counts; backup codes by their
 * foreign key), then ends their sessions and tokens: a deleted user's access token must
 * not stay active at introspection for its remaining hour. The audit log keeps their events.
 * Answers the user as it was.
 */
export async function removeUser(deps: Deps, tenantId: string, id: string, precondition?: Precondition): Promise<User> {
  const current = await getUser(deps, tenantId, id);
  precondition?.(current);
  const result = await deps.store.db.transaction().execute(async (trx) => {
    const deleted = await deleteUser(trx, tenantId, id, precondition ? current.version : undefined);
    if (deleted.numDeletedRows) {
      await trx.deleteFrom('totp_credential').where('tenant_id', '=', tenantId).where('user_id', '=', id).execute();
      await trx.deleteFrom('login_failure').where('tenant_id', '=', tenantId).where('user_id', '=', id).execute();
    }
    return deleted;
  });
  if (result.numDeletedRows) {
    await signOutEverywhere(deps, tenantId, id);
    return current;
  }
  if (precondition && await findUserById(deps.store.db, tenantId, id)) throw changedMeanwhile();
  throw notFound(`user ${id} not found`);
}
