// One service provider, WSO2's edit page: Basic Information, Inbound Authentication
// Configuration (OAuth/OpenID Connect) and Local and Outbound Authentication
// Configuration, saved together by Update. Errors from the server appear next to the
// field or step they are about, and their section opens.
import { useState } from 'react';
import { Page, Loading, LoadError, Section, EmptyState } from '../components/page';
import { FormAlert, TextAreaField, TextField } from '../components/fields';
import { useConfirm } from '../components/confirm';
import { useToast } from '../components/toast';
import { useUnsavedChanges } from '../components/unsaved-changes';
import { useLoad } from '../api/use-load';
import { messageOf } from '../api/client';
import { Link, navigate } from '../router';
import {
  getApplication, getOidcInbound, listAuthenticators, patchApplication, regenerateSecret,
  type Application, type AuthenticatorInfo, type OidcInbound,
} from '../features/service-providers/api';
import { changesBetween, draftOf, isDirty, patchOf, type Draft } from '../features/service-providers/draft';
import { placeError, type Area, type PlacedErrors } from '../features/service-providers/errors';
import { InboundSection } from '../features/service-providers/InboundSection';
import { AuthenticationSection } from '../features/service-providers/AuthenticationSection';
import { useDeleteServiceProvider } from '../features/service-providers/use-delete-service-provider';
import type { PageProps } from '../routes';

interface Loaded {
  app: Application;
  oidc: OidcInbound;
  authenticators: AuthenticatorInfo[];
}

export function ServiceProviderEditPage({ params }: PageProps) {
  const id = params.id!;
  const loaded = useLoad(async (signal): Promise<Loaded> => {
    const [app, oidc, authenticators] = await Promise.all([getApplication(id, signal), getOidcInbound(id, signal), listAuthenticators(signal)]);
    return { app, oidc, authenticators };
  }, [id]);

  if (loaded.error) {
    return (
      <Page title="Service provider" eyebrow="Service Providers">
        {/not found/i.test(loaded.error) ? (
          <EmptyState title="This service provider does not exist">
            <p>It may have been deleted. <Link to="/service-providers">Back to Service Providers</Link></p>
          </EmptyState>
        ) : <LoadError message={loaded.error} onRetry={loaded.reload} />}
      </Page>
    );
  }
  if (!loaded.data) return <Page title="Service provider" eyebrow="Service Providers"><Loading what="the service provider" /></Page>;
  return <Editor initial={loaded.data} />;
}

const NO_ERRORS: PlacedErrors = { steps: {} };

function Editor({ initial }: { initial: Loaded }) {
  const { authenticators } = initial;
  const [app, setApp] = useState(initial.app);
  const [oidc, setOidc] = useState(initial.oidc);
  const [saved, setSaved] = useState<Draft>(() => draftOf(initial.app, initial.oidc));
  const [draft, setDraft] = useState<Draft>(saved);
  const [open, setOpen] = useState<Record<Exclude<Area, 'form'>, boolean>>({ basic: true, inbound: false, auth: false });
  const [errors, setErrors] = useState<PlacedErrors>(NO_ERRORS);
  const [failed, setFailed] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [regenerating, setRegenerating] = useState(false);
  const confirm = useConfirm();
  const toast = useToast();
  const deleteServiceProvider = useDeleteServiceProvider();

  const changes = changesBetween(saved, draft);
  const dirty = isDirty(changes);
  useUnsavedChanges(dirty);

  const change = (part: Partial<Draft>) => setDraft((d) => ({ ...d, ...part }));
  const toggle = (area: Exclude<Area, 'form'>) => setOpen((o) => ({ ...o, [area]: !o[area] }));

  const update = async () => {
    if (!dirty) {
      toast.show('There are no changes to update.', 'info');
      return;
    }
    setBusy(true);
    setErrors(NO_ERRORS);
    setFailed(undefined);
    try {
      const updated = await patchApplication(app.id, patchOf(draft, changes));
      const inbound = await getOidcInbound(app.id);
      const fresh = draftOf(updated, inbound);
      setApp(updated);
      setOidc(inbound);
      setSaved(fresh);
      setDraft(fresh);
      toast.show(`Service provider "${updated.name}" updated.`);
    } catch (err) {
      const { errors: placed, area } = placeError(messageOf(err), draft.mode);
      setErrors(placed);
      if (area !== 'form') setOpen((o) => ({ ...o, [area]: true }));
      setFailed(area === 'form' ? `The service provider was not updated: ${placed.form}` : 'The service provider was not updated: see the problem marked above.');
    } finally {
      setBusy(false);
    }
  };

  const regenerate = async () => {
    const ok = await confirm({
      title: 'Regenerate the client secret?',
      message: <p>The current secret stops working at once: applications that use it cannot get tokens until you give them the new one.</p>,
      confirmLabel: 'Regenerate Secret',
      danger: true,
    });
    if (!ok) return;
    setRegenerating(true);
    try {
      setOidc(await regenerateSecret(app.id));
      toast.show('A new client secret was generated. Give it to the application.');
    } catch (err) {
      toast.show(`The secret was not regenerated: ${messageOf(err)}`, 'error');
    } finally {
      setRegenerating(false);
    }
  };

  const remove = async () => {
    if (await deleteServiceProvider(app)) await navigate('/service-providers', { force: true });
  };

  return (
    <Page
      title={app.name}
      eyebrow="Service Provider"
      actions={app.isSystemApp ? <span className="badge">System application</span> : (
        <button type="button" className="button button-danger-quiet" onClick={() => void remove()}>Delete</button>
      )}
    >
      <p><Link to="/service-providers">← Service Providers</Link></p>
      <form className="form sp-form" noValidate onSubmit={(e) => { e.preventDefault(); void update(); }}>
        <Section id="basic" title="Basic Information" open={open.basic} onToggle={() => toggle('basic')}>
          <TextField
            label="Service Provider Name"
            required
            maxLength={255}
            autoComplete="off"
            value={draft.name}
            readOnly={app.isSystemApp}
            hint={app.isSystemApp ? 'A system application keeps its name.' : undefined}
            error={errors.name}
            onChange={(e) => change({ name: e.target.value })}
          />
          <TextAreaField label="Description" rows={3} value={draft.description} error={errors.description} onChange={(e) => change({ description: e.target.value })} />
        </Section>

        <Section id="inbound" title="Inbound Authentication Configuration" open={open.inbound} onToggle={() => toggle('inbound')}>
          <InboundSection draft={draft} oidc={oidc} errors={errors} system={app.isSystemApp} onChange={change} onRegenerate={() => void regenerate()} regenerating={regenerating} />
        </Section>

        <Section id="auth" title="Local and Outbound Authentication Configuration" open={open.auth} onToggle={() => toggle('auth')}>
          <AuthenticationSection draft={draft} authenticators={authenticators} errors={errors} onChange={change} />
        </Section>

        <div className="form-actions sticky-actions">
          <FormAlert message={failed} />
          <div className="buttons">
            <button type="submit" className="button button-primary" disabled={busy}>Update</button>
            <Link className="button" to="/service-providers">Cancel</Link>
            {dirty ? <span className="unsaved" role="status">Unsaved changes</span> : null}
          </div>
        </div>
      </form>
    </Page>
  );
}
