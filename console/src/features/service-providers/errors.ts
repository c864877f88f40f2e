// Puts the server's validation message next to what it is about. The admin API answers
// one sentence naming the problem ("totp cannot be in the first step: …", "callbackURLs[0]
// … is not an absolute URL"); the patterns below read those sentences. A message none of
// them recognises is shown above the Update button, so nothing is ever lost.
import type { AuthMode } from './draft';

export interface PlacedErrors {
  name?: string;
  description?: string;
  callbackURLs?: string;
  backChannelLogoutUrl?: string;
  grantTypes?: string;
  publicClient?: string;
  /** Local Authentication's authenticator. */
  local?: string;
  /** The steps as a whole (none, subject/attribute step). */
  sequence?: string;
  /** By step index (0-based). */
  steps: Record<number, string>;
  /** Anything else. */
  form?: string;
}

export type Area = 'basic' | 'inbound' | 'auth' | 'form';

export function placeError(message: string, mode: AuthMode): { errors: PlacedErrors; area: Area } {
  const errors: PlacedErrors = { steps: {} };
  if (/^name\b|named ".*" already exists|its name cannot change/.test(message)) return { errors: { ...errors, name: message }, area: 'basic' };
  if (/^description\b/.test(message)) return { errors: { ...errors, description: message }, area: 'basic' };
  if (/backChannelLogoutUrl|oidc\.logout/.test(message)) return { errors: { ...errors, backChannelLogoutUrl: message }, area: 'inbound' };
  if (/callbackURLs/.test(message)) return { errors: { ...errors, callbackURLs: message }, area: 'inbound' };
  if (/grantTypes|grant type|client_credentials grant/.test(message)) return { errors: { ...errors, grantTypes: message }, area: 'inbound' };
  if (/publicClient|pkce|tokenEndpointAuthMethod|OAuth\/OpenID Connect settings/i.test(message)) return { errors: { ...errors, publicClient: message }, area: 'inbound' };
  if (/authenticationSequence|authenticator|step/i.test(message)) {
    if (mode === 'local') return { errors: { ...errors, local: message }, area: 'auth' };
    const step = /cannot be in the first step/.test(message) ? 1
      : Number((/\bin step (\d+)|^step (\d+)|steps\[(\d+)\]/.exec(message) ?? []).slice(1).find(Boolean) ?? NaN);
    // steps[i] in the API's messages is 0-based; "step N" is the step's id.
    const index = /steps\[(\d+)\]/.test(message) ? step : step - 1;
    if (Number.isInteger(index) && index >= 0) return { errors: { ...errors, steps: { [index]: message } }, area: 'auth' };
    return { errors: { ...errors, sequence: message }, area: 'auth' };
  }
  return { errors: { ...errors, form: message }, area: 'form' };
}
