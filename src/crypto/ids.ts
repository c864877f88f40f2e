import { randomBytes, randomUUID } from 'node:crypto';

export const newId = (): string => randomUUID();
/** URL-safe random token with `bytes` bytes of entropy. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');
