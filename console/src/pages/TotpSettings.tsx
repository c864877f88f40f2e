// Multi-factor authentication → TOTP settings: every TOTP parameter of this organization
// with its sentence, default and server value. Save sends only what changed (PUT is
// partial); "Use server value" removes the organization's override (null). The server
// checks the values and names each wrong one, which is shown under its field.
import { useMemo, useRef, useState } from 'react';
import { Page, Loading, LoadError } from '../components/page';
import { CheckboxField, FormAlert, SelectField, TextField } from '../components/fields';
import { useToast } from '../components/toast';
import { useUnsavedChanges } from '../components/unsaved-changes';
import { useLoad } from '../api/use-load';
import { messageOf } from '../api/client';
import { getTotpParameters, putTotpParameters, type ParameterDetail, type ParameterValue, type Parameters } from '../features/totp/api';
import { focusFirstInvalid, placeProblems, type Rules } from '../features/shared/problems';
import '../features/shared/admin-pages.css';

type Draft = Record<string, string | boolean>;

const TITLE = 'TOTP settings';
const EYEBROW = 'Multi-factor authentication';

export function TotpSettingsPage() {
  const loaded = useLoad((signal) => getTotpParameters(signal), []);
  if (loaded.error) return <Page title={TITLE} eyebrow={EYEBROW}><LoadError message={loaded.error} onRetry={loaded.reload} /></Page>;
  if (!loaded.data) return <Page title={TITLE} eyebrow={EYEBROW}><Loading what="the TOTP settings" /></Page>;
  return <Editor initial={loaded.data} />;
}

const shown = (value: ParameterValue): string | boolean => (typeof value === 'boolean' ? value : String(value));
const draftOf = (p: Parameters): Draft => Object.fromEntries(p.details.map((d) => [d.name, shown(d.value)]));
const describe = (value: ParameterValue): string => (value === '' ? '(empty)' : String(value));

/** The value to send for a field, or a problem the server need not be asked about. */
function parse(detail: ParameterDetail, value: string | boolean): { value: ParameterValue } | { problem: string } {
  if (detail.type === 'boolean') return { value: Boolean(value) };
  const text = String(value);
  if (detail.type === 'integer') {
    return /^\s*-?\d+\s*$/.test(text) ? { value: Number(text) } : { problem: 'Enter a whole number.' };
  }
  return { value: text };
}

function Editor({ initial }: { initial: Parameters }) {
  const [saved, setSaved] = useState(initial);
  const [draft, setDraft] = useState<Draft>(() => draftOf(initial));
  const [resets, setResets] = useState<ReadonlySet<string>>(new Set());
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failed, setFailed] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const toast = useToast();

  const changed = useMemo(() => saved.details.filter((d) => resets.has(d.name) || draft[d.name] !== shown(d.value)), [saved, draft, resets]);
  useUnsavedChanges(changed.length > 0);
  const rules: Rules<string> = useMemo(() => saved.details.map((d) => [d.name, new RegExp(`^${d.name}\\b`)] as const), [saved]);

  const edit = (name: string, value: string | boolean) => {
    setDraft((d) => ({ ...d, [name]: value }));
    setResets((r) => { const next = new Set(r); next.delete(name); return next; });
    setErrors((e) => { const { [name]: _gone, ...rest } = e; return rest; });
  };

  const toServerValue = (detail: ParameterDetail) => {
    setDraft((d) => ({ ...d, [detail.name]: shown(detail.serverValue) }));
    setResets((r) => new Set(r).add(detail.name));
    setErrors((e) => { const { [detail.name]: _gone, ...rest } = e; return rest; });
  };

  const keepOverride = (detail: ParameterDetail) => {
    setDraft((d) => ({ ...d, [detail.name]: shown(detail.value) }));
    setResets((r) => { const next = new Set(r); next.delete(detail.name); return next; });
  };

  const discard = () => {
    setDraft(draftOf(saved));
    setResets(new Set());
    setErrors({});
    setFailed(undefined);
  };

  const save = async () => {
    if (!changed.length) {
      toast.show('There are no changes to save.', 'info');
      return;
    }
    const body: Record<string, ParameterValue | null> = {};
    const problems: Record<string, string> = {};
    for (const detail of changed) {
      if (resets.has(detail.name)) { body[detail.name] = null; continue; }
      const parsed = parse(detail, draft[detail.name]!);
      if ('problem' in parsed) problems[detail.name] = parsed.problem;
      else body[detail.name] = parsed.value;
    }
    setErrors(problems);
    if (Object.keys(problems).length) {
      setFailed('The settings were not saved: see the problems marked above.');
      focusFirstInvalid(form.current);
      return;
    }
    setBusy(true);
    setFailed(undefined);
    try {
      const fresh = await putTotpParameters(body);
      setSaved(fresh);
      setDraft(draftOf(fresh));
      setResets(new Set());
      toast.show('TOTP settings saved.');
    } catch (err) {
      const placed = placeProblems(messageOf(err), rules);
      setErrors(placed.fields as Record<string, string>);
      setFailed(`The settings were not saved: ${placed.form ?? 'see the problems marked above.'}`);
      focusFirstInvalid(form.current);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title={TITLE} eyebrow={EYEBROW}>
      <p className="lead">
        How codes from authenticator apps work in this organization. Each parameter has the server's value (from its configuration, or the
        built-in default) unless this organization sets its own here. Changes apply to the next sign-in; code length, algorithm and time step
        apply to new enrollments only.
      </p>
      <form ref={form} className="form" noValidate onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <ul className="params">
          {saved.details.map((d) => (
            <li key={d.name} className="param">
              <ParameterField detail={d} value={draft[d.name]!} error={errors[d.name]} onChange={(v) => edit(d.name, v)} />
              <p className="param-meta">
                {resets.has(d.name)
                  ? <span className="badge badge-warn">Server value when saved</span>
                  : d.source === 'tenant' ? <span className="badge badge-info">This organization's value</span> : <span className="badge">Server value</span>}
                <span>Default: <code>{describe(d.default)}</code></span>
                <span>Server value: <code>{describe(d.serverValue)}</code></span>
                {d.source === 'tenant' && !resets.has(d.name) ? (
                  <button type="button" className="button button-small button-quiet" onClick={() => toServerValue(d)}>
                    Use server value<span className="sr-only"> for {d.name}</span>
                  </button>
                ) : null}
                {resets.has(d.name) ? (
                  <button type="button" className="button button-small button-quiet" onClick={() => keepOverride(d)}>
                    Keep this organization's value<span className="sr-only"> for {d.name}</span>
                  </button>
                ) : null}
              </p>
            </li>
          ))}
        </ul>
        <div className="form-actions sticky-actions">
          <FormAlert message={failed} />
          <div className="buttons">
            <button type="submit" className="button button-primary" disabled={busy}>Save</button>
            <button type="button" className="button" disabled={busy || !changed.length} onClick={discard}>Discard changes</button>
            {changed.length ? <span className="unsaved" role="status">Unsaved changes ({changed.length})</span> : null}
          </div>
        </div>
      </form>
    </Page>
  );
}

function ParameterField({ detail, value, error, onChange }: { detail: ParameterDetail; value: string | boolean; error: string | undefined; onChange(value: string | boolean): void }) {
  const id = `param-${detail.name}`;
  const label = <span className="param-name">{detail.name}</span>;
  if (detail.type === 'boolean') {
    return <CheckboxField id={id} label={label} hint={detail.description} error={error} checked={value === true} onChange={(e) => onChange(e.target.checked)} />;
  }
  if (detail.oneOf) {
    const options = detail.oneOf.map((o) => ({ value: o, label: o }));
    // A stored value outside the list (an older, looser server) stays visible rather than silently changing.
    if (!detail.oneOf.includes(String(value))) options.unshift({ value: String(value), label: `${String(value)} (not valid)` });
    return <SelectField id={id} label={label} hint={detail.description} error={error} options={options} value={String(value)} onChange={(e) => onChange(e.target.value)} />;
  }
  const range = detail.min !== undefined && detail.max !== undefined ? ` From ${detail.min} to ${detail.max}.` : '';
  return (
    <TextField
      id={id}
      label={label}
      hint={`${detail.description}${range}`}
      error={error}
      value={String(value)}
      {...(detail.type === 'integer' ? { type: 'number', inputMode: 'numeric' as const, step: 1, min: detail.min, max: detail.max } : { type: 'text' })}
      autoComplete="off"
      spellCheck={false}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}
