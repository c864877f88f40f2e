// Every authenticator the server knows, by canonical name and alias. Adding one means
// adding it to this list and nothing else.
import type { Authenticator } from './authenticator.js';
import { basicAuthenticator } from './authenticators/basic/index.js';
import { totpAuthenticator } from './authenticators/totp/index.js';
import { backupCodeAuthenticator } from './authenticators/backup-code/index.js';

const all: Authenticator[] = [basicAuthenticator, totpAuthenticator, backupCodeAuthenticator];

export function listAuthenticators(): readonly Authenticator[] {
  return all;
}

/** Resolves a canonical name or alias ('basic' → BasicAuthenticator). */
export function findAuthenticator(name: string): Authenticator | undefined {
  return all.find((a) => a.name === name || a.aliases?.includes(name));
}
