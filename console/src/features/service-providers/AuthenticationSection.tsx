// Local and Outbound Authentication Configuration, in WSO2's words: Authentication Type
// Default (username and password), Local Authentication (one authenticator) or Advanced
// Configuration (the steps, see StepsEditor).
import { FieldError, RadioField, SelectField } from '../../components/fields';
import { authenticatorLabel, type AuthenticatorInfo } from './api';
import type { AuthMode, Draft } from './draft';
import type { PlacedErrors } from './errors';
import { StepsEditor } from './StepsEditor';

interface Props {
  draft: Draft;
  authenticators: readonly AuthenticatorInfo[];
  errors: PlacedErrors;
  onChange(change: Partial<Draft>): void;
}

export function AuthenticationSection({ draft, authenticators, errors, onChange }: Props) {
  const setMode = (mode: AuthMode) => onChange({ mode });
  const options = authenticators.map((a) => ({
    value: a.name,
    label: a.isEnabled ? authenticatorLabel(a) : `${authenticatorLabel(a)}: disabled on this server`,
    disabled: !a.isEnabled,
  }));
  return (
    <>
      <fieldset className="fieldset">
        <legend>Authentication Type</legend>
        <RadioField name="auth-mode" label="Default" hint="Username and password (basic)." checked={draft.mode === 'default'} onChange={() => setMode('default')} />
        <RadioField name="auth-mode" label="Local Authentication" hint="One authenticator, in one step." checked={draft.mode === 'local'} onChange={() => setMode('local')}>
          {draft.mode === 'local' ? (
            <SelectField
              className="nested"
              label="Local authenticator"
              options={options}
              value={draft.localAuthenticator}
              error={errors.local}
              onChange={(e) => onChange({ localAuthenticator: e.target.value })}
            />
          ) : null}
        </RadioField>
        <RadioField name="auth-mode" label="Advanced Configuration" hint="Several steps, e.g. a password, then a TOTP code." checked={draft.mode === 'advanced'} onChange={() => setMode('advanced')} />
      </fieldset>
      {draft.mode === 'advanced' ? (
        <StepsEditor draft={draft} authenticators={authenticators} errors={errors} onChange={onChange} />
      ) : (
        <FieldError message={errors.sequence} />
      )}
    </>
  );
}
