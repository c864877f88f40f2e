// Pure rules about sequences and what a session has proven: which step comes next,
// which amr/acr a set of completed authenticators earns, which acr a sequence can reach.
import type { AuthenticationSequence, SequenceStep } from '../applications/application.js';
import { findAuthenticator } from './registry.js';

export const ACR_1FA = 'urn:gatehouse:acr:1fa';
export const ACR_MFA = 'urn:gatehouse:acr:mfa';
export const ACR_VALUES = [ACR_1FA, ACR_MFA];

/**
 * A proof is recorded as the authenticator's name, or `name/method` when the authenticator
 * proved itself another way (a TOTP step passed with an emailed code is `totp/email`): the
 * step counts as done either way, but amr says what was really proven.
 */
export const authenticatorOf = (factor: string): string => factor.split('/', 1)[0]!;

/** The first step none of whose options is in `done` (completed or skipped). */
export function nextStep(sequence: AuthenticationSequence, done: ReadonlySet<string>): SequenceStep | undefined {
  const names = new Set([...done].map(authenticatorOf));
  return sequence.steps.find((step) => !step.options.some((o) => names.has(o.authenticator)));
}

export const satisfies = (sequence: AuthenticationSequence, done: ReadonlySet<string>): boolean =>
  nextStep(sequence, done) === undefined;

/**
 * RFC 8176 values for what was proven, with "mfa" once two different factors were. A
 * factor without an amr value of its own (Authenticator.mfaClass) counts by its class.
 */
export function amrFor(authenticators: Iterable<string>): string[] {
  const amr = new Set<string>();
  const kinds = new Set<string>();
  for (const factor of authenticators) {
    const [name, method] = factor.split('/', 2) as [string, string | undefined];
    const authenticator = findAuthenticator(name);
    const proven = method ? authenticator?.methods?.[method]?.amr : authenticator?.amr;
    for (const value of proven ?? []) {
      amr.add(value);
      kinds.add(value);
    }
    if (!method && authenticator?.mfaClass) kinds.add(authenticator.mfaClass);
  }
  if (kinds.size >= 2) amr.add('mfa');
  return [...amr];
}

export const acrFor = (amr: readonly string[]): string => (amr.includes('mfa') ? ACR_MFA : ACR_1FA);

/** The strongest acr a full run of the sequence earns. */
export function reachableAcr(sequence: AuthenticationSequence): string {
  const names = sequence.steps.map((s) => s.options[0]!.authenticator);
  return acrFor(amrFor(names));
}

/** Does the acr a sign-in earned meet a requested list? (empty: yes; mfa meets 1fa too) */
export function acrMet(requested: readonly string[], earned: string): boolean {
  return requested.length === 0 || requested.some((acr) => acr === earned || (acr === ACR_1FA && earned === ACR_MFA));
}

/** Does a requested acr list contain something the sequence can give? (empty: yes) */
export function acrReachable(requested: readonly string[], sequence: AuthenticationSequence): boolean {
  return acrMet(requested, reachableAcr(sequence));
}
