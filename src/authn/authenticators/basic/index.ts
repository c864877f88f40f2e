// Username and password (step 1 of most sequences). Lockout and rate limits are the
// engine's; this only identifies the user and checks the password.
import type { Authenticator, StepContext, FormInput } from '../../authenticator.js';
import { findUserByUsername } from '../../../users/user.repository.js';
import { toUser } from '../../../users/user.js';
import { verifyPassword } from '../../../users/password.js';
import { basicPage } from './page.js';

// One message for every failure, so the page never tells whether the username exists.
export const BASIC_FAILURE = 'The username or password is incorrect. After several failed attempts the account is locked for a while.';

async function identify(ctx: StepContext, input: FormInput) {
  const username = (input.username ?? '').trim();
  if (!username || username.length > 255) return undefined;
  const row = await findUserByUsername(ctx.deps.store.db, ctx.tenant.id, username);
  return row ? toUser(row) : undefined;
}

export const basicAuthenticator = {
  name: 'BasicAuthenticator',
  aliases: ['basic'],
  displayName: 'Username & Password',
  chooserLabel: 'Use your username and password',
  amr: ['pwd'],
  needsKnownUser: false,
  lockedMessage: BASIC_FAILURE,

  async start(ctx) {
    return { kind: 'page', page: basicPage(ctx) };
  },

  identify,

  async handle(ctx, input) {
    const username = (input.username ?? '').trim();
    const password = input.password ?? '';
    const values = { username: username.slice(0, 255) };
    if (!username || !password) {
      return { kind: 'failure', error: { code: 'credentials_missing', message: 'Enter your username and password.' }, values };
    }
    // The engine passes the identified user in ctx.user; unknown users still pay for a hash.
    const user = ctx.user;
    const ok = await verifyPassword(user?.passwordHash, password.slice(0, 1024));
    if (!user || !ok) return { kind: 'failure', error: { code: 'invalid_credentials', message: BASIC_FAILURE }, values };
    return { kind: 'success', user };
  },
} satisfies Authenticator;
