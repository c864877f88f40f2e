// Add New Service Provider: Service Provider Name, Description, Register. The rest (OAuth
// settings, authentication steps) is configured on the service provider afterwards, as in WSO2.
import { useState, type FormEvent } from 'react';
import { Page } from '../components/page';
import { FormAlert, TextAreaField, TextField } from '../components/fields';
import { useToast } from '../components/toast';
import { useUnsavedChanges } from '../components/unsaved-changes';
import { ApiError, messageOf } from '../api/client';
import { Link, navigate } from '../router';
import { registerApplication } from '../features/service-providers/api';

export function ServiceProviderAddPage() {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<{ name?: string; description?: string; form?: string }>({});
  const [busy, setBusy] = useState(false);
  const toast = useToast();
  useUnsavedChanges(!busy && (name !== '' || description !== ''));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) {
      setErrors({ name: 'Enter a name for the service provider.' });
      document.getElementById('sp-name')?.focus();
      return;
    }
    setBusy(true);
    try {
      const created = await registerApplication({ name: name.trim(), description });
      toast.show(`Service provider "${created.name}" registered.`);
      await navigate(`/service-providers/${created.id}`, { replace: true, force: true });
    } catch (err) {
      setBusy(false);
      const message = messageOf(err);
      if (err instanceof ApiError && (err.status === 409 || /^name\b/.test(message))) setErrors({ name: message });
      else if (/^description\b/.test(message)) setErrors({ description: message });
      else setErrors({ form: message });
    }
  };

  return (
    <Page title="Add New Service Provider" eyebrow="Service Providers">
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        <TextField
          id="sp-name"
          label="Service Provider Name"
          required
          maxLength={255}
          autoComplete="off"
          value={name}
          error={errors.name}
          onChange={(e) => { setName(e.target.value); setErrors((x) => ({ ...x, name: undefined })); }}
        />
        <TextAreaField label="Description" rows={3} value={description} error={errors.description} onChange={(e) => setDescription(e.target.value)} />
        <FormAlert message={errors.form} />
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy}>Register</button>
          <Link className="button" to="/service-providers">Cancel</Link>
        </div>
      </form>
    </Page>
  );
}
