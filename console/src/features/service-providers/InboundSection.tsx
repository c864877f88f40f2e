// Inbound Authentication Configuration → OAuth/OpenID Connect: callback URLs, grant
// types, public client, PKCE, back-channel logout URL; the OAuth Client Key and Client Secret with copy buttons and
// Regenerate Secret (which saves at once, after a confirmation).
import { useState } from 'react';
import { CheckboxField, FieldError, TextAreaField, TextField } from '../../components/fields';
import { CopyButton } from '../../components/copy-button';
import type { GrantType, OidcInbound } from './api';
import type { Draft } from './draft';
import type { PlacedErrors } from './errors';

const GRANTS: ReadonlyArray<{ value: GrantType; label: string; hint: string }> = [
  { value: 'authorization_code', label: 'Code', hint: 'Users sign in through the browser (authorization code, with PKCE).' },
  { value: 'refresh_token', label: 'Refresh Token', hint: 'The application renews access tokens without asking the user again.' },
  { value: 'client_credentials', label: 'Client Credentials', hint: 'The application calls APIs as itself, with its client secret.' },
];

interface Props {
  draft: Draft;
  oidc: OidcInbound;
  errors: PlacedErrors;
  system: boolean;
  onChange(change: Partial<Draft>): void;
  onRegenerate(): void;
  regenerating: boolean;
}

export function InboundSection({ draft, oidc, errors, system, onChange, onRegenerate, regenerating }: Props) {
  const [showSecret, setShowSecret] = useState(false);
  const toggleGrant = (grant: GrantType, on: boolean) =>
    onChange({ grantTypes: on ? [...draft.grantTypes, grant] : draft.grantTypes.filter((g) => g !== grant) });

  return (
    <>
      <h3>OAuth/OpenID Connect Configuration</h3>
      <div className="field">
        <label htmlFor="oauth-client-key">OAuth Client Key</label>
        <div className="with-actions">
          <input id="oauth-client-key" className="mono" readOnly value={oidc.clientId} />
          <CopyButton value={oidc.clientId} what="OAuth Client Key" />
        </div>
      </div>
      {oidc.publicClient || !oidc.clientSecret ? (
        <p className="hint">This is a public client: it has no client secret.</p>
      ) : (
        <div className="field">
          <label htmlFor="oauth-client-secret">Client Secret</label>
          <p className="hint" id="oauth-client-secret-hint">Keep it on the application's server only. Regenerating it stops the old one at once.</p>
          <div className="with-actions">
            <input id="oauth-client-secret" className="mono" readOnly type={showSecret ? 'text' : 'password'} value={oidc.clientSecret} aria-describedby="oauth-client-secret-hint" />
            <button type="button" className="button" aria-pressed={showSecret} onClick={() => setShowSecret((s) => !s)}>
              {showSecret ? 'Hide' : 'Show'}<span className="sr-only"> Client Secret</span>
            </button>
            <CopyButton value={oidc.clientSecret} what="Client Secret" />
            {system ? null : (
              <button type="button" className="button button-danger-quiet" onClick={onRegenerate} disabled={regenerating}>Regenerate Secret</button>
            )}
          </div>
        </div>
      )}

      {system ? (
        <p className="notice">
          This is a system application (the console's or My Account's own sign-in). Its OAuth/OpenID Connect settings are fixed: a public client with PKCE,
          the Code grant only, and a callback on this server. You can change its description and its authentication steps.
        </p>
      ) : (
        <>
          <TextAreaField
            label="Callback URLs"
            hint="Where Gatehouse may send users back after they sign in (and sign out): one URL per line, exactly as the application sends it. https, or http for localhost only."
            rows={3}
            value={draft.callbackURLs}
            error={errors.callbackURLs}
            spellCheck={false}
            onChange={(e) => onChange({ callbackURLs: e.target.value })}
          />
          <fieldset className="fieldset" aria-describedby={errors.grantTypes ? 'grant-types-error' : undefined}>
            <legend>Allowed Grant Types</legend>
            {GRANTS.map((g) => (
              <CheckboxField
                key={g.value}
                label={g.label}
                hint={g.hint}
                checked={draft.grantTypes.includes(g.value)}
                onChange={(e) => toggleGrant(g.value, e.target.checked)}
              />
            ))}
            <FieldError id="grant-types-error" message={errors.grantTypes} />
          </fieldset>
          <CheckboxField
            label="Public client"
            hint="Allow authentication without the client secret: for applications that cannot keep a secret (in the browser, on a phone). PKCE is then mandatory."
            checked={draft.publicClient}
            error={errors.publicClient}
            onChange={(e) => onChange({ publicClient: e.target.checked })}
          />
          <CheckboxField
            label="PKCE Mandatory"
            hint="Refuse sign-ins without a PKCE code challenge (S256). Always on for public clients."
            checked={draft.pkceMandatory || draft.publicClient}
            disabled={draft.publicClient}
            onChange={(e) => onChange({ pkceMandatory: e.target.checked })}
          />
          <TextField
            label="Back-channel logout URL"
            hint="Optional. Gatehouse POSTs a signed logout token here when a session the application signed in through ends (sign-out, a new password, an administrator ending it), so the application can end its own session. https; an internal address only if the server's operator allows it."
            type="url"
            inputMode="url"
            spellCheck={false}
            value={draft.backChannelLogoutUrl}
            error={errors.backChannelLogoutUrl}
            onChange={(e) => onChange({ backChannelLogoutUrl: e.target.value })}
          />
        </>
      )}
    </>
  );
}
