// An administrator sets a user's password (for one forgotten, or leaked): SCIM PATCH of
// password. Asks first, since the old password stops working and every session and token
// of the user ends; the server's policy message shows under the field.
import { useRef, useState, type FormEvent } from 'react';
import { TextField } from '../../components/fields';
import { useConfirm } from '../../components/confirm';
import { useToast } from '../../components/toast';
import { messageOf } from '../../api/client';
import { focusFirstInvalid, placeProblems } from '../shared/problems';
import { setUserPassword, type ScimUser } from './api';

export function PasswordForm({ user, self, onChanged }: { user: ScimUser; self: boolean; onChanged(): void }) {
  const confirm = useConfirm();
  const toast = useToast();
  const form = useRef<HTMLFormElement>(null);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const name = `"${user.userName}"`;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!password) {
      setError('Enter the new password.');
      focusFirstInvalid(form.current);
      return;
    }
    const ok = await confirm({
      title: `Set a new password for ${name}?`,
      message: (
        <>
          <p>The old password stops working at once, and every session and token of the user ends, in every application. Give the new password to the user through a safe channel.</p>
          {self ? <p><strong>This is your own account:</strong> your console session ends too, and you sign in again.</p> : null}
        </>
      ),
      confirmLabel: 'Set password',
      danger: true,
    });
    if (!ok) return;
    setBusy(true);
    setError(undefined);
    try {
      await setUserPassword(user.id, password);
      setPassword('');
      toast.show(`New password set for ${name}; their sessions and tokens ended.`);
      onChanged();
    } catch (err) {
      const placed = placeProblems(messageOf(err), [['password', /^password\b/]] as const);
      setError(placed.fields.password ?? `The password was not set: ${placed.form ?? messageOf(err)}`);
      focusFirstInvalid(form.current);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form ref={form} className="form" onSubmit={(e) => void submit(e)} noValidate>
      <TextField label="New password" type="password" autoComplete="new-password" value={password} error={error}
        hint="At least 8 characters, not the username. The user's authenticator app and backup codes stay as they are."
        onChange={(e) => { setPassword(e.target.value); setError(undefined); }} />
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy}>Set password</button>
      </div>
    </form>
  );
}
