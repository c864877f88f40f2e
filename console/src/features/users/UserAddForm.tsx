// Add user: username, email, name and an initial password (SCIM POST /scim2/Users). The
// server's answer names the field that is wrong; it is shown under that field.
import { useRef, useState, type FormEvent } from 'react';
import { FormAlert, TextField } from '../../components/fields';
import { useToast } from '../../components/toast';
import { useUnsavedChanges } from '../../components/unsaved-changes';
import { messageOf } from '../../api/client';
import { Link, navigate } from '../../router';
import { focusFirstInvalid, placeProblems, type Rules } from '../shared/problems';
import { createUser, type NewUser } from './api';

type Field = keyof NewUser;

const RULES: Rules<Field> = [
  ['userName', /^userName\b|a user named/],
  ['password', /^password\b/],
  ['email', /email|emails\[\]/],
  ['givenName', /^name\.givenName/],
  ['familyName', /^name\.familyName/],
];

const EMPTY: NewUser = { userName: '', email: '', givenName: '', familyName: '', password: '' };

export function UserAddForm() {
  const [user, setUser] = useState<NewUser>(EMPTY);
  const [errors, setErrors] = useState<Partial<Record<Field, string>> & { form?: string }>({});
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const toast = useToast();
  useUnsavedChanges(!busy && Object.values(user).some((v) => v !== ''));

  const set = (field: Field) => (value: string) => {
    setUser((u) => ({ ...u, [field]: value }));
    setErrors((e) => ({ ...e, [field]: undefined }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing: Partial<Record<Field, string>> = {};
    if (!user.userName.trim()) missing.userName = 'Enter a username.';
    if (!user.password) missing.password = 'Enter an initial password.';
    if (Object.keys(missing).length) {
      setErrors(missing);
      focusFirstInvalid(form.current);
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const created = await createUser(user);
      toast.show(`User "${created.userName}" added.`);
      await navigate(`/users/${encodeURIComponent(created.id)}`, { replace: true, force: true });
    } catch (err) {
      setBusy(false);
      const placed = placeProblems(messageOf(err), RULES);
      setErrors({ ...placed.fields, ...(placed.form ? { form: placed.form } : {}) });
      focusFirstInvalid(form.current);
    }
  };

  return (
    <form ref={form} className="form" onSubmit={(e) => void submit(e)} noValidate>
      <TextField label="Username" required autoComplete="off" spellCheck={false} maxLength={255}
        hint="What the user types to sign in: no spaces." value={user.userName} error={errors.userName} onChange={(e) => set('userName')(e.target.value)} />
      <TextField label="Email" type="email" autoComplete="off" value={user.email} error={errors.email}
        hint="Where sign-in codes by email go, when the organization allows them." onChange={(e) => set('email')(e.target.value)} />
      <TextField label="Given name" autoComplete="off" maxLength={255} value={user.givenName} error={errors.givenName} onChange={(e) => set('givenName')(e.target.value)} />
      <TextField label="Family name" autoComplete="off" maxLength={255} value={user.familyName} error={errors.familyName} onChange={(e) => set('familyName')(e.target.value)} />
      <TextField label="Password" type="password" required autoComplete="new-password" value={user.password} error={errors.password}
        hint="At least 8 characters, not the username. Give it to the user through a safe channel." onChange={(e) => set('password')(e.target.value)} />
      <FormAlert message={errors.form ? `The user was not added: ${errors.form}` : undefined} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>Add user</button>
        <Link className="button" to="/users">Cancel</Link>
      </div>
    </form>
  );
}
