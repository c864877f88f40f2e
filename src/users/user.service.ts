// Creating, changing and removing users; the SCIM routes and the CLI both call these.
import type { Deps } from '../deps.js';
import { badRequest, conflict, notFound } from '../errors.js';
import { newId } from '../crypto/ids.js';
import { epochSeconds } from '../clock.js';
import { isUniqueViolation } from '../store/unique-violation.js';
import { hashPassword, passwordPolicyProblem } from './password.js';
import { findUserById, findUserByUsername, insertUser, updateUser, deleteUser } from './user.repository.js';
import { toUser, type User, type UserClaims } from './user.js';
import { signOutEverywhere } from '../oidc/sign-out-everywhere.js';

export interface UserInput {
  username: string;
  password?: string;
  claims: UserClaims;
  roles: string[];
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

export async function createUser(deps: Deps, tenantId: string, input: UserInput): Promise<User> {
  checkUsername(input.username);
  checkPassword(input.password, input.username);
  if (await findUserByUsername(deps.store.db, tenantId, input.username)) {
    throw conflict(`a user named "${input.username}" already exists`, { scimType: 'uniqueness' });
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
  };
  try {
    await insertUser(deps.store.db, row);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`a user named "${input.username}" already exists`, { scimType: 'uniqueness' });
    throw err;
  }
  return toUser(row);
}

export async function getUser(deps: Deps, tenantId: string, id: string): Promise<User> {
  const row = await findUserById(deps.store.db, tenantId, id);
  if (!row) throw notFound(`user ${id} not found`);
  return toUser(row);
}

export async function replaceUser(deps: Deps, tenantId: string, id: string, input: UserInput): Promise<User> {
  const current = await getUser(deps, tenantId, id);
  checkUsername(input.username);
  checkPassword(input.password, input.username);
  if (input.username !== current.username && (await findUserByUsername(deps.store.db, tenantId, input.username))) {
    throw conflict(`a user named "${input.username}" already exists`, { scimType: 'uniqueness' });
  }
  const values = {
    username: input.username,
    claims: JSON.stringify(input.claims),
    roles: JSON.stringify(input.roles),
    updated_at: epochSeconds(deps.clock),
    version: current.version + 1,
    ...(input.password === undefined ? {} : { password_hash: await hashPassword(input.password) }),
  };
  await updateUser(deps.store.db, tenantId, id, values);
  // A new password ends every session and token: whoever knew the old one may hold them.
  if (input.password !== undefined) await signOutEverywhere(deps, tenantId, id);
  return getUser(deps, tenantId, id);
}

export async function removeUser(deps: Deps, tenantId: string, id: string): Promise<void> {
  const result = await deleteUser(deps.store.db, tenantId, id);
  if (!result.numDeletedRows) throw notFound(`user ${id} not found`);
}
