// Tenants (super administrator only): the organizations on this server, and a new one with
// its first administrator (the owner), who then signs in to the tenant's own console.
import { useRef, useState, type FormEvent } from 'react';
import { Page, EmptyState, Loading, LoadError } from '../components/page';
import { FormAlert, TextField } from '../components/fields';
import { useToast } from '../components/toast';
import { useUnsavedChanges } from '../components/unsaved-changes';
import { useLoad } from '../api/use-load';
import { messageOf } from '../api/client';
import { consoleUrlOf, createTenant, listTenants } from '../features/tenants/api';
import { focusFirstInvalid, placeProblems, type Rules } from '../features/shared/problems';
import '../features/shared/admin-pages.css';

type Field = 'domain' | 'username' | 'password' | 'email';
const RULES: Rules<Field> = [
  ['domain', /^domain\b|^tenant .* already exists/],
  ['username', /^owner\.username|^userName\b|a user named/],
  ['password', /^password\b|owner\.password/],
  ['email', /email/i],
];
const EMPTY: Record<Field, string> = { domain: '', username: '', password: '', email: '' };

export function TenantsPage() {
  const tenants = useLoad((signal) => listTenants(signal), []);
  return (
    <Page title="Tenants">
      <p className="lead">The organizations on this server. Each has its own users, service providers, settings and console at <code>{'/t/{domain}/console/'}</code>.</p>
      {tenants.error ? <LoadError message={tenants.error} onRetry={tenants.reload} /> : null}
      {!tenants.data && !tenants.error ? <Loading what="tenants" /> : null}
      {tenants.data ? (
        tenants.data.tenants.length <= 1 ? (
          <EmptyState title="Only the default organization so far">
            <p>Add a tenant below to host another organization on this server, with its own administrator.</p>
          </EmptyState>
        ) : null
      ) : null}
      {tenants.data?.tenants.length ? (
        <table className="table">
          <caption className="sr-only">Tenants</caption>
          <thead><tr><th scope="col">Domain</th><th scope="col">Issuer</th><th scope="col"><span className="sr-only">Console</span></th></tr></thead>
          <tbody>
            {tenants.data.tenants.map((t) => (
              <tr key={t.id}>
                <th scope="row">{t.domain}{t.name !== t.domain ? <span className="event-meta">{t.name}</span> : null}</th>
                <td><code>{t.issuer}</code></td>
                <td><a className="button button-small" href={consoleUrlOf(t)}>Open console<span className="sr-only"> of {t.domain}</span></a></td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <AddTenant onCreated={tenants.reload} />
    </Page>
  );
}

function AddTenant({ onCreated }: { onCreated(): void }) {
  const [form, setForm] = useState(EMPTY);
  const [errors, setErrors] = useState<Partial<Record<Field, string>> & { form?: string }>({});
  const [busy, setBusy] = useState(false);
  const element = useRef<HTMLFormElement>(null);
  const toast = useToast();
  useUnsavedChanges(Object.values(form).some(Boolean));

  const set = (field: Field, value: string) => {
    setForm((f) => ({ ...f, [field]: value }));
    setErrors((e) => ({ ...e, [field]: undefined }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing: Partial<Record<Field, string>> = {};
    if (!form.domain.trim()) missing.domain = 'Enter the tenant\'s domain, e.g. acme.com.';
    if (!form.username.trim()) missing.username = 'Enter a username for the tenant\'s administrator.';
    if (!form.password) missing.password = 'Enter a password for the tenant\'s administrator.';
    if (Object.keys(missing).length) {
      setErrors(missing);
      focusFirstInvalid(element.current);
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const created = await createTenant({
        domain: form.domain.trim(),
        owner: { username: form.username.trim(), password: form.password, ...(form.email.trim() ? { email: form.email.trim() } : {}) },
      });
      setForm(EMPTY);
      toast.show(`Tenant ${created.domain} created with its administrator ${form.username.trim()}.`);
      onCreated();
    } catch (err) {
      const placed = placeProblems(messageOf(err), RULES);
      setErrors({ ...placed.fields, ...(placed.form ? { form: placed.form } : {}) });
      focusFirstInvalid(element.current);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="add-tenant-heading">
      <h2 id="add-tenant-heading">Add tenant</h2>
      <form ref={element} className="form" noValidate onSubmit={(e) => void submit(e)}>
        <TextField label="Domain" required autoComplete="off" spellCheck={false} hint="Lower case, like acme.com. It becomes part of the tenant's URLs: /t/acme.com/…"
          value={form.domain} error={errors.domain} onChange={(e) => set('domain', e.target.value)} />
        <fieldset className="fieldset">
          <legend>The tenant's administrator</legend>
          <TextField label="Administrator username" required autoComplete="off" spellCheck={false} value={form.username} error={errors.username} onChange={(e) => set('username', e.target.value)} />
          <TextField label="Administrator password" type="password" required autoComplete="new-password" hint="At least 8 characters. Give it to the administrator through a safe channel."
            value={form.password} error={errors.password} onChange={(e) => set('password', e.target.value)} />
          <TextField label="Administrator email" type="email" autoComplete="off" value={form.email} error={errors.email} onChange={(e) => set('email', e.target.value)} />
        </fieldset>
        <FormAlert message={errors.form ? `The tenant was not created: ${errors.form}` : undefined} />
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy}>Add tenant</button>
        </div>
      </form>
    </section>
  );
}
