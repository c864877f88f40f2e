// Validates an authentication sequence from the API and stores it canonically
// ('basic' → 'BasicAuthenticator'). Every problem is a sentence naming what is wrong.
import { badRequest } from '../errors.js';
import { findAuthenticator } from '../authn/registry.js';
import { DEFAULT_SEQUENCE, type AuthenticationSequence, type SequenceStep } from './application.js';

export function parseSequence(input: unknown, isEnabled: (name: string) => boolean): AuthenticationSequence {
  if (input === undefined || input === null) return DEFAULT_SEQUENCE;
  if (typeof input !== 'object' || Array.isArray(input)) throw badRequest('authenticationSequence must be an object');
  const raw = input as Record<string, unknown>;
  const type = raw.type ?? 'USER_DEFINED';
  if (type !== 'DEFAULT' && type !== 'USER_DEFINED') throw badRequest('authenticationSequence.type must be DEFAULT or USER_DEFINED');
  if (type === 'DEFAULT' && raw.steps === undefined) return DEFAULT_SEQUENCE;
  if (!Array.isArray(raw.steps) || raw.steps.length === 0) throw badRequest('authenticationSequence.steps must list at least one step');
  if (raw.steps.length > 10) throw badRequest('authenticationSequence.steps allows at most 10 steps');

  const steps: SequenceStep[] = raw.steps.map((step: unknown, index: number) => {
    const where = `authenticationSequence.steps[${index}]`;
    if (typeof step !== 'object' || step === null) throw badRequest(`${where} must be an object`);
    const { id, options } = step as Record<string, unknown>;
    if (id !== index + 1) throw badRequest(`${where}.id must be ${index + 1}: steps are numbered 1, 2, 3, … in order`);
    if (!Array.isArray(options) || options.length === 0) throw badRequest(`step ${id} has no authenticator: add at least one option`);
    const seen = new Set<string>();
    return {
      id,
      options: options.map((option: unknown, j: number) => {
        const o = (typeof option === 'object' && option !== null ? option : {}) as Record<string, unknown>;
        const idp = o.idp ?? 'LOCAL';
        if (idp !== 'LOCAL') throw badRequest(`${where}.options[${j}].idp must be LOCAL (federated identity providers are not supported yet)`);
        if (typeof o.authenticator !== 'string') throw badRequest(`${where}.options[${j}].authenticator is required`);
        const authenticator = findAuthenticator(o.authenticator);
        if (!authenticator) throw badRequest(`unknown authenticator "${o.authenticator}" in step ${id}`);
        if (!isEnabled(authenticator.name)) throw badRequest(`authenticator "${authenticator.name}" in step ${id} is disabled on this server`);
        if (authenticator.needsKnownUser && index === 0) throw badRequest(`${authenticator.name} cannot be in the first step: it needs a user identified by an earlier step`);
        if (seen.has(authenticator.name)) throw badRequest(`authenticator "${authenticator.name}" is listed twice in step ${id}`);
        seen.add(authenticator.name);
        return { idp: 'LOCAL' as const, authenticator: authenticator.name };
      }),
    };
  });

  const stepId = (key: 'subjectStepId' | 'attributeStepId'): number => {
    const value = raw[key] ?? 1;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > steps.length) {
      throw badRequest(`authenticationSequence.${key} must be the id of one of the steps (1 to ${steps.length})`);
    }
    return value;
  };
  return { type, steps, subjectStepId: stepId('subjectStepId'), attributeStepId: stepId('attributeStepId') };
}
