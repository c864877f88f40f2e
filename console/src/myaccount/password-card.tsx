// The "Password" card. The server checks the current password and its policy; here only
// that the new one was typed the same twice. A change ends every session and token of the
// user, this page's included, so success hands over to the signed-out screen.
import { useRef, useState, type FormEvent } from 'react';
import { FormAlert, TextField } from '../components/fields';
import { focusFirstInvalid } from '../features/shared/problems';
import { changePassword } from './api';
import { plainProblem } from './problems';

type Field = 'current' | 'next' | 'again';

export function PasswordCard({ username, onChanged }: { username: string; onChanged(): void }) {
  const form = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState<Record<Field, string>>({ current: '', next: '', again: '' });
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const edit = (field: Field) => (value: string) => {
    setValues((v) => ({ ...v, [field]: value }));
    setErrors((e) => ({ ...e, [field]: undefined }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(undefined);
    const found: Partial<Record<Field, string>> = {};
    if (!values.current) found.current = 'Enter your current password.';
    if (!values.next) found.next = 'Enter a new password.';
    if (values.next && values.again !== values.next) found.again = 'The two new passwords are not the same. Type the new password again.';
    setErrors(found);
    if (Object.keys(found).length) {
      focusFirstInvalid(form.current);
      return;
    }
    setBusy(true);
    try {
      await changePassword(values.current, values.next);
      onChanged();
    } catch (err) {
      setProblem(plainProblem(err));
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <form ref={form} onSubmit={(e) => void submit(e)} noValidate>
        {/* Tells password managers whose password changes, so they update the right entry. */}
        <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
        <TextField label="Current password" type="password" autoComplete="current-password" value={values.current} error={errors.current}
          onChange={(e) => edit('current')(e.target.value)} />
        <TextField label="New password" type="password" autoComplete="new-password" value={values.next} error={errors.next}
          hint="At least 8 characters, and not your username. A long phrase is easy to remember and hard to guess."
          onChange={(e) => edit('next')(e.target.value)} />
        <TextField label="Confirm new password" type="password" autoComplete="new-password" value={values.again} error={errors.again}
          onChange={(e) => edit('again')(e.target.value)} />
        <p className="muted">Changing your password signs you out everywhere, on every device and in every application.</p>
        <FormAlert message={problem} />
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy}>Change password</button>
        </div>
      </form>
    </section>
  );
}
