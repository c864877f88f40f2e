// The edit page's working copy of a service provider, and the PATCH that saves it: only
// the parts that changed are sent, so saving the authentication steps of a new service
// provider does not trip over its not yet configured OAuth settings.
import type { Application, ApplicationPatch, GrantType, OidcInbound } from './api';

export type AuthMode = 'default' | 'local' | 'advanced';

export interface DraftStep {
  /** Stable across reordering (React key, subject/attribute step). */
  key: string;
  /** Canonical authenticator names, in the order they were added. */
  authenticators: string[];
}

export interface Draft {
  name: string;
  description: string;
  /** One URL per line. */
  callbackURLs: string;
  grantTypes: GrantType[];
  publicClient: boolean;
  pkceMandatory: boolean;
  /** Empty: the application takes no back-channel logouts. */
  backChannelLogoutUrl: string;
  mode: AuthMode;
  localAuthenticator: string;
  steps: DraftStep[];
  subjectKey: string | undefined;
  attributeKey: string | undefined;
}

let nextKey = 1;
export const newStepKey = (): string => `step-${nextKey++}`;

export function draftOf(app: Application, oidc: OidcInbound): Draft {
  const sequence = app.authenticationSequence;
  const custom = sequence.type === 'USER_DEFINED';
  const steps = custom ? sequence.steps.map((s) => ({ key: newStepKey(), authenticators: s.options.map((o) => o.authenticator) })) : [];
  const single = custom && steps.length === 1 && steps[0]!.authenticators.length === 1;
  return {
    name: app.name,
    description: app.description,
    callbackURLs: oidc.callbackURLs.join('\n'),
    grantTypes: [...oidc.grantTypes],
    publicClient: oidc.publicClient,
    pkceMandatory: oidc.pkce.mandatory,
    backChannelLogoutUrl: oidc.logout?.backChannelLogoutUrl ?? '',
    mode: !custom ? 'default' : single ? 'local' : 'advanced',
    localAuthenticator: single ? steps[0]!.authenticators[0]! : 'BasicAuthenticator',
    steps,
    subjectKey: steps[sequence.subjectStepId - 1]?.key ?? steps[0]?.key,
    attributeKey: steps[sequence.attributeStepId - 1]?.key ?? steps[0]?.key,
  };
}

export const callbackList = (text: string): string[] => text.split('\n').map((l) => l.trim()).filter(Boolean);

const basicOf = (d: Draft) => JSON.stringify([d.name.trim(), d.description]);
const oidcOf = (d: Draft) => JSON.stringify([callbackList(d.callbackURLs), [...d.grantTypes].sort(), d.publicClient, d.pkceMandatory || d.publicClient, d.backChannelLogoutUrl.trim()]);
const stepIndex = (d: Draft, key: string | undefined) => Math.max(0, d.steps.findIndex((s) => s.key === key));
const authOf = (d: Draft) => JSON.stringify(
  d.mode === 'default' ? ['default']
    : d.mode === 'local' ? ['local', d.localAuthenticator]
      : ['advanced', d.steps.map((s) => s.authenticators), stepIndex(d, d.subjectKey), stepIndex(d, d.attributeKey)],
);

export interface Changes { basic: boolean; oidc: boolean; auth: boolean }

export function changesBetween(saved: Draft, draft: Draft): Changes {
  return { basic: basicOf(saved) !== basicOf(draft), oidc: oidcOf(saved) !== oidcOf(draft), auth: authOf(saved) !== authOf(draft) };
}

export const isDirty = (c: Changes): boolean => c.basic || c.oidc || c.auth;

export function patchOf(draft: Draft, changes: Changes): ApplicationPatch {
  const patch: ApplicationPatch = {};
  if (changes.basic) {
    patch.name = draft.name.trim();
    patch.description = draft.description;
  }
  if (changes.oidc) {
    patch.inboundProtocolConfiguration = {
      oidc: {
        grantTypes: draft.grantTypes,
        callbackURLs: callbackList(draft.callbackURLs),
        publicClient: draft.publicClient,
        pkce: { mandatory: draft.pkceMandatory || draft.publicClient },
        logout: { backChannelLogoutUrl: draft.backChannelLogoutUrl.trim() || null },
      },
    };
  }
  if (changes.auth) {
    if (draft.mode === 'default') {
      patch.authenticationSequence = { type: 'DEFAULT' };
    } else if (draft.mode === 'local') {
      patch.authenticationSequence = {
        type: 'USER_DEFINED',
        steps: [{ id: 1, options: [{ idp: 'LOCAL', authenticator: draft.localAuthenticator }] }],
        subjectStepId: 1,
        attributeStepId: 1,
      };
    } else {
      patch.authenticationSequence = {
        type: 'USER_DEFINED',
        steps: draft.steps.map((s, i) => ({ id: i + 1, options: s.authenticators.map((authenticator) => ({ idp: 'LOCAL' as const, authenticator })) })),
        subjectStepId: stepIndex(draft, draft.subjectKey) + 1,
        attributeStepId: stepIndex(draft, draft.attributeKey) + 1,
      };
    }
  }
  return patch;
}
