// argon2id with OWASP's parameters, the password policy, and a dummy verification so
// unknown usernames cost the same time as wrong passwords.
import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

export const ARGON2_OPTIONS = { algorithm: 2 /* Algorithm.Argon2id (a const enum) */, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => hash(password, ARGON2_OPTIONS);

let dummyHash: Promise<string> | undefined;

/** Verifies against the stored hash, or against a throw-away hash when there is none. */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (!stored) {
    dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}

/** A message a person understands, or undefined when the password is acceptable. */
export function passwordPolicyProblem(password: unknown, username: string): string | undefined {
  if (typeof password !== 'string') return 'password must be a string';
  const length = [...password].length;
  if (length < 8) return 'password must be at least 8 characters long';
  if (length > 256) return 'password must be at most 256 characters long';
  if (password.toLowerCase() === username.toLowerCase()) return 'password must not be the same as the username';
  return undefined;
}

export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
