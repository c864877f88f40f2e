// A form for one code from an authenticator app: to verify a new app, or to prove the
// current one before a change. Checks the shape here (the server would only say the same);
// `onCode` answers with a problem to show under the field, or nothing when it went through.
import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import { TextField } from '../components/fields';
import { focusFirstInvalid } from '../features/shared/problems';

export interface CodeFormProps {
  label: string;
  hint?: ReactNode;
  submitLabel: string;
  digits?: number;
  danger?: boolean;
  /** Focus the field when the form appears (it opened after a click, not with the page). */
  autoFocus?: boolean;
  onCode(code: string): Promise<string | undefined>;
  onCancel?: () => void;
}

export function CodeForm({ label, hint, submitLabel, digits = 6, danger, autoFocus, onCode, onCancel }: CodeFormProps) {
  const form = useRef<HTMLFormElement>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const typed = code.replace(/\s+/g, '');
    let problem: string | undefined = `Enter the ${digits}-digit code the app shows now.`;
    if (new RegExp(`^[0-9]{${digits}}$`).test(typed)) {
      setBusy(true);
      try { problem = await onCode(typed); } finally { setBusy(false); }
    }
    // Done: the card may have replaced this form already.
    if (!form.current?.isConnected) return;
    setError(problem);
    if (problem) {
      setCode('');
      focusFirstInvalid(form.current);
    }
  };

  return (
    <form ref={form} className="code-form" onSubmit={(e) => void submit(e)} noValidate>
      <TextField label={label} hint={hint} error={error} value={code} className="code-field"
        type="text" inputMode="numeric" autoComplete="one-time-code" spellCheck={false} maxLength={digits + 2}
        autoFocus={autoFocus}
        onChange={(e) => { setCode(e.target.value); setError(undefined); }} />
      <div className="form-actions">
        <button type="submit" className={`button ${danger ? 'button-danger' : 'button-primary'}`} disabled={busy}>{submitLabel}</button>
        {onCancel ? <button type="button" className="button" onClick={onCancel} disabled={busy}>Cancel</button> : null}
      </div>
    </form>
  );
}
