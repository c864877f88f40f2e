// A test-only second factor, "test-pin" (the PIN is 4242), for flow-engine tests that need
// a step besides the password without depending on TOTP. It joins the registry's list in
// this test process only.
import { listAuthenticators } from '../../src/authn/registry.js';
import type { Authenticator } from '../../src/authn/authenticator.js';

/** Registers "test-pin" (once per process) with the given amr and chooser label. */
export function registerTestPin(options: { amr: string[]; chooserLabel?: string }): Authenticator {
  const existing = listAuthenticators().find((a) => a.name === 'test-pin');
  if (existing) return existing;
  const testPin = {
    name: 'test-pin',
    displayName: 'Test PIN',
    ...(options.chooserLabel ? { chooserLabel: options.chooserLabel } : {}),
    amr: options.amr,
    needsKnownUser: true,
    lockedMessage: 'Wrong PIN.',
    async start() {
      return { kind: 'page', page: { title: 'Enter your PIN', html: '<label for="pin">PIN</label><input id="pin" name="pin"><button type="submit">Go</button>' } };
    },
    async handle(ctx, input) {
      return input.pin === '4242' && ctx.user ? { kind: 'success', user: ctx.user } : { kind: 'failure', error: { code: 'wrong_pin', message: 'Wrong PIN.' } };
    },
  } satisfies Authenticator;
  (listAuthenticators() as Authenticator[]).push(testPin);
  return testPin;
}
