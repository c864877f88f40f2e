// Authentication sequences: how the API's JSON is validated and stored (parseSequence), and
// the pure rules over them (next step, amr/acr earned, acr reachable).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSequence } from '../../src/applications/sequence.js';
import { DEFAULT_SEQUENCE, type AuthenticationSequence } from '../../src/applications/application.js';
import { nextStep, satisfies, amrFor, acrFor, reachableAcr, acrReachable, ACR_1FA, ACR_MFA } from '../../src/authn/sequence-policy.js';
import { listAuthenticators } from '../../src/authn/registry.js';
import type { Authenticator } from '../../src/authn/authenticator.js';
import { AppError } from '../../src/errors.js';

// Two more authenticators in the real registry, the way a new one is added (one list entry):
// a second factor that needs a known user, and a second knowledge factor.
const testAuthenticator = (name: string, amr: string[], needsKnownUser: boolean): Authenticator => ({
  name, amr, needsKnownUser, displayName: name, lockedMessage: 'locked',
  start: async () => ({ kind: 'skip' }),
  handle: async () => ({ kind: 'skip' }),
});
(listAuthenticators() as Authenticator[]).push(
  testAuthenticator('test-otp', ['otp'], true),
  testAuthenticator('test-other-otp', ['otp'], true),
  testAuthenticator('test-pin', ['pwd'], false),
  // A second factor RFC 8176 has no amr value for (as backup codes).
  { ...testAuthenticator('test-lookup', [], true), mfaClass: 'lookup-secret' },
);

const allEnabled = () => true;
const step = (id: number, ...authenticators: string[]) => ({ id, options: authenticators.map((authenticator) => ({ idp: 'LOCAL', authenticator })) });
const sequence = (...steps: string[][]): AuthenticationSequence => ({
  type: 'USER_DEFINED',
  steps: steps.map((names, i) => ({ id: i + 1, options: names.map((authenticator) => ({ idp: 'LOCAL' as const, authenticator })) })),
  subjectStepId: 1,
  attributeStepId: 1,
});

test('no sequence, or DEFAULT without steps, is one password step', () => {
  assert.deepEqual(parseSequence(undefined, allEnabled), DEFAULT_SEQUENCE);
  assert.deepEqual(parseSequence(null, allEnabled), DEFAULT_SEQUENCE);
  assert.deepEqual(parseSequence({ type: 'DEFAULT' }, allEnabled), DEFAULT_SEQUENCE);
  assert.deepEqual(DEFAULT_SEQUENCE.steps, [{ id: 1, options: [{ idp: 'LOCAL', authenticator: 'BasicAuthenticator' }] }]);
});

test('a valid sequence is stored canonically: aliases resolved, idp LOCAL, step ids defaulting to 1', () => {
  const parsed = parseSequence({ type: 'USER_DEFINED', steps: [{ id: 1, options: [{ authenticator: 'basic' }] }, step(2, 'test-otp')] }, allEnabled);
  assert.deepEqual(parsed, {
    type: 'USER_DEFINED',
    steps: [
      { id: 1, options: [{ idp: 'LOCAL', authenticator: 'BasicAuthenticator' }] },
      { id: 2, options: [{ idp: 'LOCAL', authenticator: 'test-otp' }] },
    ],
    subjectStepId: 1,
    attributeStepId: 1,
  });
  assert.equal(parseSequence({ steps: [step(1, 'basic')] }, allEnabled).type, 'USER_DEFINED', 'type defaults to USER_DEFINED');
  const ids = parseSequence({ steps: [step(1, 'basic'), step(2, 'test-otp')], subjectStepId: 1, attributeStepId: 2 }, allEnabled);
  assert.equal(ids.attributeStepId, 2);
});

const INVALID: Array<{ name: string; input: unknown; message: RegExp; enabled?: (name: string) => boolean }> = [
  { name: 'not an object', input: 'basic', message: /authenticationSequence must be an object/ },
  { name: 'an array', input: [step(1, 'basic')], message: /authenticationSequence must be an object/ },
  { name: 'an unknown type', input: { type: 'SCRIPTED', steps: [step(1, 'basic')] }, message: /type must be DEFAULT or USER_DEFINED/ },
  { name: 'no steps', input: { type: 'USER_DEFINED', steps: [] }, message: /steps must list at least one step/ },
  { name: 'steps missing', input: { type: 'USER_DEFINED' }, message: /steps must list at least one step/ },
  { name: 'eleven steps', input: { steps: Array.from({ length: 11 }, (_, i) => step(i + 1, 'basic')) }, message: /at most 10 steps/ },
  { name: 'a step that is not an object', input: { steps: [null] }, message: /steps\[0\] must be an object/ },
  { name: 'ids out of order', input: { steps: [step(2, 'basic')] }, message: /steps\[0\]\.id must be 1/ },
  { name: 'a skipped id', input: { steps: [step(1, 'basic'), step(3, 'test-otp')] }, message: /steps\[1\]\.id must be 2/ },
  { name: 'an empty step', input: { steps: [step(1, 'basic'), step(2)] }, message: /step 2 has no authenticator/ },
  { name: 'a federated idp', input: { steps: [{ id: 1, options: [{ idp: 'Google', authenticator: 'basic' }] }] }, message: /idp must be LOCAL/ },
  { name: 'an option without authenticator', input: { steps: [{ id: 1, options: [{ idp: 'LOCAL' }] }] }, message: /options\[0\]\.authenticator is required/ },
  { name: 'an unknown authenticator', input: { steps: [step(1, 'sms-otp')] }, message: /unknown authenticator "sms-otp" in step 1/ },
  { name: 'a disabled authenticator', input: { steps: [step(1, 'basic'), step(2, 'test-otp')] }, enabled: (n) => n !== 'test-otp', message: /"test-otp" in step 2 is disabled/ },
  { name: 'a second factor in step 1', input: { steps: [step(1, 'test-otp')] }, message: /test-otp cannot be in the first step/ },
  { name: 'a second factor as an alternative in step 1', input: { steps: [step(1, 'basic', 'test-otp')] }, message: /test-otp cannot be in the first step/ },
  { name: 'an authenticator twice in a step (alias and name)', input: { steps: [step(1, 'basic', 'BasicAuthenticator')] }, message: /"BasicAuthenticator" is listed twice in step 1/ },
  { name: 'a subject step that does not exist', input: { steps: [step(1, 'basic')], subjectStepId: 2 }, message: /subjectStepId must be the id of one of the steps \(1 to 1\)/ },
  { name: 'an attribute step that is not a number', input: { steps: [step(1, 'basic')], attributeStepId: '1' }, message: /attributeStepId must be the id/ },
];

test('an invalid sequence is a 400 whose message says what is wrong', () => {
  for (const c of INVALID) {
    assert.throws(() => parseSequence(c.input, c.enabled ?? allEnabled), (err: unknown) => {
      assert.ok(err instanceof AppError, c.name);
      assert.equal(err.status, 400, c.name);
      assert.match(err.message, c.message, c.name);
      return true;
    }, c.name);
  }
});

test('nextStep is the first step none of whose options is done', () => {
  const twoStep = sequence(['BasicAuthenticator'], ['test-otp', 'test-other-otp']);
  assert.equal(nextStep(twoStep, new Set())?.id, 1);
  assert.equal(nextStep(twoStep, new Set(['BasicAuthenticator']))?.id, 2);
  assert.equal(nextStep(twoStep, new Set(['BasicAuthenticator', 'test-other-otp'])), undefined, 'any option of a step completes it');
  assert.equal(nextStep(twoStep, new Set(['test-otp']))?.id, 1, 'a later step done does not skip an earlier one');
  assert.equal(satisfies(twoStep, new Set(['BasicAuthenticator'])), false);
  assert.equal(satisfies(twoStep, new Set(['BasicAuthenticator', 'test-otp'])), true);
  assert.equal(satisfies(sequence(['BasicAuthenticator']), new Set(['test-otp'])), false, 'what another sequence proved does not satisfy this one');
});

test('amrFor lists the RFC 8176 values and adds mfa only for two distinct factors', () => {
  const cases: Array<[names: string[], amr: string[]]> = [
    [[], []],
    [['BasicAuthenticator'], ['pwd']],
    [['BasicAuthenticator', 'test-pin'], ['pwd']],
    [['test-otp', 'test-other-otp'], ['otp']],
    [['BasicAuthenticator', 'test-otp'], ['pwd', 'otp', 'mfa']],
    [['BasicAuthenticator', 'test-otp', 'test-other-otp'], ['pwd', 'otp', 'mfa']],
    [['BasicAuthenticator', 'no-such-authenticator'], ['pwd']],
  ];
  for (const [names, amr] of cases) assert.deepEqual(amrFor(names), amr, names.join(' + '));
  assert.equal(acrFor(['pwd']), ACR_1FA);
  assert.equal(acrFor(['pwd', 'otp', 'mfa']), ACR_MFA);
});

test('a factor without an amr value of its own counts toward mfa through its mfaClass, adding no amr value', () => {
  const cases: Array<[names: string[], amr: string[]]> = [
    [['test-lookup'], []],
    [['BasicAuthenticator', 'test-lookup'], ['pwd', 'mfa']],
    [['BasicAuthenticator', 'test-otp', 'test-lookup'], ['pwd', 'otp', 'mfa']],
    [['BasicAuthenticator', 'backup-code-authenticator'], ['pwd', 'mfa']],
  ];
  for (const [names, amr] of cases) assert.deepEqual(amrFor(names), amr, names.join(' + '));
  assert.equal(acrFor(amrFor(['BasicAuthenticator', 'backup-code-authenticator'])), ACR_MFA);
  assert.equal(reachableAcr(sequence(['BasicAuthenticator'], ['test-lookup'])), ACR_MFA, 'password then a lookup secret is mfa');
});

test('acrReachable: an acr the sequence can earn, 1fa also from an mfa sequence, nothing requested is fine', () => {
  const oneFactor = sequence(['BasicAuthenticator']);
  const passwordTwice = sequence(['BasicAuthenticator'], ['test-pin']);
  const twoFactor = sequence(['BasicAuthenticator'], ['test-otp']);
  assert.equal(reachableAcr(oneFactor), ACR_1FA);
  assert.equal(reachableAcr(passwordTwice), ACR_1FA, 'two knowledge steps are not mfa');
  assert.equal(reachableAcr(twoFactor), ACR_MFA);
  const cases: Array<[requested: string[], seq: AuthenticationSequence, reachable: boolean]> = [
    [[], oneFactor, true],
    [[ACR_1FA], oneFactor, true],
    [[ACR_MFA], oneFactor, false],
    [[ACR_MFA], passwordTwice, false],
    [[ACR_MFA], twoFactor, true],
    [[ACR_1FA], twoFactor, true],
    [[ACR_MFA, ACR_1FA], oneFactor, true],
    [['urn:example:loa:3'], twoFactor, false],
  ];
  for (const [requested, seq, reachable] of cases) {
    assert.equal(acrReachable(requested, seq), reachable, `${requested.join(' ')} on ${seq.steps.map((s) => s.options[0]!.authenticator).join(' → ')}`);
  }
});
